"""Send a batch of SMS, wait until each has been delivered or has failed, report the numbers that
were not delivered, and collect the texts that came in since the previous run.

Needs the `twilio_default` connection (Account SID as login, Auth Token as password; or an API key
in extra) and the ledger's Redis at COMPONENT_LEDGER_URL; docs/engines.md shows how to run it
against the sandbox. Trigger it with a config to change the batch:

    {"from": "+15005550006", "recipients": ["+14155550100", "+14155550101"], "body": "Hello"}

Clearing `send_batch` and running it again sends nothing twice: each recipient's request id comes
from the DAG run, the task and the number.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import PokeReturnValue, dag, task

from component_engines.airflow import ComponentHook, TwilioPollMessagesSensor, TwilioSendSMSOperator

#: Statuses a message does not leave.
FINAL = {"delivered", "undelivered", "failed", "canceled", "read"}


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # One run at a time: the replies sensor's state moves on with each run.
    max_active_runs=1,
    # Lists from `params` reach the operators as lists, not as their text.
    render_template_as_native_obj=True,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={
        "from": "+15005550006",
        # With the sandbox, +15005559010 ends undelivered and +15005559011 failed.
        "recipients": ["+14155550100", "+14155550101", "+15005559010", "+15005559011"],
        "body": "Your order has shipped.",
    },
    tags=["twilio", "example"],
)
def twilio_batch() -> None:
    sent = TwilioSendSMSOperator(
        task_id="send_batch", from_="{{ params['from'] }}", to="{{ params['recipients'] }}", body="{{ params['body'] }}")

    @task.sensor(poke_interval=1, timeout=600, mode="poke")
    def wait_for_delivery(results: list[dict[str, Any]]) -> PokeReturnValue:
        # Each entry's `data` holds the message's `sid` and `status` (sendSMS's `summary` in the
        # manifest); `full_results=True` on the operator would keep the whole message.
        messages = [(entry["input"], entry["data"]["sid"]) for entry in results if "data" in entry]
        hook = ComponentHook()
        try:
            answers = hook.run_many("getSMS", [({"messageSid": sid}, f"status/{sid}") for _, sid in messages])
        finally:
            hook.close()
        statuses = [{"to": to, "sid": sid, "status": answer.get("data", {}).get("status", "unknown"),
                     "errorCode": answer.get("data", {}).get("errorCode")} for (to, sid), answer in zip(messages, answers)]
        return PokeReturnValue(is_done=all(s["status"] in FINAL for s in statuses), xcom_value=statuses)

    @task
    def report_undelivered(statuses: list[dict[str, Any]]) -> list[str]:
        undelivered = [s["to"] for s in statuses if s["status"] != "delivered"]
        for s in statuses:
            if s["status"] != "delivered":
                print(f"not delivered: {s['to']} {s['status']} (error {s['errorCode']})")
        print(f"delivered {len(statuses) - len(undelivered)} of {len(statuses)}")
        return undelivered

    # Waits on the triggerer, holding no worker slot; a run with no new text in 5 minutes skips the
    # report rather than failing.
    replies = TwilioPollMessagesSensor(task_id="replies", to="{{ params['from'] }}", poke_interval=2, timeout=300,
                                       soft_fail=True, deferrable=True)

    @task
    def report_replies(payload: dict[str, Any]) -> list[str]:
        messages = payload["body"]["data"]["messages"]
        for message in messages:
            print(f"reply from {message['from']}: {message['body']}")
        return [message["sid"] for message in messages]

    report_undelivered(wait_for_delivery(sent.output))
    report_replies(replies.output)


twilio_batch()
