"""The adapters' settings, read from the environment once.

Most settings are the cluster's (its Redis, its lease, its broker). Those that describe one
component's service or its child (`COMPONENT_SETTINGS`) may be given for one component as
`COMPONENT_<KEY>_<NAME>` (KEY: the manifest's component key upper-cased, anything but letters and
digits as `_`), which falls back to `COMPONENT_<NAME>`, then to the default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Mapping

from . import bundled
from .component import ComponentUnavailable


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

#: The settings a component may have of its own (`COMPONENT_<KEY>_<NAME>`), by `<NAME>`: each
#: describes the component's service (its account, its latency, how long it may still create what
#: it was sent, its listings) or its `serve` child.
COMPONENT_SETTINGS = ("SERVE_CONCURRENCY", "ACCOUNT_CONCURRENCY", "ACCOUNT", "CALLBACK_URL", "BASE_URL", "REQUEST_MS",
                      "SETTLE_MS", "CLOCK_SKEW_MS", "RECONCILE_PAGES", "RECONCILE_PAGE_SIZE")

#: What the error says when no component is configured and one is needed.
NO_COMPONENT = ("no component is configured: set COMPONENT_EXECUTABLES to the component executables (names on "
                f"the PATH or paths) separated by '{os.pathsep}', for example "
                f"COMPONENT_EXECUTABLES=crm-component{os.pathsep}/opt/components/bin/mail-component")


class NoComponent(ComponentUnavailable):
    """Something needs a component, and none is configured."""

    def __init__(self) -> None:
        super().__init__(NO_COMPONENT)


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


def executables(environment: Mapping[str, str]) -> tuple[str, ...]:
    """`COMPONENT_EXECUTABLES` split on `os.pathsep`, else `COMPONENT_EXECUTABLE` as a list of one,
    else the executables the installed wheel carries (none from the sdist or the source tree)."""
    listed = environment.get("COMPONENT_EXECUTABLES", "").strip() or environment.get("COMPONENT_EXECUTABLE", "").strip()
    if not listed:
        return bundled.names()
    return tuple(dict.fromkeys(part.strip() for part in listed.split(os.pathsep) if part.strip()))


def environment_name(component_key: str, name: str) -> str:
    """`COMPONENT_<KEY>_<NAME>`: the variable of a setting for one component."""
    return f"COMPONENT_{re.sub(r'[^0-9A-Za-z]', '_', component_key).upper()}_{name}"


@dataclass(frozen=True)
class ComponentSettings:
    """One component's own settings (COMPONENT_SETTINGS), each its `COMPONENT_<KEY>_<NAME>`, else
    its `COMPONENT_<NAME>`, else the default."""

    component_key: str
    #: `serve --concurrency` of the component's child (default: the worker's own concurrency).
    serve_concurrency: int | None
    #: Requests in flight to one account of the component's service from the whole cluster.
    account_concurrency: int
    #: What the account limit and the cool-down are shared by (default: in Airflow, the
    #: connection's login; else `default`).
    account: str
    #: Where the service posts status callbacks (the webhook ingress's URL): when set, a send
    #: that gives no callback of its own carries its request id there, for exact evidence.
    callback_url: str
    #: Where the component's child sends its API requests instead of the service (`--base-url`: a
    #: sandbox, a proxy); in Airflow, the connection's host comes first.
    base_url: str
    #: The deadline of one request handed to `serve`: every attempt and every wait (a 429's
    #: Retry-After included) ends inside it. Always shorter than the lease, so a request never
    #: outlives the lease it was sent under.
    request_ms: int
    #: How long after a client stopped waiting the service may still create what it was sent: an
    #: earlier attempt is looked for only once this has passed.
    settle_ms: int
    #: A margin on top of the measured offset between the service's clock and Redis's.
    clock_skew_ms: int
    #: Pages a search for an earlier attempt may read before it is inconclusive (needs_review).
    reconcile_pages: int
    #: Items per page of that search (0: the most the lister takes, at most 1,000).
    reconcile_page_size: int


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
    #: The component executables this process hosts (none: `require_executables` says what to set).
    executables: tuple[str, ...]
    #: How long a claimed request stays claimed without its worker's heartbeat.
    lease_ms: int
    #: How long a task may go unacknowledged before Redis hands it to another worker.
    visibility_timeout_s: int
    #: Times `serve` may end while running one request before the request ends `failed` (or
    #: `needs_review` when it may have taken effect).
    max_serve_deaths: int
    #: How long results and SID owners are kept (re-submitting an id within it returns its first result).
    retention_s: int
    #: The environment the per-component settings are read from (their keys are known only once
    #: the manifests are).
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environment is None else environment)
        # Not database 0: that is where Airflow's own CeleryExecutor keeps its broker by default.
        broker = env.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/1"
        settings = cls(
            broker_url=broker,
            result_backend=env.get("CELERY_RESULT_BACKEND") or broker,
            ledger_url=env.get("COMPONENT_LEDGER_URL") or broker,
            ledger_durability=_choice(env, "COMPONENT_LEDGER_DURABILITY", LEDGER_DURABILITY),
            redis_timeout_s=_int(env, "COMPONENT_REDIS_TIMEOUT_MS", 5_000, minimum=100) / 1000,
            max_deliveries=_int(env, "COMPONENT_MAX_DELIVERIES", 5, minimum=1),
            task_errors=_choice(env, "COMPONENT_TASK_ERRORS", TASK_ERRORS),
            executables=executables(env),
            lease_ms=_int(env, "COMPONENT_LEASE_MS", 30_000, minimum=2_000),
            visibility_timeout_s=_int(env, "COMPONENT_VISIBILITY_TIMEOUT", 30, minimum=1),
            max_serve_deaths=_int(env, "COMPONENT_MAX_SERVE_DEATHS", 3, minimum=1),
            # Long enough to outlast any run and a client's resubmission of what it got no answer for.
            retention_s=_int(env, "COMPONENT_RETENTION_SECONDS", 7 * 24 * 3600, minimum=3600),
            environment={name: value for name, value in env.items() if name.startswith("COMPONENT_")},
        )
        # The shared values are checked at once, so a mistake shows before any component is read.
        settings.component("")
        return settings

    def require_executables(self) -> tuple[str, ...]:
        """The configured executables, or `NoComponent` saying what to set."""
        if not self.executables:
            raise NoComponent()
        return self.executables

    def component(self, component_key: str) -> ComponentSettings:
        """The settings of the component `component_key` (its own, else the shared ones)."""
        env = self.environment

        def value(name: str) -> tuple[str, str]:
            """(the variable that gives setting `name`, its text)."""
            own = environment_name(component_key, name) if component_key else ""
            if own and env.get(own, "").strip():
                return own, env[own]
            return f"COMPONENT_{name}", env.get(f"COMPONENT_{name}", "")

        def number(name: str, default: int, minimum: int = 0) -> int:
            variable, text = value(name)
            return _int({variable: text}, variable, default, minimum)

        request_variable, _ = value("REQUEST_MS")
        request_ms = number("REQUEST_MS", self.lease_ms // 2, minimum=500)
        if request_ms > self.lease_ms - 1_000:
            raise ValueError(f"{request_variable} ({request_ms}) must be at least 1000 below COMPONENT_LEASE_MS "
                             f"({self.lease_ms}): a request must end inside the lease it was sent under")
        return ComponentSettings(
            component_key=component_key,
            serve_concurrency=number("SERVE_CONCURRENCY", 0) or None,
            account_concurrency=number("ACCOUNT_CONCURRENCY", 25, minimum=1),
            account=value("ACCOUNT")[1].strip(),
            callback_url=value("CALLBACK_URL")[1].strip(),
            base_url=value("BASE_URL")[1].strip(),
            request_ms=request_ms,
            settle_ms=number("SETTLE_MS", 15_000),
            clock_skew_ms=number("CLOCK_SKEW_MS", 2_000),
            reconcile_pages=number("RECONCILE_PAGES", 20, minimum=1),
            reconcile_page_size=number("RECONCILE_PAGE_SIZE", 0),
        )
