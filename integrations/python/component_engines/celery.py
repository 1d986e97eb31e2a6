"""The component's actions and data sources as Celery tasks on Redis.

    celery -A component_engines.celery worker --pool threads --concurrency 8

Every action and data source of the component's manifest is a task named
`<component key>.<element key>` (`twilio.sendSMS`, ...), taking `inputs` and an optional
`request_id`, returning the result envelope. Credentials come from the worker's environment,
never from a message. Send through `submit()` to have the inputs checked first.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, Mapping, Sequence

import redis
from celery import Celery, Task, signals
from celery.result import AsyncResult

from .component import Element, Envelope, InputError, Manifest
from .runner import Runner, build_runner, error_envelope
from .settings import Settings

log = logging.getLogger("component_engines")

settings = Settings.from_environment()
manifest = Manifest.load(settings.executable)

app = Celery("component_engines", broker=settings.broker_url, backend=settings.result_backend)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # A task is acknowledged when it has ended, and given back when its worker dies: at least
    # once. The ledger turns that into at most one effect per request.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # kombu's defaults (a 1 h visibility timeout, a scan about every 100 s) leave a dead worker's
    # tasks for an hour; these bring them back in about `visibility_timeout` + 2 s.
    broker_transport_options={
        "visibility_timeout": settings.visibility_timeout_s,
        "unacked_restore_interval": 2,
        "unacked_restore_throttle": 1,
    },
    result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
    result_expires=settings.retention_s,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_lock = threading.Lock()
_runner: Runner | None = None


def runner(concurrency: int | None = None) -> Runner:
    """The worker's runner and its one warm `serve` child, made on first use."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = build_runner(manifest, settings, redis.Redis.from_url(settings.ledger_url),
                                   settings.serve_concurrency or concurrency or 16,
                                   settings.account_for(manifest.component_key))
        return _runner


@signals.worker_init.connect
def _start_serve(sender: Any = None, **_: Any) -> None:
    # Celery logs each task's return value at INFO: message bodies and numbers have no place in
    # a worker's log, so only failures are logged.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    # The adapter's own warnings (a lost lease, a serve restarted, a request needing review) go to
    # the worker's log; Celery leaves loggers other than its own unconfigured.
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[%(asctime)s: %(levelname)s/%(threadName)s] %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    concurrency = getattr(sender, "concurrency", None)
    runner(concurrency if isinstance(concurrency, int) else None).serve.start()


@signals.worker_shutdown.connect
def _stop_serve(**_: Any) -> None:
    if _runner is not None:
        _runner.close()


def _register(element: Element) -> Task:
    def run(self: Task, inputs: Mapping[str, Any] | None = None, request_id: str | None = None) -> Envelope:
        # A redelivered task keeps its id, so the id is the request's when none is given.
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        return runner().run(element, inputs or {}, str(request_id or self.request.id), redelivered=redelivered)

    run.__doc__ = f"Runs {element.kind} '{element.key}' of '{manifest.component_key}'; returns its envelope."
    return app.task(name=manifest.task_name(element), bind=True, acks_late=True)(run)


tasks: dict[str, Task] = {element.key: _register(element) for element in manifest.elements}


def check_inputs(element_key: str, inputs: Mapping[str, Any]) -> None:
    problems = manifest.element(element_key).problems(inputs)
    if problems:
        raise InputError(element_key, problems)


def submit(element_key: str, inputs: Mapping[str, Any], request_id: str | None = None, **options: Any) -> AsyncResult:
    """Checks `inputs` against the element's schema, then enqueues its task.

    With a `request_id`, a non-idempotent action takes effect at most once whatever happens
    to workers, and submitting the same id again returns the first result."""
    check_inputs(element_key, inputs)
    return tasks[element_key].apply_async(kwargs={"inputs": dict(inputs), "request_id": request_id}, **options)


def run_all(element_key: str, requests: Sequence[tuple[str, Mapping[str, Any]]], timeout: float,
            resubmit_after: float = 120) -> tuple[dict[str, Envelope], list[str]]:
    """Submits every `(request_id, inputs)` and waits up to `timeout` seconds for their answers:
    `(answers by request id, ids still unanswered)`.

    Redis delivers a task at least once only after kombu has recorded it as unacknowledged; a
    worker killed in the moment between taking a task from the queue and recording it loses it.
    So a request still unanswered after `resubmit_after` seconds is submitted again under the
    same id, and again after each further `resubmit_after`: the ledger returns the first
    attempt's result, or waits for it, and never sends twice."""
    started = time.monotonic()
    pending = {request_id: [submit(element_key, inputs, request_id=request_id)] for request_id, inputs in requests}
    inputs_of = dict(requests)
    answers: dict[str, Envelope] = {}
    resubmit_at = started + resubmit_after
    while pending and time.monotonic() - started < timeout:
        for request_id, results in list(pending.items()):
            ready = next((result for result in results if result.ready()), None)
            if ready is not None:
                answer = ready.get(propagate=False)
                if not ready.successful():  # the task raised: its request stays as the ledger has it
                    answer = error_envelope("internal", "task_failed", f"the task failed: {answer!r}", retryable=True,
                                            maybe_sent=True, details={"requestId": request_id})
                answers[request_id] = answer
                del pending[request_id]
        if pending and time.monotonic() >= resubmit_at:
            resubmit_at += resubmit_after
            log.warning("%d requests unanswered after %.0f s: submitting them again under the same ids",
                        len(pending), time.monotonic() - started)
            for request_id, results in pending.items():
                results.append(submit(element_key, inputs_of[request_id], request_id=request_id))
        if pending:
            time.sleep(0.2)
    return answers, sorted(pending)
