"""The Airflow provider as it is deployed: a real Airflow 3 (PostgreSQL, `airflow db migrate`, the
scheduler, the DAG processor, the triggerer, the API server) with the CeleryExecutor and two
Celery workers on a real redis-server, the provider installed into its virtual environment from
the platform wheel (no COMPONENT_EXECUTABLES: it finds the twilio-component the wheel carries).

The `twilio_default` connection is stored in the metadata database through the REST API, as the UI
stores it (every process reads it from there through the API server, the triggerer through the Task
SDK), and tested there: the API server runs the hook's `test_connection`, the component's `check`.
The example DAG is triggered through the REST API with a batch the sandbox slows down; while the
sandbox has seen part of it, the worker running `send_batch` is killed whole (SIGKILL to every
process of its session). Airflow notices the missing heartbeats, retries `send_batch` on the other
worker, and the ledger keeps the guarantee: every recipient gets exactly one message. A second run
shows the deferrable `replies` sensor handing its wait to the triggerer and resuming when a text
comes in.

Minutes of start-up: `make test-airflow-cluster` runs it (AIRFLOW_CLUSTER_TEST=1), not test-engines.
"""

from __future__ import annotations

import collections
import os
import shutil
import time
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from airflow_cluster import (AirflowCluster, ApiError, Postgres, Service, airflow_python, find_task_process,
                             install_wheel, kill_session, run_tool, session_of, tail, wheel)
from conftest import ROOT, SCALED_TIMES, Sandbox, ledger_states, wait_until

pytestmark = pytest.mark.skipif(os.environ.get("AIRFLOW_CLUSTER_TEST") != "1",
                                reason="a real Airflow cluster takes minutes: `make test-airflow-cluster` runs it")

DAG = "twilio_batch"
FROM = "+15005550006"
#: Enough that the batch takes several seconds under the sandbox's hold, so it can be cut mid-way.
RECIPIENTS = [f"+1415555{number:04d}" for number in range(2000, 2090)]
HOLD_MS = 400
#: The worker is killed once the sandbox has this many of the batch's messages.
KILL_AFTER = 20


