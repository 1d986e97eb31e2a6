"""Run components built on this runtime on real engines: Celery on Redis (`component_engines.celery`)
and their webhooks through a Starlette app (`component_engines.webhooks`); and in Apache Airflow
(`component_engines.airflow`). One process hosts every component `COMPONENT_EXECUTABLES` names, and
everything comes from each component's manifest, read on first use."""

from .component import Component, Components, Element, Manifest, RetryPolicy, ServeProcess
from .ledger import Ledger
from .limits import AccountLimit
from .settings import ComponentSettings, Settings

__all__ = ["AccountLimit", "Component", "ComponentSettings", "Components", "Element", "Ledger", "Manifest",
           "RetryPolicy", "ServeProcess", "Settings"]
