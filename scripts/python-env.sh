#!/bin/sh
# Creates (once) the virtual environment the tests use for their Python peers, and prints the path
# of its python. Safe to call from several test processes at once: creation is locked.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
requirements="$root/Tests/Python/requirements.txt"
stamp="$venv/.requirements.$(cksum < "$requirements" | cut -d ' ' -f 1)"
python="${PYTHON:-python3}"
if [ ! -f "$stamp" ]; then
    mkdir -p "$venv"
    exec 9>"$venv.lock"
    flock 9
    if [ ! -f "$stamp" ]; then
        echo "Creating $venv with $(tr '\n' ' ' < "$requirements")..." >&2
        "$python" -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
        touch "$stamp"
    fi
fi
echo "$venv/bin/python"
