"""The component as an engine sees it: its manifest, and one warm `serve` child to run requests on."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import itertools
import json
import logging
import os
import random
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from jsonschema import Draft202012Validator

from . import bundled

log = logging.getLogger("component_engines")

#: The protocol major version this package speaks; a manifest with another major is refused.
PROTOCOL_MAJOR = 1
#: The oldest minor version it needs: 1.2 brought each request's deadline and the service's clock.
#: (1.3 brought the manifest's `retry`; an older manifest gets the runtime's defaults.)
PROTOCOL_MINOR = 2

Envelope = dict[str, Any]


class ComponentUnavailable(RuntimeError):
    """The executable cannot be started, or its manifest cannot be used."""


class InputError(ValueError):
    """The inputs do not satisfy the element's JSON Schema; `problems` lists every one."""

    def __init__(self, element: str, problems: list[str]) -> None:
        super().__init__(f"inputs of '{element}' do not fit its schema: " + "; ".join(problems))
        self.problems = problems


class ServeLost(RuntimeError):
    """The `serve` child ended before answering: whether the request took effect is unknown."""


@dataclass(frozen=True)
class Element:
    """An action, a trigger or a data source of the manifest, as an engine runs it."""

    key: str
    kind: str  # "action", "trigger" or "dataSource": the request field naming it
    label: str
    schema: Mapping[str, Any]
    #: The manifest's inputs (`key`, `label`, `type`, `required`, `secret`, `collection`, `schema`, ...).
    inputs: tuple[Mapping[str, Any], ...]
    read_only: bool
    idempotent: bool
    reconcile: Mapping[str, Any] | None = None
    #: The key of the component it belongs to.
    component: str = ""

    @classmethod
    def parse(cls, kind: str, data: Mapping[str, Any], component: str = "") -> "Element":
        hints = data.get("hints") or {}
        reading = kind != "action"  # triggers and data sources only read
        return cls(
            key=data["key"], kind=kind, label=str(data.get("label") or data["key"]), schema=data.get("schema") or {},
            inputs=tuple(data.get("inputs") or ()), read_only=reading or hints.get("readOnly") is True,
            idempotent=reading or hints.get("idempotent") is True, reconcile=data.get("reconcile"), component=component)

    def request(self, inputs: Mapping[str, Any], invocation_id: str | None = None,
                connection: Mapping[str, Any] | None = None, deadline_ms: int | None = None,
                server_date: bool = False, **fields: Any) -> dict[str, Any]:
        """The `serve` request running this element with `inputs`; without a `connection`, the child's
        environment gives it. `deadline_ms`: Unix time in ms after which the component starts no
        attempt; `server_date`: have the answer carry the service's clock (`serverDate`).
        `fields`: a trigger's `state` or `payload`."""
        request: dict[str, Any] = {self.kind: self.key, "inputs": dict(inputs), **fields}
        if connection is not None:
            request["connection"] = dict(connection)
        context: dict[str, Any] = {}
        if invocation_id:
            context["invocationId"] = invocation_id
        if deadline_ms is not None:
            context["deadline"] = int(deadline_ms)
        if server_date:
            context["serverDate"] = True
        if context:
            request["context"] = context
        return request

    def problems(self, inputs: Mapping[str, Any], complete: bool = True) -> list[str]:
        """Every way `inputs` (typed JSON) break the element's JSON Schema, each naming its input.
        `complete=False` checks only the values given, not what is missing."""
        validator = self._validator if complete else self._partial_validator
        found = []
        for error in sorted(validator.iter_errors(dict(inputs)), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path)
            found.append(f"{where}: {error.message}" if where else error.message)
        return found

    # Built once per element: a submit checks every request's inputs.
    @functools.cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(dict(self.schema))

    @functools.cached_property
    def _partial_validator(self) -> Draft202012Validator:
        return Draft202012Validator({k: v for k, v in self.schema.items() if k != "required"})

    @property
    def safe_to_repeat(self) -> bool:
        """Running it twice has no further effect, so a retry needs no ledger."""
        return self.read_only or self.idempotent


