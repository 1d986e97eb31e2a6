"""The component as an engine sees it: its manifest, and one warm `serve` child to run requests on."""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from jsonschema import Draft202012Validator

log = logging.getLogger("component_engines")

#: The protocol major version this package speaks; a manifest with another major is refused.
PROTOCOL_MAJOR = 1

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

    @classmethod
    def parse(cls, kind: str, data: Mapping[str, Any]) -> "Element":
        hints = data.get("hints") or {}
        reading = kind != "action"  # triggers and data sources only read
        return cls(
            key=data["key"], kind=kind, label=str(data.get("label") or data["key"]), schema=data.get("schema") or {},
            inputs=tuple(data.get("inputs") or ()), read_only=reading or hints.get("readOnly") is True,
            idempotent=reading or hints.get("idempotent") is True, reconcile=data.get("reconcile"))

    def request(self, inputs: Mapping[str, Any], invocation_id: str | None = None,
                connection: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """The `serve` request running this element with `inputs`; without a `connection`, the child's
        environment gives it. `fields`: a trigger's `state` or `payload`."""
        request: dict[str, Any] = {self.kind: self.key, "inputs": dict(inputs), **fields}
        if connection is not None:
            request["connection"] = dict(connection)
        if invocation_id:
            request["context"] = {"invocationId": invocation_id}
        return request

    def problems(self, inputs: Mapping[str, Any], complete: bool = True) -> list[str]:
        """Every way `inputs` (typed JSON) break the element's JSON Schema, each naming its input.
        `complete=False` checks only the values given, not what is missing."""
        schema = dict(self.schema)
        if not complete:
            schema.pop("required", None)
        found = []
        for error in sorted(Draft202012Validator(schema).iter_errors(dict(inputs)), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path)
            found.append(f"{where}: {error.message}" if where else error.message)
        return found

    @property
    def safe_to_repeat(self) -> bool:
        """Running it twice has no further effect, so a retry needs no ledger."""
        return self.read_only or self.idempotent


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

    @classmethod
    def load(cls, executable: str) -> "Manifest":
        try:
            completed = subprocess.run(
                [executable, "manifest", "--compact"], capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ComponentUnavailable(
                f"cannot run '{executable} manifest' ({error}); set COMPONENT_EXECUTABLE to the component's path") from error
        if completed.returncode != 0:
            raise ComponentUnavailable(
                f"'{executable} manifest' exited {completed.returncode}: {completed.stderr.strip()[:500]}")
        return cls.parse(json.loads(completed.stdout))

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "Manifest":
        version = str(data.get("protocolVersion", ""))
        major = version.split(".", 1)[0]
        if major != str(PROTOCOL_MAJOR):
            raise ComponentUnavailable(
                f"the component speaks protocol {version or 'unknown'}, this package speaks {PROTOCOL_MAJOR}.x; "
                "install a matching component-engines")
        elements = [Element.parse("action", action) for action in data.get("actions", [])]
        elements += [Element.parse("dataSource", source) for source in data.get("dataSources", [])]
        component = data["component"]
        return cls(
            component_key=component["key"], label=str(component.get("label") or component["key"]),
            protocol_version=version, elements=tuple(elements), triggers=tuple(data.get("triggers", [])),
            connections=tuple(data.get("connections", [])), raw=data)

    def element(self, key: str) -> Element:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(f"the component has no action or data source '{key}'")

    def trigger(self, key: str) -> Element:
        for trigger in self.triggers:
            if trigger["key"] == key:
                return Element.parse("trigger", trigger)
        raise KeyError(f"the component has no trigger '{key}'")

    def task_name(self, element: Element) -> str:
        return f"{self.component_key}.{element.key}"


class ServeProcess:
    """One warm `<executable> serve` child shared by a worker's threads.

    Requests go in as JSON lines with an id, answers come back by id. If the child dies, the
    requests it held fail with `ServeLost` and the next call starts a new child.
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

    @property
    def attempt_timeout_s(self) -> float:
        """How long one attempt of the child may take (its `TWILIO_TIMEOUT_MS`, else the
        component's default of 30 s): after it, a request the child sent has been answered or
        given up on, by the service as by the child."""
        try:
            return max(0.0, int(self.environment.get("TWILIO_TIMEOUT_MS", "")) / 1000)
        except ValueError:
            return 30.0

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
                log.error("serve wrote a line that is not JSON: %.200s", line)
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
        """Runs one request; raises `ServeLost` when the child ended before answering."""
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
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as error:
            with self._lock:
                self._pending.pop(request_id, None)
            raise ServeLost(f"'serve' gave no answer in {timeout:.0f} s") from error

    def close(self, timeout: float = 60) -> None:
        """End of input: the child finishes what it holds and exits."""
        with self._lock:
            self._closed = True
            process = self._process
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
