"""Tasks come from the manifests, inputs are checked before anything is enqueued, a component
speaking another protocol major version, or an older minor one, is refused; nothing runs a
component at import, and the settings are the component's own before they are the shared ones."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from component_engines.component import Component, Components, ComponentUnavailable, Manifest
from component_engines.settings import NoComponent, Settings
from conftest import COMPONENT, FIXTURE_COMPONENT, SecondComponent


def test_every_action_and_data_source_is_a_task_named_from_the_manifest(redis_url: str) -> None:
    code = "import json; from component_engines.celery import app, tasks; " \
           "print(json.dumps(sorted(n for n in app.tasks if not n.startswith('celery.'))))"
    # COMPONENT_EXECUTABLE, the one-component form, still works.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"COMPONENT_EXECUTABLE": COMPONENT, "CELERY_BROKER_URL": redis_url, "PATH": "/usr/bin:/bin"})
    elements = [f"twilio.{key}" for key in (
        "cancelVerification", "checkVerification", "configureNumberWebhooks", "createVerifyService", "deleteMessage",
        "deleteRecording", "getCall", "getMessageMedia", "getRecording", "getSMS", "listCalls", "listMessageMedia",
        "listMessages", "listRecordings", "lookupPhoneNumber", "makeCall", "rawRequest", "redactMessage",
        "restoreNumberWebhooks", "selectMessage", "selectPhoneNumber", "sendSMS", "sendVerification", "updateCall")]
    # Each also as a batch task (many requests to a task).
    assert json.loads(out.stdout) == sorted(elements + [f"{name}.batch" for name in elements])


def test_submit_refuses_inputs_outside_the_schema_with_every_problem(redis_url: str) -> None:
    code = """
import json
from component_engines.celery import InputError, submit
try:
    submit("sendSMS", {"from": "+15005550006", "body": 5, "smsCount": 1})
except InputError as error:
    print(json.dumps(error.problems))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"COMPONENT_EXECUTABLES": COMPONENT, "CELERY_BROKER_URL": redis_url, "PATH": "/usr/bin:/bin"})
    problems = json.loads(out.stdout)
    assert any("'to' is a required property" in p for p in problems), problems
    assert any(p.startswith("body:") for p in problems), problems
    assert any("smsCount" in p for p in problems), problems


def test_the_manifest_of_another_major_version_or_an_older_minor_is_refused() -> None:
    data = json.loads(subprocess.run([COMPONENT, "manifest", "--compact"], capture_output=True, text=True, check=True).stdout)
    assert Manifest.parse(data).element("sendSMS").reconcile is not None
    data["protocolVersion"] = "2.0"
    with pytest.raises(ComponentUnavailable, match="protocol 2.0"):
        Manifest.parse(data)
    data["protocolVersion"] = "1.1"  # knows no request deadline
    with pytest.raises(ComponentUnavailable, match="needs 1.2 or newer"):
        Manifest.parse(data)


RECORDING = """#!/bin/sh
echo "$@" >> "{marker}"
exec "{real}" "$@"
"""

IMPORT_ALL = """
import component_engines, component_engines.celery, component_engines.webhooks, component_engines.runner
import component_engines.airflow, component_engines.airflow.hook, component_engines.airflow.operators
import component_engines.airflow.sensors, component_engines.airflow.connection, component_engines.airflow.loaded
print("imported")
"""