@dataclass(frozen=True)
class RetryPolicy:
    """How often a request is tried and how long between tries: the manifest's `retry`, stated once
    for both layers that retry. The component makes up to `attempts` HTTP tries inside one
    invocation; an engine adapter runs a request up to `engine_attempts` times while its error is
    `retryable`. The backoff spaces both layers' tries, and a 429's `Retry-After` is honoured up to
    `retry_after_max_ms` at both. The defaults are the runtime's, for a manifest older than 1.3."""

    attempts: int = 3
    engine_attempts: int = 8
    initial_ms: int = 200
    multiplier: float = 2.0
    maximum_ms: int = 5_000
    #: Each wait drawn from the upper half of its value, so that clients spread out.
    jitter: bool = True
    retry_after_max_ms: int = 30_000

    @classmethod
    def parse(cls, data: Any) -> "RetryPolicy":
        """The manifest's `retry` block; a missing field keeps the runtime's default."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ComponentUnavailable(f"the manifest's 'retry' is not an object: {data!r}")
        backoff = data.get("backoff") or {}
        if not isinstance(backoff, Mapping):
            raise ComponentUnavailable(f"the manifest's 'retry.backoff' is not an object: {backoff!r}")
        defaults = cls()

        def number(source: Mapping[str, Any], name: str, default: float, minimum: float, where: str) -> float:
            value = source.get(name, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
                raise ComponentUnavailable(f"the manifest's '{where}' must be a number of at least {minimum}, not {value!r}")
            return value

        jitter = backoff.get("jitter", defaults.jitter)
        if not isinstance(jitter, bool):
            raise ComponentUnavailable(f"the manifest's 'retry.backoff.jitter' must be true or false, not {jitter!r}")
        return cls(
            attempts=int(number(data, "attempts", defaults.attempts, 1, "retry.attempts")),
            engine_attempts=int(number(data, "engineAttempts", defaults.engine_attempts, 1, "retry.engineAttempts")),
            initial_ms=int(number(backoff, "initialMs", defaults.initial_ms, 0, "retry.backoff.initialMs")),
            multiplier=float(number(backoff, "multiplier", defaults.multiplier, 1, "retry.backoff.multiplier")),
            maximum_ms=int(number(backoff, "maximumMs", defaults.maximum_ms, 0, "retry.backoff.maximumMs")),
            jitter=jitter,
            retry_after_max_ms=int(number(data, "retryAfterMaxMs", defaults.retry_after_max_ms, 0,
                                          "retry.retryAfterMaxMs")))

    def delay_s(self, retry: int) -> float:
        """The wait before retry `retry` (1 for the second run): `initial × multiplier^(retry−1)`,
        at most `maximum`, drawn from its upper half with jitter (the component's own rule)."""
        full = min(self.initial_ms * self.multiplier ** max(0, retry - 1), self.maximum_ms) / 1000
        return full * random.uniform(0.5, 1.0) if self.jitter else full

    def retry_after_s(self, error: Mapping[str, Any]) -> float:
        """The wait a 429 asked for (the component's `details.retryAfter`, seconds), at most
        `retry_after_max_ms`; 1 s when it gave none."""
        details = error.get("details")
        value = details.get("retryAfter") if isinstance(details, dict) else None
        cap = self.retry_after_max_ms / 1000
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return max(0.0, min(float(value), cap))
        return min(1.0, cap)


@dataclass(frozen=True)
class Manifest:
    """The parts of `<executable> manifest` the adapters use."""

    component_key: str
    label: str
    protocol_version: str
    elements: tuple[Element, ...]
    triggers: tuple[Mapping[str, Any], ...]
    #: The manifest's connections (`key`, `label`, `inputs`, ...).
    connections: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]
    #: The component's own version (`component.version`), when it states one.
    version: str = ""
    retry: RetryPolicy = RetryPolicy()

    @classmethod
    def load(cls, executable: str, environment: Mapping[str, str] | None = None) -> "Manifest":
        """`<executable> manifest`, run in `environment` (else this process's)."""
        try:
            completed = subprocess.run(
                [executable, "manifest", "--compact"], capture_output=True, text=True, timeout=60, check=False,
                env=None if environment is None else dict(environment))
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ComponentUnavailable(
                f"cannot run '{executable} manifest' ({error}); COMPONENT_EXECUTABLES names the component "
                "executables, each on the PATH or a path") from error
        if completed.returncode != 0:
            raise ComponentUnavailable(
                f"'{executable} manifest' exited {completed.returncode}: {completed.stderr.strip()[:500]}")
        try:
            return cls.parse(json.loads(completed.stdout))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ComponentUnavailable(f"'{executable} manifest' printed no manifest this package can read ({error!r})")

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "Manifest":
        version = str(data.get("protocolVersion", ""))
        major, _, minor = version.partition(".")
        if major != str(PROTOCOL_MAJOR):
            raise ComponentUnavailable(
                f"the component speaks protocol {version or 'unknown'}, this package speaks {PROTOCOL_MAJOR}.x; "
                "install a matching component-engines")
        if not minor.isdigit() or int(minor) < PROTOCOL_MINOR:
            raise ComponentUnavailable(
                f"the component speaks protocol {version}, this package needs {PROTOCOL_MAJOR}.{PROTOCOL_MINOR} or newer "
                "(each request's deadline); install a newer component")
        component = data["component"]
        key = str(component["key"])
        elements = [Element.parse("action", action, key) for action in data.get("actions", [])]
        elements += [Element.parse("dataSource", source, key) for source in data.get("dataSources", [])]
        return cls(
            component_key=key, label=str(component.get("label") or key),
            protocol_version=version, elements=tuple(elements), triggers=tuple(data.get("triggers", [])),
            connections=tuple(data.get("connections", [])), raw=data, version=str(component.get("version") or ""),
            retry=RetryPolicy.parse(data.get("retry")))

    def element(self, key: str) -> Element:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(f"the {self.component_key} component has no action or data source '{key}'")

    def trigger(self, key: str) -> Element:
        for trigger in self.triggers:
            if trigger["key"] == key:
                return Element.parse("trigger", trigger, self.component_key)
        raise KeyError(f"the {self.component_key} component has no trigger '{key}'")

    def polling_triggers(self) -> list[Element]:
        return [self.trigger(t["key"]) for t in self.triggers if t.get("type") == "polling"]

    def task_name(self, element: Element) -> str:
        return f"{self.component_key}.{element.key}"


