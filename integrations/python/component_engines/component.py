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
from typing import Any, Mapping

log = logging.getLogger("component_engines")

#: The protocol major version this package speaks; a manifest with another major is refused.
PROTOCOL_MAJOR = 1

Envelope = dict[str, Any]


class ComponentUnavailable(RuntimeError):
    """The executable cannot be started, or its manifest cannot be used."""


class ServeLost(RuntimeError):
    """The `serve` child ended before answering: whether the request took effect is unknown."""


@dataclass(frozen=True)
class Element:
    """An action or a data source of the manifest, as a task runs it."""

    key: str
    kind: str  # "action" or "dataSource": the request field naming it
    schema: Mapping[str, Any]
    read_only: bool
    idempotent: bool
    reconcile: Mapping[str, Any] | None = None

    def request(self, inputs: Mapping[str, Any], invocation_id: str | None = None) -> dict[str, Any]:
        """The `serve` request running this element with `inputs` (the connection: the worker's environment)."""
        request: dict[str, Any] = {self.kind: self.key, "inputs": dict(inputs)}
        if invocation_id:
            request["context"] = {"invocationId": invocation_id}
        return request

    @property
    def safe_to_repeat(self) -> bool:
        """Running it twice has no further effect, so a retry needs no ledger."""
        return self.read_only or self.idempotent


@dataclass(frozen=True)
class Manifest:
    """The parts of `<executable> manifest` the adapters use."""

    component_key: str
    protocol_version: str
    elements: tuple[Element, ...]
    triggers: tuple[Mapping[str, Any], ...]
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
        elements: list[Element] = []
        for action in data.get("actions", []):
            hints = action.get("hints") or {}
            elements.append(Element(
                key=action["key"], kind="action", schema=action.get("schema") or {},
                read_only=hints.get("readOnly") is True, idempotent=hints.get("idempotent") is True,
                reconcile=action.get("reconcile")))
        for source in data.get("dataSources", []):
            elements.append(Element(
                key=source["key"], kind="dataSource", schema=source.get("schema") or {},
                read_only=True, idempotent=True))
        return cls(
            component_key=data["component"]["key"], protocol_version=version, elements=tuple(elements),
            triggers=tuple(data.get("triggers", [])), raw=data)

    def element(self, key: str) -> Element:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(f"the component has no action or data source '{key}'")

    def task_name(self, element: Element) -> str:
        return f"{self.component_key}.{element.key}"


class ServeProcess:
    """One warm `<executable> serve` child shared by a worker's threads.

    Requests go in as JSON lines with an id, answers come back by id. If the child dies, the
    requests it held fail with `ServeLost` and the next call starts a new child.
    """

    def __init__(self, executable: str, concurrency: int, environment: Mapping[str, str] | None = None) -> None:
        self.executable = executable
        self.concurrency = max(1, min(256, concurrency))
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
                [self.executable, "serve", "--concurrency", str(self.concurrency)],
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
