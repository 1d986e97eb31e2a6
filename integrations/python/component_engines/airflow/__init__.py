"""The component as an Apache Airflow provider: operators and sensors made from its manifest, a
hook and a connection type (`pip install "component-engines[airflow]"`).

    from component_engines.airflow import TwilioSendSMSOperator, TwilioPollMessagesSensor

Every action is an operator (`<Component><Action>Operator`), every polling trigger a sensor
(`<Component><Trigger>Sensor`); `ComponentActionOperator(action=..., inputs=...)` and
`ComponentTriggerSensor(trigger=..., inputs=...)` run any by key. The component is the executable
`COMPONENT_EXECUTABLE` names (else `twilio-component` on the PATH); sends are kept to one per
request id by the ledger in Redis at `COMPONENT_LEDGER_URL`.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = ("hook", "operators", "sensors")


def __getattr__(name: str) -> Any:
    # Loaded on first use: Airflow's providers manager imports `.provider` while Airflow itself is
    # still loading, before the operators could be made.
    if name.startswith("__") or name in (*_MODULES, "provider", "connection", "generated"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module_name in _MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        if name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({name for module_name in _MODULES
                   for name in getattr(importlib.import_module(f"{__name__}.{module_name}"), "__all__", ())})
