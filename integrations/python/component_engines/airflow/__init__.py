"""Components as an Apache Airflow provider: operators and sensors made from each configured
component's manifest, a hook and a connection type per component
(`pip install "component-engines[airflow]"`).

    from component_engines.airflow import ComponentActionOperator, ComponentHook

Every action is an operator (`<Component><Action>Operator`), every polling trigger a sensor
(`<Component><Trigger>Sensor`), every component a hook (`<Component>Hook`, its connection type
the component's key); `ComponentActionOperator(action=..., inputs=...)` and
`ComponentTriggerSensor(trigger=..., inputs=...)` run any by key (`component=` when more than one
component has that key). The components are the executables `COMPONENT_EXECUTABLES` names, read
on first use; sends are kept to one per request id by the ledger in Redis at
`COMPONENT_LEDGER_URL`.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = ("hook", "operators", "sensors")


def __getattr__(name: str) -> Any:
    # Loaded on first use: Airflow's providers manager imports `.provider` while Airflow itself is
    # still loading, before the operators could be made.
    if name.startswith("__") or name in (*_MODULES, "provider", "connection", "generated", "loaded"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    reasons = []
    for module_name in _MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        try:
            value = getattr(module, name)
        except AttributeError as error:
            reasons.append(str(error))
            continue
        globals()[name] = value
        return value
    why = next((reason for reason in reasons if "(" in reason), "")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}" + (f": {why}" if why else ""))


def __dir__() -> list[str]:
    return sorted({name for module_name in _MODULES
                   for name in getattr(importlib.import_module(f"{__name__}.{module_name}"), "__all__", ())})
