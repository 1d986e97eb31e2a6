"""What asking again for a request id does, by how it ended: a send that succeeded is never made
again; an error that took no effect (Twilio refused it) is run again, so clearing a failed task
after fixing its cause retries it. Real redis-server, `serve` and sandbox."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Iterator

import pytest
import redis

from component_engines.runner import Runner
from conftest import Sandbox, engine_environment, make_runner


@pytest.fixture
def runner(redis_url: str, sandbox: Sandbox) -> Iterator[Runner]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    sandbox.control("POST", "reset")
    runner = make_runner(redis_url, engine_environment(redis_url, sandbox))
    try:
        yield runner
    finally:
        runner.close()


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


def test_a_lost_send_to_a_national_number_is_found_where_it_went(runner: Runner, sandbox: Sandbox) -> None:
    """National digits with a Default Country Code other than 1: the search lists the number the
    send went to (as the dry run states it), not the digits read with the lister's own default."""
    send = runner.manifest.element("sendSMS")
    inputs = {"from": "+15005550006", "to": "7911123456", "defaultCountryCode": "44", "body": "your parcel is here"}
    sandbox.control("POST", "faults", {"route": "messages.create", "count": 1, "fault": {"type": "dropAfterProcessing"}})
    result = runner.run(send, inputs, "parcel-1")
    sent = [m for m in sandbox.messages() if m["body"] == "your parcel is here"]
    assert [m["to"] for m in sent] == ["+447911123456"], sent
    assert "data" in result and result["data"]["sid"] == sent[0]["sid"], result


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
    # Marked, with the review, as perhaps this request's: no other request's search takes it.
    assert runner.ledger.sid_owner(sent[0]["sid"]) == "review:reminder-1"


def test_a_serve_killed_mid_send_is_looked_for_only_once_its_attempt_is_over(redis_url: str, sandbox: Sandbox) -> None:
    """The service finishes a request it took even when the child that sent it is gone: the send is
    held in the sandbox for 1.5 s while its serve is killed, and the runner must find that message
    (after the settle time, here 3 s) instead of sending another. A gather fault holds it: unlike
    a delay, it keeps holding the request after its client has gone, as a service finishes what it
    took. Looking at once (as the runner once did) found nothing and sent the message twice."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    sandbox.control("POST", "reset")
    runner = make_runner(redis_url, engine_environment(redis_url, sandbox), settle_ms=3_000, concurrency=2)
    manifest, serve = runner.manifest, runner.serve
    try:
        serve.start()
        held = {"type": "gather", "count": 2, "timeoutMilliseconds": 1500}
        sandbox.control("POST", "faults", {"route": "messages.create", "count": 1, "fault": held})
        send = manifest.element("sendSMS")
        inputs = {"from": "+15005550006", "to": "+14155550142", "body": "held while its serve dies"}
        result: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: result.update(runner.run(send, inputs, "held-1")))
        thread.start()
        deadline = time.monotonic() + 10
        while sandbox.control("GET", "traffic")["inFlight"] < 1:
            assert time.monotonic() < deadline, "the send never reached the sandbox"
            time.sleep(0.02)
        assert serve._process is not None
        os.kill(serve._process.pid, signal.SIGKILL)
        thread.join(timeout=60)
        assert "data" in result, result
        # The held request ends in the sandbox too (it creates its message after its 1.5 s).
        while sandbox.control("GET", "traffic")["inFlight"] > 0:
            assert time.monotonic() < deadline + 10, "the held send never ended"
            time.sleep(0.05)
        sent = [m for m in sandbox.messages() if m["to"] == "+14155550142"]
        assert len(sent) == 1, sent
        assert result["data"]["sid"] == sent[0]["sid"]
        assert request_state(runner, "held-1")["state"] == "done"
    finally:
        runner.close()

