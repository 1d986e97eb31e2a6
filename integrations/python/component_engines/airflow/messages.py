"""How a component's error envelope reads in Airflow's messages: a failed task's, a sensor's, a
trigger's log line and a connection test's (the hook and the operators both use it, so it lives
apart from either)."""

from __future__ import annotations

from typing import Any, Mapping


def describe(error: Mapping[str, Any]) -> str:
    """The component's message, the input it names and its code: `message (input 'to') [21211]`."""
    where = f" (input '{error['input']}')" if error.get("input") else ""
    code = f" [{error.get('code')}]" if error.get("code") not in (None, "") else ""
    return f"{error.get('message')}{where}{code}"