def outbound(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [m for m in sandbox.messages() if m.get("direction") != "inbound"]


def trigger_run(cluster: AirflowCluster, run_id: str, recipients: list[str]) -> None:
    cluster.api("POST", f"/dags/{DAG}/dagRuns", {
        "dag_run_id": run_id, "logical_date": None,
        "conf": {"from": FROM, "recipients": recipients, "body": "Your order has shipped."}})


def xcom(cluster: AirflowCluster, run_id: str, task_id: str) -> Any:
    return cluster.api("GET", f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
                       "?deserialize=true")["value"]


def test_send_batch_survives_a_worker_kill_and_the_sensor_defers(redis_url: str, sandbox: Sandbox,
                                                                 tmp_path: Any, record_property: Any) -> None:
    started = time.monotonic()
    server = redis_url.rsplit("/", 1)[0]
    # The Celery broker, its result backend and the ledger in databases of their own on one redis-server.
    broker, results, ledger_url = f"{server}/1", f"{server}/2", f"{server}/3"
    for url in (broker, results, ledger_url):
        redis.Redis.from_url(url).flushdb()
    sandbox.control("POST", "reset")

    python = airflow_python()
    install_wheel(python, wheel(tmp_path / "wheel"))
    assert (python.parent / "twilio-component").exists(), "the wheel installed no twilio-component"
    # The wheel's requirements hold in the deployment's environment (its Airflow, its celery).
    check = run_tool([str(python), "-m", "pip", "check"], timeout=120)
    assert check.returncode == 0, f"pip check in {python.parent.parent}:\n{check.stdout}"
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "examples" / "airflow" / "twilio_batch.py", dags)
    logs = tmp_path / "service-logs"
    logs.mkdir()
    settings = sandbox.settings
    # No directory holding a twilio-component on PATH: the provider must find the wheel's own.
    path = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep)
                           if d and not os.path.exists(os.path.join(d, "twilio-component")))

    postgres = Postgres(logs)
    cluster: AirflowCluster | None = None
    try:
        postgres.start()
        cluster = AirflowCluster.configure(python, tmp_path, dags, logs, postgres.url, broker, results, {
            "PATH": path,
            "COMPONENT_LEDGER_URL": ledger_url,
            "SSL_CERT_FILE": settings["SSL_CERT_FILE"],
            "COMPONENT_SERVE_CONCURRENCY": "4",
            **SCALED_TIMES,
        })
        workers = start_airflow(cluster)
        connection = store_and_test_connection(cluster, sandbox)
        batch = send_with_a_kill(cluster, sandbox, workers)
        replies = defer_replies(cluster, sandbox)
    except BaseException:
        if cluster is not None:
            cluster.print_logs()
        print(f"----- postgres -----\n{tail(logs / 'postgres.log')}")
        raise
    finally:
        try:
            if cluster is not None:
                cluster.stop()
        finally:
            postgres.stop()

    per_recipient = collections.Counter(m["to"] for m in batch.messages)
    duplicates = sum(count - 1 for count in per_recipient.values() if count > 1)
    requests = ledger_states(redis.Redis.from_url(ledger_url))
    states = collections.Counter(state for _, state, _ in requests)
    # Requests the second try took up again: the ledger counts the claims that ran each.
    retaken = sum(1 for _, _, claims in requests if claims > 1)
    needs_review = states.get(b"review", 0) + sum(
        1 for entry in batch.results if (entry.get("error") or {}).get("code") == "needs_review")
    tally = (f"airflow cluster: {len(RECIPIENTS)} recipients, {sum(per_recipient[r] for r in RECIPIENTS)} messages "
             f"in the sandbox ({batch.sent_at_kill} before the kill of {batch.killed.name}, {batch.in_flight} in "
             f"flight), {duplicates} duplicates, {needs_review} needs_review, send_batch tries "
             f"{batch.send['try_number']} (try 1 {'/'.join(batch.first_try)} on {batch.hostnames.get(1)}, try 2 on "
             f"{batch.hostnames.get(2)}, {retaken} requests taken up again), connection test "
             f"{'ok' if connection.status else 'failed'} ({connection.message!r}; wrong token: "
             f"{connection.wrong_message!r}), replies deferred {replies.seconds_deferred:.1f} s on the "
             f"triggerer, runs {batch.run['state']}/{replies.run['state']}, {time.monotonic() - started:.0f} s total")
    print(tally)
    record_property("tally", tally)

    assert batch.run["state"] == "success", batch.run
    assert batch.send["state"] == "success" and batch.send["try_number"] == 2, batch.send
    assert batch.first_try and batch.first_try != ["success"], batch.first_try
    # Airflow's own record of where each try ran (each worker's hostname is its name).
    assert batch.hostnames.get(1) == batch.killed.name, (batch.hostnames, batch.killed.name)
    assert batch.hostnames.get(2) == batch.retried_on.name != batch.killed.name, (batch.hostnames, batch.killed.name)
    # The kill cut the batch mid-flight: the sandbox was holding creates whose sender had died, and
    # the second try took those requests up again rather than sending them anew.
    assert batch.in_flight >= 1, f"no request was in flight at the kill: {batch.in_flight}"
    assert retaken >= 1, f"no request was taken up again by try 2: {states}"
    missing = [r for r in RECIPIENTS if per_recipient[r] == 0]
    doubled = {r: per_recipient[r] for r in RECIPIENTS if per_recipient[r] > 1}
    assert not missing and not doubled, f"no message: {missing}; more than one: {doubled}"
    assert needs_review == 0, states
    assert connection.status, connection.message
    assert not connection.wrong_status, connection.wrong_message
    for message in (connection.message, connection.wrong_message):
        assert connection.token not in message and connection.wrong_token not in message, message
    # XCom holds one small entry per recipient, each with its message's SID.
    assert len(batch.results) == len(RECIPIENTS), batch.results[:3]
    assert all("sid" in entry.get("data", {}) for entry in batch.results), batch.results[:3]
    assert {entry["data"]["sid"] for entry in batch.results} == {m["sid"] for m in batch.messages}
    assert replies.trigger.get("classpath") == "component_engines.airflow.triggers.ComponentPollingTrigger", \
        replies.trigger
    assert "starting" in replies.trigger_log and "Trigger fired event" in replies.trigger_log, replies.trigger_log
    assert replies.run["state"] == "success", replies.run
    assert replies.sensor["state"] == "success", replies.sensor
    assert replies.inbound_sid in replies.reply_sids, (replies.inbound_sid, replies.reply_sids)


