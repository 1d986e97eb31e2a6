"""Sensors: one per polling trigger of each component's manifest (`<Component><Trigger>Sensor`, made
on first use), and `ComponentTriggerSensor` for any.

The trigger's state lives in an Airflow Variable (the metadata database), one per DAG and task,
beside what each recent DAG run saw. A run's first poke with new items records them under its
run id and moves the state on in one write, so each new item is seen by exactly one run; a
cleared and re-run sensor of the same run gets the same items again, never the next run's. The
first run ever has no state: it starts the watch from now and succeeds with nothing. Runs of one
such sensor must not overlap (`max_active_runs=1`), as they would read the same state.

`deferrable=True` (default: Airflow's `[operators] default_deferrable`) frees the worker while it
waits: the worker reads the Variable, hands the polling to `ComponentPollingTrigger` on the
triggerer, and is back when the trigger found something, to apply `done_when` and write the
Variable as a poke does; the sensor's `timeout` bounds the whole wait.
"""

from __future__ import annotations

import datetime
import functools
import logging
from typing import Any, Callable, Mapping, Sequence

from airflow.sdk import BaseSensorOperator, PokeReturnValue, Variable, conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSensorTimeout

from ..component import Element
from .generated import ElementInputs, element_classes, lazy_classes
from .hook import ComponentHook
from .loaded import components
from .messages import describe
from .triggers import ComponentPollingTrigger, has_items

log = logging.getLogger("component_engines.airflow")

#: How many recent runs' items the Variable keeps, for re-runs of those runs.
KEPT_RUNS = 20


class ComponentTriggerSensor(ElementInputs, BaseSensorOperator):
    """Waits until a polling trigger (`trigger=`) finds something new: of the component
    `component=`, else of the one configured component that has it. `deferrable=True` waits on
    the triggerer; its trigger fires when the payload has items, then `done_when` decides."""

    template_fields: Sequence[str] = ("inputs",)
    ui_color = "#e6eef6"

    def __init__(self, *, trigger: str, component: str | None = None, inputs: Mapping[str, Any] | None = None,
                 conn_id: str | None = None, state_key: str | None = None, done_when: Callable[[Any], bool] = has_items,
                 deferrable: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Read when the sensor is made, as Airflow's own sensors do.
        self.deferrable = conf.getboolean("operators", "default_deferrable", fallback=False) if deferrable is None \
            else deferrable
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

    def _seen(self, context: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]], Any, Any]:
        """The Variable's key, the runs it keeps, its state, and what this run already saw (a
        cleared and re-run sensor gets its run's items again), else `None`."""
        key = self.variable_key(context)
        record = Variable.get(key, default=None, deserialize_json=True) or {}
        runs = [run for run in record.get("runs", []) if isinstance(run, dict)]
        run_id = str(context["run_id"])
        seen = next((run for run in runs if run.get("runId") == run_id), None)
        if seen is not None:
            log.info("%s: this run already saw its items; giving them again", self.trigger)
        return key, runs, record.get("state"), seen

    def _store(self, context: Mapping[str, Any], key: str, runs: list[dict[str, Any]], state: Any, payload: Any,
               first: bool) -> bool:
        """Moves the state on and, when this run is done, records its items, in one write."""
        done = first or self.done_when(payload)
        if done:
            runs = (runs + [{"runId": str(context["run_id"]), "payload": payload}])[-KEPT_RUNS:]
        Variable.set(key, {"state": state, "runs": runs}, serialize_json=True)
        if first:
            log.info("%s: no state yet; watching from now on", self.trigger)
        return done

    def poke(self, context: Any) -> PokeReturnValue | bool:
        key, runs, state, seen = self._seen(context)
        if seen is not None:
            return PokeReturnValue(is_done=True, xcom_value=seen.get("payload"))
        hook = ComponentHook(conn_id=self.conn_id, component=self.component_key)
        try:
            envelope = hook.poll(self.element, self.all_inputs(), state, f"{context['run_id']}/{self.task_id}")
        finally:
            hook.close()
        error = envelope.get("error")
        if error:
            # The state is kept: the next poke starts where this one did.
            message = f"{self.trigger} failed: {describe(error)}"
            raise AirflowException(message) if error.get("retryable") else AirflowFailException(message)
        payload = envelope.get("payload")
        done = self._store(context, key, runs, envelope.get("state"), payload, state is None)
        return PokeReturnValue(is_done=True, xcom_value=payload) if done else False

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        _, _, state, seen = self._seen(context)
        if seen is not None:
            return seen.get("payload")
        self._defer(context, state)

    def execute_complete(self, context: Any, event: Mapping[str, Any] | None = None) -> Any:
        """Back on a worker with the trigger's event: the payload when `done_when` holds (the state
        and this run's items stored), else the state stored and the wait handed back."""
        if not event:
            raise AirflowException(f"{self.trigger}: the trigger ended without an event (the triggerer stopped or "
                                   "lost it; its log says why); the task's retries, or clearing the task, wait again")
        if event.get("status") != "found":
            # Only the component's own non-retryable errors skip the task's retries, as in poke mode.
            message = f"{self.trigger} failed: {event.get('message')}"
            raise AirflowException(message) if event.get("retryable") else AirflowFailException(message)
        key, runs, _, seen = self._seen(context)
        if seen is not None:
            return seen.get("payload")
        payload = event.get("payload")
        if self._store(context, key, runs, event.get("state"), payload, bool(event.get("first"))):
            return payload
        self._defer(context, event.get("state"))

    def _defer(self, context: Any, state: Any) -> None:
        # The sensor's `timeout` counts from the try's start (kept across deferrals), as a poke's does.
        started = getattr(context["ti"], "start_date", None)
        elapsed = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() if started else 0.0
        left = self.timeout - max(0.0, elapsed)
        if left <= 0:
            raise AirflowSensorTimeout(f"Sensor has timed out; {elapsed:.0f} s exceed the timeout of {self.timeout} s")
        self.defer(
            trigger=ComponentPollingTrigger(
                component=self.component_key or "", trigger=self.trigger, conn_id=self.conn_id,
                inputs=self.all_inputs(), state=state, poke_interval=self.poke_interval,
                invocation_id=f"{context['run_id']}/{self.task_id}"),
            method_name="execute_complete", timeout=datetime.timedelta(seconds=left))


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
