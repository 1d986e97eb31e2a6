#!/bin/sh
# Creates (once per change of its pins) the virtual environment the real-Airflow cluster test deploys
# into, under .venv-airflow/: Airflow with the CeleryExecutor and the PostgreSQL drivers, and the
# adapters' dependencies, but NOT the adapters themselves: the test installs them from the wheel each
# run, as a deployment would. Prints the path of its python. Pinned by
# integrations/python/constraints.txt, as the engine tests are.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
package="$root/integrations/python"
"$root/scripts/venv.sh" "$root/.venv-airflow" "$package/constraints.txt" "$0" -- \
    -c "$package/constraints.txt" "apache-airflow[celery]==3.3.2" psycopg2-binary asyncpg \
    "celery[redis]" redis jsonschema starlette uvicorn
