"""Sensors: one per polling trigger of each component's manifest (`<Component><Trigger>Sensor`, made
on first use), and `ComponentTriggerSensor` for any.

The trigger's state lives in an Airflow Variable (the metadata database), one per DAG and task,
beside what each recent DAG run saw. A run's first poke with new items records them under its
run id and moves the state on in one write, so each new item is seen by exactly one run; a
cleared and re-run sensor of the same run gets the same items again, never the next run's. The
first run ever has no state: it starts the watch from now and succeeds with nothing. Runs of one
such sensor must not overlap (`max_active_runs=1`), as they would read the same state.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Mapping, Sequence

from airflow.sdk import BaseSensorOperator, PokeReturnValue, Variable
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from ..component import Element
from .generated import ElementInputs, element_classes, lazy_classes
from .hook import ComponentHook
from .loaded import components
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
    """Waits until a polling trigger (`trigger=`) finds something new: of the component
    `component=`, else of the one configured component that has it."""

    template_fields: Sequence[str] = ("inputs",)
    ui_color = "#e6eef6"

    def __init__(self, *, trigger: str, component: str | None = None, inputs: Mapping[str, Any] | None = None,
                 conn_id: str | None = None, state_key: str | None = None, done_when: Callable[[Any], bool] = has_items,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        polling = {c.key: [t.key for t in c.manifest.polling_triggers()] for c in components()}
        try:
            owner, element = components().trigger(trigger, component)
        except KeyError as error:
            raise ValueError(f"{self.task_id}: {error.args[0]} (polling triggers: {polling})") from None
        if element.key not in polling[owner.key]:
            raise ValueError(f"{self.task_id}: '{element.key}' of {owner.key} is not a polling trigger ({polling})")
        self.component_key = owner.key
        self.element: Element = element
        self.trigger = element.key
        self.inputs = dict(inputs or {})
        self.conn_id = conn_id
        self.state_key = state_key
        self.done_when = done_when
        self.check_inputs()

    def variable_key(self, context: Mapping[str, Any]) -> str:
        ti = context["ti"]
        return self.state_key or f"{self.component_key}.{self.trigger}.{ti.dag_id}.{ti.task_id}"

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
        hook = ComponentHook(conn_id=self.conn_id, component=self.component_key)
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


@functools.cache
def generated() -> dict[str, type[ComponentTriggerSensor]]:
    """`<Component><Trigger>Sensor` for every polling trigger of every configured component, by name."""
    classes: dict[str, type[ComponentTriggerSensor]] = {}
    for owner in components():
        element_classes(
            ComponentTriggerSensor, owner.manifest.polling_triggers(), owner.key, "Sensor", "trigger",
            lambda trigger, key=owner.key: f"{trigger.label}: waits for the {key} component's '{trigger.key}' to "
            "find something new.", into=classes)
    return classes


# The generated sensors, made when first asked for.
__getattr__ = lazy_classes(__name__, globals(), ("ComponentTriggerSensor", "has_items"), "Sensor", lambda: generated(),
                           "no configured component has that trigger")
