"""What Airflow's providers manager reads (the `apache_airflow_provider` entry point): the hooks,
operators and sensors, and one connection type per configured component, with its form, from its
manifest."""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any

from ..component import ComponentUnavailable, Manifest
from ..settings import NoComponent
from .connection import account_input
from .generated import class_name
from .loaded import components

log = logging.getLogger("component_engines.airflow")

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
        # The component's own hook class (hook.py makes it when the providers manager imports it).
        "hook-class-name": f"component_engines.airflow.hook.{class_name(manifest.component_key, '', 'Hook')}",
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
        "description": "Operators, sensors, hooks and connection types made from components' manifests.",
        "versions": [version],
        "hooks": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.hook"]}],
        "operators": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.operators"]}],
        "sensors": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.sensors"]}],
        "triggers": [{"integration-name": "Component", "python-modules": ["component_engines.airflow.triggers"]}],
    }
    try:
        # The same read the operators use, so a process that parses DAGs runs each `manifest` once.
        loaded = components()
    except (ComponentUnavailable, ValueError) as error:
        # No component here (yet): the provider still loads, without connection types; a component
        # configured but unreadable is worth a warning.
        (log.debug if isinstance(error, NoComponent) else log.warning)(
            "component-engines provides no connection types: %s", error)
        return info
    info["connection-types"] = [connection_type(component.manifest) for component in loaded]
    return info
