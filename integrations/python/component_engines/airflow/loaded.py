"""The settings and the components, read once per process on first use (never at import: the
providers manager reads the manifests through here while Airflow itself is loading)."""

from __future__ import annotations

import functools

from ..component import Component, Components
from ..settings import Settings


@functools.cache
def settings() -> Settings:
    return Settings.from_environment()


@functools.cache
def components() -> Components:
    """Every component of COMPONENT_EXECUTABLES, each manifest read once per process."""
    return Components.load(settings().require_executables())


def component(key: str | None = None) -> Component:
    """The component `key`, else the one configured component (a `KeyError` when there are more)."""
    loaded = components()
    return loaded.get(key) if key else loaded.only("more than one component is configured")
