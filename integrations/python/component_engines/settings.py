"""The adapters' settings, read from the environment once."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Mapping


def _int(environment: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    text = environment.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass(frozen=True)
class Settings:
    broker_url: str
    result_backend: str
    #: The Redis database of the ledger and the account limit (default: the broker's).
    ledger_url: str
    executable: str
    #: `serve --concurrency` of each worker's child (default: the worker's own concurrency).
    serve_concurrency: int | None
    #: Requests in flight to one account from the whole cluster.
    account_concurrency: int
    #: What the account limit is keyed by (default: the component's `<KEY>_ACCOUNT_SID`).
    account: str
    #: How long a claimed request stays claimed without its worker's heartbeat.
    lease_ms: int
    #: How long a task may go unacknowledged before Redis hands it to another worker.
    visibility_timeout_s: int
    #: How far the service's clock may be behind Redis's, for matching a lost send.
    clock_skew_ms: int
    #: How long results and SID owners are kept (re-submitting an id within it returns its first result).
    retention_s: int
    #: Attempts of one request before it ends with its last error.
    max_attempts: int

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environment is None else environment
        broker = env.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
        executable = env.get("COMPONENT_EXECUTABLE") or shutil.which("twilio-component") or "twilio-component"
        serve = _int(env, "COMPONENT_SERVE_CONCURRENCY", 0)
        return cls(
            broker_url=broker,
            result_backend=env.get("CELERY_RESULT_BACKEND") or broker,
            ledger_url=env.get("COMPONENT_LEDGER_URL") or broker,
            executable=executable,
            serve_concurrency=serve or None,
            account_concurrency=_int(env, "COMPONENT_ACCOUNT_CONCURRENCY", 25, minimum=1),
            account=env.get("COMPONENT_ACCOUNT", ""),
            lease_ms=_int(env, "COMPONENT_LEASE_MS", 30_000, minimum=1_000),
            visibility_timeout_s=_int(env, "COMPONENT_VISIBILITY_TIMEOUT", 30, minimum=1),
            clock_skew_ms=_int(env, "COMPONENT_CLOCK_SKEW_MS", 2_000),
            retention_s=_int(env, "COMPONENT_RETENTION_SECONDS", 7 * 24 * 3600, minimum=60),
            max_attempts=_int(env, "COMPONENT_MAX_ATTEMPTS", 8, minimum=1),
        )

    def serve_environment(self, environment: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a `serve` child: the process's, with each attempt bounded so that it
        ends well inside the ledger's lease (a worker taking over a dead one's request must never
        look for the message while it could still be created)."""
        result = dict(os.environ if environment is None else environment)
        result.setdefault("TWILIO_TIMEOUT_MS", str(max(1_000, self.lease_ms // 4)))
        return result

    def account_for(self, component_key: str, environment: Mapping[str, str] | None = None) -> str:
        env = os.environ if environment is None else environment
        return self.account or env.get(f"{component_key.upper()}_ACCOUNT_SID", "") or "default"
