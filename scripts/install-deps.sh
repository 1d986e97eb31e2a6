#!/bin/sh
# Installs, only when missing, the C libraries the package links (libcurl, libyaml, with
# pkg-config); with --test also what the test suite starts or calls: tinyproxy (the CONNECT proxy
# the HTTPS_PROXY tests go through), openssl (certificate hashes for SSL_CERT_DIR), python3-venv
# (the Python peers' virtual environment), redis-server (the broker of the Celery adapter's
# tests), postgresql-15 (the metadata database of the real-Airflow cluster test), strace (what
# wheel-check.sh sees Airflow run); with --bench
# what make bench runs beside the component: valgrind (instruction counts) and the curl tool.
# Package.swift names the same libraries as the system-library providers.
set -eu
missing=""
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libcurl yaml-0.1; then
    missing="libcurl4-openssl-dev libyaml-dev pkg-config"
fi
if [ "${1:-}" = "--bench" ]; then
    command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"  # instruction counts (callgrind)
    command -v curl >/dev/null 2>&1 || missing="$missing curl"  # the raw peer
fi
if [ "${1:-}" = "--test" ]; then
    [ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ] || missing="$missing tinyproxy-bin"
    command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
    python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$missing python3-venv"
    command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
    [ -x /usr/lib/postgresql/15/bin/postgres ] || missing="$missing postgresql-15"  # the Airflow cluster's database
    command -v strace >/dev/null 2>&1 || missing="$missing strace"  # wheel-check: Airflow runs no executable
fi
[ -n "$missing" ] || exit 0
echo "Installing$missing ..." >&2
if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq $missing
elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq $missing
else
    echo "error:$missing missing and this user cannot install them; ask an administrator to run: apt-get install -y$missing" >&2
    exit 1
fi
