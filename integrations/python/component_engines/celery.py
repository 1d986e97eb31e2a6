"""The components' actions and data sources as Celery tasks on Redis.

    COMPONENT_EXECUTABLES=<component>:<another> celery -A component_engines.celery worker --pool threads --concurrency 8

Every action and data source of each configured component's manifest is a task named
`<component key>.<element key>` (and `<component key>.<element key>.batch`), taking `inputs`
and an optional `request_id`, returning the result envelope; with `COMPONENT_TASK_ERRORS=raise`
a component error raises `ComponentError` instead, so the task ends FAILURE. Credentials come
from the worker's environment, never from a message. Send through `submit()` to have the inputs
checked first and kept out of Flower's and the logs' view of the task's arguments.

Importing this module runs nothing: the manifests are read, and the tasks registered, when the
app is finalized (a worker does so before it consumes; a client when it first looks at
`app.tasks`) or when `submit()` first needs them. A worker keeps one runner per component, each
with its warm `serve` child.

A worker refuses to start on a pool other than threads or solo (one warm `serve` of each component
per process, shared by its threads), without a component it can read, and, before it sends
anything, on a ledger Redis that is not durable.
A task that could not reach the ledger or the component is retried (the request stays claimed
in the ledger until then, and the retry finds out what happened); one delivered more than
`COMPONENT_MAX_DELIVERIES` times ends `needs_review`.
"""

from __future__ import annotations

import concurrent.futures
import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import redis
from celery import Celery, Task, concurrency, signals
from celery.exceptions import Reject
from celery.result import AsyncResult
from kombu.exceptions import OperationalError

from .component import Component, Components, ComponentUnavailable, Element, Envelope, InputError
from .ledger import LedgerNotDurable
from .runner import Runner, build_runner, error_envelope
from .settings import Settings

log = logging.getLogger("component_engines")

settings = Settings.from_environment()

#: The broker's own bookkeeping keys, apart from any other Celery app's in the same database (kombu
#: keeps one unacknowledged index per database, and every worker restores what is in it by its own
#: visibility timeout: shared with Airflow's CeleryExecutor, it would re-queue Airflow's long tasks).
UNACKED_KEYS = {
    "unacked_key": "component-engines:unacked",
    "unacked_index_key": "component-engines:unacked_index",
    "unacked_mutex_key": "component-engines:unacked_mutex",
}


class ComponentError(Exception):
    """A component's error result, raised by a task with `COMPONENT_TASK_ERRORS=raise`.

    `error` is the envelope's `error` (docs/protocol.md, Errors); the same name in the client
    (Celery rebuilds it from the result backend), so `except ComponentError` works there too."""

    def __init__(self, message: str, error: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, dict(error or {}))

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.args[1]) if len(self.args) > 1 else {}

    def __str__(self) -> str:
        return str(self.args[0])


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
        **UNACKED_KEYS,
    },
    result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
    result_expires=settings.retention_s,
    # A result stored while Redis restarts waits for it rather than being lost (its task acked).
    result_backend_always_retry=True,
    result_backend_max_retries=30,
    result_backend_max_sleep_between_retries_ms=5_000,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_components_lock = threading.Lock()
_components: Components | None = None


def components() -> Components:
    """Every configured component (COMPONENT_EXECUTABLES), their manifests read on first use."""
    global _components
    with _components_lock:
        if _components is None:
            _components = Components.load(settings.require_executables())
        return _components


#: Every registered task by name: `<component>.<element>` and `<component>.<element>.batch`.
tasks: dict[str, Task] = {}
_register_lock = threading.Lock()


def register_tasks() -> Components:
    """Registers every component's tasks with the app, once; the components. Raises
    `ComponentUnavailable` when none is configured, or one cannot be read."""
    loaded = components()
    with _register_lock:
        if not tasks:
            for component in loaded:
                for element in component.manifest.elements:
                    name = component.manifest.task_name(element)
                    tasks[name] = _register(component, element)
                    # `<component>.<element>.batch`: many requests in one task (what `run_all`
                    # sends), each still claimed, sent and finished on its own in the ledger.
                    tasks[f"{name}.batch"] = _register_batch(component, element)
    return loaded


