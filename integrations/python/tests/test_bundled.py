"""Finding the component executables a platform wheel carries (component_engines/bundled.py): the
wheel's binary before the PATH, its packaged manifest instead of running it, and the carried
components as the default when none is configured. The wheel's layout is laid out in tmp_path as
pip installs it (site-packages with the dist-info's RECORD, bin/ beside it); the executables are
shell scripts that record each run."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from importlib import metadata
from typing import Any, Iterator

import pytest

from component_engines import bundled
from component_engines.airflow import loaded, provider
from component_engines.component import Components
from component_engines.settings import NoComponent, Settings

ROOT = pathlib.Path(__file__).resolve().parents[3]


def manifest(key: str, label: str) -> dict[str, Any]:
    return {
        "protocolVersion": "1.3",
        "component": {"key": key, "label": label, "version": "1.0.0"},
        "actions": [{"key": "ping", "label": "Ping", "schema": {"type": "object"}}],
        "connections": [{"key": "token", "label": "Token", "inputs": [
            {"key": "user", "label": "User", "required": True}, {"key": "token", "label": "Token", "secret": True}]}],
    }


#: A component executable that appends its arguments to `runs` and prints `manifest`.
EXECUTABLE = """#!/bin/sh
echo "$0 $*" >> {runs}
if [ -n "$COMPONENT_MANIFEST" ]; then cat "$COMPONENT_MANIFEST"; else echo '{manifest}'; fi
"""


def executable(path: pathlib.Path, runs: pathlib.Path, printed: dict[str, Any]) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXECUTABLE.format(runs=runs, manifest=json.dumps(printed)))
    path.chmod(0o755)
    return path


class Layout:
    """A venv as pip leaves it after installing the wheel: `prefix/lib/python3/site-packages` with
    the package data and the dist-info, `prefix/bin` with the scripts."""

    def __init__(self, root: pathlib.Path) -> None:
        self.prefix = root / "venv"
        self.site = self.prefix / "lib" / "python3" / "site-packages"
        self.bin = self.prefix / "bin"
        self.runs = root / "runs"
        self.runs.touch()
        self.records: list[str] = ["component_engines/__init__.py,,"]
        (self.site / "component_engines").mkdir(parents=True)
        (self.site / "component_engines" / "__init__.py").write_text("")

    def carry(self, name: str, printed: dict[str, Any], packaged: dict[str, Any] | None = None,
              grafted: bool = False) -> pathlib.Path:
        """Installs the executable `name` (printing `printed` as its manifest) and its packaged
        manifest (`packaged`, else `printed`); `grafted`: where auditwheel puts it after grafting
        libraries in, bin/<name> being its launcher."""
        data = self.site / "component_engines" / "manifests" / f"{name}.json"
        data.parent.mkdir(exist_ok=True)
        data.write_text(json.dumps(packaged or printed))
        self.records.append(f"component_engines/manifests/{name}.json,,")
        binary = executable(self.bin / name, self.runs, printed)
        self.records.append(f"../../../bin/{name},,")
        if grafted:
            binary = executable(self.site / "component_engines.scripts" / name, self.runs, printed)
            self.records.append(f"component_engines.scripts/{name},,")
        return binary

    def distribution(self) -> metadata.Distribution:
        info = self.site / "component_engines-0.1.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: component-engines\nVersion: 0.1.0\n")
        (info / "RECORD").write_text("\n".join(self.records) + "\n")
        return metadata.PathDistribution(info)

    def ran(self) -> list[str]:
        return self.runs.read_text().splitlines()


@pytest.fixture
def layout(tmp_path: pathlib.Path) -> Layout:
    return Layout(tmp_path)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`install(layout)`: this process sees `layout` as the installed wheel."""

    def install(layout: Layout) -> dict[str, bundled.Bundled]:
        carried = bundled.carried(layout.distribution())
        monkeypatch.setattr(bundled, "installed", lambda: carried)
        return carried

    yield install
    loaded.settings.cache_clear()
    loaded.components.cache_clear()


def test_the_wheels_files_are_found_where_pip_put_them(layout: Layout) -> None:
    binary = layout.carry("fake-component", manifest("fake", "Fake"))
    layout.carry("grafted-component", manifest("grafted", "Grafted"), grafted=True)
    carried = bundled.carried(layout.distribution())
    assert sorted(carried) == ["fake-component", "grafted-component"]
    assert carried["fake-component"].executable == str(binary.resolve())
    assert carried["fake-component"].manifest() == manifest("fake", "Fake")
    # The binary auditwheel moved, not the launcher that would start Python first.
    assert carried["grafted-component"].executable == str(
        (layout.site / "component_engines.scripts" / "grafted-component").resolve())
    assert layout.ran() == []  # finding them runs nothing


