"""Real servers on loopback for the adapters' tests: redis-server, the sandbox over TLS + HTTP/2,
Celery workers as separate process groups. Each is started on a free port and stopped after."""

from __future__ import annotations

import functools
import http.server
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
import redis

from component_engines.component import Component, Manifest
from component_engines.runner import Runner, build_runner
from component_engines.settings import Settings

ROOT = pathlib.Path(__file__).resolve().parents[3]
BUILD = pathlib.Path(os.environ.get("COMPONENT_BUILD_DIR", ROOT / ".build" / "debug"))
COMPONENT = str(BUILD / "twilio-component")
#: The runtime's own small component (`echo`, `whoami`; a `token` connection of `user` and `token`).
FIXTURE_COMPONENT = str(BUILD / "fixture-component")
SANDBOX = str(BUILD / "twilio-sandbox")
TESTS = pathlib.Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


#: Redis as docs/engines.md has production run it: an append-only log written on every change and
#: flushed to disk every second, and nothing evicted.
PRODUCTION_REDIS = ("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", "--save", "")


@dataclass
class RedisServer:
    """A redis-server on a loopback port, with its data in `directory`: it can be killed and
    started again on the same port with what it wrote."""

    directory: pathlib.Path
    arguments: tuple[str, ...] = PRODUCTION_REDIS
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             *self.arguments], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url())

        def ready() -> bool:
            assert self.process is not None and self.process.poll() is None, "redis-server ended"
            try:
                return bool(client.ping())
            except redis.exceptions.BusyLoadingError:
                return False  # replaying its log
            except redis.ConnectionError:
                return False

        wait_until(ready, 30, "redis-server")
        return self

    def kill(self) -> None:
        """kill -9, as a crash would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url()
    finally:
        server.stop()


@dataclass
class Sandbox:
    process: subprocess.Popen[str] | None  # none when another process started it
    settings: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.settings["TWILIO_API_BASE_URL"]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        import ssl
        context = ssl.create_default_context(cafile=self.settings.get("SSL_CERT_FILE"))
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/__sandbox/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def messages(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "messages")["messages"])


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    # In memory (no --state): a state file is rewritten whole on every change.
    process = subprocess.Popen(
        [SANDBOX, "--port", "0", "--tls", "--step-ms", "200"],
        stdout=subprocess.PIPE, text=True)
    settings: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        line = line.strip()
        if "=" in line and (line.startswith("TWILIO_") or line.startswith("SSL_CERT_FILE")):
            name, value = line.split("=", 1)
            settings[name] = value
        if "SSL_CERT_FILE" in settings and "TWILIO_API_SECRET" in settings:
            break
    try:
        yield Sandbox(process, settings)
    finally:
        process.terminate()
        process.wait(timeout=20)


@functools.cache
def twilio() -> Component:
    """The Twilio component, its manifest read once per test process."""
    return Component(COMPONENT, Manifest.load(COMPONENT))


def make_runner(redis_url: str, environment: dict[str, str], *, lease_ms: int = 8_000, request_ms: int = 3_000,
                settle_ms: int = 2_000, concurrency: int = 4, component: Component | None = None,
                connection: dict[str, Any] | None = None, **settings: str) -> Runner:
    """A runner as the engines build theirs (`build_runner`), with the ledger's times of a test and
    `settings` (`COMPONENT_*` by name), its `serve` in `environment`."""
    configured = Settings.from_environment({
        "CELERY_BROKER_URL": redis_url, "COMPONENT_LEASE_MS": str(lease_ms), "COMPONENT_REQUEST_MS": str(request_ms),
        "COMPONENT_SETTLE_MS": str(settle_ms), **settings})
    return build_runner(component or twilio(), configured, concurrency=concurrency, environment=environment,
                        connection=connection, client=redis.Redis.from_url(redis_url))


def engine_environment(redis_url: str, sandbox: Sandbox, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CELERY_", "COMPONENT_"))}
    environment.update(sandbox.settings)
    environment.update({
        "CELERY_BROKER_URL": redis_url,
        "COMPONENT_EXECUTABLES": COMPONENT,
        "PYTHONPATH": str(TESTS) + os.pathsep + environment.get("PYTHONPATH", ""),
    })
    environment.update(extra)
    return environment


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: pathlib.Path

    def serve_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-g", str(self.process.pid), "-f", "twilio-component serve"],
                             capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


@dataclass
class Cluster:
    redis_url: str
    sandbox: Sandbox
    directory: pathlib.Path
    environment: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self, name: str, concurrency: int = 8, include: str = "") -> Worker:
        log = self.directory / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "component_engines.celery", "worker", "--pool", "threads",
                   "--concurrency", str(concurrency), "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                   "--loglevel", "INFO"]
        if include:
            command += ["--include", include]
        with open(log, "wb") as output:
            process = subprocess.Popen(command, env=self.environment, stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        worker = Worker(name, process, log)
        self.workers.append(worker)
        wait_until(lambda: b"ready." in log.read_bytes() or process.poll() is not None, 60, f"worker {name}")
        assert process.poll() is None, log.read_text()
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            try:  # whatever is left of the group, orphaned serve children included
                os.killpg(worker.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.workers.clear()


# The ledger's times for the cluster tests, scaled down from the defaults (a 30 s lease, a 15 s
# request deadline, a 15 s settle time, a 30 s visibility timeout) so that recoveries take seconds;
# the relations between them are the defaults'.
LEASE_MS = 10_000
REQUEST_MS = 5_000
SETTLE_MS = 4_000
SCALED_TIMES = {
    "COMPONENT_LEASE_MS": str(LEASE_MS),
    "COMPONENT_REQUEST_MS": str(REQUEST_MS),
    "COMPONENT_SETTLE_MS": str(SETTLE_MS),
    "COMPONENT_VISIBILITY_TIMEOUT": "10",
}


@pytest.fixture
def cluster(redis_url: str, sandbox: Sandbox, tmp_path: pathlib.Path) -> Iterator[Cluster]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    sandbox.control("POST", "reset")
    environment = engine_environment(redis_url, sandbox, COMPONENT_ACCOUNT_CONCURRENCY="6", **SCALED_TIMES)
    cluster = Cluster(redis_url, sandbox, tmp_path, environment)
    try:
        yield cluster
    finally:
        cluster.stop()


def ledger_states(client: redis.Redis) -> list[tuple[bytes, bytes | None, int]]:
    """(key, state, claims) of every request in the ledger, read in one pipeline."""
    keys = list(client.scan_iter("component-engines:twilio:request:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hmget(key, "state", "claims")
    return [(key, state, int(claims or 0)) for key, (state, claims) in zip(keys, pipe.execute())]


def finished(client: redis.Redis) -> int:
    return sum(1 for _, state, _ in ledger_states(client) if state in (b"done", b"review"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The tallies the engine tests recorded (`record_property("tally", ...)`), also when they
    ran in parallel worker processes, whose own output pytest keeps."""
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             for name, value in getattr(report, "user_properties", ()) if name == "tally"
             and getattr(report, "when", "") == "call"]
    if lines:
        terminalreporter.section("engine tallies")
        for line in lines:
            terminalreporter.write_line(line)