@app.on_after_finalize.connect
def _register_when_finalized(sender: Any = None, **_: Any) -> None:
    # A worker finalizes its app before it prints its banner or consumes; so does a client when
    # it first looks at `app.tasks`. A worker that cannot have its components refuses to start
    # in `worker_init`; a client is told when it submits.
    try:
        register_tasks()
    except ComponentUnavailable as error:
        log.warning("no component tasks registered: %s", error)


_lock = threading.Lock()
_runners: dict[str, Runner] = {}
#: The worker's own concurrency, the default of each `serve`'s (COMPONENT_SERVE_CONCURRENCY).
_threads: int | None = None


def runner(component: Component) -> Runner:
    """The worker's runner of `component` and its one warm `serve` child, made on first use."""
    with _lock:
        made = _runners.get(component.key)
        if made is None:
            made = _runners[component.key] = build_runner(component, settings, threads=_threads)
        return made


#: The pools a worker may run: one warm `serve` per process, shared by the process's threads.
POOLS = ("celery.concurrency.thread", "celery.concurrency.solo")


@signals.worker_init.connect
def _start_serve(sender: Any = None, **_: Any) -> None:
    pool = concurrency.get_implementation(getattr(sender, "pool_cls", None) or "prefork") if sender else None
    if pool is not None and pool.__module__ not in POOLS:
        raise SystemExit(
            f"component_engines needs the threads pool (or solo), not {pool.__module__.rsplit('.', 1)[-1]}: each worker "
            "process keeps one warm component child that its threads share. Start the worker with --pool threads "
            "--concurrency N")
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
    global _threads
    threads = getattr(sender, "concurrency", None)
    _threads = threads if isinstance(threads, int) else None
    try:
        loaded = register_tasks()
    except ComponentUnavailable as error:
        log.critical("%s", error)
        raise SystemExit(f"refusing to start: {error}") from None
    for component in loaded:
        try:
            started = runner(component)
        except ValueError as error:  # a setting of this component's that cannot be used
            log.critical("%s", error)
            raise SystemExit(f"refusing to start: {error}") from None
        try:
            started.require_durable_ledger()
        except LedgerNotDurable as error:
            log.critical("%s", error)
            raise SystemExit(f"refusing to start: {error}") from None
        except redis.RedisError as error:  # not up yet: checked again before the first send
            log.warning("could not check the ledger's Redis yet (%s)", error)
        started.serve.start()
    log.info("serving %s", ", ".join(f"{c.key} ({c.executable}, {len(c.manifest.elements)} tasks)" for c in loaded))


@signals.worker_shutdown.connect
def _stop_serve(**_: Any) -> None:
    with _pool_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=False)
    with _lock:
        runners = list(_runners.values())
    for made in runners:
        made.close()


#: Retries of a task that could not reach the ledger or the component (each after a longer wait,
#: up to RETRY_MAX_S): minutes of an outage, after which the task fails and the request stays
#: claimed in the ledger, to be settled by asking again.
RETRIES = 20
RETRY_MAX_S = 30


def _register(component: Component, element: Element) -> Task:
    def run(self: Task, inputs: Mapping[str, Any] | None = None, request_id: str | None = None) -> Envelope:
        # A redelivered task keeps its id, so the id is the request's when none is given.
        redelivered = _same_ask(self)
        request = str(request_id or self.request.id)
        try:
            envelope = runner(component).run(element, inputs or {}, request, redelivered=redelivered)
        except Exception as error:
            # Whatever the request's state, the ledger has it: a retry asks it again rather than
            # the task being acknowledged and the request forgotten.
            log.exception("request %s: the task failed; retrying it", request)
            raise _again(self, error) from error
        error = envelope.get("error")
        if error and error.get("code") == "engine_unavailable" and self.request.retries < RETRIES:
            log.warning("request %s: %s; retrying", request, error.get("message"))
            raise _again(self, None)
        if error and settings.task_errors == "raise":
            raise ComponentError(f"{element.key}: {error.get('code')}: {error.get('message')}", error)
        return envelope

    run.__doc__ = f"Runs {element.kind} '{element.key}' of '{component.key}'; returns its envelope."
    # ComponentError is an expected outcome (no traceback, no "unexpected error"); no result in the log.
    # Registered at once (not lazily) and with this app only.
    return app.task(name=component.manifest.task_name(element), bind=True, acks_late=True, throws=(ComponentError,),
                    resultrepr_maxsize=0, lazy=False, shared=False)(run)


