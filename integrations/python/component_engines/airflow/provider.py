"""What Airflow's providers manager reads (the `apache_airflow_provider` entry point): the hook,
operators and sensors, and the component's connection type with its form, from the manifest."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from ..component import ComponentUnavailable, Manifest
from .connection import account_input
from .loaded import component

PACKAGE = "component-engines"


def connection_type(manifest: Manifest) -> dict[str, Any]:
    shared = account_input(manifest)
    fields: dict[str, Any] = {}
    secrets = []
    for connection in manifest.connections:
        for field in connection.get("inputs", []):
            key = str(field["key"])
            if field.get("secret"):
                secrets.append(str(field.get("label") or key))
            elif key != shared and key not in fields:
                fields[key] = {"label": field.get("label") or key, "description": field.get("comments") or "",
                               "schema": {"type": ["string", "null"]}}
    fields["connection"] = {
        "label": "Connection kind", "description": "Which of the component's connections these fields are "
        "(needed only when they fit more than one)",
        "schema": {"type": ["string", "null"], "enum": [None, *(c["key"] for c in manifest.connections)]}}
    shared_label = next((str(f.get("label") or shared) for c in manifest.connections for f in c.get("inputs", [])
                         if f["key"] == shared), "Login")
    return {
        "hook-class-name": "component_engines.airflow.hook.ComponentHook",
        "hook-name": manifest.label,
        "connection-type": manifest.component_key,
        "conn-fields": fields,
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"login": shared_label, "password": " or ".join(dict.fromkeys(secrets)) or "Password",
                           "host": "API base URL (optional: a sandbox or a proxy)"},
        },
    }


def get_provider_info() -> dict[str, Any]:
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "0"
    info: dict[str, Any] = {
        "package-name": PACKAGE,
        "name": "Component engines",
        "description": "Operators, sensors, a hook and a connection type made from a component's manifest.",
        "versions": [version],
        "hooks": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.hook"]}],
        "operators": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.operators"]}],
        "sensors": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.sensors"]}],
    }
    try:
        # The same read the operators use, so a process that parses DAGs runs `manifest` once.
        manifest = component()
    except (ComponentUnavailable, ValueError):
        return info  # no component here (yet): the provider still loads, without its connection type
    info["connection-types"] = [connection_type(manifest)]
    return info
