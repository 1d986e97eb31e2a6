"""The example DAG on Apache Airflow 3 (`dag.test()`) against the sandbox over TLS, with the ledger
in a real redis-server: the batch is sent once however often its run is cleared and re-run, the
replies sensor sees each new message in exactly one run, bad inputs fail with the component's
message (at parse time when literal), and no task log holds a secret. The Airflow hosts two
components (Twilio and conftest's `second_component`): a DAG runs operators of both, and
`airflow providers hooks` lists a connection type for each."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import pytest
import redis

from component_engines.airflow.generated import class_name
from component_engines.component import Manifest
from conftest import COMPONENT, ROOT, TESTS, Sandbox, SecondComponent

#: A token of the right shape that the sandbox refuses.
WRONG_TOKEN = "0f" * 16

BAD_DAG = '''
import pendulum
from airflow.sdk import dag
from component_engines.airflow import TwilioSendSMSOperator

@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
def literal_mistakes():
    TwilioSendSMSOperator(task_id="send", from_="+15005550006", to="+14155550100", body="Hi", validity_period="soon")

literal_mistakes()
'''


def airflow_environment(home: pathlib.Path, dags: pathlib.Path, redis_url: str, sandbox: Sandbox,
                        second: SecondComponent) -> dict[str, str]:
    settings = sandbox.settings
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "AIRFLOW"))}
    environment.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "COMPONENT_EXECUTABLES": os.pathsep.join([COMPONENT, second.executable]),
        "COMPONENT_LEDGER_URL": redis_url,
        "SSL_CERT_FILE": settings["SSL_CERT_FILE"],
        "SANDBOX_URL": sandbox.base_url,
        "AIRFLOW_CONN_TWILIO_DEFAULT": json.dumps({
            "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"], "password": settings["TWILIO_AUTH_TOKEN"],
            "host": sandbox.base_url}),
        # The right account with a wrong token: the connection test and a sensor must fail on it.
        "AIRFLOW_CONN_TWILIO_WRONG_TOKEN": json.dumps({
            "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"], "password": WRONG_TOKEN,
            "host": sandbox.base_url}),
        "AIRFLOW_CONN_TWILIO_API_KEY": json.dumps({
            "conn_type": "twilio", "login": settings["TWILIO_ACCOUNT_SID"], "password": settings["TWILIO_API_SECRET"],
            "host": sandbox.base_url, "extra": {"apiKey": settings["TWILIO_API_KEY"]}}),
        # The second component's connection, of its own type, and what the two-component DAG runs.
        f"AIRFLOW_CONN_{second.key.upper()}_DEFAULT": json.dumps(second.connection),
        "SECOND_COMPONENT": json.dumps({"key": second.key, "operator": second.operator, "action": second.action,
                                        "arguments": second.operator_arguments, "inputs": second.inputs}),
    })
    return environment


@pytest.fixture(scope="module")
def dag_runs(redis_url: str, sandbox: Sandbox, second_component: SecondComponent,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    redis.Redis.from_url(redis_url).flushdb()
    directory = tmp_path_factory.mktemp("airflow")
    dags, bad = directory / "dags", directory / "bad-dags"
    dags.mkdir()
    bad.mkdir()
    shutil.copy(ROOT / "examples" / "airflow" / "twilio_batch.py", dags)
    shutil.copy(TESTS / "airflow_dags" / "secret_canary.py", dags)
    shutil.copy(TESTS / "airflow_dags" / "two_components.py", dags)
    shutil.copy(TESTS / "airflow_dags" / "deferred_replies.py", dags)
    (bad / "literal_mistakes.py").write_text(BAD_DAG)
    environment = airflow_environment(directory / "home", dags, redis_url, sandbox, second_component)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=environment, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    migrated = time.monotonic()
    emails_before = len(second_component.service.sent()) if second_component.service else 0
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
    # The real CLI, in this AIRFLOW_HOME: the hooks (connection types) the providers manager found.
    hooks = subprocess.run([sys.executable, "-m", "airflow", "providers", "hooks", "--output", "json"], env=environment,
                           capture_output=True, text=True, timeout=300)
    assert hooks.returncode == 0, hooks.stderr[-3000:]
    logs = [task_log, output, *sorted((directory / "home").rglob("*.log"))]
    return {"steps": json.loads(report.read_text()), "logs": {str(path): path.read_text(errors="replace") for path in logs},
            "settings": sandbox.settings, "second": second_component, "hooks": _json_in(hooks.stdout),
            "emailsBefore": emails_before}


def _json_in(text: str) -> Any:
    """The JSON document in a command's output (Airflow may log lines before it)."""
    start = min(i for i in (text.find("["), text.find("{")) if i >= 0)
    return json.loads(text[start:])


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


