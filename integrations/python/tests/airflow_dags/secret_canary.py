"""Logs the connection's fields on purpose, through both connection kinds, and the rendered inputs
of a Verify check whose code comes from a template: the task log must show `***` where each
secret was, proving the hook and the operators registered it with Airflow's secret masker."""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, task

from component_engines.airflow import (
    ComponentHook, TwilioCheckVerificationOperator, TwilioCreateVerifyServiceOperator, TwilioSendVerificationOperator)

log = logging.getLogger(__name__)

#: Rendered from a template (so this file never holds it whole); the test looks for it in every log.
CODE_TEMPLATE = "{{ '9182' ~ '73' }}"
SERVICE = "{{ ti.xcom_pull(task_ids='verify_service')['sid'] }}"


class LoggedCheck(TwilioCheckVerificationOperator):
    """Logs its rendered inputs on purpose: the code must show as `***`."""

    def execute(self, context):  # type: ignore[no-untyped-def]
        log.info("checking a code with inputs %s", self.all_inputs())
        return super().execute(context)


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

    service = TwilioCreateVerifyServiceOperator(task_id="verify_service", friendly_name="Canary")
    sent = TwilioSendVerificationOperator(task_id="send_code", service_sid=SERVICE, to="+14155550100")
    service >> sent >> LoggedCheck(task_id="check_code", service_sid=SERVICE, to="+14155550100", code=CODE_TEMPLATE)


secret_canary()
