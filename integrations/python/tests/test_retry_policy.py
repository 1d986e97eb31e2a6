"""The retry policy is stated in one place, the component's manifest (`retry:`), and both layers
that retry read it there: the component's HTTP client inside one invocation (`attempts`) and the
engine adapter running a request again while its error is `retryable` (`engineAttempts`). A
read-only request against a service that answers 503 to everything is sent exactly
`attempts × engineAttempts` times: with a manifest whose `retry` says 2 and 3 (given to the
executable by `COMPONENT_MANIFEST`), 6; with the built-in one (3 and 8), 24."""

from __future__ import annotations

import http.server
import json
import os
import pathlib
import threading
import time
from typing import Any, Iterator

import pytest

from component_engines.component import Component, Manifest, RetryPolicy
from conftest import COMPONENT, ROOT, make_runner

TWILIO_MANIFEST = ROOT / "Sources" / "TwilioComponent" / "component.yaml"
RETRY = """retry:
  attempts: 2
  engineAttempts: 3
  retryAfterMaxMs: 1000
  backoff: {initialMs: 10, multiplier: 1, maximumMs: 10, jitter: false}
"""
#: What `retry` says in the built-in manifest: the runtime's defaults.
DEFAULT_RETRY = {"attempts": 3, "backoff": {"initialMs": 200, "multiplier": 2, "maximumMs": 5000, "jitter": True},
                 "retryAfterMaxMs": 30000, "engineAttempts": 8}
ACCOUNT = "AC" + "0123456789abcdef" * 2
MESSAGE = "SM" + "fedcba9876543210" * 2
CONNECTION = {"key": "authToken", "fields": {"accountSid": ACCOUNT, "authToken": "5a" * 16}}


