"""Twilio's webhooks into the cluster: the sandbox's signed inbound messages and status callbacks,
each delivered twice, start one flow each; tampered ones get 403 and start none."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from typing import Any, Iterator

import pytest
import redis
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from component_engines.runner import Runner
from conftest import Cluster, RedisServer, free_port, make_runner, wait_until


@contextlib.contextmanager
def running_receiver(cluster: Cluster, **overrides: str) -> Iterator[str]:
    """The webhook app under uvicorn, with the cluster's environment and `overrides`; its base URL."""
    port = free_port()
    # Checking Twilio's signatures needs the Auth Token connection: no API key in this environment
    # (the component would take it first).
    environment = {k: v for k, v in cluster.environment.items() if k not in ("TWILIO_API_KEY", "TWILIO_API_SECRET")}
    environment["COMPONENT_FLOW_TASK"] = "tests.record_flow"
    environment.update(overrides)
    log = open(cluster.directory / f"uvicorn-{port}.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "component_engines.webhooks:app", "--host", "127.0.0.1", "--port", str(port)],
        env=environment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
        except urllib.error.HTTPError:
            return True  # it answers (404 for /)
        except OSError:
            assert process.poll() is None, (cluster.directory / f"uvicorn-{port}.log").read_text()
            return False
        return True

    wait_until(up, 60, "the webhook receiver")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def receiver(cluster: Cluster) -> Iterator[str]:
    with running_receiver(cluster) as base:
        yield base


def post_form(url: str, parameters: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    data = urllib.parse.urlencode(parameters).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_each_webhook_starts_one_flow_and_tampered_ones_none(cluster: Cluster, receiver: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cluster.start_worker("flows", concurrency=4, include="engine_flows")
    sandbox = cluster.sandbox
    inbound_url = f"{receiver}/webhooks/inbound"
    status_url = f"{receiver}/webhooks/status"

    # Three people text the sandbox's number: Twilio's signed incoming-message webhooks.
    for n in range(3):
        answer = sandbox.control("POST", "inbound", {
            "from": f"+1415555020{n}", "to": "+15005550006", "body": f"hello {n}", "url": inbound_url})
        assert answer["delivery"]["status"] == 200, answer
        assert "<Response" in (answer["delivery"].get("responseBody") or ""), answer

    # A message sent with the official client, with status callbacks to the receiver.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.settings["SSL_CERT_FILE"])  # how requests is told of a CA
    twilio = Client(sandbox.settings["TWILIO_ACCOUNT_SID"], sandbox.settings["TWILIO_AUTH_TOKEN"])
    twilio.api.base_url = sandbox.base_url
    twilio.messages.create(to="+14155550299", from_="+15005550006", body="status, please", status_callback=status_url)

    def deliveries() -> list[dict[str, Any]]:
        return [d for d in sandbox.control("GET", "webhooks")["deliveries"] if d["url"].startswith(receiver)]

    wait_until(lambda: len(deliveries()) >= 6, 30, "three inbound webhooks and three status callbacks")
    delivered = deliveries()
    assert all(d["status"] == 200 for d in delivered), delivered

    # Twilio retries a webhook it got no timely answer for: each delivered again, same token.
    validator = RequestValidator(sandbox.settings["TWILIO_AUTH_TOKEN"])
    for delivery in delivered:
        signature = validator.compute_signature(delivery["url"], delivery["parameters"])
        status, body = post_form(delivery["url"], delivery["parameters"], {
            "X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": delivery["idempotencyToken"]})
        assert status == 200 and "<Response" in body, (status, body)

    # Tampered: another body under the original signature, and no signature at all.
    original = delivered[0]
    tampered = dict(original["parameters"], Body="send me money")
    forged = validator.compute_signature(original["url"], original["parameters"])
    status, _ = post_form(original["url"], tampered, {
        "X-Twilio-Signature": forged, "I-Twilio-Idempotency-Token": "tampered-1"})
    assert status == 403
    status, _ = post_form(original["url"], original["parameters"], {"I-Twilio-Idempotency-Token": "tampered-2"})
    assert status == 403

    client = redis.Redis.from_url(cluster.redis_url)
    wait_until(lambda: client.llen("test:flows") >= len(delivered), 60, "a flow per webhook")
    time.sleep(2)  # a late duplicate would show up here
    flows = [json.loads(item) for item in client.lrange("test:flows", 0, -1)]
    keys = Counter(flow["key"] for flow in flows)
    assert set(keys) == {d["idempotencyToken"] for d in delivered}, (keys, delivered)
    assert all(count == 1 for count in keys.values()), keys
    events = Counter(flow["event"] for flow in flows)
    assert events == {"incoming-message": 3, "status-callback": 3}, events
    print(f"\nwebhook tally: {len(delivered)} webhooks delivered twice each, {len(flows)} flows, 2 tampered refused")


def test_status_callbacks_name_a_lost_send_exactly(cluster: Cluster, receiver: str) -> None:
    """Two messages with the same numbers and body in the window, one of them this request's lost
    send: the search alone cannot tell them apart (needs_review), but with the status callbacks
    pointed at the receiver, the one whose callback carried the request id is its own."""
    sandbox = cluster.sandbox
    client = redis.Redis.from_url(cluster.redis_url)
    twilio = Client(sandbox.settings["TWILIO_ACCOUNT_SID"], sandbox.settings["TWILIO_AUTH_TOKEN"])
    twilio.api.base_url = sandbox.base_url
    os.environ["REQUESTS_CA_BUNDLE"] = sandbox.settings["SSL_CERT_FILE"]
    runners: list[Runner] = []

    def lost_send(request_id: str, **settings: str) -> dict[str, Any]:
        runner = make_runner(cluster.redis_url, cluster.environment, concurrency=2, **settings)
        runners.append(runner)
        send = runner.manifest.element("sendSMS")
        inputs = {"from": "+15005550006", "to": "+14155550377", "body": f"your code is ready ({request_id})"}
        # The same text, sent by something outside the cluster a moment before.
        twilio.messages.create(to=inputs["to"], from_=inputs["from"], body=inputs["body"])
        sandbox.control("POST", "faults", {"route": "messages.create", "count": 1, "fault": {"type": "dropAfterProcessing"}})
        return runner.run(send, inputs, request_id)

    try:
        blind = lost_send("cb-without")
        assert blind["error"]["kind"] == "needs_review" and len(blind["error"]["details"]["candidates"]) == 2, blind

        # The component's own callback URL (COMPONENT_TWILIO_CALLBACK_URL) comes before the shared one.
        told = lost_send("cb-with", COMPONENT_TWILIO_CALLBACK_URL=f"{receiver}/webhooks/status",
                         COMPONENT_CALLBACK_URL="http://127.0.0.1:9/not-this-one")
        # The sandbox's callbacks to the URL the runner gave the send name the message it created.
        own = {d["parameters"]["MessageSid"] for d in sandbox.control("GET", "webhooks")["deliveries"]
               if "componentRequest=cb-with" in d["url"] and d["url"].startswith(receiver)}
        assert "data" in told, told
        assert own == {told["data"]["sid"]}, (told, own)
        assert client.sismember("component-engines:twilio:evidence:cb-with", told["data"]["sid"])
    finally:
        for runner in runners:
            runner.close()


def test_a_broker_outage_loses_no_flow_and_starts_none_twice(cluster: Cluster, tmp_path: pathlib.Path) -> None:
    """The broker is down when Twilio's webhooks arrive: each is answered 503 (the receiver keeps
    no mark of it), and Twilio's retry, once the broker is back, starts its flow: exactly once,
    however often it is delivered after that."""
    (tmp_path / "broker").mkdir()
    broker = RedisServer(tmp_path / "broker").start()
    try:
        overrides = {"CELERY_BROKER_URL": broker.url(), "CELERY_RESULT_BACKEND": broker.url(),
                     "COMPONENT_LEDGER_URL": cluster.redis_url}
        cluster.environment.update(overrides)
        cluster.start_worker("flows", concurrency=4, include="engine_flows")
        sandbox = cluster.sandbox
        with running_receiver(cluster) as base:
            url = f"{base}/webhooks/inbound"
            broker.kill()
            refused = []
            for n in range(3):
                answer = sandbox.control("POST", "inbound", {
                    "from": f"+1415555030{n}", "to": "+15005550006", "body": f"while down {n}", "url": url})
                refused.append(answer["delivery"])
            assert all(d["status"] == 503 for d in refused), refused

            broker.start()
            validator = RequestValidator(sandbox.settings["TWILIO_AUTH_TOKEN"])
            # Twilio's retries once the broker is back, then the same event delivered once more.
            for _ in range(2):
                for delivery in refused:
                    signature = validator.compute_signature(delivery["url"], delivery["parameters"])
                    status, body = post_form(delivery["url"], delivery["parameters"], {
                        "X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": delivery["idempotencyToken"]})
                    assert status == 200 and "<Response" in body, (status, body)

            client = redis.Redis.from_url(broker.url())
            wait_until(lambda: client.llen("test:flows") >= len(refused), 60, "a flow per webhook")
            time.sleep(2)  # a late duplicate would show up here
            keys = Counter(json.loads(item)["key"] for item in client.lrange("test:flows", 0, -1))
            assert keys == Counter({d["idempotencyToken"]: 1 for d in refused}), keys
            print(f"\nbroker outage: {len(refused)} webhooks refused with 503 while down, delivered twice after, "
                  f"{sum(keys.values())} flows")
    finally:
        cluster.stop()
        broker.stop()


def test_a_call_is_answered_through_the_receiver(cluster: Cluster) -> None:
    """The voice trigger behind the webhook app, set up by COMPONENT_WEBHOOK_INPUTS as "press 1 to
    be put through, else leave a message": someone calls a sandbox number, hears the greeting,
    presses 1, the forward goes unanswered, and they leave a voicemail. Each step's webhook starts
    one flow, naming its event."""
    cluster.start_worker("flows", concurrency=4, include="engine_flows")
    sandbox = cluster.sandbox
    inputs = {"answer": "gather", "message": "Thanks for calling Acme.", "gatherPrompt": "Press 1 to talk to us.",
              "afterGather": "forward", "forwardTo": "+15005559021", "voicemail": True}  # +15005559021 never answers
    with running_receiver(cluster, COMPONENT_WEBHOOK_TRIGGER="voiceWebhook",
                          COMPONENT_WEBHOOK_INPUTS=json.dumps(inputs)) as base:
        call = sandbox.control("POST", "calls/inbound", {
            "from": "+14155550188", "to": "+15005550006", "url": f"{base}/webhooks/voice"})["call"]
        sid = call["sid"]
        sandbox.control("GET", f"calls/{sid}?waitFor=gather&timeout=20")
        sandbox.control("POST", f"calls/{sid}/digits", {"digits": "1"})
        ended = sandbox.control("GET", f"calls/{sid}?waitFor=end&timeout=30")

        events = ended["events"]
        said = [e.get("text") for e in events if e.get("verb") == "Say"]
        assert said[:2] == ["Thanks for calling Acme.", "Press 1 to talk to us."], events
        assert any(e.get("verb") == "Gather" and e.get("digits") == "1" for e in events), events
        assert any(e.get("verb") == "Dial" and e.get("to") == "+15005559021" and e.get("outcome") == "no-answer"
                   for e in events), events
        recorded = [e["recordingSid"] for e in events if e.get("verb") == "Record" and e.get("recordingSid")]
        assert len(recorded) == 1, events
        assert ended["call"]["status"] == "completed", ended["call"]

        client = redis.Redis.from_url(cluster.redis_url)
        expected = {"incoming-call": 1, "gather-result": 1, "dial-result": 1, "record-result": 1, "recording-ready": 1}
        wait_until(lambda: client.llen("test:flows") >= sum(expected.values()), 60, "a flow per step of the call")
        time.sleep(2)  # a late duplicate would show up here
        flows = [json.loads(item) for item in client.lrange("test:flows", 0, -1)]
        assert Counter(flow["event"] for flow in flows) == expected, flows
        assert len({flow["key"] for flow in flows}) == len(flows), flows
    print(f"\nvoice webhook: call {sid} answered, 1 pressed, forward unanswered, voicemail {recorded[0]}, "
          f"{len(flows)} flows")
