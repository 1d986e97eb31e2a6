"""The trigger a deferrable sensor hands its wait to: it runs on Airflow's triggerer, and there it
runs only the component's read-only polling trigger, never an action and never the ledger.

The connection is read once, through the Task SDK by its id (the trigger's serialized arguments
hold the connection's id, never its secrets), in a thread, as is the manifest. Each poll is then one
`trigger` request in a one-shot process of its own, awaited without blocking the triggerer's event
loop and killed if the trigger is cancelled. The newest state is kept in memory between polls; the
event carries the payload and the state that follows it, which the sensor stores back on a worker.

A failure to start the component or to read the connection, and a retryable error that persists
for the manifest's `retry.engineAttempts` polls in a row, fire an event marked `retryable`: the
sensor raises a plain `AirflowException`, so the task's `retries` apply, as in poke mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, AsyncIterator, Mapping

from airflow.sdk.exceptions import AirflowException
from airflow.triggers.base import BaseTrigger, TriggerEvent

from ..component import (ComponentUnavailable, Element, Envelope, ServeLost, ServeProcess, answer_wait,
                         one_shot_answer, one_shot_command)
from ..runner import error_envelope
from .hook import ComponentHook
from .messages import describe

CLASSPATH = "component_engines.airflow.triggers.ComponentPollingTrigger"


def has_items(payload: Any) -> bool:
    """Whether a trigger's payload holds anything: some list in it is not empty."""
    if isinstance(payload, list):
        return bool(payload)
    if isinstance(payload, dict):
        return any(has_items(value) for value in payload.values())
    return False


async def call_alone(child: ServeProcess, request: Mapping[str, Any]) -> Envelope:
    """`ServeProcess.call_alone` for an event loop: the one-shot process is awaited, not waited on
    in a thread, and killed when the awaiting task is cancelled (a cancelled trigger leaves no
    child running) or when it has not answered by the request's deadline."""
    command = one_shot_command(request)
    try:
        process = await asyncio.create_subprocess_exec(
            child.executable, command, *child.arguments, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=child.environment)
    except OSError as error:
        raise ComponentUnavailable(f"cannot start '{child.executable} {command}': {error}") from error
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(json.dumps(dict(request)).encode()),
                                           answer_wait(request, 300.0))
    except TimeoutError as error:
        raise ServeLost(f"'{command}' gave no answer by the request's deadline and was killed") from error
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await asyncio.shield(process.wait())
    return one_shot_answer(command, process.returncode, stdout.decode(errors="replace"))


class ComponentPollingTrigger(BaseTrigger):
    """Polls a component's polling trigger `trigger` every `poke_interval` seconds from `state`
    until its payload holds something new (at once when `state` is None: the first run ever only
    starts the watch), then fires `{"status": "found", "payload", "state", "first"}`. A retryable
    error is polled again after the interval, up to the manifest's `retry.engineAttempts` polls in
    a row; then, or when the component cannot start or the connection cannot be read, it fires
    `{"status": "error", "message", "retryable": True}`; any other error fires `{"status":
    "error", "message", "error"}`."""

    def __init__(self, *, component: str, trigger: str, conn_id: str | None = None,
                 inputs: Mapping[str, Any] | None = None, state: Any = None, poke_interval: float = 60,
                 invocation_id: str | None = None) -> None:
        super().__init__()
        self.component = component
        self.trigger = trigger
        self.conn_id = conn_id
        self.inputs = dict(inputs or {})
        self.state = state
        self.poke_interval = float(poke_interval)
        self.invocation_id = invocation_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return CLASSPATH, {
            "component": self.component, "trigger": self.trigger, "conn_id": self.conn_id, "inputs": self.inputs,
            "state": self.state, "poke_interval": self.poke_interval, "invocation_id": self.invocation_id}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = ComponentHook(conn_id=self.conn_id, component=self.component)
        try:
            # The manifest (the executable may run) and the connection (an API-server round trip),
            # once, off the event loop.
            element, connection, attempts = await asyncio.to_thread(self._prepare, hook)
        except (AirflowException, ComponentUnavailable, OSError) as error:
            yield TriggerEvent({"status": "error", "message": f"cannot start polling: {error}", "retryable": True})
            return
        except KeyError as error:  # the manifest has no such trigger: no retry finds one
            yield TriggerEvent({"status": "error", "message": str(error.args[0])})
            return
        state, first, failed = self.state, self.state is None, 0
        self.log.info("polling %s every %s s%s", self.trigger, self.poke_interval,
                      " (no state yet: the first poll starts the watch)" if first else " from the state given")
        while True:
            try:
                child, request = hook.one_shot(element, self.inputs, self.invocation_id, connection, state=state)
                envelope = await call_alone(child, request)
            except ServeLost as lost:
                envelope = error_envelope("network", "serve_died", str(lost), retryable=True, maybe_sent=False)
            except (AirflowException, ComponentUnavailable, OSError) as error:
                yield TriggerEvent({"status": "error", "message": str(error), "retryable": True})
                return
            except ValueError as error:  # the inputs or the settings, which no retry changes
                yield TriggerEvent({"status": "error", "message": str(error)})
                return
            error = envelope.get("error")
            if error and error.get("retryable"):
                failed += 1
                if failed >= attempts:
                    # As poke mode after its tries: the task's own retries take over.
                    yield TriggerEvent({"status": "error", "retryable": True, "error": error,
                                        "message": f"{describe(error)} ({failed} polls in a row failed; the "
                                                   "manifest's retry.engineAttempts)"})
                    return
                self.log.warning("%s failed: %s; polling again in %s s", self.trigger, describe(error),
                                 self.poke_interval)
            elif error:
                yield TriggerEvent({"status": "error", "message": describe(error), "error": error})
                return
            else:
                failed = 0
                payload = envelope.get("payload")
                if first or has_items(payload):
                    yield TriggerEvent({"status": "found", "payload": payload, "state": envelope.get("state"),
                                        "first": first})
                    return
                state = envelope.get("state")
            await asyncio.sleep(self.poke_interval)

    def _prepare(self, hook: ComponentHook) -> tuple[Element, tuple[dict[str, Any], str | None], int]:
        """The polling trigger, the connection (read once) and how many failed polls in a row end the wait."""
        component = hook.component()
        element = component.manifest.trigger(self.trigger)
        hook.component(element)
        return element, hook.connection(), component.manifest.retry.engine_attempts