def test_a_file_that_is_not_an_executable_is_not_carried(layout: Layout) -> None:
    binary = layout.carry("fake-component", manifest("fake", "Fake"))
    binary.chmod(0o644)
    assert bundled.carried(layout.distribution()) == {}
    binary.unlink()
    assert bundled.carried(layout.distribution()) == {}


def test_the_source_tree_carries_nothing() -> None:
    """These tests run the package from the source tree (an editable install): nothing is bundled,
    so names resolve on the PATH as before."""
    bundled.installed.cache_clear()
    assert bundled.installed() == {} and bundled.names() == ()
    assert bundled.find("twilio-component") is None


def test_a_carried_name_is_the_wheels_binary_before_the_path(
        layout: Layout, installed: Any, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = layout.carry("fake-component", manifest("fake", "Fake"))
    installed(layout)
    # Another executable of that name on the PATH, with another manifest: never run.
    other = executable(tmp_path / "path" / "fake-component", layout.runs, manifest("other", "Other"))
    monkeypatch.setenv("PATH", f"{other.parent}{os.pathsep}{os.environ['PATH']}")
    loaded_components = Components.load(["fake-component"])
    (component,) = loaded_components
    assert component.executable == str(binary.resolve())
    assert component.key == "fake" and component.manifest.label == "Fake"
    assert layout.ran() == []  # the manifest came from the package
    # A path is the operator's own: run as given, whatever the wheel carries.
    (given,) = Components.load([str(other)])
    assert (given.executable, given.key) == (str(other), "other")
    assert layout.ran() == [f"{other} manifest --compact"]


def test_a_manifest_override_runs_the_carried_binary(layout: Layout, installed: Any, tmp_path: pathlib.Path) -> None:
    binary = layout.carry("fake-component", manifest("fake", "Fake"))
    installed(layout)
    override = tmp_path / "override.json"
    override.write_text(json.dumps(manifest("fake", "Overridden")))
    environment = {"COMPONENT_MANIFEST": str(override), "PATH": os.environ["PATH"]}
    (component,) = Components.load(["fake-component"], environment)
    assert component.manifest.label == "Overridden"
    assert layout.ran() == [f"{binary.resolve()} manifest --compact"]


def test_only_its_own_manifest_variable_runs_the_carried_binary(
        layout: Layout, installed: Any, tmp_path: pathlib.Path) -> None:
    """As the executable reads them: `COMPONENT_MANIFEST`, or `COMPONENT_<KEY>_MANIFEST` of its own
    key; another component's variable leaves the packaged manifest in use."""
    binary = layout.carry("fake-component", manifest("fake-mail", "Fake"))
    installed(layout)
    override = tmp_path / "override.json"
    override.write_text(json.dumps(manifest("other", "Other")))
    others = {"COMPONENT_SENDGRID_MANIFEST": str(override), "COMPONENT_FAKE_MANIFEST": str(override),
              "COMPONENT_FAKE_MAIL_MANIFEST": "", "PATH": os.environ["PATH"]}
    (component,) = Components.load(["fake-component"], others)
    assert component.manifest.label == "Fake" and layout.ran() == []
    own = {**others, "COMPONENT_FAKE_MAIL_MANIFEST": str(override)}
    Components.load(["fake-component"], own)
    # The binary ran, to read the variable itself (this stand-in honours only COMPONENT_MANIFEST).
    assert layout.ran() == [f"{binary.resolve()} manifest --compact"]
    assert bundled.manifest_overridden({"COMPONENT_MANIFEST": "/m.json"}, None)
    assert not bundled.manifest_overridden({"COMPONENT_FAKE_MAIL_MANIFEST": "/m.json"}, None)


def test_the_carried_components_are_the_default(layout: Layout, installed: Any) -> None:
    with pytest.raises(NoComponent, match="set COMPONENT_EXECUTABLES"):
        Settings.from_environment({}).require_executables()  # nothing installed, nothing configured
    layout.carry("fake-component", manifest("fake", "Fake"))
    layout.carry("mail-component", manifest("mail", "Mail"))
    installed(layout)
    assert Settings.from_environment({}).require_executables() == ("fake-component", "mail-component")
    # What the operator names wins; the names still resolve to the wheel's binaries.
    assert Settings.from_environment({"COMPONENT_EXECUTABLES": "mail-component"}).executables == ("mail-component",)
    assert Settings.from_environment({"COMPONENT_EXECUTABLE": "/opt/x-component"}).executables == ("/opt/x-component",)


def test_the_provider_lists_carried_connection_types_without_running_anything(
        layout: Layout, installed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    layout.carry("fake-component", manifest("fake", "Fake"))
    installed(layout)
    for name in ("COMPONENT_EXECUTABLES", "COMPONENT_EXECUTABLE", "COMPONENT_MANIFEST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    loaded.settings.cache_clear()
    loaded.components.cache_clear()
    info = provider.get_provider_info()
    assert [(t["connection-type"], t["hook-name"]) for t in info["connection-types"]] == [("fake", "Fake")]
    assert layout.ran() == []


def test_an_unreadable_packaged_manifest_says_to_reinstall(layout: Layout, installed: Any) -> None:
    layout.carry("fake-component", manifest("fake", "Fake"))
    (layout.site / "component_engines" / "manifests" / "fake-component.json").write_text("{not json")
    installed(layout)
    with pytest.raises(Exception, match="reinstall component-engines"):
        Components.load(["fake-component"])


def test_a_real_install_is_found_through_its_own_record(tmp_path: pathlib.Path) -> None:
    """`installed()` itself, in a process whose component_engines is a copy laid out as an install
    (not the source tree): the distribution found must be the package imported."""
    layout = Layout(tmp_path)
    source = pathlib.Path(bundled.__file__).parent
    for file in source.glob("*.py"):
        (layout.site / "component_engines" / file.name).write_text(file.read_text())
    binary = layout.carry("fake-component", manifest("fake", "Fake"))
    layout.distribution()
    code = ("from component_engines import bundled; import json; "
            "print(json.dumps({n: b.executable for n, b in bundled.installed().items()}))")
    # The copy first on the path; the adapters' dependencies come from the test venv.
    environment = {**os.environ, "PYTHONPATH": str(layout.site)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                         cwd=tmp_path, timeout=60, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == {"fake-component": str(binary.resolve())}


def test_the_built_wheel_installs_its_executable_and_manifest(tmp_path: pathlib.Path) -> None:
    """scripts/build-wheel.py end to end, on a stand-in executable (--no-repair: no ELF to check):
    pip installs it into a new venv's bin, and that venv's adapters find it with its manifest,
    as the default, without running it. The adapters' dependencies come from the test venv."""
    runs = tmp_path / "runs"
    runs.touch()
    stand_in = executable(tmp_path / "build" / "fake-component", runs, manifest("fake", "Fake"))
    built = subprocess.run([str(ROOT / "scripts" / "build-wheel.py"), "--executable", str(stand_in), "--out",
                            str(tmp_path / "out"), "--no-repair"], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = pathlib.Path(built.stdout.splitlines()[-1])
    assert wheel.parent == tmp_path / "out" and wheel.name.startswith("component_engines-")
    assert wheel.name.endswith(f"-py3-none-linux_{os.uname().machine}.whl"), wheel.name
    assert runs.read_text().splitlines() == [f"{stand_in} manifest --compact"]  # the build read the manifest

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-deps", "--no-index", "--quiet",
                                "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    site = next(venv.glob("lib/python*/site-packages"))
    # The dependencies as a plain path (not a site dir: the source tree's editable install stays out).
    dependencies = next(p for p in sys.path if p.endswith("site-packages") and pathlib.Path(p).is_dir())
    (site / "dependencies.pth").write_text(dependencies + "\n")
    assert os.access(venv / "bin" / "fake-component", os.X_OK)
    code = """
import json
from component_engines import bundled
from component_engines.component import Components
from component_engines.settings import Settings
executables = Settings.from_environment({}).require_executables()
(component,) = Components.load(executables)
print(json.dumps({"origin": bundled.__file__, "executables": executables, "executable": component.executable,
                  "key": component.key}))
"""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COMPONENT_", "PYTHON"))}
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                         env={**environment, "PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout)
    assert found["origin"].startswith(str(site)), found  # the installed package, not the source tree
    assert found["executables"] == ["fake-component"]
    assert found["executable"] == str((venv / "bin" / "fake-component").resolve()) and found["key"] == "fake"
    assert len(runs.read_text().splitlines()) == 1  # the installed one never ran: its manifest is packaged