@dataclass(frozen=True)
class Component:
    """One component executable a process hosts, with its manifest."""

    executable: str
    manifest: Manifest

    @property
    def key(self) -> str:
        return self.manifest.component_key


@dataclass(frozen=True)
class Components:
    """Every component a process hosts, in the order configured, each key once."""

    items: tuple[Component, ...]

    @classmethod
    def load(cls, executables: Sequence[str], environment: Mapping[str, str] | None = None) -> "Components":
        """Runs each executable's `manifest` (the only time a process runs it for that). A name the
        installed wheel carries is its binary, with its packaged manifest (bundled.py): nothing runs,
        unless the environment gives the component another manifest."""
        items: list[Component] = []
        for executable in executables:
            component = _load(executable, environment)
            twin = next((other for other in items if other.key == component.key), None)
            if twin is not None:
                raise ComponentUnavailable(
                    f"'{twin.executable}' and '{executable}' are both the component '{component.key}': "
                    "list each component once in COMPONENT_EXECUTABLES")
            items.append(component)
        return cls(tuple(items))

    def __iter__(self) -> Iterator[Component]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def keys(self) -> list[str]:
        return [component.key for component in self.items]

    def get(self, key: str) -> Component:
        for component in self.items:
            if component.key == key:
                return component
        raise KeyError(f"no component '{key}' is configured (COMPONENT_EXECUTABLES gives {', '.join(self.keys) or 'none'})")

    def only(self, what: str) -> Component:
        """The one component, when there is one; else a `KeyError` saying to name it for `what`."""
        if len(self.items) == 1:
            return self.items[0]
        raise KeyError(f"{what}: name the component, one of {', '.join(self.keys) or 'none'}")

    def element(self, name: str, component: str | None = None) -> tuple[Component, Element]:
        """The action or data source `name` (`<element>` or `<component>.<element>`) of `component`,
        else of the one component that has it."""
        return self._find(name, component, lambda manifest, key: manifest.element(key), "action or data source")

    def trigger(self, name: str, component: str | None = None) -> tuple[Component, Element]:
        """The trigger `name`, found as `element` finds an action."""
        return self._find(name, component, lambda manifest, key: manifest.trigger(key), "trigger")

    def _find(self, name: str, component: str | None, lookup: Any, what: str) -> tuple[Component, Element]:
        if component is None and "." in name:
            prefix, _, rest = name.partition(".")
            if prefix in self.keys:
                component, name = prefix, rest
        if component is not None:
            owner = self.get(component)
            return owner, lookup(owner.manifest, name)
        found = []
        for owner in self.items:
            try:
                found.append((owner, lookup(owner.manifest, name)))
            except KeyError:
                continue
        if len(found) == 1:
            return found[0]
        if not found:
            raise KeyError(f"no configured component has an {what} '{name}' (components: {', '.join(self.keys) or 'none'})")
        raise KeyError(f"the {what} '{name}' is in {' and '.join(owner.key for owner, _ in found)}: name the component "
                       f"(component=..., or '<component>.{name}')")