class Unavailable(http.server.ThreadingHTTPServer):
    """A service that answers every request 503, and counts them."""

    def __init__(self) -> None:
        self.requests = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Answer503)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer503(http.server.BaseHTTPRequestHandler):
    server: Unavailable

    def _answer(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        body = json.dumps({"code": 20503, "message": "Service Unavailable", "status": 503}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def unavailable() -> Iterator[Unavailable]:
    server = Unavailable()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def with_retry(directory: pathlib.Path) -> pathlib.Path:
    """The Twilio manifest with a `retry:` block of its own, right after its top-level `key:`."""
    lines = TWILIO_MANIFEST.read_text().splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.startswith("key:")) + 1
    while at < len(lines) and lines[at].startswith("version:"):
        at += 1
    path = directory / "component.yaml"
    path.write_text("".join(lines[:at]) + RETRY + "".join(lines[at:]))
    return path


def service_environment(**extra: str) -> dict[str, str]:
    """The child's environment: no credentials of its own (the request carries the connection)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "SSL_CERT"))}
    environment.update(extra)
    return environment


def require_manifest_retry() -> None:
    if "retry" not in Manifest.load(COMPONENT).raw:
        pytest.fail(f"{COMPONENT} predates the manifest's `retry` (protocol 1.3): its manifest carries no retry "
                    "policy, and COMPONENT_MANIFEST may not be read; rebuild it (make test-engines does)")


def read_sms_against(server: Unavailable, redis_url: str, component: Component,
                     environment: dict[str, str]) -> tuple[dict[str, Any], Any]:
    """Runs `getSMS` (read-only) through the runner the engines build, the component's API at `server`."""
    runner = make_runner(redis_url, environment, component=component, connection=CONNECTION, request_ms=5_000,
                         lease_ms=10_000, COMPONENT_TWILIO_BASE_URL=server.url)
    try:
        assert runner.retry is component.manifest.retry  # the runner has no numbers of its own
        assert runner.serve.arguments == ("--base-url", server.url)
        return runner.run(component.manifest.element("getSMS"), {"messageSid": MESSAGE}, "retry-policy/1"), runner
    finally:
        runner.close()


def test_both_layers_retry_as_the_manifest_says(unavailable: Unavailable, redis_url: str, tmp_path: pathlib.Path) -> None:
    require_manifest_retry()
    environment = service_environment(COMPONENT_MANIFEST=str(with_retry(tmp_path)))
    manifest = Manifest.load(COMPONENT, environment)
    assert manifest.raw.get("retry") == {"attempts": 2, "engineAttempts": 3, "retryAfterMaxMs": 1000, "backoff": {
        "initialMs": 10, "multiplier": 1, "maximumMs": 10, "jitter": False}}, manifest.raw.get("retry")
    assert manifest.retry == RetryPolicy(attempts=2, engine_attempts=3, initial_ms=10, multiplier=1, maximum_ms=10,
                                         jitter=False, retry_after_max_ms=1000)
    envelope, runner = read_sms_against(unavailable, redis_url, Component(COMPONENT, manifest), environment)
    error = envelope["error"]
    assert error["status"] == 503 and error["retryable"] is True, envelope
    assert error["details"]["attempts"] == 2, error["details"]  # the component's own tries, per invocation
    assert unavailable.requests == 2 * 3, f"{unavailable.requests} requests reached the service, not attempts × engineAttempts"
    # The run budget follows the manifest too: 3 runs and the serve deaths, each with its deadline
    # (5 s), settle time (2 s), a hung child's grace (5 s) and the longest backoff (10 ms).
    assert runner.run_budget_s == pytest.approx((3 + runner.max_serve_deaths) * (5 + 2 + 5 + 0.01) + 60)


def test_the_built_in_policy_is_the_runtimes_default(unavailable: Unavailable, redis_url: str) -> None:
    require_manifest_retry()
    environment = service_environment()
    manifest = Manifest.load(COMPONENT, environment)
    assert manifest.raw["retry"] == DEFAULT_RETRY
    assert manifest.retry == RetryPolicy()
    started = time.monotonic()
    envelope, _ = read_sms_against(unavailable, redis_url, Component(COMPONENT, manifest), environment)
    assert envelope["error"]["status"] == 503, envelope
    assert unavailable.requests == 3 * 8, f"{unavailable.requests} requests reached the service"
    print(f"\nthe default policy: {unavailable.requests} requests in {time.monotonic() - started:.1f} s")


def test_a_manifest_without_retry_gets_the_runtimes_defaults() -> None:
    """An executable older than protocol 1.3 states no `retry`: the adapters use the runtime's
    defaults; a partial block keeps the defaults of what it leaves out."""
    raw = dict(Manifest.load(COMPONENT).raw)
    raw.pop("retry", None)
    raw["protocolVersion"] = "1.2"
    assert Manifest.parse(raw).retry == RetryPolicy(attempts=3, engine_attempts=8, initial_ms=200, multiplier=2,
                                                    maximum_ms=5000, jitter=True, retry_after_max_ms=30000)
    partial = Manifest.parse({**raw, "protocolVersion": "1.3", "retry": {"engineAttempts": 2, "backoff": {"jitter": False}}})
    assert partial.retry == RetryPolicy(engine_attempts=2, jitter=False)
    assert partial.retry.delay_s(1) == 0.2 and partial.retry.delay_s(3) == 0.8 and partial.retry.delay_s(9) == 5.0
    jittered = RetryPolicy()
    assert all(0.1 <= jittered.delay_s(1) <= 0.2 for _ in range(50))
    # A 429's Retry-After is honoured up to retryAfterMaxMs, here as everywhere.
    capped = RetryPolicy(retry_after_max_ms=1000)
    assert capped.retry_after_s({"details": {"retryAfter": 120}}) == 1.0
    assert RetryPolicy().retry_after_s({"details": {"retryAfter": 120}}) == 30.0
    assert RetryPolicy().retry_after_s({"details": {}}) == 1.0
    with pytest.raises(Exception, match="retry.engineAttempts"):
        Manifest.parse({**raw, "retry": {"engineAttempts": 0}})
