"""Operators: one per action of each component's manifest (`<Component><Action>Operator`, made on
first use: importing this module runs no component), and `ComponentActionOperator` for any element.

Inputs are keyword arguments in snake case (`message_sid` for `messageSid`; `from_` for `from`),
each a template field; `inputs={...}` takes them by manifest key instead. Literal values are
checked against the element's JSON Schema when the DAG is parsed; templated ones are checked by
the component when the task runs. The result envelope's `data` is the task's XCom; an error fails
the task with the component's message, and one that is not `retryable` is not retried.

A list given to an input that takes one value (`to=[...]`) sends a batch inside the one task: one
request per item, at the component's concurrency, each with its own request id derived from the
DAG run, the task and the item, so clearing and re-running the task takes no effect twice. The
batch's XCom is one entry per item, `{"input", "requestId", "data"}` or `{"input", "requestId",
"error"}`, its `data` kept small: only the keys the manifest's `summary` lists for the action
(`sid`, `status`), unless `full_results=True` (or the action has no `summary`).
"""

from __future__ import annotations

import collections
import functools
import logging
from typing import Any, ClassVar, Mapping, Sequence

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from ..component import Element, Envelope, InputError, Manifest
from .generated import ElementInputs, element_classes, fan_out_input, lazy_classes
from .hook import ComponentHook
from .loaded import components
from .messages import describe

log = logging.getLogger("component_engines.airflow")


def batch(key: str | None, inputs: Mapping[str, Any], request_id: str) -> list[tuple[dict[str, Any], str]]:
    """The requests of a task: one, or one per item of the batch input `key`, with their request ids."""
    if key is None:
        return [(dict(inputs), request_id)]
    seen: collections.Counter[str] = collections.Counter()
    requests = []
    for item in inputs[key]:
        seen[str(item)] += 1
        occurrence = f"#{seen[str(item)]}" if seen[str(item)] > 1 else ""
        requests.append(({**inputs, key: item}, f"{request_id}/{item}{occurrence}"))
    return requests


def summary_keys(manifest: Manifest, element: Element) -> tuple[str, ...] | None:
    """The keys of an action's result its manifest's `summary` lists (protocol 1.4), else None."""
    for action in manifest.raw.get("actions", []):
        if action.get("key") == element.key:
            keys = action.get("summary")
            return tuple(str(key) for key in keys) if isinstance(keys, list) and keys else None
    return None


def summarized(data: Any, keys: Sequence[str] | None) -> Any:
    """A result reduced to the `summary` keys it has; whole when there are none, or it is not an object."""
    if keys is None or not isinstance(data, dict):
        return data
    return {key: data[key] for key in keys if key in data}


class ComponentActionOperator(ElementInputs, BaseOperator):
    """Runs an action or data source (`action=`) with `inputs`: of the component `component=`, else
    of the one configured component that has it. `full_results=True`: a batch's entries keep
    each whole result, not only its `summary` keys."""

    template_fields: Sequence[str] = ("inputs", "request_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"inputs": "json"}
    ui_color = "#f6e6e8"

    def __init__(self, *, action: str, component: str | None = None, inputs: Mapping[str, Any] | None = None,
                 conn_id: str | None = None, request_id: str | None = None, fail_on_error: bool = True,
                 concurrency: int | None = None, full_results: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            owner, self.element = components().element(action, component)
        except KeyError as error:
            known = "; ".join(f"{c.key}: {', '.join(e.key for e in c.manifest.elements)}" for c in components())
            raise ValueError(f"{self.task_id}: {error.args[0]} ({known})") from None
        self.component_key = owner.key
        self.action = self.element.key
        self.inputs = dict(inputs or {})
        self.conn_id = conn_id
        self.request_id = request_id
        self.fail_on_error = fail_on_error
        self.concurrency = concurrency
        self.full_results = full_results
        self.kept_keys = None if full_results else summary_keys(owner.manifest, self.element)
        self.check_inputs()

    def default_request_id(self, context: Mapping[str, Any]) -> str:
        ti = context["ti"]
        mapped = f"[{ti.map_index}]" if getattr(ti, "map_index", -1) not in (None, -1) else ""
        return f"{ti.dag_id}/{context['run_id']}/{ti.task_id}{mapped}"

    def execute(self, context: Any) -> Any:
        inputs = self.all_inputs()
        try:
            key = fan_out_input(self.element, inputs)
        except InputError as error:
            raise AirflowFailException(str(error)) from None
        requests = batch(key, inputs, self.request_id or self.default_request_id(context))
        hook = ComponentHook(conn_id=self.conn_id, concurrency=self.concurrency, component=self.component_key)
        try:
            envelopes = hook.run_many(self.element, requests)
        finally:
            hook.close()
        if key is None:
            return self._single(envelopes[0])
        return self._batch(context, key, requests, envelopes)

    def _single(self, envelope: Envelope) -> Any:
        error = envelope.get("error")
        if error:
            self._fail([error], f"{self.element.key} failed: {describe(error)}")
        return envelope.get("data")

    def _batch(self, context: Any, key: str, requests: Sequence[tuple[Mapping[str, Any], str]],
               envelopes: Sequence[Envelope]) -> list[dict[str, Any]]:
        results = []
        for (inputs, request_id), envelope in zip(requests, envelopes):
            entry: dict[str, Any] = {"input": inputs[key], "requestId": request_id}
            entry.update({"error": envelope["error"]} if "error" in envelope
                         else {"data": summarized(envelope.get("data"), self.kept_keys)})
            results.append(entry)
        failed = [entry for entry in results if "error" in entry]
        log.info("%s: %d of %d requests succeeded", self.element.key, len(results) - len(failed), len(results))
        for entry in failed:
            log.warning("%s %s: %s", self.element.key, entry["input"], describe(entry["error"]))
        if failed and self.fail_on_error:
            # What succeeded stays visible (and is not sent again on a retry: the ledger has it).
            context["ti"].xcom_push(key="results", value=results)
            self._fail([entry["error"] for entry in failed],
                       f"{self.element.key}: {len(failed)} of {len(results)} failed; first: "
                       f"{failed[0]['input']}: {describe(failed[0]['error'])}")
        return results

    def _fail(self, errors: Sequence[Mapping[str, Any]], message: str) -> None:
        # Retrying helps only when some error is retryable; the rest would fail the same way again.
        if any(error.get("retryable") for error in errors):
            raise AirflowException(message)
        raise AirflowFailException(message)


@functools.cache
def generated() -> dict[str, type[ComponentActionOperator]]:
    """`<Component><Action>Operator` for every action of every configured component, by name."""
    classes: dict[str, type[ComponentActionOperator]] = {}
    for owner in components():
        element_classes(
            ComponentActionOperator, [element for element in owner.manifest.elements if element.kind == "action"],
            owner.key, "Operator", "action",
            lambda element, key=owner.key: f"{element.label}: runs '{element.key}' of the {key} component; a list "
            "given to a one-value input sends a batch.", into=classes)
    return classes


# The generated operators, made when first asked for.
__getattr__ = lazy_classes(__name__, globals(), ("ComponentActionOperator",), "Operator", lambda: generated(),
                           "no configured component has that action")
