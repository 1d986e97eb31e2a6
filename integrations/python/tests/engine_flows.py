"""The tasks the tests run beside the component's: the flow the webhook tests start (it records which
webhook started it, once per run), and an errback recording failed tasks."""

from __future__ import annotations

import json
import os
from typing import Any

import redis

from component_engines.celery import app


@app.task(name="tests.record_flow")
def record_flow(payload: dict[str, Any]) -> str:
    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.rpush("test:flows", json.dumps({"key": payload["idempotencyKey"], "event": payload["twilio"]["event"]}))
    return str(payload["idempotencyKey"])


@app.task(name="tests.record_failure")
def record_failure(request: Any, exc: BaseException, traceback: Any) -> None:
    """An errback (`link_error`): records which task failed, and with what."""
    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.rpush("test:failures", json.dumps({"id": request.id, "error": str(exc), "type": type(exc).__name__}))
