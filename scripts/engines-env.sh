#!/bin/sh
# Creates (once per change of its pins) the virtual environment of the engine adapters
# (integrations/python, with its test and airflow extras) under .venv-engines/, and prints the path
# of its python.
root="$(cd "$(dirname "$0")/.." && pwd)"
package="$root/integrations/python"
exec "$root/scripts/venv.sh" "$root/.venv-engines" "$package/pyproject.toml" "$package/constraints.txt" -- \
    -c "$package/constraints.txt" -e "$package[test,airflow]"
