"""Real servers on loopback for the adapters' tests: redis-server, the sandbox over TLS + HTTP/2,
Celery workers as separate process groups. Each is started on a free port and stopped after."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
import redis

ROOT = pathlib.Path(__file__).resolve().parents[3]
BUILD = pathlib.Path(os.environ.get("COMPONENT_BUILD_DIR", ROOT / ".build" / "debug"))
COMPONENT = str(BUILD / "twilio-component")
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


def engine_environment(redis_url: str, sandbox: Sandbox, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CELERY_", "COMPONENT_"))}
    environment.update(sandbox.settings)
    environment.update({
        "CELERY_BROKER_URL": redis_url,
        "COMPONENT_EXECUTABLE": COMPONENT,
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
answers, unanswered = run_all("sendSMS", [(r["id"], r["inputs"]) for r in requests], timeout=float(sys.argv[1]),
                              resubmit_after=90, batch=int(sys.argv[2]))
print(json.dumps({"elapsed": time.monotonic() - started, "answers": answers, "unanswered": unanswered}), flush=True)
"""


def run_client(cluster: Cluster, requests: list[dict[str, Any]], timeout: float = 420,
               batch: int = 1) -> subprocess.Popen[str]:
    """The client process: `batch` > 1 sends the requests that many to a task (batch tasks)."""
    process = subprocess.Popen([sys.executable, "-c", CLIENT, str(timeout), str(batch)], env=cluster.environment,
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