def start_airflow(cluster: AirflowCluster) -> list[Service]:
    """Migrates the database and starts every component; returns the two Celery workers once the
    example DAG is parsed and both are ready."""
    cluster.run("db", "migrate")
    for component in ("scheduler", "dag-processor", "triggerer"):
        cluster.start(component, component)
    cluster.start("api-server", "api-server")
    workers = [cluster.start_worker("worker1", 2), cluster.start_worker("worker2", 2)]
    cluster.wait_for_api()

    def parsed() -> bool:
        cluster.check_alive()
        errors = cluster.api("GET", "/importErrors")
        assert not errors["import_errors"], errors["import_errors"]
        try:
            return not cluster.api("GET", f"/dags/{DAG}")["is_paused"]
        except ApiError:
            return False

    wait_until(parsed, 120, f"the DAG processor to parse {DAG}", interval=1)
    for worker in workers:
        wait_until(lambda w=worker: b"ready." in w.log.read_bytes() or not w.alive(), 120, worker.name)
        cluster.check_alive()
    return workers


@dataclass
class ConnectionOutcome:
    """What the API server's connection test answered for `twilio_default` and for the same
    connection with a wrong token (which the sandbox refuses), and the tokens its messages must
    not hold."""

    status: bool
    message: str
    wrong_status: bool
    wrong_message: str
    token: str
    wrong_token: str


def store_and_test_connection(cluster: AirflowCluster, sandbox: Sandbox) -> ConnectionOutcome:
    """`twilio_default` stored through the REST API, then tested by the API server (the hook's
    test_connection), and a copy of it with a wrong Auth Token tested too."""
    settings = sandbox.settings
    token, wrong_token = settings["TWILIO_AUTH_TOKEN"], f"wrong{settings['TWILIO_AUTH_TOKEN'][::-1]}"
    connection = {"connection_id": "twilio_default", "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"],
                  "password": token, "host": sandbox.base_url}
    cluster.api("POST", "/connections", connection)
    stored = cluster.api("GET", "/connections/twilio_default")
    assert stored["conn_type"] == "twilio" and stored["host"] == sandbox.base_url, stored
    answer = cluster.api("POST", "/connections/test", connection)
    wrong = cluster.api("POST", "/connections/test",
                        {**connection, "connection_id": "twilio_wrong_token", "password": wrong_token})
    return ConnectionOutcome(status=answer["status"], message=str(answer["message"]), wrong_status=wrong["status"],
                             wrong_message=str(wrong["message"]), token=token, wrong_token=wrong_token)


