"""The adapters' settings and the component's manifest, read once per process (no Airflow import:
the providers manager reads the manifest through here while Airflow itself is loading)."""

from __future__ import annotations

import functools

from ..component import Manifest
from ..settings import Settings


@functools.cache
def settings() -> Settings:
    return Settings.from_environment()


@functools.cache
def component() -> Manifest:
    """The component's manifest, read once per process from `COMPONENT_EXECUTABLE`."""
    return Manifest.load(settings().executable)
