"""The adapters' settings, read from the environment once."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Mapping


def _choice(environment: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    text = environment.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {text!r}")
    return text


#: How the ledger's durability is established: read from its Redis (`check`), vouched for by the
#: operator where CONFIG is refused, as on managed services (`assumed`), or not at all (`unsafe`:
#: tests only; a restart of Redis may then send a request twice).
LEDGER_DURABILITY = ("check", "assumed", "unsafe")
#: What a task does with the component's error: return it as its result, or raise it (`raise`:
#: the task ends FAILURE, for link_error, chords and Flower).
TASK_ERRORS = ("return", "raise")


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
    #: The Redis database of the ledger and the account limit (default: the broker's; its keys
    #: are apart from the broker's and the results' by their prefix).
    ledger_url: str
    #: `check`, `assumed` or `unsafe` (LEDGER_DURABILITY).
    ledger_durability: str
    #: How long one call to the ledger's Redis may take before it counts as failed.
    redis_timeout_s: float
    #: Runs of one request (its task delivered and taken up again and again, each time dying or
    #: failing before it ended) after which it ends `needs_review` rather than running again.
    max_deliveries: int
    #: `return` or `raise` (TASK_ERRORS).
    task_errors: str
    executable: str
    #: `serve --concurrency` of each worker's child (default: the worker's own concurrency).
    serve_concurrency: int | None
    #: Requests in flight to one account from the whole cluster.
    account_concurrency: int
    #: What the account limit is keyed by (default: the component's `<KEY>_ACCOUNT_SID`).
    account: str
    #: How long a claimed request stays claimed without its worker's heartbeat.
    lease_ms: int
    #: The deadline of one request handed to `serve`: every attempt and every wait (a 429's
    #: Retry-After included) ends inside it. Always shorter than the lease, so a request never
    #: outlives the lease it was sent under.
    request_ms: int
    #: How long after a client stopped waiting the service may still create what it was sent: an
    #: earlier attempt is looked for only once this has passed.
    settle_ms: int
    #: How long a task may go unacknowledged before Redis hands it to another worker.
    visibility_timeout_s: int
    #: A margin on top of the measured offset between the service's clock and Redis's.
    clock_skew_ms: int
    #: Pages a search for an earlier attempt may read before it is inconclusive (needs_review).
    reconcile_pages: int
    #: Items per page of that search (0: the most the lister takes, at most 1,000).
    reconcile_page_size: int
    #: Times `serve` may end while running one request before the request ends `failed` (or
    #: `needs_review` when it may have taken effect).
    max_serve_deaths: int
    #: Where the service posts status callbacks (the webhook ingress's URL): when set, a send
    #: that gives no callback of its own carries its request id there, for exact evidence.
    callback_url: str
    #: How long results and SID owners are kept (re-submitting an id within it returns its first result).
    retention_s: int
    #: Attempts of one request before it ends with its last error.
    max_attempts: int

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environment is None else environment
        # Not database 0: that is where Airflow's own CeleryExecutor keeps its broker by default.
        broker = env.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/1"
        executable = env.get("COMPONENT_EXECUTABLE") or shutil.which("twilio-component") or "twilio-component"
        serve = _int(env, "COMPONENT_SERVE_CONCURRENCY", 0)
        lease_ms = _int(env, "COMPONENT_LEASE_MS", 30_000, minimum=2_000)
        request_ms = _int(env, "COMPONENT_REQUEST_MS", lease_ms // 2, minimum=500)
        if request_ms > lease_ms - 1_000:
            raise ValueError(f"COMPONENT_REQUEST_MS ({request_ms}) must be at least 1000 below COMPONENT_LEASE_MS "
                             f"({lease_ms}): a request must end inside the lease it was sent under")
        return cls(
            broker_url=broker,
            result_backend=env.get("CELERY_RESULT_BACKEND") or broker,
            ledger_url=env.get("COMPONENT_LEDGER_URL") or broker,
            ledger_durability=_choice(env, "COMPONENT_LEDGER_DURABILITY", LEDGER_DURABILITY),
            redis_timeout_s=_int(env, "COMPONENT_REDIS_TIMEOUT_MS", 5_000, minimum=100) / 1000,
            max_deliveries=_int(env, "COMPONENT_MAX_DELIVERIES", 5, minimum=1),
            task_errors=_choice(env, "COMPONENT_TASK_ERRORS", TASK_ERRORS),
            executable=executable,
            serve_concurrency=serve or None,
            account_concurrency=_int(env, "COMPONENT_ACCOUNT_CONCURRENCY", 25, minimum=1),
            account=env.get("COMPONENT_ACCOUNT", ""),
            lease_ms=lease_ms,
            request_ms=request_ms,
            settle_ms=_int(env, "COMPONENT_SETTLE_MS", 15_000),
            visibility_timeout_s=_int(env, "COMPONENT_VISIBILITY_TIMEOUT", 30, minimum=1),
            clock_skew_ms=_int(env, "COMPONENT_CLOCK_SKEW_MS", 2_000),
            reconcile_pages=_int(env, "COMPONENT_RECONCILE_PAGES", 20, minimum=1),
            reconcile_page_size=_int(env, "COMPONENT_RECONCILE_PAGE_SIZE", 0),
            max_serve_deaths=_int(env, "COMPONENT_MAX_SERVE_DEATHS", 3, minimum=1),
            callback_url=env.get("COMPONENT_CALLBACK_URL", "").strip(),
            # Long enough to outlast any run and a client's resubmission of what it got no answer for.
            retention_s=_int(env, "COMPONENT_RETENTION_SECONDS", 7 * 24 * 3600, minimum=3600),
            max_attempts=_int(env, "COMPONENT_MAX_ATTEMPTS", 8, minimum=1),
        )

    def account_for(self, component_key: str, environment: Mapping[str, str] | None = None) -> str:
        env = os.environ if environment is None else environment
        return self.account or env.get(f"{component_key.upper()}_ACCOUNT_SID", "") or "default"
