"""A component's webhooks into the cluster: a Starlette app, served by uvicorn.

    COMPONENT_FLOW_TASK=flows.on_message uvicorn component_engines.webhooks:app --port 8080

An app serves one webhook trigger (`COMPONENT_WEBHOOK_TRIGGER`, else the manifest's first) with the
inputs `COMPONENT_WEBHOOK_INPUTS` gives (a JSON object); run one app per trigger, such as one for
messages and one answering calls.

The app serves one component: `COMPONENT_WEBHOOK_COMPONENT` (a component key), else the one
configured component (COMPONENT_EXECUTABLES) that has a webhook trigger. Each POST to
`/webhooks/<anything>` runs its webhook trigger on a warm `serve` (which checks the service's
signature with the credentials of this process's environment), answers the caller with the
trigger's `response` (403 for a bad signature), and, once per `idempotencyKey`, enqueues
`COMPONENT_FLOW_TASK` with the trigger's payload, as a Celery task whose id is that key. The key
is reserved for a moment (Redis `SET NX`), the task enqueued, and only then marked as started;
when the broker cannot take it, the reservation is dropped and the service is answered 503, so
its retry starts the flow. (A publish that failed after the broker took it would start it twice:
a flow that must not run twice checks its task id, the event's key.) A status callback whose URL
carries a request id (`?componentRequest=...`, set by the runner when the component's
`COMPONENT_CALLBACK_URL` points here) is recorded in the ledger as exact evidence of which item
that request sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Mapping

import anyio.to_thread
import redis
from celery import Celery
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .component import Component, Components, ServeLost, ServeProcess
from .ledger import Ledger, connect
from .runner import CALLBACK_PARAMETER
from .settings import Settings

log = logging.getLogger("component_engines.webhooks")

#: How long an idempotency key stays reserved while its flow is being enqueued: a receiver that
#: died meanwhile leaves the key to a retry after this.
RESERVED_MS = 30_000


def webhook_component(settings: Settings, key: str | None = None) -> Component:
    """The component whose webhooks the app receives: `key`, else the one configured component
    with a webhook trigger."""
    loaded = Components.load(settings.require_executables())
    if key:
        return loaded.get(key)
    receiving = [c for c in loaded if any(t.get("type") == "webhook" for t in c.manifest.triggers)]
    if len(receiving) != 1:
        raise ValueError(f"set COMPONENT_WEBHOOK_COMPONENT to the component whose webhooks this app receives "
                         f"({', '.join(c.key for c in receiving) or 'no configured component has a webhook trigger'})")
    return receiving[0]


def create_app(settings: Settings | None = None, flow_task: str | None = None, public_url: str | None = None,
               trigger: str | None = None, component: str | None = None,
               inputs: Mapping[str, Any] | None = None) -> Starlette:
    """The ASGI app. `public_url`: the base URL the service calls (what its signature covers), else
    the request's own; `trigger`: the webhook trigger's key (COMPONENT_WEBHOOK_TRIGGER), else the
    manifest's first; `component`: the component's key (COMPONENT_WEBHOOK_COMPONENT), else the one
    with webhooks; `inputs`: the trigger's inputs (COMPONENT_WEBHOOK_INPUTS, a JSON object), such
    as how a voice trigger answers calls."""
    settings = settings or Settings.from_environment()
    flow_task = flow_task or os.environ.get("COMPONENT_FLOW_TASK", "")
    public_url = (public_url or os.environ.get("COMPONENT_PUBLIC_URL", "")).rstrip("/")
    receiving = webhook_component(settings, component or os.environ.get("COMPONENT_WEBHOOK_COMPONENT"))
    manifest = receiving.manifest
    webhook_triggers = [t["key"] for t in manifest.triggers if t.get("type") == "webhook"]
    trigger_key = trigger or os.environ.get("COMPONENT_WEBHOOK_TRIGGER") or (webhook_triggers[0] if webhook_triggers else "")
    if trigger_key not in webhook_triggers:
        raise ValueError(f"the component has no webhook trigger '{trigger_key}' (it has {webhook_triggers})")
    if not flow_task:
        raise ValueError("set COMPONENT_FLOW_TASK to the Celery task that runs the flow for each webhook")
    trigger_inputs = dict(inputs if inputs is not None else _inputs_from_environment())
    serve = ServeProcess(receiving.executable, 16)
    client = connect(settings.ledger_url, settings.redis_timeout_s)
    # Only sends: no result backend (not even CELERY_RESULT_BACKEND's, which Celery would read), so
    # enqueueing a flow depends on the broker alone; the worker that runs it keeps its result.
    celery = Celery("component_engines.webhooks", broker=settings.broker_url)
    celery.backend_cls = "disabled"
    # A broker that is down, or hangs, fails the publish within seconds, for the service to retry.
    celery.conf.update(task_serializer="json", accept_content=["json"], broker_connection_timeout=2,
                       broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 2},
                       task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                                  "interval_max": 0.5})
    seen_prefix = f"component-engines:{manifest.component_key}:webhook:"
    ledger = Ledger(client, manifest.component_key, retention_s=settings.retention_s)
    # The form fields that name a sent item in the status callbacks the runner points here.
    callback_fields = sorted({element.reconcile["callback"]["field"] for element in manifest.elements
                              if element.reconcile and element.reconcile.get("callback")})

    async def receive(request: Request) -> Response:
        body = await request.body()
        url = (public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")) if public_url else str(request.url)
        payload: dict[str, Any] = {
            "headers": dict(request.headers.items()),
            "body": {"data": body.decode("utf-8", "replace"), "contentType": request.headers.get("content-type")},
            "rawBody": {"data": list(body)},
            "queryParameters": dict(request.query_params) or None,
            "invokeUrl": url,
        }
        try:
            call: dict[str, Any] = {"trigger": trigger_key, "payload": payload}
            if trigger_inputs:
                call["inputs"] = trigger_inputs
            result = await anyio.to_thread.run_sync(serve.call, call)
        except ServeLost:
            # A service retries a webhook it got no answer for: let it.
            return Response("the component is restarting; try again", status_code=503, media_type="text/plain")
        response = result.get("response") or {}
        if "error" in result and int(response.get("statusCode") or 500) >= 500:
            log.error("the webhook trigger failed: %s", result["error"].get("message"))
        if "error" not in result:
            request_id = request.query_params.get(CALLBACK_PARAMETER)
            sent = _callback_item(result["payload"], callback_fields) if request_id else None
            if request_id and sent:
                # Exact evidence for the ledger: this item is that request's.
                await anyio.to_thread.run_sync(ledger.record_evidence, request_id, sent)
            key = str(result["payload"].get("idempotencyKey") or "")
            refused = await anyio.to_thread.run_sync(start_flow, key, result["payload"])
            if refused is not None:
                return refused
        status = int(response.get("statusCode") or (500 if "error" in result else 200))
        return Response(response.get("body") or "", status_code=status,
                        media_type=response.get("contentType") or "text/plain",
                        headers={k: v for k, v in (response.get("headers") or {}).items() if k.lower() != "content-type"})

    def start_flow(key: str, payload: Mapping[str, Any]) -> Response | None:
        """Enqueues the flow once per key; a response for the service to retry when that cannot be known."""
        seen = seen_prefix + key
        try:
            if key and not client.set(seen, "reserved", nx=True, px=RESERVED_MS):
                if client.get(seen) == b"started":
                    return None  # a delivery of an event whose flow has started
                return _retry_later("this event's flow is being started by another delivery")
        except redis.RedisError as error:
            log.error("cannot reach Redis to start the flow of webhook %s (%s); answering 503", key, error)
            return _retry_later("the flow could not be queued")
        try:
            # Monitoring shows which event, not the message's numbers and text.
            celery.send_task(flow_task, args=[payload], task_id=key or None, argsrepr=f"(<{trigger_key} {key}>,)",
                             kwargsrepr="{}")
        except Exception as error:  # the flow was most likely not queued: free the key for a retry
            log.error("could not start the flow of webhook %s (%s); answering 503 for the service to retry", key, error)
            if key:
                with contextlib.suppress(redis.RedisError):
                    client.delete(seen)
            return _retry_later("the flow could not be queued")
        if key:
            try:
                client.set(seen, "started", ex=settings.retention_s)
            except redis.RedisError as error:  # the reservation lapses: a retry would start it again
                log.error("the flow of webhook %s started, but could not be marked so (%s)", key, error)
        return None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        serve.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(serve.close)

    return Starlette(routes=[Route("/webhooks/{path:path}", receive, methods=["POST"])], lifespan=lifespan)


def _inputs_from_environment() -> Mapping[str, Any]:
    text = os.environ.get("COMPONENT_WEBHOOK_INPUTS", "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"COMPONENT_WEBHOOK_INPUTS is not JSON ({error}); give the trigger's inputs as an object, "
                         'such as {"answer": "gather", "forwardTo": "+14155550100"}') from None
    if not isinstance(value, dict):
        raise ValueError('COMPONENT_WEBHOOK_INPUTS must be a JSON object of the trigger\'s inputs, such as {"answer": "say"}')
    return value


def _retry_later(why: str) -> Response:
    return Response(f"{why}; try again", status_code=503, media_type="text/plain", headers={"Retry-After": "1"})


def _callback_item(payload: Mapping[str, Any], fields: list[str]) -> str | None:
    """The id of the sent item a status callback is about (its form field), if it names one."""
    body = payload.get("body")
    form = body.get("data") if isinstance(body, dict) else None
    if not isinstance(form, dict):
        return None
    return next((str(form[name]) for name in fields if form.get(name)), None)


def __getattr__(name: str) -> Any:
    # `uvicorn component_engines.webhooks:app` builds the app from the environment on first use.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
