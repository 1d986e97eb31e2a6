"""Runs the example DAG with `dag.test()` through the steps test_airflow.py checks, in one Airflow
process (its start-up is paid once), and writes what each step left behind as JSON.

    python airflow_driver.py REPORT.json TASK_LOG BAD_DAGS_FOLDER

Airflow's environment (AIRFLOW_HOME, the DAGs folder, the connections) and SANDBOX_URL come from
the caller. Task logs go to TASK_LOG through the Task SDK's logging, which masks secrets as a
worker's does.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from airflow.sdk.log import configure_logging

report_path, task_log, bad_folder = sys.argv[1:4]
configure_logging(output=open(task_log, "w"), colored_console_log=False)

import pendulum  # noqa: E402
from airflow.dag_processing.dagbag import DagBag  # noqa: E402
from airflow.models.xcom import XComModel  # noqa: E402
from airflow.utils.session import create_session  # noqa: E402
from sqlalchemy import select  # noqa: E402

from conftest import Sandbox  # noqa: E402  (this file's folder is on the path)

SANDBOX = os.environ["SANDBOX_URL"]
# The sandbox the test started, reached through its control endpoints.
sandbox = Sandbox(None, {"TWILIO_API_BASE_URL": SANDBOX, "SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]})
control = sandbox.control


def outbound() -> list[dict[str, Any]]:
    return [m for m in sandbox.messages() if m.get("direction") != "inbound"]


def xcom(run: Any, task_id: str) -> Any:
    with create_session() as session:
        row = session.scalars(select(XComModel).where(
            XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id, XComModel.task_id == task_id,
            XComModel.key == "return_value")).first()
        return XComModel.deserialize_value(row) if row is not None else None


def outcome(run: Any, tasks: list[str]) -> dict[str, Any]:
    with create_session() as session:
        instances = {ti.task_id: {"state": str(ti.state), "tryNumber": ti.try_number}
                     for ti in run.get_task_instances(session=session)}
    return {"runId": run.run_id, "state": str(run.state), "tasks": instances,
            "xcom": {task_id: xcom(run, task_id) for task_id in tasks}}


dags = DagBag()
assert not dags.import_errors, dags.import_errors
batch = dags.get_dag("twilio_batch")
canary = dags.get_dag("secret_canary")
TASKS = ["send_batch", "wait_for_delivery", "report_undelivered", "replies", "report_replies"]
steps: dict[str, Any] = {}


def run(name: str, day: int, conf: dict[str, Any] | None = None) -> None:
    date = pendulum.datetime(2026, 3, day, tz="UTC")
    started = time.monotonic()
    dag_run = batch.test(logical_date=date, run_after=date, run_conf=conf)
    steps[name] = {**outcome(dag_run, TASKS), "seconds": round(time.monotonic() - started, 1),
                   "outboundAfter": len(outbound())}


def text_in(sender: str, body: str) -> None:
    """Someone texts the DAG's number (the webhook the sandbox also sends goes nowhere that matters)."""
    control("POST", "inbound", {"from": sender, "to": "+15005550006", "body": body, "url": f"{SANDBOX}/__sandbox/health"})


control("POST", "reset")
run("first", 1)
run("rerun", 1)  # the same logical date: the run is cleared and every task runs again
text_in("+14155550199", "first reply")
run("second", 2)
text_in("+14155550198", "second reply")
run("third", 3)
text_in("+14155550197", "third reply")  # so that this run's sensor need not wait
run("badInput", 4, {"recipients": ["+14155550100", "call me"]})
canary_run = canary.test(logical_date=pendulum.datetime(2026, 3, 5, tz="UTC"))
steps["canary"] = outcome(canary_run, ["auth_token", "api_key", "verify_service", "send_code", "check_code"])

# Last, so that its message leaves the counts above as they were: operators of two components.
two = dags.get_dag("two_components")
TWO = ["sms", "second", "second_by_key", "read_back", "full"]
two_date = pendulum.datetime(2026, 3, 6, tz="UTC")
for name in ("two", "twoAgain"):  # the same logical date again: cleared and re-run
    two_run = two.test(logical_date=two_date, run_after=two_date)
    steps[name] = {**outcome(two_run, TWO), "outboundAfter": len(outbound())}

# Deferrable sensors. The first run has no state: its trigger fires at once. In the second, the
# trigger is already polling (it used up the scripted failures of the listing, and said it polls
# again) when the text comes in, and the sensor resumes with it.
deferred = dags.get_dag("deferred_replies")
DEFERRED = ["reply", "refused"]


def text_in_once_polling(found: dict[str, Any]) -> None:
    deadline = time.monotonic() + 120
    while control("GET", "faults")["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)
    found["faultsUsedAfter"] = round(time.monotonic() - found["started"], 1)
    time.sleep(1.5)  # a poll or two that finds nothing
    text_in("+14155550196", "deferred reply")
    found["textedAfter"] = round(time.monotonic() - found["started"], 1)


for name, day in (("deferredFirst", 7), ("deferredSecond", 8)):
    found: dict[str, Any] = {"started": time.monotonic()}
    injector = None
    if name == "deferredSecond":
        # Three 503s: one poll's every attempt, a retryable error for the trigger to retry.
        control("POST", "faults", {"route": "messages.list", "count": 3, "fault": {"type": "status", "status": 503}})
        injector = threading.Thread(target=text_in_once_polling, args=(found,))
        injector.start()
    date = pendulum.datetime(2026, 3, day, tz="UTC")
    deferred_run = deferred.test(logical_date=date, run_after=date)
    if injector is not None:
        injector.join(timeout=180)
    steps[name] = {**outcome(deferred_run, DEFERRED), "seconds": round(time.monotonic() - found.pop("started"), 1),
                   **found}

# A sensor whose `done_when` wants a "stop": the text before it is read (the trigger fires), is not
# done, and the sensor defers again from the state after it; "stop" comes once the listing was
# asked three times (scripted pass-through faults count them), so in the second deferral.
until = dags.get_dag("deferred_until_stop")


def stop_after_three_listings() -> None:
    deadline = time.monotonic() + 120
    while control("GET", "faults")["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)
    text_in("+14155550195", "stop")


for name, day in (("untilFirst", 9), ("untilStop", 10)):
    injector = None
    if name == "untilStop":
        text_in("+14155550195", "not yet")
        control("POST", "faults", {"route": "messages.list", "count": 3, "fault": {"type": "pass"}})
        injector = threading.Thread(target=stop_after_three_listings)
        injector.start()
    date = pendulum.datetime(2026, 3, day, tz="UTC")
    until_run = until.test(logical_date=date, run_after=date)
    if injector is not None:
        injector.join(timeout=180)
    steps[name] = outcome(until_run, ["until_stop"])

# Airflow's connection test (the UI's and the API's "Test" button), through the providers manager's hook.
from airflow.models.connection import Connection  # noqa: E402

steps["testConnection"] = {conn_id: list(Connection.get_connection_from_secrets(conn_id).test_connection())
                           for conn_id in ("twilio_default", "twilio_api_key", "twilio_wrong_token")}

bad = DagBag(dag_folder=bad_folder)
steps["parse"] = {"importErrors": {os.path.basename(path): text for path, text in bad.import_errors.items()}}

with open(report_path, "w") as output:
    json.dump(steps, output, indent=2, default=str)