@dataclass
class BatchOutcome:
    run: dict[str, Any]
    #: send_batch's task instance after the run, and the state its first try ended in.
    send: dict[str, Any]
    first_try: list[str]
    #: The hostname Airflow recorded for each try, by try number.
    hostnames: dict[int, str]
    killed: Service
    retried_on: Service
    sent_at_kill: int
    in_flight: int
    #: send_batch's XCom, and the batch's messages in the sandbox.
    results: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def send_with_a_kill(cluster: AirflowCluster, sandbox: Sandbox, workers: list[Service]) -> BatchOutcome:
    """Run 1: the batch, slowed down by the sandbox, and the worker running send_batch killed whole
    in the middle of it."""
    # `hold`: a create is processed after the hold even when its sender has died meanwhile, as
    # Twilio does; so the kill leaves sends whose outcome the retry must find, not repeat.
    sandbox.control("POST", "faults", {"route": "messages.create", "count": len(RECIPIENTS),
                                       "fault": {"type": "hold", "milliseconds": HOLD_MS}})
    run_id = "batch-with-a-kill"
    trigger_run(cluster, run_id, RECIPIENTS)

    def sending() -> dict[str, Any] | None:
        cluster.check_alive()
        ti = cluster.task_instance(DAG, run_id, "send_batch")
        assert ti["state"] not in ("success", "failed"), f"send_batch ended before the kill: {ti['state']}"
        return ti if ti["state"] == "running" and len(outbound(sandbox)) >= KILL_AFTER else None

    ti = wait_until(sending, 180, f"send_batch to be running with {KILL_AFTER} messages sent", interval=0.2)
    task_pid = find_task_process(ti["id"])
    assert task_pid is not None, f"no process runs send_batch's task instance {ti['id']}"
    holder = next((w for w in workers if w.pid == session_of(task_pid)), None)
    assert holder is not None, f"send_batch (pid {task_pid}) runs in no worker's session"
    holder.killed = True
    killed = kill_session(holder.pid)
    in_flight = sandbox.control("GET", "traffic")["inFlight"]
    sent_at_kill = len(outbound(sandbox))
    holder.process.wait(timeout=10)
    print(f"killed {holder.name} ({killed} processes) with {sent_at_kill} of {len(RECIPIENTS)} messages sent, "
          f"{in_flight} in flight")
    assert sent_at_kill < len(RECIPIENTS), "the batch ended before the kill: hold the sandbox's creates longer"

    def retried() -> Service | None:
        cluster.check_alive()
        ti = cluster.task_instance(DAG, run_id, "send_batch")
        assert ti["state"] not in ("success", "failed") or ti["try_number"] < 2, f"try 2 ended unseen: {ti}"
        pid = find_task_process(ti["id"]) if ti["try_number"] >= 2 and ti["state"] == "running" else None
        return next((w for w in workers if pid is not None and w.pid == session_of(pid)), None)

    # Airflow finds the task's heartbeats missing and runs it again, on the worker that is left.
    retried_on = wait_until(retried, 180, "send_batch's second try to run on a worker", interval=0.3)
    run = cluster.wait_for_run(DAG, run_id, 300)
    tries = cluster.api("GET", f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/send_batch/tries")["task_instances"]
    sandbox.control("DELETE", "faults")
    return BatchOutcome(
        run=run, send=cluster.task_instance(DAG, run_id, "send_batch"),
        first_try=[str(t["state"]) for t in tries if t["try_number"] == 1],
        hostnames={int(t["try_number"]): str(t.get("hostname")) for t in tries}, killed=holder, retried_on=retried_on,
        sent_at_kill=sent_at_kill, in_flight=in_flight, results=list(xcom(cluster, run_id, "send_batch")),
        messages=outbound(sandbox))


@dataclass
class RepliesOutcome:
    run: dict[str, Any]
    sensor: dict[str, Any]
    #: The trigger the sensor deferred with, as the API showed it while deferred.
    trigger: dict[str, Any]
    seconds_deferred: float
    #: The triggerer's log of that trigger.
    trigger_log: str
    inbound_sid: str
    reply_sids: list[str]


def defer_replies(cluster: AirflowCluster, sandbox: Sandbox) -> RepliesOutcome:
    """Run 2: the replies sensor, its state set by run 1's first poll, defers to the triggerer and
    resumes when a text comes in."""
    run_id = "replies-deferred"
    trigger_run(cluster, run_id, ["+14155551990"])

    def deferred() -> dict[str, Any] | None:
        cluster.check_alive()
        sensor = cluster.task_instance(DAG, run_id, "replies")
        assert sensor["state"] not in ("success", "failed", "skipped"), f"replies ended undeferred: {sensor}"
        return sensor if sensor["state"] == "deferred" else None

    sensor = wait_until(deferred, 180, "the replies sensor to defer", interval=0.5)
    deferred_at = time.monotonic()
    # The trigger polls (every 2 s) and finds nothing before the text arrives.
    time.sleep(5)
    assert cluster.task_instance(DAG, run_id, "replies")["state"] == "deferred"
    inbound = sandbox.control("POST", "inbound", {"from": "+14155550199", "to": FROM, "body": "Thanks!",
                                                  "url": f"{sandbox.base_url}/__sandbox/health"})

    def resumed() -> bool:
        cluster.check_alive()
        return cluster.task_instance(DAG, run_id, "replies")["state"] != "deferred"

    wait_until(resumed, 120, "the replies sensor to resume", interval=0.5)
    seconds_deferred = time.monotonic() - deferred_at
    run = cluster.wait_for_run(DAG, run_id, 180)
    logs = (cluster.home / "logs").glob(f"dag_id={DAG}/run_id={run_id}/task_id=replies/attempt=1.log.trigger.*.log")
    return RepliesOutcome(
        run=run, sensor=cluster.task_instance(DAG, run_id, "replies"), trigger=sensor.get("trigger") or {},
        seconds_deferred=seconds_deferred, trigger_log="".join(log.read_text(errors="replace") for log in logs),
        inbound_sid=str(inbound.get("message", inbound)["sid"]),
        reply_sids=list(xcom(cluster, run_id, "report_replies")))