def _register_batch(component: Component, element: Element) -> Task:
    def run_batch(self: Task, requests: Sequence[Mapping[str, Any]] = ()) -> dict[str, Envelope]:
        redelivered = _same_ask(self)
        started = runner(component)
        pool = request_pool(component.key, started.serve.concurrency)
        futures = {str(item["id"]): pool.submit(started.run, element, item.get("inputs") or {}, str(item["id"]),
                                                redelivered=redelivered) for item in requests}
        answers: dict[str, Envelope] = {}
        failure: Exception | None = None
        for request_id, future in futures.items():
            try:
                answers[request_id] = future.result()
            except Exception as error:
                log.exception("request %s: failed in its batch", request_id)
                failure = error
        unavailable = [rid for rid, answer in answers.items()
                       if (answer.get("error") or {}).get("code") == "engine_unavailable"]
        if failure is not None or (unavailable and self.request.retries < RETRIES):
            # The whole batch again: the ledger answers its ended requests at once, and settles the rest.
            log.warning("a batch of %d: %d could not reach the ledger or the component; retrying it", len(futures),
                        len(unavailable) + (failure is not None))
            raise _again(self, failure)
        return answers

    run_batch.__doc__ = (f"Runs {element.kind} '{element.key}' of '{component.key}' for each of "
                         "`requests` ({id, inputs}) side by side; returns their envelopes by id.")
    return app.task(name=f"{component.manifest.task_name(element)}.batch", bind=True, acks_late=True,
                    resultrepr_maxsize=0, lazy=False, shared=False)(run_batch)


_pool_lock = threading.Lock()
_pools: dict[str, concurrent.futures.ThreadPoolExecutor] = {}


def request_pool(component_key: str, size: int) -> concurrent.futures.ThreadPoolExecutor:
    """The threads a worker runs a component's batched requests on: as many as its `serve` takes."""
    with _pool_lock:
        pool = _pools.get(component_key)
        if pool is None:
            pool = _pools[component_key] = concurrent.futures.ThreadPoolExecutor(
                max_workers=size, thread_name_prefix=f"request-{component_key}")
        return pool


def _same_ask(task: Task) -> bool:
    """Whether this delivery repeats an ask already made (the broker's redelivery, or a retry): a
    request that ended `failed` meanwhile then answers with its error rather than running again."""
    return bool((task.request.delivery_info or {}).get("redelivered")) or task.request.retries > 0


def _again(task: Task, error: Exception | None) -> Exception:
    """The exception that has the task run again: a retry after a wait, or, when the retry cannot
    be published (Celery would then drop the message), the message given back to the broker,
    which keeps it unacknowledged, for the visibility timeout to bring back, if it is down too.
    The wait stays well inside the visibility timeout (a worker holds a waiting retry
    unacknowledged, and kombu would hand it out again), and the retry keeps the masked arguments."""
    wait = min(2 ** task.request.retries, RETRY_MAX_S, settings.visibility_timeout_s / 3)
    try:
        return task.retry(exc=error, countdown=wait, max_retries=RETRIES, throw=False, argsrepr="()",
                          kwargsrepr=_masked_kwargs(task.request.kwargs or {}))
    except Reject:
        return Reject(error, requeue=True)


def task_name(element_key: str, component: str | None = None) -> str:
    """The task of an action or data source: `element_key` is `<element>` (of `component`, else of
    the one component that has it) or `<component>.<element>`."""
    owner, element = register_tasks().element(element_key, component)
    return owner.manifest.task_name(element)