def _load(executable: str, environment: Mapping[str, str] | None) -> Component:
    """The component `executable` names: the wheel's own, else the executable on the PATH or at that path."""
    carried = bundled.find(executable)
    if carried is None:
        return Component(executable, Manifest.load(executable, environment))
    if bundled.manifest_overridden(os.environ if environment is None else environment, carried.component_key()):
        return Component(carried.executable, Manifest.load(carried.executable, environment))
    try:
        return Component(carried.executable, Manifest.parse(carried.manifest()))
    except (OSError, KeyError, TypeError) as error:
        raise ComponentUnavailable(f"the manifest packaged with '{executable}' cannot be used ({error}); reinstall "
                                   f"{bundled.DISTRIBUTION}") from error


#: How long past a request's deadline its answer may take before the child counts as hung: the
#: component starts no attempt after the deadline, so only writing the answer is left.
HUNG_AFTER_DEADLINE_S = 5.0

#: The one-shot subcommand that runs each kind of element, for a request run in a process of its own.
ONE_SHOT = {"action": "invoke", "trigger": "trigger", "dataSource": "data-source", "check": "check"}


class ServeProcess:
    """One warm `<executable> serve` child shared by a worker's threads.

    Requests go in as JSON lines with an id, answers come back by id. If the child dies, the
    requests it held fail with `ServeLost` and the next call starts a new child. A child that has
    not answered a request by its deadline (plus `HUNG_AFTER_DEADLINE_S`) is hung: it is killed,
    and everything it held fails with `ServeLost`.
    """

    def __init__(self, executable: str, concurrency: int, environment: Mapping[str, str] | None = None,
                 arguments: Sequence[str] = ()) -> None:
        self.executable = executable
        self.concurrency = max(1, min(256, concurrency))
        self.arguments = tuple(arguments)
        self.environment = dict(environment if environment is not None else os.environ)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._pending: dict[str, concurrent.futures.Future[Envelope]] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self.starts = 0

    def start(self) -> None:
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> subprocess.Popen[str]:
        if self._closed:
            raise ComponentUnavailable("the worker is shutting down")
        process = self._process
        if process is not None and process.poll() is None:
            return process
        try:
            process = subprocess.Popen(
                [self.executable, "serve", "--concurrency", str(self.concurrency), *self.arguments],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self.environment, text=True, bufsize=1)
        except OSError as error:
            raise ComponentUnavailable(f"cannot start '{self.executable} serve': {error}") from error
        self.starts += 1
        if self.starts > 1:
            log.warning("restarted '%s serve' (start %d) after it ended", self.executable, self.starts)
        self._process = process
        threading.Thread(target=self._read, args=(process,), name="serve-reader", daemon=True).start()
        return process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                answer = json.loads(line)
            except json.JSONDecodeError:
                answer = None
            if not isinstance(answer, dict):
                log.error("serve wrote a line that is not a JSON object: %.200s", line)
                continue
            with self._lock:
                future = self._pending.pop(str(answer.pop("id", None)), None)
            if future is not None:
                future.set_result(answer)
        process.wait()
        with self._lock:
            lost = [(key, future) for key, future in self._pending.items() if key.startswith(f"{process.pid}-")]
            for key, _ in lost:
                del self._pending[key]
            if self._process is process:
                self._process = None
        for _, future in lost:
            future.set_exception(ServeLost(f"'serve' ended (exit {process.returncode}) before answering"))

    def call(self, request: Mapping[str, Any], timeout: float = 300) -> Envelope:
        """Runs one request; raises `ServeLost` when the child ended, or was killed as hung, before
        answering. A request with a `context.deadline` waits until that deadline plus
        `HUNG_AFTER_DEADLINE_S`, else `timeout` seconds."""
        future: concurrent.futures.Future[Envelope] = concurrent.futures.Future()
        with self._lock:
            process = self._ensure_started()
            request_id = f"{process.pid}-{next(self._ids)}"
            self._pending[request_id] = future
            try:
                assert process.stdin is not None
                process.stdin.write(json.dumps({"id": request_id, **request}) + "\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError) as error:
                self._pending.pop(request_id, None)
                raise ServeLost(f"'serve' stopped reading requests: {error}") from error
        wait = answer_wait(request, timeout)
        try:
            return future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            pass
        try:
            # This process may just have been resumed from a pause (which the wait counted) along
            # with the child: give it a moment to answer before taking it for hung.
            return future.result(timeout=1)
        except concurrent.futures.TimeoutError:
            pass
        # Hung: whatever it holds may be stuck at any point, so it all counts as "may have taken
        # effect", and the next call starts a new child.
        log.error("'serve' gave no answer in %.0f s, past the request's deadline: killing it (pid %d)", wait, process.pid)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        try:
            return future.result(timeout=30)
        except concurrent.futures.TimeoutError as error:
            with self._lock:
                self._pending.pop(request_id, None)
            raise ServeLost(f"'serve' gave no answer in {wait:.0f} s and was killed") from error
        except ServeLost as lost:
            raise ServeLost(f"'serve' gave no answer in {wait:.0f} s and was killed as hung") from lost

    def call_alone(self, request: Mapping[str, Any], timeout: float = 300) -> Envelope:
        """Runs one request in a one-shot process of its own (`invoke`, `trigger`, ...), so that a
        request suspected of ending `serve` cannot take other requests with it. Raises `ServeLost`
        when that process dies or hangs (it is killed after the request's deadline) before
        answering."""
        command = one_shot_command(request)
        try:
            completed = subprocess.run(
                [self.executable, command, *self.arguments], input=json.dumps(dict(request)),
                capture_output=True, text=True, env=self.environment, timeout=answer_wait(request, timeout), check=False)
        except subprocess.TimeoutExpired as error:
            raise ServeLost(f"'{command}' gave no answer by the request's deadline and was killed") from error
        except OSError as error:
            raise ComponentUnavailable(f"cannot start '{self.executable} {command}': {error}") from error
        return one_shot_answer(command, completed.returncode, completed.stdout)

    def close(self, timeout: float = 60) -> None:
        """End of input: the child finishes what it holds and exits."""
        with self._lock:
            self._closed = True
            process = self._process
            if process is not None and process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # under the lock: no call is writing to it
        if process is None:
            return
        try:
            process.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


def answer_wait(request: Mapping[str, Any], timeout: float) -> float:
    """How long to wait for the answer to `request`: until its deadline plus the time an answer
    takes to write, else `timeout`."""
    deadline = (request.get("context") or {}).get("deadline")
    if isinstance(deadline, int):
        return max(0.0, deadline / 1000 - time.time()) + HUNG_AFTER_DEADLINE_S
    return timeout


def one_shot_command(request: Mapping[str, Any]) -> str:
    """The one-shot subcommand that runs `request` in a process of its own (`invoke`, `trigger`, ...)."""
    return ONE_SHOT[next((kind for kind in ONE_SHOT if kind in request), "action")]


def one_shot_answer(command: str, returncode: int | None, stdout: str) -> Envelope:
    """The envelope a one-shot process printed last; `ServeLost` when it died or wrote none."""
    lines = stdout.strip().splitlines()
    if returncode is None or returncode < 0 or not lines:
        raise ServeLost(f"'{command}' ended (exit {returncode}) before answering")
    try:
        return dict(json.loads(lines[-1]))
    except json.JSONDecodeError as error:
        raise ServeLost(f"'{command}' wrote no result: {lines[-1][:200]}") from error
