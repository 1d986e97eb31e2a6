"""The components a platform wheel of this package carries (scripts/build-wheel.py): each executable,
installed with the package, and its manifest, shipped as package data.

A component executable named without a path (`twilio-component`) that the wheel carries is the
wheel's own binary, before any of that name on the PATH, and its manifest is read from the package
rather than by running it: the scheduler, the API server and the DAG processor need no binary that
runs. A pure-Python install (the sdist, or the source tree) carries none, and names resolve on the
PATH as always.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Mapping

#: The distribution whose RECORD lists the installed files.
DISTRIBUTION = "component-engines"
#: Where the wheel keeps each executable's manifest: `<MANIFESTS>/<executable name>.json`.
MANIFESTS = "component_engines/manifests"
#: Where `auditwheel repair` moves an executable whose libraries it grafted in (bin/<name> is then a
#: Python launcher for it): the binary itself is run rather than the launcher.
GRAFTED = "component_engines.scripts"


@dataclass(frozen=True)
class Bundled:
    """One component executable the installed wheel carries."""

    name: str
    #: The installed binary's absolute path.
    executable: str
    #: Its manifest, as `<executable> manifest --compact` printed it when the wheel was built.
    manifest_path: pathlib.Path

    def component_key(self) -> str | None:
        """The packaged manifest's component key; None when it cannot be read (loading it says why)."""
        try:
            key = self.manifest()["component"]["key"]
        except (OSError, KeyError, TypeError):
            return None
        return key if isinstance(key, str) else None

    def manifest(self) -> Mapping[str, Any]:
        try:
            return dict(json.loads(self.manifest_path.read_text()))
        except (OSError, ValueError) as error:
            raise OSError(f"the packaged manifest {self.manifest_path} cannot be read ({error}); reinstall "
                          f"{DISTRIBUTION}") from error


def carried(distribution: metadata.Distribution) -> dict[str, Bundled]:
    """Each executable `distribution` installed with its manifest, by name: the files its RECORD
    lists, found where this install put them (a venv's, the user's or the system's bin)."""
    files = distribution.files or []
    manifests = {file.stem: file for file in files
                 if file.suffix == ".json" and "/".join(file.parent.parts) == MANIFESTS}
    found: dict[str, Bundled] = {}
    for name, manifest in sorted(manifests.items()):
        # The grafted binary first: bin/<name> is then only a launcher that starts Python.
        candidates = sorted((file for file in files
                             if file.name == name and file.parent.name in (GRAFTED, "bin", "Scripts")),
                            key=lambda file: file.parent.name != GRAFTED)
        for candidate in candidates:
            path = pathlib.Path(str(distribution.locate_file(candidate))).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                manifest_path = pathlib.Path(str(distribution.locate_file(manifest))).resolve()
                found[name] = Bundled(name, str(path), manifest_path)
                break
    return found


@functools.cache
def installed() -> dict[str, Bundled]:
    """What the installed wheel carries, by executable name, read once per process; nothing when
    this package is not the installed distribution's (the source tree, an editable install)."""
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return {}
    own = pathlib.Path(__file__).resolve().parent / "__init__.py"
    if pathlib.Path(str(distribution.locate_file("component_engines/__init__.py"))).resolve() != own:
        return {}
    return carried(distribution)


def names() -> tuple[str, ...]:
    """The executables the installed wheel carries: the components a process hosts when
    COMPONENT_EXECUTABLES names none."""
    return tuple(installed())


def find(executable: str) -> Bundled | None:
    """The carried executable `executable` names: a bare name the wheel carries, else none (a path is
    always the operator's own)."""
    if not executable or os.sep in executable or (os.altsep and os.altsep in executable):
        return None
    return installed().get(executable)


def manifest_variable(name: str) -> bool:
    """Whether `name` may give some component another manifest: `COMPONENT_MANIFEST`, or
    `COMPONENT_<KEY>_MANIFEST` of any key (the build leaves all of them out, as it reads the
    executable's own manifest before knowing its key)."""
    return name.startswith("COMPONENT_") and name.endswith("_MANIFEST")


def manifest_overridden(environment: Mapping[str, str], component_key: str | None) -> bool:
    """Whether `environment` gives the component `component_key` another manifest, as the executable
    reads it (Swift's `HostedComponent.reading`), which only running it honours: a non-empty
    `COMPONENT_MANIFEST`, or its own `COMPONENT_<KEY>_MANIFEST` (another component's is not its)."""
    # Here, not at the top: settings imports this module, and scripts/build-wheel.py loads it alone.
    from .settings import environment_name

    names = ["COMPONENT_MANIFEST", *([environment_name(component_key, "MANIFEST")] if component_key else [])]
    return any(environment.get(name) for name in names)