def test_a_batchs_xcom_keeps_the_manifests_summary_keys_unless_asked_for_whole_results(dag_runs: dict[str, Any]) -> None:
    first = dag_runs["steps"]["first"]
    entries = first["xcom"]["send_batch"]
    # sendSMS's `summary` in the manifest: [sid, status].
    assert [sorted(entry["data"]) for entry in entries] == [["sid", "status"]] * 4, entries
    assert all(entry["data"]["sid"].startswith("SM") and entry["requestId"] for entry in entries), entries
    full = dag_runs["steps"]["two"]["xcom"]["full"]
    assert [entry["input"] for entry in full] == ["+14155550144", "+14155550145"], full
    assert all({"sid", "status", "body", "to", "dateCreated"} <= set(entry["data"]) for entry in full), full
    assert [entry["data"]["body"] for entry in full] == ["whole results"] * 2, full


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


def test_a_deferrable_sensor_resumes_on_the_triggerer_when_a_text_comes_in(dag_runs: dict[str, Any]) -> None:
    first, second = dag_runs["steps"]["deferredFirst"], dag_runs["steps"]["deferredSecond"]
    # The first run has no state: the trigger starts the watch and fires at once, with nothing.
    assert first["tasks"]["reply"]["state"] == "success", first
    assert first["xcom"]["reply"]["body"]["data"]["messages"] == [], first
    # The second waited on the trigger, which was polling (and had retried the 503s) before the text came.
    assert second["tasks"]["reply"] == {"state": "success", "tryNumber": 1}, second
    assert second["faultsUsedAfter"] < second["textedAfter"] <= second["seconds"], second
    assert [m["body"] for m in second["xcom"]["reply"]["body"]["data"]["messages"]] == ["deferred reply"], second
    log = "\n".join(dag_runs["logs"].values())
    assert "running trigger in line" in log
    assert "pollMessages failed: " in log and "; polling again in 1.0 s" in log


def test_a_deferrable_sensor_that_is_not_done_defers_again_from_the_new_state(dag_runs: dict[str, Any]) -> None:
    first, stop = dag_runs["steps"]["untilFirst"], dag_runs["steps"]["untilStop"]
    assert first["state"] == "success" and first["xcom"]["until_stop"]["body"]["data"]["messages"] == [], first
    assert stop["tasks"]["until_stop"] == {"state": "success", "tryNumber": 1}, stop
    # "not yet" was read and was not done: the second deferral polled from after it, and found "stop" alone.
    assert [m["body"] for m in stop["xcom"]["until_stop"]["body"]["data"]["messages"]] == ["stop"], stop


def test_a_deferrable_sensor_fails_with_the_components_message_on_a_refused_connection(
        dag_runs: dict[str, Any]) -> None:
    for name in ("deferredFirst", "deferredSecond"):
        step = dag_runs["steps"][name]
        assert step["tasks"]["refused"] == {"state": "failed", "tryNumber": 1}, step
    log = "\n".join(dag_runs["logs"].values())
    assert "pollMessages failed: Twilio refused the credentials of the authToken connection" in log
    assert WRONG_TOKEN not in log


