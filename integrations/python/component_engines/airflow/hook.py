"""The hooks: an Airflow connection of a component's type, and the component run with it.

Each configured component has a hook class of its own, `<Component>Hook` (made on first use by
`hook_class`, and importable from this module by that name: the providers manager imports it as
the `hook-class-name` of the component's connection type), whose `conn_type` is the component's
key. `ComponentHook` itself runs any component: the one named by `component=`, else the one whose
key is the connection's type, else the one that has the element run, else the only one.

The connection's fields map onto one of the manifest's connections: `login` is the input every
connection shares first (an account id, say), `password` the connection's secret (a token, or an
API key's secret), `extra` any other input by its manifest key (`connection` picks a connection
by key when the fields fit more than one), and `host` an API base URL the requests go to instead
of the service (a sandbox, a proxy). Every secret is registered with Airflow's secret masker
before anything runs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import threading
import time
import urllib.parse
from typing import Any, ClassVar, Iterator, Mapping, Sequence

import redis
from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret

from ..component import Component, ComponentUnavailable, Element, Envelope, Manifest, ServeLost, ServeProcess
from ..runner import Runner, build_runner
from .connection import account_input, connection_request, shown_url
from .generated import class_name, lazy_classes, mask_secret_inputs
from .loaded import component as configured, components, settings
from .messages import describe


class ComponentHook(BaseHook):
    """Runs a component's actions, data sources and triggers with one Airflow connection.

    Non-idempotent actions go through the ledger in Redis (`COMPONENT_LEDGER_URL`), so a request id
    takes effect at most once however often its task is cleared, retried or re-run.
    """

    conn_name_attr = "conn_id"
    default_conn_name = "component_default"
    conn_type = "component"
    hook_name = "Component"
    #: The component a generated subclass (`<Component>Hook`) runs.
    component_key: ClassVar[str | None] = None

    def __init__(self, conn_id: str | None = None, concurrency: int | None = None, component: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if component and self.component_key and component != self.component_key:
            raise ValueError(f"{type(self).__name__} runs the {self.component_key} component, not {component}")
        self._component_key = component or self.component_key
        self._conn_id = conn_id
        self.concurrency = concurrency
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    @property
    def conn_id(self) -> str:
        """The connection given, else the component's `<component>_default`."""
        return self._conn_id or default_conn_id(self.component().manifest)

    @conn_id.setter
    def conn_id(self, value: str | None) -> None:
        self._conn_id = value

    @property
    def manifest(self) -> Manifest:
        return self.component().manifest

    def component(self, element: Element | None = None) -> Component:
        """The component this hook runs, settled on first use (see the module's docstring)."""
        try:
            if self._component_key is None:
                key = element.component if element is not None and element.component else self._connection_type()
                self._component_key = configured(key).key
            owner = configured(self._component_key)
        except KeyError as error:
            raise AirflowException(f"{type(self).__name__}: {error.args[0]} (component=..., or a connection whose "
                                   "type is the component's key)") from None
        if element is not None and element.component and element.component != owner.key:
            raise AirflowException(f"this hook runs the {owner.key} component; '{element.key}' is {element.component}'s")
        return owner

    def _connection_type(self) -> str | None:
        """The connection's type when it is a configured component's key."""
        if not self._conn_id:
            return None
        conn_type = self.get_connection(self._conn_id).conn_type
        return conn_type if conn_type in components().keys else None

    def element(self, element: Element | str) -> Element:
        """An action or data source by key (`<element>` or `<component>.<element>`), of this hook's
        component when it is settled, else of the one that has it."""
        if isinstance(element, str):
            key = self._component_key or self._connection_type()
            try:
                _, element = components().element(element, key)
            except KeyError as error:
                raise AirflowException(str(error.args[0])) from None
        self.component(element)
        return element

    def connection(self) -> tuple[dict[str, Any], str | None]:
        """The component's connection and the base URL (`host`), its secrets masked first."""
        manifest = self.manifest
        conn = self.get_connection(self.conn_id)
        # Forms of older Airflow versions store their fields as `extra__<type>__<field>`.
        prefix = f"extra__{manifest.component_key}__"
        extra = {key.removeprefix(prefix): value for key, value in (conn.extra_dejson if conn.extra else {}).items()}
        try:
            request = connection_request(manifest, self.conn_id, conn.login, conn.password, extra)
        except ValueError as error:
            raise AirflowException(str(error)) from None
        for source in manifest.connections:
            if source["key"] == request["key"]:
                mask_secret_inputs(source.get("inputs", []), request["fields"])
        base_url = (conn.host or "").strip() or None
        if base_url and "://" not in base_url:
            base_url = f"{conn.schema or 'https'}://{base_url}" + (f":{conn.port}" if conn.port else "")
        return request, base_url

    def get_conn(self) -> Runner:
        """The runner of this component and connection, its warm `serve` child started on first use."""
        with self._lock:
            if self._runner is None:
                request, base_url = self.connection()
                current = settings()
                password = urllib.parse.urlsplit(current.ledger_url).password
                if password:
                    mask_secret(password)  # unnamed: a named secret is kept only under a "sensitive" name
                shared = account_input(self.manifest)
                self._runner = build_runner(
                    self.component(), current, concurrency=self.concurrency, connection=request,
                    account=str(request["fields"].get(shared) or "") if shared else "", base_url=base_url)
            return self._runner

    def run(self, element: Element | str, inputs: Mapping[str, Any], request_id: str) -> Envelope:
        """One request's envelope (an action or data source, by key or element); `request_id` keeps a
        non-idempotent action to one effect."""
        element = self.element(element)
        with _failures():
            return self.get_conn().run(element, inputs, request_id)

    def run_many(self, element: Element | str, requests: Sequence[tuple[Mapping[str, Any], str]]) -> list[Envelope]:
        """Many requests at the component's concurrency, answers in the order given."""
        if not requests:
            return []
        element = self.element(element)
        with _failures():
            runner = self.get_conn()
        workers = max(1, min(runner.serve.concurrency, len(requests)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="component") as pool:
            return list(pool.map(lambda request: self.run(element, request[0], request[1]), requests))

    def poll(self, trigger: Element, inputs: Mapping[str, Any], state: Any, invocation_id: str) -> Envelope:
        """One run of a polling trigger from `state` (none the first time)."""
        self.component(trigger)
        with _failures():
            return self.get_conn().run_repeatable(trigger, inputs, invocation_id, {"state": state})

    def run_alone(self, element: Element | None, inputs: Mapping[str, Any] | None = None,
                  invocation_id: str | None = None, **fields: Any) -> Envelope:
        """One read-only request in a one-shot process of its own, with this hook's connection and
        none of the ledger's machinery (no Redis): the connection's `check` (`element` None), or one
        run of a polling trigger or data source (`fields`: a trigger's `state`). Raises `ServeLost`
        when the process died or hung before answering, `ComponentUnavailable` when it cannot start,
        `ValueError` for an element that is not read-only."""
        read_only(element)  # before the connection is read
        child, request = self.one_shot(element, inputs, invocation_id, self.connection(), **fields)
        return child.call_alone(request)

    def one_shot(self, element: Element | None, inputs: Mapping[str, Any] | None, invocation_id: str | None,
                 connection: tuple[dict[str, Any], str | None], **fields: Any) -> tuple[ServeProcess, dict[str, Any]]:
        """The one-shot child and the request `run_alone` runs, with `connection` as `connection()`
        gave it (read once by a caller that polls), its deadline from now."""
        read_only(element)
        request_connection, base_url = connection
        component = self.component(element)
        own = settings().component(component.key)
        base_url = base_url or own.base_url
        child = ServeProcess(component.executable, 1, arguments=("--base-url", base_url) if base_url else ())
        deadline_ms = int(time.time() * 1000) + own.request_ms
        if element is None:
            return child, {"check": True, "connection": request_connection, "context": {"deadline": deadline_ms}}
        return child, element.request(inputs or {}, invocation_id, request_connection, deadline_ms=deadline_ms,
                                      **fields)

    def test_connection(self) -> tuple[bool, str]:
        """Airflow's connection test (the UI's and the API's "Test"): the component's `check`, which
        makes the request every action makes first with these credentials. The message says what
        failed and what to do; the component keeps secrets out of it. It names no connection id:
        the API server tests a copy of the connection under an id of its own."""
        try:
            envelope = self.run_alone(None)
        except AirflowException as error:  # the fields fit none of the component's connections
            return False, str(error)
        except (ComponentUnavailable, ServeLost, ValueError) as error:
            return False, f"could not run the component's check: {error}"
        error = envelope.get("error")
        if error:
            return False, describe(error)
        data = envelope.get("data") or {}
        details = data.get("details") or {}
        shown = ", ".join(str(value) for value in details.values() if isinstance(value, (str, int)) and value != "")
        return True, f"the {data.get('connection')} connection works" + (f" ({shown})" if shown else "")

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


def read_only(element: Element | None) -> None:
    """Refuses an element a one-shot process must not run: an action that is not read-only would
    take effect again on every retry, with no ledger to keep its request id to one effect."""
    if element is not None and not element.read_only:
        raise ValueError(f"run_alone runs only read-only elements (the connection's check, polling triggers, data "
                         f"sources), not '{element.key}'; use run(), which keeps a request id to one effect")


def default_conn_id(manifest: Manifest) -> str:
    return f"{manifest.component_key}_default"


def hook_class_name(component_key: str) -> str:
    """`<Component>Hook`: the name of a component's hook class."""
    return class_name(component_key, "", "Hook")


@functools.cache
def hook_class(component_key: str) -> type[ComponentHook]:
    """The hook class of one component: its connection type, name and default connection are the
    component's, so that each component is a connection type of its own in one Airflow."""
    manifest = configured(component_key).manifest
    name = hook_class_name(component_key)
    return type(name, (ComponentHook,), {
        "__module__": __name__, "__qualname__": name,
        "__doc__": f"Runs the {manifest.label} component with a connection of type '{component_key}'.",
        "component_key": component_key, "conn_type": component_key, "hook_name": manifest.label,
        "default_conn_name": default_conn_id(manifest)})


def hook_classes() -> dict[str, type[ComponentHook]]:
    """Every configured component's hook class, by class name."""
    return {hook_class_name(c.key): hook_class(c.key) for c in components()}


# `<Component>Hook`, made on first use: importing this module runs no component.
__getattr__ = lazy_classes(__name__, globals(), ("ComponentHook", "hook_class"), "Hook", lambda: hook_classes(),
                           "no configured component has that hook")
