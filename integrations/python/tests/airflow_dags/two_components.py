"""Operators of two components in one DAG: Twilio's generated send, the second component's
generated operator (conftest's `second_component`, named by SECOND_COMPONENT), the same action by
key through `ComponentActionOperator(component=...)`, a hook that finds its component from the
element it runs, and a batch with `full_results=True`."""

from __future__ import annotations

import json
import os
from typing import Any

import pendulum
from airflow.sdk import dag, task

import component_engines.airflow as provider
from component_engines.airflow import ComponentActionOperator, ComponentHook, TwilioSendSMSOperator

SECOND = json.loads(os.environ.get("SECOND_COMPONENT") or "{}")


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def two_components() -> None:
    sms = TwilioSendSMSOperator(task_id="sms", from_="+15005550006", to="+14155550143", body="one DAG, two components")
    # A batch whose XCom keeps each whole result, not only the manifest's summary keys.
    TwilioSendSMSOperator(task_id="full", from_="+15005550006", to=["+14155550144", "+14155550145"],
                          body="whole results", full_results=True)
    getattr(provider, SECOND["operator"])(task_id="second", **SECOND["arguments"])
    ComponentActionOperator(task_id="second_by_key", component=SECOND["key"], action=SECOND["action"],
                            inputs=SECOND["inputs"])

    @task
    def read_back(sent: dict[str, Any]) -> str:
        # No component named: `getSMS` is Twilio's alone, and its default connection is used.
        hook = ComponentHook()
        try:
            envelope = hook.run("getSMS", {"messageSid": sent["sid"]}, f"read-back/{sent['sid']}")
        finally:
            hook.close()
        assert "data" in envelope, envelope
        return str(envelope["data"]["sid"])

    read_back(sms.output)


two_components()
