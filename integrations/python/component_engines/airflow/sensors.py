"""Sensors: one per polling trigger of the manifest, and `ComponentTriggerSensor` for any.

The trigger's state lives in an Airflow Variable (the metadata database), one per DAG and task,
beside what each recent DAG run saw. A run's first poke with new items records them under its
run id and moves the state on in one write, so each new item is seen by exactly one run; a
cleared and re-run sensor of the same run gets the same items again, never the next run's. The
first run ever has no state: it starts the watch from now and succeeds with nothing. Runs of one
such sensor must not overlap (`max_active_runs=1`), as they would read the same state.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Sequence

from airflow.sdk import BaseSensorOperator, PokeReturnValue, Variable
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from ..component import Element
from .generated import ElementInputs, element_classes
from .hook import ComponentHook
from .loaded import component
from .operators import describe

log = logging.getLogger("component_engines.airflow")

#: How many recent runs' items the Variable keeps, for re-runs of those runs.
KEPT_RUNS = 20


def has_items(payload: Any) -> bool:
    """Whether a trigger's payload holds anything: some list in it is not empty."""
    if isinstance(payload, list):
        return bool(payload)
    if isinstance(payload, dict):
        return any(has_items(value) for value in payload.values())
    return False


class ComponentTriggerSensor(ElementInputs, BaseSensorOperator):
    """Waits until the component's polling trigger (`trigger=`) finds something new."""

    template_fields: Sequence[str] = ("inputs",)
    ui_color = "#e6eef6"

    def __init__(self, *, trigger: str, inputs: Mapping[str, Any] | None = None, conn_id: str | None = None,
                 state_key: str | None = None, done_when: Callable[[Any], bool] = has_items, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        manifest = component()
        polling = [t["key"] for t in manifest.triggers if t.get("type") == "polling"]
        if trigger not in polling:
            raise ValueError(f"{self.task_id}: the component has no polling trigger '{trigger}' (it has {polling})")
        self.element: Element = manifest.trigger(trigger)
        self.trigger = trigger
        self.inputs = dict(inputs or {})
        self.conn_id = conn_id
        self.state_key = state_key
        self.done_when = done_when
        self.check_inputs()

    def variable_key(self, context: Mapping[str, Any]) -> str:
        ti = context["ti"]
        return self.state_key or f"{component().component_key}.{self.trigger}.{ti.dag_id}.{ti.task_id}"

    def poke(self, context: Any) -> PokeReturnValue | bool:
        key = self.variable_key(context)
        run_id = str(context["run_id"])
        record = Variable.get(key, default=None, deserialize_json=True) or {}
        runs = [run for run in record.get("runs", []) if isinstance(run, dict)]
        for run in runs:
            if run.get("runId") == run_id:
                log.info("%s: this run already saw its items; giving them again", self.trigger)
                return PokeReturnValue(is_done=True, xcom_value=run.get("payload"))
        state = record.get("state")
        hook = ComponentHook(conn_id=self.conn_id)
        try:
            envelope = hook.poll(self.element, self.all_inputs(), state, f"{run_id}/{self.task_id}")
        finally:
            hook.close()
        error = envelope.get("error")
        if error:
            # The state is kept: the next poke starts where this one did.
            message = f"{self.trigger} failed: {describe(error)}"
            raise AirflowException(message) if error.get("retryable") else AirflowFailException(message)
        payload = envelope.get("payload")
        first = state is None
        done = first or self.done_when(payload)
        if done:
            runs = (runs + [{"runId": run_id, "payload": payload}])[-KEPT_RUNS:]
        Variable.set(key, {"state": envelope.get("state"), "runs": runs}, serialize_json=True)
        if first:
            log.info("%s: no state yet; watching from now on", self.trigger)
        return PokeReturnValue(is_done=True, xcom_value=payload) if done else False


sensors = element_classes(
    ComponentTriggerSensor, [component().trigger(t["key"]) for t in component().triggers if t.get("type") == "polling"],
    component().component_key, "Sensor", "trigger",
    lambda trigger: f"{trigger.label}: waits for the {component().component_key} component's '{trigger.key}' to "
    "find something new.")
globals().update(sensors)
__all__ = ["ComponentTriggerSensor", "has_items", *sensors]
