"""The example DAG on Apache Airflow 3 (`dag.test()`) against the sandbox over TLS, with the ledger
in a real redis-server: the batch is sent once however often its run is cleared and re-run, the
replies sensor sees each new message in exactly one run, bad inputs fail with the component's
message (at parse time when literal), and no task log holds a secret."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Any

import pytest
import redis

from component_engines.component import Manifest
from conftest import COMPONENT, ROOT, TESTS, Sandbox

BAD_DAG = '''
import pendulum
from airflow.sdk import dag
from component_engines.airflow import TwilioSendSMSOperator

@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
def literal_mistakes():
    TwilioSendSMSOperator(task_id="send", from_="+15005550006", to="+14155550100", body="Hi", validity_period="soon")

literal_mistakes()
'''


def airflow_environment(home: pathlib.Path, dags: pathlib.Path, redis_url: str, sandbox: Sandbox) -> dict[str, str]:
    settings = sandbox.settings
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "AIRFLOW"))}
    environment.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "COMPONENT_EXECUTABLE": COMPONENT,
        "COMPONENT_LEDGER_URL": redis_url,
        "SSL_CERT_FILE": settings["SSL_CERT_FILE"],
        "SANDBOX_URL": sandbox.base_url,
        "AIRFLOW_CONN_TWILIO_DEFAULT": json.dumps({
            "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"], "password": settings["TWILIO_AUTH_TOKEN"],
            "host": sandbox.base_url}),
        "AIRFLOW_CONN_TWILIO_API_KEY": json.dumps({
            "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"], "password": settings["TWILIO_API_SECRET"],
            "host": sandbox.base_url, "extra": {"apiKey": settings["TWILIO_API_KEY"]}}),
    })
    return environment


@pytest.fixture(scope="module")
def dag_runs(redis_url: str, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    redis.Redis.from_url(redis_url).flushdb()
    directory = tmp_path_factory.mktemp("airflow")
    dags, bad = directory / "dags", directory / "bad-dags"
    dags.mkdir()
    bad.mkdir()
    shutil.copy(ROOT / "examples" / "airflow" / "twilio_batch.py", dags)
    shutil.copy(TESTS / "airflow_dags" / "secret_canary.py", dags)
    (bad / "literal_mistakes.py").write_text(BAD_DAG)
    environment = airflow_environment(directory / "home", dags, redis_url, sandbox)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=environment, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    migrated = time.monotonic()
    report, task_log, output = directory / "report.json", directory / "task.log", directory / "driver.log"
    with open(output, "wb") as out:
        completed = subprocess.run([sys.executable, str(TESTS / "airflow_driver.py"), str(report), str(task_log), str(bad)],
                                   env=environment, stdout=out, stderr=subprocess.STDOUT, timeout=900)
    assert completed.returncode == 0, output.read_text()[-6000:]
    printed = [line for line in output.read_text().splitlines()
               if line.startswith(("not delivered:", "delivered ", "reply from "))]
    print(f"\nairflow: db migrate {migrated - started:.1f} s, DAG runs {time.monotonic() - migrated:.1f} s; the DAG printed:")
    for line in printed:
        print(f"  {line}")
    logs = [task_log, output, *sorted((directory / "home").rglob("*.log"))]
    return {"steps": json.loads(report.read_text()), "logs": {str(path): path.read_text(errors="replace") for path in logs},
            "settings": sandbox.settings}


def sids(step: dict[str, Any]) -> list[str]:
    return [entry["data"]["sid"] for entry in step["xcom"]["send_batch"]]


def test_the_batch_is_sent_and_undelivered_numbers_reported(dag_runs: dict[str, Any]) -> None:
    first = dag_runs["steps"]["first"]
    assert first["state"] == "success", first
    assert [entry["input"] for entry in first["xcom"]["send_batch"]] == [
        "+14155550100", "+14155550101", "+15005559010", "+15005559011"]
    assert first["outboundAfter"] == 4
    assert {s["to"]: s["status"] for s in first["xcom"]["wait_for_delivery"]} == {
        "+14155550100": "delivered", "+14155550101": "delivered", "+15005559010": "undelivered", "+15005559011": "failed"}
    assert first["xcom"]["report_undelivered"] == ["+15005559010", "+15005559011"]


def test_a_cleared_and_rerun_batch_sends_nothing_twice(dag_runs: dict[str, Any]) -> None:
    first, rerun = dag_runs["steps"]["first"], dag_runs["steps"]["rerun"]
    assert rerun["runId"] == first["runId"] and rerun["state"] == "success"
    assert rerun["outboundAfter"] == first["outboundAfter"] == 4
    assert sids(rerun) == sids(first)
    # Later runs are new requests: four more messages each.
    assert dag_runs["steps"]["second"]["outboundAfter"] == 8
    assert dag_runs["steps"]["third"]["outboundAfter"] == 12


def test_the_sensor_sees_each_new_message_in_exactly_one_run(dag_runs: dict[str, Any]) -> None:
    steps = dag_runs["steps"]
    bodies = {name: [m["body"] for m in steps[name]["xcom"]["replies"]["body"]["data"]["messages"]]
              for name in ("first", "rerun", "second", "third")}
    assert bodies == {"first": [], "rerun": [], "second": ["first reply"], "third": ["second reply"]}
    assert len(steps["second"]["xcom"]["report_replies"]) == 1
    assert steps["second"]["xcom"]["report_replies"] != steps["third"]["xcom"]["report_replies"]


def test_a_bad_input_fails_at_run_time_with_the_components_message_and_is_not_retried(dag_runs: dict[str, Any]) -> None:
    bad = dag_runs["steps"]["badInput"]
    assert bad["state"] == "failed"
    assert bad["tasks"]["send_batch"] == {"state": "failed", "tryNumber": 1}  # retries=2, none used
    log = "\n".join(dag_runs["logs"].values())
    assert "Input 'to' (To) 'call me' is not a phone number" in log
    # The good number of the batch was sent: one message more than after the third run.
    assert bad["outboundAfter"] == 13


def test_a_bad_literal_input_fails_when_the_dag_is_parsed(dag_runs: dict[str, Any]) -> None:
    errors = dag_runs["steps"]["parse"]["importErrors"]
    assert list(errors) == ["literal_mistakes.py"]
    assert "send: inputs of 'sendSMS' do not fit its schema: validityPeriod: 'soon' is not of type 'integer'" in errors[
        "literal_mistakes.py"]


def test_no_task_log_shows_a_secret(dag_runs: dict[str, Any]) -> None:
    settings = dag_runs["settings"]
    assert dag_runs["steps"]["canary"]["state"] == "success"
    secrets = [settings["TWILIO_AUTH_TOKEN"], settings["TWILIO_API_SECRET"]]
    secrets += [base64.b64encode(f"{user}:{secret}".encode()).decode() for user, secret in (
        (settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"]), (settings["TWILIO_API_KEY"], settings["TWILIO_API_SECRET"]))]
    for path, text in dag_runs["logs"].items():
        for secret in secrets:
            assert secret not in text, f"{path} shows a secret"
    task_log = next(text for path, text in dag_runs["logs"].items() if path.endswith("task.log"))
    # The canary logged both connections' fields: each secret was there, masked.
    canary = [line for line in task_log.splitlines() if "with fields" in line]
    assert len(canary) == 2 and all("***" in line for line in canary), canary


def test_an_airflow_connection_maps_onto_the_manifests_connections() -> None:
    from component_engines.airflow.connection import connection_request, shown_url
    assert shown_url("redis://:hunter2@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert shown_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    manifest = Manifest.load(COMPONENT)
    sid, token = "AC" + "a" * 32, "t" * 32
    assert connection_request(manifest, "c", sid, token, {}) == {
        "key": "authToken", "fields": {"accountSid": sid, "authToken": token}}
    assert connection_request(manifest, "c", sid, "secret", {"apiKey": "SK" + "b" * 32, "region": "ie1"}) == {
        "key": "apiKey", "fields": {"apiKey": "SK" + "b" * 32, "region": "ie1", "accountSid": sid, "apiSecret": "secret"}}
    with pytest.raises(ValueError) as refused:
        connection_request(manifest, "c", None, token, {})
    assert str(refused.value) == (
        "connection 'c' fits none of the component's connections: Twilio API Key Connection needs Account SID "
        "(login), API Key SID (extra 'apiKey'); Twilio Auth Token Connection needs Account SID (login)")
    with pytest.raises(ValueError, match="extra 'connection' is 'oauth'; the component has apiKey, authToken"):
        connection_request(manifest, "c", sid, token, {"connection": "oauth"})
