"""Run a component built on this runtime on real engines: Celery on Redis (`component_engines.celery`)
and its webhooks through a Starlette app (`component_engines.webhooks`). Everything comes from the
component's manifest."""

from .component import Element, Manifest, ServeProcess
from .ledger import Ledger
from .limits import AccountLimit
from .settings import Settings

__all__ = ["AccountLimit", "Element", "Ledger", "Manifest", "ServeProcess", "Settings"]
