"""The Celery side as operators see it: a worker that refuses what would break the guarantee (a
ledger Redis that forgets, a pool that forks), and, with COMPONENT_TASK_ERRORS=raise, component
errors as task failures that Celery's own machinery sees, with arguments that show no values."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import redis

from conftest import Cluster, RedisServer, wait_until

FORGETFUL = ("--appendonly", "no", "--save", "", "--maxmemory-policy", "allkeys-lru")


def worker_exit(cluster: Cluster, *arguments: str) -> tuple[int, str]:
    """A worker started with `arguments` that is expected to refuse: its exit status and output."""
    command = [sys.executable, "-m", "celery", "-A", "component_engines.celery", "worker", "--concurrency", "2",
               "--without-gossip", "--without-mingle", "--loglevel", "INFO", *arguments]
    done = subprocess.run(command, env=cluster.environment, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_a_worker_refuses_a_ledger_that_forgets_and_a_forking_pool(cluster: Cluster, tmp_path: pathlib.Path) -> None:
    (tmp_path / "forgetful").mkdir()
    forgetful = RedisServer(tmp_path / "forgetful", arguments=FORGETFUL).start()
    try:
        cluster.environment["COMPONENT_LEDGER_URL"] = forgetful.url()
        status, output = worker_exit(cluster, "--pool", "threads")
        assert status != 0, output
        for named in ("appendonly is no", "maxmemory-policy is allkeys-lru", "set appendonly yes",
                      "set maxmemory-policy noeviction", "COMPONENT_LEDGER_DURABILITY=unsafe"):
            assert named in output, (named, output[-2000:])

        # The opt-out starts, and says what it risks.
        cluster.environment["COMPONENT_LEDGER_DURABILITY"] = "unsafe"
        worker = cluster.start_worker("unsafe", concurrency=2)
        wait_until(lambda: b"may be sent twice" in worker.log.read_bytes(), 30, "the worker's warning")
        cluster.stop()
    finally:
        forgetful.stop()

    cluster.environment.pop("COMPONENT_LEDGER_URL")
    cluster.environment.pop("COMPONENT_LEDGER_DURABILITY")
    status, output = worker_exit(cluster, "--pool", "prefork")
    assert status != 0 and "needs the threads pool" in output and "--pool threads" in output, output[-2000:]


SUBMIT = r"""
import json, sys
from component_engines.celery import submit
from engine_flows import record_failure
ids = {}
for name, to in (("refused", "+15005550001"), ("sent", "+14155550142")):
    ids[name] = submit("sendSMS", {"from": "+15005550006", "to": to, "body": "raise mode " + name},
                       request_id="raise-" + name, link_error=record_failure.s()).id
print(json.dumps(ids), flush=True)
"""

WAIT = r"""
import json, sys, time
from celery.result import AsyncResult
from component_engines.celery import ComponentError, app
ids = json.loads(sys.argv[1])
results = {name: AsyncResult(task_id, app=app) for name, task_id in ids.items()}
deadline = time.monotonic() + 60
while not all(result.ready() for result in results.values()) and time.monotonic() < deadline:
    time.sleep(0.2)
out = {}
for name, result in results.items():
    value = result.result
    out[name] = {"state": result.state, "componentError": isinstance(value, ComponentError),
                 "error": value.error if isinstance(value, ComponentError) else None,
                 "data": value.get("data") if isinstance(value, dict) else None}
print(json.dumps(out), flush=True)
"""


def python(cluster: Cluster, script: str, *arguments: str) -> Any:
    done = subprocess.run([sys.executable, "-c", script, *arguments], env=cluster.environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_raise_mode_fails_the_task_with_the_component_error(cluster: Cluster) -> None:
    cluster.environment["COMPONENT_TASK_ERRORS"] = "raise"
    ids = python(cluster, SUBMIT)

    # Before any worker takes them: what Flower and `celery events` show of the arguments.
    client = redis.Redis.from_url(cluster.redis_url)
    queued = [json.loads(item) for item in client.lrange("celery", 0, -1)]
    assert len(queued) == 2, queued
    for message in queued:
        shown = message["headers"]["argsrepr"] + message["headers"]["kwargsrepr"]
        assert "'to': '***'" in shown and "'body': '***'" in shown, shown
        assert "+1" not in shown and "raise mode" not in shown, shown

    cluster.start_worker("raise", concurrency=2, include="engine_flows")
    states = python(cluster, WAIT, json.dumps(ids))
    refused, sent = states["refused"], states["sent"]
    assert refused["state"] == "FAILURE" and refused["componentError"], refused
    assert refused["error"]["status"] == 400 and refused["error"]["code"] == 21211, refused
    assert sent["state"] == "SUCCESS" and sent["data"]["sid"].startswith("SM"), sent

    # link_error saw the failure, and only it.
    wait_until(lambda: client.llen("test:failures") >= 1, 30, "the errback")
    failures = [json.loads(item) for item in client.lrange("test:failures", 0, -1)]
    assert [f["id"] for f in failures] == [ids["refused"]] and failures[0]["type"] == "ComponentError", failures