def check_inputs(element_key: str, inputs: Mapping[str, Any], component: str | None = None) -> str:
    """Raises `InputError` unless `inputs` fit the element's schema; its task's name."""
    owner, element = register_tasks().element(element_key, component)
    problems = element.problems(inputs)
    if problems:
        raise InputError(element.key, problems)
    return owner.manifest.task_name(element)


def submit(element_key: str, inputs: Mapping[str, Any], request_id: str | None = None, component: str | None = None,
           **options: Any) -> AsyncResult:
    """Checks `inputs` against the element's schema, then enqueues its task. `element_key`:
    `<element>` (of `component`, else of the one configured component that has it) or
    `<component>.<element>`.

    With a `request_id`, a non-idempotent action takes effect at most once whatever happens
    to workers, and submitting the same id again returns the first result. The task's arguments
    as Flower, `celery events` and the logs show them name the inputs without their values."""
    name = check_inputs(element_key, inputs, component)
    kwargs = {"inputs": dict(inputs), "request_id": request_id}
    options.setdefault("argsrepr", "()")
    options.setdefault("kwargsrepr", _masked_kwargs(kwargs))
    return tasks[name].apply_async(kwargs=kwargs, **options)


def masked(inputs: Mapping[str, Any]) -> dict[str, str]:
    """The inputs' names, each value replaced: bodies, numbers and secrets stay in the message."""
    return {str(name): "***" for name in inputs}


def _masked_kwargs(kwargs: Mapping[str, Any]) -> str:
    """A task's keyword arguments as monitoring may show them (`kwargsrepr`): inputs masked."""
    shown: dict[str, Any] = {"request_id": kwargs.get("request_id")} if "inputs" in kwargs else {}
    if "inputs" in kwargs:
        shown["inputs"] = masked(kwargs.get("inputs") or {})
    if "requests" in kwargs:
        shown["requests"] = [{"id": item.get("id"), "inputs": masked(item.get("inputs") or {})}
                             for item in kwargs.get("requests") or ()]
    return repr(shown)


def submit_batch(element_key: str, requests: Sequence[tuple[str, Mapping[str, Any]]], component: str | None = None,
                 **options: Any) -> AsyncResult:
    """Checks every request's inputs, then enqueues one batch task for them all: its result is
    their envelopes by request id. Each request keeps its own at-most-once guarantee."""
    if len({request_id for request_id, _ in requests}) != len(requests):
        raise ValueError("a batch names a request id more than once")
    name = task_name(element_key, component)
    for _, inputs in requests:
        check_inputs(element_key, inputs, component)
    kwargs = {"requests": [{"id": str(request_id), "inputs": dict(inputs)} for request_id, inputs in requests]}
    options.setdefault("argsrepr", "()")
    options.setdefault("kwargsrepr", _masked_kwargs(kwargs))
    return tasks[f"{name}.batch"].apply_async(kwargs=kwargs, **options)


