"""Two components in one Celery worker: one process registers the tasks of both (its banner and
`celery inspect registered` list them), keeps a warm `serve` of each, and runs a task of each,
Twilio's against the sandbox and the second component's (conftest's `second_component`) against
its own service, each under its own ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import redis

from conftest import COMPONENT, Cluster, SecondComponent

CLIENT = r"""
import json, sys
from component_engines.celery import app, submit
second = json.loads(sys.argv[1])
registered = app.control.inspect(timeout=3).registered() or {}
sms = submit("sendSMS", {"from": "+15005550006", "to": "+14155550142", "body": "one worker, two components"},
             request_id="two/sms")
# By its element key alone (no other component has it), and by its task name.
other = submit(second["action"], second["inputs"], request_id="two/second")
again = submit(second["key"] + "." + second["action"], second["inputs"], request_id="two/second")
print(json.dumps({"registered": registered, "sms": sms.get(timeout=60), "second": other.get(timeout=60),
                  "again": again.get(timeout=60)}), flush=True)
"""


def test_one_worker_registers_and_runs_the_tasks_of_two_components(cluster: Cluster, second_component: SecondComponent,
                                                                    record_property: Any) -> None:
    second = second_component
    cluster.environment.update(second.environment)
    cluster.environment["COMPONENT_EXECUTABLES"] = os.pathsep.join([COMPONENT, second.executable])
    # Each component's own account limit (COMPONENT_<KEY>_ACCOUNT_CONCURRENCY) beside the shared one.
    cluster.environment[f"COMPONENT_{second.key.upper()}_ACCOUNT_CONCURRENCY"] = "2"
    worker = cluster.start_worker("both", concurrency=4)
    emails_before = len(second.service.sent()) if second.service else 0

    banner = worker.log.read_text()
    for task in ("twilio.sendSMS", "twilio.getSMS", f"{second.key}.{second.action}", f"{second.key}.{second.action}.batch"):
        assert f". {task}\n" in banner, (task, banner[-4000:])
    assert f"serving twilio ({COMPONENT}, " in banner and f"{second.key} ({second.executable}, " in banner, banner[-2000:]
    serves = subprocess.run(["pgrep", "-g", str(worker.process.pid), "-f", " serve --concurrency"], capture_output=True,
                            text=True).stdout.split()
    assert len(serves) == 2, serves  # one warm child per component

    done = subprocess.run([sys.executable, "-c", CLIENT, json.dumps({"key": second.key, "action": second.action,
                                                                     "inputs": second.inputs})],
                          env=cluster.environment, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.splitlines()[-1])

    names = [name for tasks in answers["registered"].values() for name in tasks]
    assert "twilio.sendSMS" in names and f"{second.key}.{second.action}" in names, answers["registered"]

    sms = answers["sms"]
    assert sms["data"]["sid"].startswith("SM"), sms
    assert [m["sid"] for m in cluster.sandbox.messages() if m["body"] == "one worker, two components"] == [sms["data"]["sid"]]

    other = answers["second"]
    assert "data" in other and {k: other["data"].get(k) for k in second.expected} == second.expected, other
    assert answers["again"] == other  # the same request id: the ledger's answer, not a second run
    client = redis.Redis.from_url(cluster.redis_url)
    assert client.hget(f"component-engines:{second.key}:request:two/second", "state") == b"done"
    assert client.hget("component-engines:twilio:request:two/sms", "state") == b"done"
    if second.service is not None:
        sent = second.service.sent()[emails_before:]
        assert len(sent) == 1, sent
        assert sent[0]["authorization"] == f"Bearer {second.environment['SENDGRID_API_KEY']}"
        assert other["data"]["messageId"].startswith("standin-"), other
    record_property("tally", f"two components: one worker ran twilio.sendSMS and {second.key}.{second.action} "
                             f"({second.executable})")
