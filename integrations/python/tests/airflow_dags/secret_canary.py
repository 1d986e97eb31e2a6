"""Logs the connection's fields on purpose, through both connection kinds: the task log must show
`***` where each secret was, proving the hook registered it with Airflow's secret masker."""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, task

from component_engines.airflow import ComponentHook

log = logging.getLogger(__name__)


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def secret_canary() -> None:
    @task
    def log_connection(conn_id: str) -> int:
        hook = ComponentHook(conn_id=conn_id)
        try:
            request, _ = hook.connection()
            log.info("connection %s is %s with fields %s", conn_id, request["key"], request["fields"])
            envelope = hook.run("listMessages", {"limit": 1}, f"canary/{conn_id}")
        finally:
            hook.close()
        assert "data" in envelope, envelope
        return len(envelope["data"]["messages"])

    log_connection.override(task_id="auth_token")("twilio_default")
    log_connection.override(task_id="api_key")("twilio_api_key")


secret_canary()