def run_all(element_key: str, requests: Sequence[tuple[str, Mapping[str, Any]]], timeout: float,
            resubmit_after: float = 120, poll_s: float = 0.2, batch: int = 1,
            component: str | None = None) -> tuple[dict[str, Envelope], list[str]]:
    """Submits every `(request_id, inputs)` and waits up to `timeout` seconds for their answers:
    `(answers by request id, ids still unanswered)`. An answer is the task's envelope; a task that
    raised `ComponentError` answers with its error, any other failure with `task_failed`. With
    `batch` > 1, requests go `batch` to a task (`submit_batch`): far less of Celery's work per
    request, for a worker that runs them side by side on its `serve`.

    Redis delivers a task at least once only after kombu has recorded it as unacknowledged; a
    worker killed in the moment between taking a task from the queue and recording it loses it.
    So a request still unanswered after `resubmit_after` seconds is submitted again under the
    same id, and again after each further `resubmit_after`: the ledger returns the first
    attempt's result, or waits for it, and never sends twice. While the broker or the results'
    Redis cannot be reached, submissions and reads wait for it."""
    element_key = task_name(element_key, component)  # found once, and checked before anything is sent
    started = time.monotonic()
    inputs_of = dict(requests)
    pending = set(inputs_of)
    carried: dict[str, Carried] = {}
    unsubmitted = list(inputs_of)
    answers: dict[str, Envelope] = {}
    resubmit_at = started + resubmit_after
    while pending and time.monotonic() - started < timeout:
        unsubmitted = _submit_each(element_key, inputs_of, [rid for rid in unsubmitted if rid in pending], carried,
                                   max(1, batch))
        try:
            for request_id, answer in _answers(carried).items():
                if request_id in pending:
                    answers[request_id] = answer
                    pending.discard(request_id)
        except (redis.RedisError, OperationalError) as error:
            log.warning("cannot read results yet (%s)", error)
        carried = {task_id: task for task_id, task in carried.items() if any(rid in pending for rid in task.ids)}
        if pending and time.monotonic() >= resubmit_at:
            resubmit_at += resubmit_after
            log.warning("%d requests unanswered after %.0f s: submitting them again under the same ids",
                        len(pending), time.monotonic() - started)
            queued = set(unsubmitted)
            unsubmitted += sorted(rid for rid in pending if rid not in queued)
        if pending:
            time.sleep(poll_s)
    return answers, sorted(pending)


@dataclass(frozen=True)
class Carried:
    """The requests one submitted task carries."""

    ids: list[str]
    batched: bool  # a batch task, whose result is envelopes by request id


def _submit_each(element_key: str, inputs_of: Mapping[str, Mapping[str, Any]], request_ids: list[str],
                 carried: dict[str, Carried], batch: int) -> list[str]:
    """Submits the requests, `batch` to a task, on one connection to the broker; those left when
    the broker cannot be reached, to try later."""
    if not request_ids:
        return []
    done = 0
    try:
        with app.producer_or_acquire() as producer:
            for start in range(0, len(request_ids), batch):
                part = request_ids[start:start + batch]
                if batch == 1:
                    result = submit(element_key, inputs_of[part[0]], request_id=part[0], producer=producer)
                else:
                    result = submit_batch(element_key, [(rid, inputs_of[rid]) for rid in part], producer=producer)
                carried[result.id] = Carried(part, batch > 1)
                done = start + len(part)
    except (redis.RedisError, OperationalError) as error:
        log.warning("cannot reach the broker yet (%s): %d requests wait to be submitted", error,
                    len(request_ids) - done)
    return request_ids[done:]


def _answers(carried: Mapping[str, Carried], chunk: int = 1000) -> dict[str, Envelope]:
    """The answers among the tasks' stored results, read in one MGET per `chunk` tasks."""
    backend = app.backend
    task_ids = list(carried)
    found: dict[str, Envelope] = {}
    for start in range(0, len(task_ids), chunk):
        part = task_ids[start:start + chunk]
        values = backend.client.mget([backend.get_key_for_task(task_id) for task_id in part])
        for task_id, value in zip(part, values):
            if value is None:
                continue
            meta = backend.decode_result(value)
            task = carried[task_id]
            for request_id in task.ids:
                answer = None if request_id in found else _answer(meta, request_id, task.batched)
                if answer is not None:
                    found[request_id] = answer
    return found


def _answer(meta: Mapping[str, Any], request_id: str, batched: bool) -> Envelope | None:
    status = meta.get("status")
    if status == "SUCCESS":
        result = meta["result"]
        if batched:
            # A batch answers every request it carried; one missing waits for its resubmission.
            return dict(result[request_id]) if request_id in result else None
        return dict(result)
    if status not in ("FAILURE", "REVOKED"):
        return None  # PENDING, STARTED, RETRY
    failure = app.backend.exception_to_python(meta.get("result"))
    if isinstance(failure, ComponentError):
        return {"error": failure.error}
    # The task failed: its request stays as the ledger has it, and asking again settles it.
    return error_envelope("internal", "task_failed", f"the task failed: {failure!r}", retryable=True,
                          maybe_sent=True, details={"requestId": request_id})
