"""Tasks come from the manifest, inputs are checked before anything is enqueued, and a component
speaking another protocol major version, or an older minor one, is refused."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from component_engines.component import ComponentUnavailable, Manifest
from conftest import COMPONENT


def test_every_action_and_data_source_is_a_task_named_from_the_manifest(redis_url: str) -> None:
    code = "import json; from component_engines.celery import app, tasks; " \
           "print(json.dumps(sorted(n for n in app.tasks if not n.startswith('celery.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"COMPONENT_EXECUTABLE": COMPONENT, "CELERY_BROKER_URL": redis_url, "PATH": "/usr/bin:/bin"})
    elements = ["twilio.getSMS", "twilio.listMessages", "twilio.rawRequest", "twilio.selectMessage", "twilio.sendSMS"]
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
                         env={"COMPONENT_EXECUTABLE": COMPONENT, "CELERY_BROKER_URL": redis_url, "PATH": "/usr/bin:/bin"})
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