# Submits every request and waits for every answer (`run_all`, which resubmits an id still
# unanswered after 90 s: a task the broker lost when its worker was killed) in a process of its own: the test's process stays free of
# Celery's global state. Unanswered ids are reported, not raised.
CLIENT = r"""
import json, sys, time
from component_engines.celery import run_all
requests = json.load(sys.stdin)
started = time.monotonic()
answers, unanswered = run_all(sys.argv[3], [(r["id"], r["inputs"]) for r in requests], timeout=float(sys.argv[1]),
                              resubmit_after=90, batch=int(sys.argv[2]))
print(json.dumps({"elapsed": time.monotonic() - started, "answers": answers, "unanswered": unanswered}), flush=True)
"""


def run_client(cluster: Cluster, requests: list[dict[str, Any]], timeout: float = 420,
               batch: int = 1, action: str = "sendSMS") -> subprocess.Popen[str]:
    """The client process, running `action` for each request: `batch` > 1 sends the requests that
    many to a task (batch tasks)."""
    process = subprocess.Popen([sys.executable, "-c", CLIENT, str(timeout), str(batch), action], env=cluster.environment,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None
    process.stdin.write(json.dumps(requests))
    process.stdin.close()
    return process


def read_client(process: subprocess.Popen[str]) -> dict[str, Any]:
    """`{"elapsed", "answers": {id: envelope}, "unanswered": [id]}`."""
    assert process.stdout is not None
    lines = process.stdout.read().splitlines()
    assert process.wait(timeout=60) == 0, lines[-5:]
    return dict(json.loads(lines[-1]))


# The second component the two-component tests host beside Twilio: SendGrid's Mail Send
# (examples/sendgrid, built on the kit alone, against a loopback stand-in for api.sendgrid.com).
SENDGRID_COMPONENT = str(ROOT / "examples" / "sendgrid" / ".build" / "debug" / "sendgrid-component")


@dataclass
class SecondComponent:
    """A component hosted beside Twilio: how to configure it, one action to run and what it answers."""

    key: str
    executable: str
    #: What a Celery worker needs in its environment for it (credentials, its base URL).
    environment: dict[str, str]
    action: str
    inputs: dict[str, Any]
    #: Its generated operator, and that operator's keyword arguments for `inputs`.
    operator: str
    operator_arguments: dict[str, Any]
    #: Its Airflow connection (`AIRFLOW_CONN_<KEY>_DEFAULT`).
    connection: dict[str, Any]
    #: What a successful answer's data holds (a subset).
    expected: dict[str, Any]
    #: The stand-in for its service, when it calls one.
    service: "StandIn | None" = None


def _usable(executable: str) -> bool:
    try:
        return subprocess.run([executable, "manifest", "--compact"], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


class StandIn(http.server.ThreadingHTTPServer):
    """api.sendgrid.com on loopback: Mail Send answers 202 with an `X-Message-Id`; every request is
    recorded (method, path, Authorization, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _StandInHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v3/mail/send"]


class _StandInHandler(http.server.BaseHTTPRequestHandler):
    server: StandIn

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with self.server.lock:
            number = len(self.server.requests) + 1
            self.server.requests.append({"method": self.command, "path": self.path.split("?")[0],
                                         "authorization": self.headers.get("Authorization"),
                                         "body": json.loads(raw) if raw else None})
        if self.command == "POST" and self.path.startswith("/v3/mail/send"):
            self.send_response(202)
            self.send_header("X-Message-Id", f"standin-{number:04d}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"scopes": ["mail.send"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: Any) -> None:
        pass


def sendgrid_component(service: StandIn) -> SecondComponent:
    key = "SG.engine-test-key." + "k" * 24
    inputs = {"from": "orders@example.com", "to": ["alex@example.com"], "subject": "Your order has shipped",
              "text": "Order 1042 is on its way."}
    return SecondComponent(
        key="sendgrid", executable=SENDGRID_COMPONENT,
        environment={"SENDGRID_API_KEY": key, "COMPONENT_SENDGRID_BASE_URL": service.url},
        action="sendEmail", inputs=inputs, operator="SendgridSendEmailOperator",
        operator_arguments={"from_": inputs["from"], "to": inputs["to"], "subject": inputs["subject"], "text": inputs["text"]},
        connection={"conn_type": "sendgrid", "password": key, "host": service.url},
        expected={"status": 202, "accepted": True}, service=service)


@pytest.fixture(scope="session")
def second_component() -> Iterator[SecondComponent]:
    if not _usable(SENDGRID_COMPONENT):
        pytest.fail(f"{SENDGRID_COMPONENT} is not built: `make test-engines` builds it (swift build --package-path "
                    "examples/sendgrid --product sendgrid-component)")
    service = StandIn()
    try:
        yield sendgrid_component(service)
    finally:
        service.shutdown()
        service.server_close()