def test_importing_runs_no_component_and_nothing_configured_is_a_clear_error(tmp_path: pathlib.Path, redis_url: str) -> None:
    # With nothing configured, every module imports, and what needs a component says what to set.
    bare = {"PATH": "/usr/bin:/bin", "CELERY_BROKER_URL": redis_url, "AIRFLOW_HOME": str(tmp_path / "airflow")}
    out = subprocess.run([sys.executable, "-c", IMPORT_ALL + """
from component_engines.celery import submit
from component_engines.airflow.loaded import components
for needs in (lambda: submit("sendSMS", {}), components):
    try:
        needs()
    except Exception as error:
        print(type(error).__name__, error)
"""], capture_output=True, text=True, env=bare, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if not line.startswith("20")]  # Airflow's own log lines
    assert lines[0] == "imported" and len(lines) == 3, lines
    for line in lines[1:]:
        assert line.startswith("NoComponent ") and "COMPONENT_EXECUTABLES" in line and "for example" in line, line

    # Configured, importing runs no executable (Airflow's own providers manager, which reads the
    # provider's connection types, is kept out by importing no Airflow: the Celery and webhook side).
    marker = tmp_path / "ran"
    recording = tmp_path / "recording-component"
    recording.write_text(RECORDING.format(marker=marker, real=COMPONENT))
    recording.chmod(0o755)
    code = ("import component_engines, component_engines.celery, component_engines.webhooks, component_engines.runner; "
            "print('imported')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**bare, "COMPONENT_EXECUTABLES": f"{recording}{os.pathsep}{FIXTURE_COMPONENT}"})
    assert out.stdout.strip() == "imported", out.stderr[-3000:]
    assert not marker.exists(), marker.read_text()


def test_each_component_has_its_settings_before_the_shared_ones() -> None:
    settings = Settings.from_environment({
        "COMPONENT_EXECUTABLES": f"a-component{os.pathsep}/opt/b-component{os.pathsep}a-component",
        "COMPONENT_ACCOUNT_CONCURRENCY": "10", "COMPONENT_TWILIO_ACCOUNT_CONCURRENCY": "3",
        "COMPONENT_ACCOUNT": "shared", "COMPONENT_MY_MAIL_ACCOUNT": "mail-account",
        "COMPONENT_SERVE_CONCURRENCY": "12", "COMPONENT_TWILIO_CALLBACK_URL": "https://hooks.example.com/webhooks/status",
        "COMPONENT_LEASE_MS": "10000", "COMPONENT_TWILIO_REQUEST_MS": "4000", "COMPONENT_TWILIO_BASE_URL": "http://127.0.0.1:1"})
    assert settings.executables == ("a-component", "/opt/b-component")  # each once, in order
    twilio, mail, other = settings.component("twilio"), settings.component("my-mail"), settings.component("other")
    assert (twilio.account_concurrency, mail.account_concurrency, other.account_concurrency) == (3, 10, 10)
    assert (twilio.account, mail.account, other.account) == ("shared", "mail-account", "shared")
    assert (twilio.serve_concurrency, other.serve_concurrency) == (12, 12)
    assert (twilio.callback_url, other.callback_url) == ("https://hooks.example.com/webhooks/status", "")
    assert (twilio.request_ms, other.request_ms) == (4000, 5000)  # half the lease by default
    assert (twilio.base_url, other.base_url) == ("http://127.0.0.1:1", "")
    with pytest.raises(ValueError, match="COMPONENT_TWILIO_REQUEST_MS .9500. must be at least 1000 below"):
        Settings.from_environment({"COMPONENT_LEASE_MS": "10000", "COMPONENT_TWILIO_REQUEST_MS": "9500"}).component("twilio")
    # The old name of the one executable, and no default at all.
    assert Settings.from_environment({"COMPONENT_EXECUTABLE": "x-component"}).executables == ("x-component",)
    with pytest.raises(NoComponent, match="set COMPONENT_EXECUTABLES"):
        Settings.from_environment({}).require_executables()


def test_components_are_found_by_key_and_each_element_by_its_component() -> None:
    both = Components.load([COMPONENT, FIXTURE_COMPONENT])
    assert both.keys == ["twilio", "fixture"]
    owner, element = both.element("sendSMS")
    assert (owner.key, element.key, element.component) == ("twilio", "sendSMS", "twilio")
    assert both.element("fixture.echo")[1].component == "fixture"
    assert both.element("echo", component="fixture")[0].key == "fixture"
    with pytest.raises(KeyError, match="no configured component has an action or data source 'nope'"):
        both.element("nope")
    with pytest.raises(KeyError, match="the twilio component has no action or data source 'echo'"):
        both.element("echo", component="twilio")
    # An element two components have must be named with its component.
    copy = Manifest.parse({**both.get("twilio").manifest.raw, "component": {"key": "copy"}})
    twins = Components((both.get("twilio"), Component("copy-component", copy)))
    with pytest.raises(KeyError, match="'getSMS' is in twilio and copy: name the component"):
        twins.element("getSMS")
    assert twins.element("copy.getSMS")[0].executable == "copy-component"
    assert twins.element("getSMS", component="copy")[1].component == "copy"
    # The same component twice (another path to it) is refused.
    with pytest.raises(ComponentUnavailable, match="are both the component 'twilio'"):
        Components.load([COMPONENT, os.path.dirname(COMPONENT) + "/./twilio-component"])


def test_the_webhook_app_receives_one_components_webhooks(second_component: SecondComponent) -> None:
    from component_engines.webhooks import webhook_component
    # The fixture has no webhook trigger: Twilio is the one to receive for.
    only = Settings.from_environment({"COMPONENT_EXECUTABLES": os.pathsep.join([FIXTURE_COMPONENT, COMPONENT])})
    assert webhook_component(only).key == "twilio"
    both = Settings.from_environment({"COMPONENT_EXECUTABLES": os.pathsep.join([COMPONENT, second_component.executable])})
    receiving = [c.key for c in Components.load(both.executables)
                 if any(t.get("type") == "webhook" for t in c.manifest.triggers)]
    if len(receiving) > 1:  # SendGrid's Event Webhook beside Twilio's: the app must be told which
        with pytest.raises(ValueError, match="set COMPONENT_WEBHOOK_COMPONENT .*twilio, sendgrid"):
            webhook_component(both)
    assert webhook_component(both, second_component.key).key == second_component.key
    with pytest.raises(KeyError, match="no component 'nope' is configured"):
        webhook_component(both, "nope")
