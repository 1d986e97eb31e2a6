"""What asking again for a request id does, by how it ended: a send that succeeded is never made
again; an error that took no effect (Twilio refused it) is run again, so clearing a failed task
after fixing its cause retries it. Real redis-server, `serve` and sandbox."""

from __future__ import annotations

from typing import Iterator

import pytest
import redis

from component_engines.component import Manifest, ServeProcess
from component_engines.ledger import Ledger
from component_engines.runner import Runner
from conftest import COMPONENT, Sandbox, engine_environment


@pytest.fixture
def runner(redis_url: str, sandbox: Sandbox) -> Iterator[Runner]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    sandbox.control("POST", "reset")
    manifest = Manifest.load(COMPONENT)
    serve = ServeProcess(COMPONENT, 4, engine_environment(redis_url, sandbox))
    runner = Runner(manifest, serve, Ledger(client, manifest.component_key), None)
    try:
        yield runner
    finally:
        serve.close()


def request_state(runner: Runner, request_id: str) -> dict[str, str]:
    raw = runner.ledger.redis.hgetall(f"{runner.ledger.prefix}request:{request_id}")
    return {key.decode(): value.decode() for key, value in raw.items() if key.decode() in ("state", "claims")}


def test_a_success_is_returned_again_and_a_refusal_is_run_again(runner: Runner, sandbox: Sandbox) -> None:
    send = runner.manifest.element("sendSMS")
    good = {"from": "+15005550006", "to": "+14155550100", "body": "once"}
    first = runner.run(send, good, "order-1")
    again = runner.run(send, good, "order-1")
    assert first == again and "data" in first
    assert request_state(runner, "order-1") == {"state": "done", "claims": "1"}

    refused = {"from": "+15005550006", "to": "+15005550001", "body": "to an invalid number"}
    error = runner.run(send, refused, "order-2")
    assert error["error"]["code"] == 21211 and error["error"]["maybeSent"] is False
    assert request_state(runner, "order-2") == {"state": "failed", "claims": "1"}
    assert runner.run(send, refused, "order-2")["error"]["code"] == 21211
    assert request_state(runner, "order-2") == {"state": "failed", "claims": "2"}
    assert len([m for m in sandbox.messages() if m["body"] == "once"]) == 1


def test_a_lost_templated_send_is_left_for_review_not_sent_again(runner: Runner, sandbox: Sandbox) -> None:
    """A content template's body is rendered by Twilio, so the reconcile cannot match on it: a send
    whose answer was lost ends needs_review with the message as a candidate, and is not re-sent."""
    send = runner.manifest.element("sendSMS")
    templated = {"from": "+15005550006", "to": "+14155550100", "contentSid": "HX" + "a1" * 16,
                 "contentVariables": {"1": "Friday", "2": "4pm"}}
    sandbox.control("POST", "faults", {"route": "messages.create", "count": 1, "fault": {"type": "dropAfterProcessing"}})
    result = runner.run(send, templated, "reminder-1")
    assert result["error"]["kind"] == "needs_review", result
    sent = [m for m in sandbox.messages() if m["body"].startswith("Your appointment is coming up on Friday")]
    assert len(sent) == 1
    assert result["error"]["details"]["candidates"] == [sent[0]["sid"]]
    assert request_state(runner, "reminder-1")["state"] != "done"

