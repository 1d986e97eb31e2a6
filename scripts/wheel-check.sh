#!/bin/sh
# usage: wheel-check.sh DIR
# The platform wheel in DIR (make wheel's .build-wheel) as a user installs it, each time in a new
# virtual environment under DIR/check:
#   1. pip install the wheel alone: twilio-component runs from the venv's bin, and the Celery
#      adapter imports;
#   2. Airflow first, with its constraints (integrations/python/constraints.txt: Airflow's own
#      published file cannot be fetched here), then the wheel without constraints, as providers
#      are added to the official image: pip changes none of Airflow's packages, pip check is clean,
#      and `airflow providers hooks` lists the component's connection type with no executable on
#      the PATH and no COMPONENT_EXECUTABLES (and, where strace is, runs no component executable);
#   3. the wheel with Airflow and the provider in one install under the same constraints: pip check.
# Also checks that the sdist beside it carries no binary and no manifest. Prints the sizes.
set -eu
dir="${1:?usage: wheel-check.sh DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
constraints="$root/integrations/python/constraints.txt"
airflow_version="$(sed -n 's/^apache-airflow==//p' "$constraints")"
python="${PYTHON:-python3}"

fail() { echo "wheel-check: $*" >&2; exit 1; }

set -- "$dir"/component_engines-*.whl
[ "$#" -eq 1 ] && [ -f "$1" ] || fail "expected exactly one component_engines-*.whl in $dir (make wheel), found: $*"
wheel="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
check="$(cd "$dir" && pwd)/check"
rm -rf "$check"
mkdir -p "$check"
# The checks run where nothing of the repository's is on the PATH or configured.
bare_path=/usr/bin:/bin
PATH="$bare_path" command -v twilio-component >/dev/null 2>&1 && fail "twilio-component is in $bare_path"
unset COMPONENT_EXECUTABLES COMPONENT_EXECUTABLE COMPONENT_MANIFEST VIRTUAL_ENV PYTHONPATH

new_venv() {
    "$python" -m venv "$check/$1"
    "$check/$1/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >/dev/null
}

size() { stat -c %s "$1"; }

echo "== the wheel: $(basename "$wheel"), $(size "$wheel") bytes"
for sdist in "$dir"/component_engines-*.tar.gz; do
    [ -f "$sdist" ] || continue
    if tar -tzf "$sdist" | grep -E '/manifests/|\.data/|twilio-component$'; then
        fail "the sdist $sdist carries a binary or a manifest"
    fi
    echo "== the sdist: $(basename "$sdist"), $(size "$sdist") bytes, no binary, no manifest"
done

echo "== 1. pip install the wheel into a new venv"
new_venv alone
"$check/alone/bin/pip" install --quiet --disable-pip-version-check "$wheel"
found="$(PATH="$check/alone/bin:$bare_path" command -v twilio-component)"
[ "$found" = "$check/alone/bin/twilio-component" ] || fail "twilio-component resolves to '$found', not the venv's bin"
PATH="$check/alone/bin:$bare_path" twilio-component --version
"$check/alone/bin/python" -c "import component_engines.celery; print('import component_engines.celery: ok')"
binary="$("$check/alone/bin/python" -c \
    "from component_engines import bundled; print(bundled.find('twilio-component').executable)")"
echo "installed binary: $binary, $(size "$binary") bytes"
echo "bin/twilio-component: $(size "$check/alone/bin/twilio-component") bytes"
echo "the libraries it names (a hashed name is grafted into the wheel; the others are the system's):"
readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/  \1/p'

pip_check() {
    report="$("$check/$1/bin/pip" check 2>&1)" || fail "pip check in $1: $report"
    echo "pip check: $report"
}

providers_hooks() {
    venv="$check/$1"
    home="$check/$1-airflow-home"
    mkdir -p "$home"
    if command -v strace >/dev/null 2>&1; then
        env PATH="$bare_path" AIRFLOW_HOME="$home" strace -f -qq -e trace=execve -o "$check/$1-execve.txt" \
            "$venv/bin/airflow" providers hooks >"$check/$1-hooks.txt" 2>"$check/$1-hooks.err" ||
            { cat "$check/$1-hooks.err" >&2; fail "airflow providers hooks failed in $1"; }
        if grep -F 'twilio-component' "$check/$1-execve.txt"; then
            fail "airflow providers hooks ran the component executable in $1"
        fi
        echo "airflow providers hooks ran no component executable (strace)"
    else
        echo "wheel-check: WARNING: strace is not installed, so this cannot show that 'airflow providers hooks'" \
            "runs no component executable; install it (scripts/install-deps.sh --test) for the full check" >&2
        env PATH="$bare_path" AIRFLOW_HOME="$home" "$venv/bin/airflow" providers hooks >"$check/$1-hooks.txt" \
            2>"$check/$1-hooks.err" || { cat "$check/$1-hooks.err" >&2; fail "airflow providers hooks failed in $1"; }
    fi
    grep -E '(^|[^-[:alnum:]_])twilio([^-[:alnum:]_]|$)' "$check/$1-hooks.txt" ||
        { cat "$check/$1-hooks.txt" >&2; fail "airflow providers hooks lists no connection type twilio in $1"; }
}

echo "== 2. Airflow $airflow_version first (with constraints), then the wheel without constraints"
new_venv airflow-first
"$check/airflow-first/bin/pip" install --quiet --disable-pip-version-check -c "$constraints" \
    "apache-airflow==$airflow_version" apache-airflow-providers-celery
"$check/airflow-first/bin/pip" freeze --all | sort >"$check/airflow-first-before.txt"
"$check/airflow-first/bin/pip" install --disable-pip-version-check "$wheel" >"$check/airflow-first-install.txt"
"$check/airflow-first/bin/pip" freeze --all | sort >"$check/airflow-first-after.txt"
changed="$(comm -23 "$check/airflow-first-before.txt" "$check/airflow-first-after.txt")"
added="$(comm -13 "$check/airflow-first-before.txt" "$check/airflow-first-after.txt")"
[ -z "$changed" ] || fail "installing the wheel changed Airflow's packages: $changed"
echo "pip changed none of the $(wc -l <"$check/airflow-first-before.txt") packages Airflow installed; added: $added"
pip_check airflow-first
providers_hooks airflow-first

echo "== 3. the wheel, Airflow $airflow_version and the Celery provider in one install, with the constraints"
new_venv together
"$check/together/bin/pip" install --quiet --disable-pip-version-check -c "$constraints" "$wheel" \
    "apache-airflow==$airflow_version" apache-airflow-providers-celery
pip_check together
providers_hooks together

echo "== sizes: wheel $(size "$wheel") bytes; installed binary $(size "$binary") bytes"
