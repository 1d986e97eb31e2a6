"""The hook: an Airflow connection of the component's type, and the component run with it.

The connection's fields map onto one of the manifest's connections: `login` is the input every
connection shares first (for Twilio the Account SID), `password` the connection's secret (the
Auth Token, or the API key's secret), `extra` any other input by its manifest key (`apiKey`,
`region`, `edge`; `connection` picks a connection by key when the fields fit more than one), and
`host` an API base URL the requests go to instead of the service (a sandbox, a proxy). Every secret
is registered with Airflow's secret masker before anything runs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import urllib.parse
from typing import Any, Iterator, Mapping, Sequence

import redis
from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret

from ..component import ComponentUnavailable, Element, Envelope, Manifest
from ..ledger import connect
from ..runner import Runner, build_runner
from .connection import account_input, connection_request, shown_url
from .loaded import component, settings


class ComponentHook(BaseHook):
    """Runs the component's actions, data sources and triggers with one Airflow connection.

    Non-idempotent actions go through the ledger in Redis (`COMPONENT_LEDGER_URL`), so a request id
    takes effect at most once however often its task is cleared, retried or re-run.
    """

    conn_name_attr = "conn_id"
    default_conn_name = "component_default"
    conn_type = "component"
    hook_name = "Component"

    def __init__(self, conn_id: str | None = None, concurrency: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.manifest = component()
        self.conn_id = conn_id or default_conn_id(self.manifest)
        self.concurrency = concurrency or settings().serve_concurrency or 16
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    def connection(self) -> tuple[dict[str, Any], str | None]:
        """The component's connection and the base URL (`host`), its secrets masked first."""
        conn = self.get_connection(self.conn_id)
        # Forms of older Airflow versions store their fields as `extra__<type>__<field>`.
        prefix = f"extra__{self.manifest.component_key}__"
        extra = {key.removeprefix(prefix): value for key, value in (conn.extra_dejson if conn.extra else {}).items()}
        try:
            request = connection_request(self.manifest, self.conn_id, conn.login, conn.password, extra)
        except ValueError as error:
            raise AirflowException(str(error)) from None
        for source in self.manifest.connections:
            if source["key"] == request["key"]:
                for field in source.get("inputs", []):
                    value = request["fields"].get(field["key"])
                    if field.get("secret") and value:
                        mask_secret(str(value), name=field["key"])
        base_url = (conn.host or "").strip() or None
        if base_url and "://" not in base_url:
            base_url = f"{conn.schema or 'https'}://{base_url}" + (f":{conn.port}" if conn.port else "")
        return request, base_url

    def get_conn(self) -> Runner:
        """The runner, with its warm `serve` child started on first use."""
        with self._lock:
            if self._runner is None:
                request, base_url = self.connection()
                current = settings()
                password = urllib.parse.urlsplit(current.ledger_url).password
                if password:
                    mask_secret(password, name="COMPONENT_LEDGER_URL")
                shared = account_input(self.manifest)
                account = str(request["fields"].get(shared) or "default") if shared else "default"
                self._runner = build_runner(
                    self.manifest, current, connect(current.ledger_url, current.redis_timeout_s), self.concurrency,
                    current.account or account, connection=request,
                    arguments=("--base-url", base_url) if base_url else ())
            return self._runner

    def run(self, element: Element | str, inputs: Mapping[str, Any], request_id: str) -> Envelope:
        """One request's envelope (an action or data source, by key or element); `request_id` keeps a
        non-idempotent action to one effect."""
        if isinstance(element, str):
            element = self.manifest.element(element)
        with _failures():
            return self.get_conn().run(element, inputs, request_id)

    def run_many(self, element: Element | str, requests: Sequence[tuple[Mapping[str, Any], str]]) -> list[Envelope]:
        """Many requests at the component's concurrency, answers in the order given."""
        if not requests:
            return []
        workers = max(1, min(self.concurrency, len(requests)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="component") as pool:
            return list(pool.map(lambda request: self.run(element, request[0], request[1]), requests))

    def poll(self, trigger: Element, inputs: Mapping[str, Any], state: Any, invocation_id: str) -> Envelope:
        """One run of a polling trigger from `state` (none the first time)."""
        with _failures():
            return self.get_conn().run_repeatable(trigger, inputs, invocation_id, {"state": state})

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()


@contextlib.contextmanager
def _failures() -> Iterator[None]:
    """The runner's failures as Airflow's, saying what to do."""
    try:
        yield
    except redis.exceptions.ConnectionError as error:
        raise AirflowException(
            f"cannot reach the ledger's Redis at {shown_url(settings().ledger_url)} ({error}); set "
            "COMPONENT_LEDGER_URL to the Redis database that keeps each request id to one effect") from None
    except ComponentUnavailable as error:
        raise AirflowException(str(error)) from None


def default_conn_id(manifest: Manifest) -> str:
    return f"{manifest.component_key}_default"


def _name_hook() -> None:
    # The connection type is the component's key, so the hook is named after the component.
    try:
        manifest = component()
    except ComponentUnavailable:
        return
    ComponentHook.conn_type = manifest.component_key
    ComponentHook.default_conn_name = default_conn_id(manifest)
    ComponentHook.hook_name = manifest.label


_name_hook()
__all__ = ["ComponentHook", "component"]
