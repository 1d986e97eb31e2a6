#!/bin/sh
# usage: venv.sh DIR PIN_FILE... -- PIP_INSTALL_ARGS...
# Creates the virtual environment DIR (under the repository, ignored by git) once per content of
# the pin files, installing PIP_INSTALL_ARGS into it, and prints the path of its python. Safe to
# call from several processes at once: creation is locked.
set -eu
venv="$1"
shift
pins=""
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do pins="$pins $1"; shift; done
[ "${1:-}" = "--" ] && shift
# shellcheck disable=SC2086
stamp="$venv/.pins.$(cat $pins | cksum | cut -d ' ' -f 1)"
python="${PYTHON:-python3}"
if [ ! -f "$stamp" ]; then
    mkdir -p "$venv"
    exec 9>"$venv.lock"
    flock 9
    if [ ! -f "$stamp" ]; then
        echo "Creating $venv with $*..." >&2
        "$python" -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
        rm -f "$venv"/.pins.*
        touch "$stamp"
    fi
fi
echo "$venv/bin/python"
