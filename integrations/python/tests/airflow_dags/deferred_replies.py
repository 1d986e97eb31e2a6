"""Deferrable sensors: `reply` waits on the triggerer (in `dag.test()`, the trigger runs in line)
until a text comes in; `refused` polls with a connection whose token is wrong, so its trigger
fires an error event and the task fails with the component's message, not retried; `until_stop`
(its own DAG) is done only by a text saying "stop", so any other text sends it back to wait."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag

from component_engines.airflow import TwilioPollMessagesSensor


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, max_active_runs=1)
def deferred_replies() -> None:
    reply = TwilioPollMessagesSensor(task_id="reply", to="+15005550006", deferrable=True, poke_interval=1,
                                     timeout=120)
    refused = TwilioPollMessagesSensor(task_id="refused", to="+15005550006", conn_id="twilio_wrong_token",
                                       deferrable=True, poke_interval=1, timeout=120, retries=0)
    reply >> refused


deferred_replies()


def says_stop(payload: Any) -> bool:
    return any(message["body"] == "stop" for message in payload["body"]["data"]["messages"])


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, max_active_runs=1)
def deferred_until_stop() -> None:
    TwilioPollMessagesSensor(task_id="until_stop", to="+15005550006", deferrable=True, poke_interval=1, timeout=120,
                             done_when=says_stop)


deferred_until_stop()
