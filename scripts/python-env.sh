#!/bin/sh
# Creates (once) the virtual environment the tests use for their Python peers under .venv/, and
# prints the path of its python.
root="$(cd "$(dirname "$0")/.." && pwd)"
exec "$root/scripts/venv.sh" "$root/.venv" "$root/Tests/Python/requirements.txt" -- -r "$root/Tests/Python/requirements.txt"