def test_the_connection_test_runs_the_components_check(dag_runs: dict[str, Any]) -> None:
    tested = dag_runs["steps"]["testConnection"]
    settings = dag_runs["settings"]
    assert tested["twilio_default"][0] is True, tested
    assert "the authToken connection works" in tested["twilio_default"][1], tested
    assert settings["TWILIO_ACCOUNT_SID"] in tested["twilio_default"][1], tested
    assert tested["twilio_api_key"][0] is True and "the apiKey connection works" in tested["twilio_api_key"][1], tested
    ok, message = tested["twilio_wrong_token"]
    assert ok is False, tested
    # No connection id: the API server tests a copy of the connection under an id of its own.
    assert message.startswith("Twilio refused the credentials of the authToken connection"), message
    assert "check the Account SID and the Auth Token" in message, message
    for secret in (WRONG_TOKEN, settings["TWILIO_AUTH_TOKEN"], settings["TWILIO_API_SECRET"]):
        assert all(secret not in text for _, text in tested.values()), tested


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
    secrets = [settings["TWILIO_AUTH_TOKEN"], settings["TWILIO_API_SECRET"], dag_runs["second"].connection["password"],
               WRONG_TOKEN]
    secrets += [base64.b64encode(f"{user}:{secret}".encode()).decode() for user, secret in (
        (settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"]), (settings["TWILIO_API_KEY"], settings["TWILIO_API_SECRET"]))]
    for path, text in dag_runs["logs"].items():
        for secret in secrets:
            assert secret not in text, f"{path} shows a secret"
    task_log = next(text for path, text in dag_runs["logs"].items() if path.endswith("task.log"))
    # The canary logged both connections' fields: each secret was there, masked.
    canary = [line for line in task_log.splitlines() if "with fields" in line]
    assert len(canary) == 2 and all("***" in line for line in canary), canary
    # A one-time code rendered from a template is masked too, wherever it would show.
    assert dag_runs["steps"]["canary"]["xcom"]["check_code"]["status"] in ("pending", "approved")
    for path, text in dag_runs["logs"].items():
        assert "918273" not in text, f"{path} shows the verification code"
    checked = [line for line in task_log.splitlines() if "checking a code with inputs" in line]
    assert len(checked) == 1 and "'code': '***'" in checked[0], checked


def test_summary_keys_come_from_the_manifest_and_an_older_one_keeps_whole_results() -> None:
    from component_engines.airflow.operators import summarized, summary_keys
    manifest = Manifest.load(COMPONENT)
    assert manifest.protocol_version == "1.4"
    assert summary_keys(manifest, manifest.element("sendSMS")) == ("sid", "status")
    assert summary_keys(manifest, manifest.element("checkVerification")) == ("sid", "status", "valid")
    assert summary_keys(manifest, manifest.element("listMessages")) is None
    raw = dict(manifest.raw)
    older = Manifest.parse({**raw, "protocolVersion": "1.3", "actions": [
        {key: value for key, value in action.items() if key != "summary"} for action in raw["actions"]]})
    assert summary_keys(older, older.element("sendSMS")) is None
    assert summarized({"sid": "SM1", "status": "queued", "body": "hi"}, ("sid", "status")) == {"sid": "SM1", "status": "queued"}
    assert summarized({"sid": "SM1"}, None) == {"sid": "SM1"} and summarized(["a"], ("sid",)) == ["a"]


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


def test_operators_of_two_components_run_in_one_dag(dag_runs: dict[str, Any]) -> None:
    second: SecondComponent = dag_runs["second"]
    two, again = dag_runs["steps"]["two"], dag_runs["steps"]["twoAgain"]
    assert two["state"] == "success", two
    assert two["xcom"]["sms"]["sid"].startswith("SM") and two["xcom"]["read_back"] == two["xcom"]["sms"]["sid"], two
    for task in ("second", "second_by_key"):
        data = two["xcom"][task]
        assert {key: data.get(key) for key in second.expected} == second.expected, (task, data)
    # Cleared and re-run: each component's ledger answers, nothing is sent again.
    assert again["state"] == "success" and again["xcom"] == two["xcom"], again
    assert again["outboundAfter"] == two["outboundAfter"]
    if second.service is not None:
        ids = {two["xcom"]["second"]["messageId"], two["xcom"]["second_by_key"]["messageId"]}
        sent = second.service.sent()[dag_runs["emailsBefore"]:]
        assert len(sent) == len(ids) == 2, sent


def test_airflow_lists_a_connection_type_per_component(dag_runs: dict[str, Any]) -> None:
    second: SecondComponent = dag_runs["second"]
    listed = {hook["connection_type"]: hook for hook in dag_runs["hooks"]}
    for key, name in (("twilio", "TwilioHook"), (second.key, class_name(second.key, "", "Hook"))):
        assert key in listed, sorted(listed)
        assert listed[key]["class"] == f"component_engines.airflow.hook.{name}", listed[key]
        assert listed[key]["package_name"] == "component-engines" and listed[key]["conn_id_attribute_name"] == "conn_id"
    assert listed["twilio"]["hook_name"] == "Twilio", listed["twilio"]


RESOLVE = r"""
import json
from airflow.sdk.exceptions import AirflowException
from component_engines.airflow import ComponentActionOperator, ComponentHook, ComponentTriggerSensor
from component_engines.airflow.hook import hook_class

seen = {}
seen["byKey"] = ComponentActionOperator(task_id="a", action="getSMS", inputs={"messageSid": "SM" + "0" * 32}).component_key
seen["named"] = ComponentActionOperator(task_id="b", action="fixture.echo", inputs={"message": "hi"}).component_key
try:
    ComponentActionOperator(task_id="c", action="echo", component="twilio")
except ValueError as error:
    seen["wrongComponent"] = str(error)
seen["sensor"] = ComponentTriggerSensor(task_id="d", trigger="pollMessages").component_key
try:
    ComponentTriggerSensor(task_id="e", trigger="webhook")
except ValueError as error:
    seen["notPolling"] = str(error)
try:
    ComponentHook().component()
except AirflowException as error:
    seen["unnamedHook"] = str(error)
seen["hookDefault"] = ComponentHook(component="fixture").conn_id
fixture_hook = hook_class("fixture")
seen["fixtureHook"] = [fixture_hook.__name__, fixture_hook.conn_type, fixture_hook.default_conn_name,
                       fixture_hook(conn_id="mine").component().key]
try:
    fixture_hook(component="twilio")
except ValueError as error:
    seen["hookMismatch"] = str(error)
print(json.dumps(seen))
"""


def test_operators_sensors_and_hooks_find_their_component(tmp_path: pathlib.Path) -> None:
    from conftest import FIXTURE_COMPONENT
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "AIRFLOW"))}
    environment.update({"AIRFLOW_HOME": str(tmp_path), "COMPONENT_EXECUTABLES": os.pathsep.join([COMPONENT, FIXTURE_COMPONENT])})
    done = subprocess.run([sys.executable, "-c", RESOLVE], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["byKey"] == "twilio" and seen["named"] == "fixture" and seen["sensor"] == "twilio", seen
    assert "the twilio component has no action or data source 'echo'" in seen["wrongComponent"], seen
    assert "'webhook' of twilio is not a polling trigger" in seen["notPolling"], seen
    assert "more than one component is configured: name the component, one of twilio, fixture" in seen["unnamedHook"], seen
    assert seen["hookDefault"] == "fixture_default"
    assert seen["fixtureHook"] == ["FixtureHook", "fixture", "fixture_default", "fixture"], seen
    assert seen["hookMismatch"] == "FixtureHook runs the fixture component, not twilio", seen


DEFERRING = r"""
import datetime, json
from types import SimpleNamespace
from airflow.sdk.exceptions import (
    AirflowException, AirflowFailException, AirflowSensorTimeout, AirflowSkipException, TaskDeferred)
from component_engines.airflow import TwilioPollMessagesSensor

seen = {}
now = datetime.datetime.now(datetime.timezone.utc)
context = {"run_id": "r1", "ti": SimpleNamespace(dag_id="d", task_id="t", start_date=now - datetime.timedelta(seconds=30))}
sensor = TwilioPollMessagesSensor(task_id="t", to="+15005550006", deferrable=True, poke_interval=3, timeout=100)
try:
    sensor._defer(context, {"since": "2026-01-01T00:00:00Z"})
except TaskDeferred as deferred:
    classpath, kwargs = deferred.trigger.serialize()
    seen["deferred"] = {"classpath": classpath, "kwargs": kwargs, "method": deferred.method_name,
                        "timeout": deferred.timeout.total_seconds()}
late = {**context, "ti": SimpleNamespace(dag_id="d", task_id="t", start_date=now - datetime.timedelta(seconds=101))}
try:
    sensor._defer(late, None)
except AirflowSensorTimeout as error:
    seen["late"] = str(error)
event = {"status": "error", "message": "Twilio refused the credentials [20003]"}
try:
    sensor.resume_execution("execute_complete", {"event": event}, context)
except AirflowFailException as error:
    seen["failed"] = str(error)
# The component could not start, or a retryable error persisted: the task's retries apply.
retryable = {"status": "error", "message": "cannot start polling: no connection", "retryable": True}
for name, given in (("retried", retryable), ("noEvent", None)):
    try:
        sensor.resume_execution("execute_complete", {"event": given}, context)
    except AirflowFailException as error:
        seen[name] = ["not retried", str(error)]
    except AirflowException as error:
        seen[name] = ["retried", str(error)]
soft = TwilioPollMessagesSensor(task_id="s", to="+15005550006", deferrable=True, soft_fail=True)
try:
    soft.resume_execution("execute_complete", {"event": event}, context)
except AirflowSkipException as error:
    seen["skipped"] = str(error)
seen["defaults"] = [TwilioPollMessagesSensor(task_id="a", to="+15005550006").deferrable]
print(json.dumps(seen))
"""


@pytest.mark.parametrize("default_deferrable", ["False", "True"])
def test_a_deferrable_sensor_hands_the_trigger_its_connection_id_and_what_is_left_of_its_timeout(
        tmp_path: pathlib.Path, default_deferrable: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "AIRFLOW"))}
    environment.update({"AIRFLOW_HOME": str(tmp_path), "COMPONENT_EXECUTABLES": COMPONENT,
                        "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": default_deferrable})
    done = subprocess.run([sys.executable, "-c", DEFERRING], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    deferred = seen["deferred"]
    assert deferred["classpath"] == "component_engines.airflow.triggers.ComponentPollingTrigger", seen
    assert deferred["kwargs"] == {
        "component": "twilio", "trigger": "pollMessages", "conn_id": None, "inputs": {"to": "+15005550006"},
        "state": {"since": "2026-01-01T00:00:00Z"}, "poke_interval": 3.0, "invocation_id": "r1/t"}, seen
    # What is left of 100 s after 30 s, less what a loaded machine takes between the two calls.
    assert deferred["method"] == "execute_complete" and 60 <= deferred["timeout"] <= 70, seen
    assert re.match(r"Sensor has timed out; 10[0-9] s exceed the timeout of 100\.0 s", seen["late"]), seen
    assert seen["failed"] == "pollMessages failed: Twilio refused the credentials [20003]", seen
    assert seen["retried"] == ["retried", "pollMessages failed: cannot start polling: no connection"], seen
    assert seen["noEvent"][0] == "retried" and "clearing the task, wait again" in seen["noEvent"][1], seen
    assert seen["skipped"] == "Skipping due to soft_fail is set to True.", seen
    assert seen["defaults"] == [default_deferrable == "True"], seen


#: A component whose polling trigger `poll` answers as FAKE_MODE says, recording each run's pid.
POLLING_COMPONENT = '''#!{python}
import json, os, sys, time
if sys.argv[1] == "manifest":
    print(json.dumps({{
        "protocolVersion": "1.3", "component": {{"key": "poller", "label": "Poller", "version": "1.0.0"}},
        "triggers": [{{"key": "poll", "label": "Poll", "type": "polling", "schema": {{"type": "object"}}}}],
        "connections": [{{"key": "token", "label": "Token", "inputs": [
            {{"key": "user", "label": "User", "required": True}}, {{"key": "token", "label": "Token", "secret": True}}]}}],
        "retry": {{"engineAttempts": 3}}}}))
    sys.exit(0)
with open(os.environ["FAKE_RUNS"], "a") as runs:
    runs.write(f"{{os.getpid()}}\\n")
if os.environ["FAKE_MODE"] == "hang":
    time.sleep(600)
print(json.dumps({{"error": {{"type": "network", "code": "unavailable", "message": "the service is down",
                             "retryable": True}}}}))
'''

POLLING = r"""
import asyncio, json, os, sys
from airflow.sdk import BaseHook
from component_engines.airflow.triggers import ComponentPollingTrigger

seen, reads = {}, []
read = BaseHook.get_connection.__func__
BaseHook.get_connection = classmethod(lambda cls, conn_id: reads.append(conn_id) or read(cls, conn_id))

def trigger(conn_id):
    return ComponentPollingTrigger(component="poller", trigger="poll", conn_id=conn_id, state={"since": 1},
                                   poke_interval=0.05)

async def events(conn_id):
    return [event.payload async for event in trigger(conn_id).run()]

def runs():
    with open(os.environ["FAKE_RUNS"]) as file:
        return [int(line) for line in file.read().split()]

seen["persistent"] = {"events": asyncio.run(events("poller_default")), "polls": len(runs()), "reads": list(reads)}
seen["noConnection"] = asyncio.run(events("missing"))

async def cancelled():
    os.environ["FAKE_MODE"] = "hang"
    task = asyncio.create_task(events("poller_default"))
    while len(runs()) < 4:
        await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    try:
        os.kill(runs()[-1], 0)
        return "still running"
    except ProcessLookupError:
        return "gone"

seen["cancelled"] = asyncio.run(cancelled())
print(json.dumps(seen))
"""


def test_the_trigger_reads_the_connection_once_and_ends_a_persistent_failure_as_retryable(
        tmp_path: pathlib.Path) -> None:
    """The trigger for real, on a component whose polls keep failing with a retryable error: the
    connection is read once, the wait ends after the manifest's `engineAttempts` (3) polls with a
    retryable event (the task's retries apply), a connection that cannot be read is retryable too,
    and a cancelled trigger leaves no child running."""
    component = tmp_path / "polling-component"
    component.write_text(POLLING_COMPONENT.format(python=sys.executable))
    component.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "COMPONENT_", "AIRFLOW"))}
    environment.update({
        "AIRFLOW_HOME": str(tmp_path), "COMPONENT_EXECUTABLES": str(component), "FAKE_RUNS": str(tmp_path / "runs"),
        "FAKE_MODE": "down", "AIRFLOW_CONN_POLLER_DEFAULT": json.dumps({"conn_type": "poller", "login": "me",
                                                                       "password": "s3cret-token"})})
    done = subprocess.run([sys.executable, "-c", POLLING], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    persistent = seen["persistent"]
    assert persistent["polls"] == 3 and persistent["reads"] == ["poller_default"], seen
    (event,) = persistent["events"]
    assert event["status"] == "error" and event["retryable"] is True, seen
    assert event["message"] == ("the service is down [unavailable] (3 polls in a row failed; the manifest's "
                                "retry.engineAttempts)"), seen
    (missing,) = seen["noConnection"]
    assert missing["retryable"] is True and missing["message"].startswith("cannot start polling: "), seen
    assert "missing" in missing["message"], seen
    assert seen["cancelled"] == "gone", seen
    assert "s3cret-token" not in done.stdout + done.stderr


def test_run_alone_refuses_an_action_that_is_not_read_only() -> None:
    from component_engines.airflow.hook import ComponentHook
    from component_engines.component import Element

    send = Element.parse("action", {"key": "sendSms", "schema": {"type": "object"}}, "twilio")
    with pytest.raises(ValueError, match="run_alone runs only read-only elements .* not 'sendSms'; use run()"):
        # Refused before any connection is read: none is configured here.
        ComponentHook(conn_id="nowhere", component="twilio").run_alone(send)
