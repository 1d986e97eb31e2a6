"""Runs one request of an element on the warm `serve` child, under the ledger and the account limit.

Elements that only read, or are idempotent, are simply retried while their error is
`retryable`. The others go through the ledger: claimed before they run, reconciled (through the
manifest's `reconcile` rule) before any re-run whose earlier attempt may have taken effect, and
ended `needs_review` when the rule cannot tell which effect is theirs.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from .component import Element, Envelope, Manifest, ServeLost, ServeProcess
from .ledger import Claim, Ledger
from .limits import AccountLimit

log = logging.getLogger("component_engines")


def review_error(message: str, details: Mapping[str, Any]) -> Envelope:
    """The result of a request that may have taken effect and is never re-run automatically."""
    return {"error": {
        "kind": "needs_review", "code": "needs_review", "message": message, "status": None, "moreInfo": None,
        "retryable": False, "maybeSent": True, "input": None, "details": dict(details)}}


@dataclass
class Heartbeat:
    """Keeps the leases of this worker's requests and account slots alive while it lives."""

    ledger: Ledger
    limit: AccountLimit | None
    interval_s: float
    _held: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="ledger-heartbeat", daemon=True)
            self._thread.start()

    def hold(self, request_id: str, token: str) -> None:
        with self._lock:
            self._held[request_id] = token

    def drop(self, request_id: str) -> None:
        with self._lock:
            self._held.pop(request_id, None)

    def stop(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._lock:
                held = list(self._held.items())
            try:
                for request_id, token in held:
                    self.ledger.renew(request_id, token)
                if self.limit:
                    self.limit.renew()
            except Exception:  # Redis away for a moment: the next beat tries again
                log.exception("could not renew leases")


@dataclass(frozen=True)
class Decision:
    outcome: str  # found, none, ambiguous
    item: Mapping[str, Any] | None = None
    candidates: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    why: str = "more than one match could be it"


class Runner:
    def __init__(self, manifest: Manifest, serve: ServeProcess, ledger: Ledger, limit: AccountLimit | None,
                 clock_skew_ms: int = 2_000, max_attempts: int = 8,
                 connection: Mapping[str, Any] | None = None) -> None:
        """`limit`: the account's slots shared by the cluster, or none; `connection`: sent with every
        request (`{"key", "fields"}`), else `serve` takes its environment's."""
        self.manifest = manifest
        self.serve = serve
        self.ledger = ledger
        self.limit = limit
        self.connection = connection
        self.clock_skew_ms = clock_skew_ms
        self.max_attempts = max_attempts
        self.heartbeat = Heartbeat(ledger, limit, interval_s=max(0.5, min(5.0, ledger.lease_ms / 4000)))

    # One attempt: an account slot, the request, and a cool-down for everyone after a 429.
    def attempt(self, element: Element, inputs: Mapping[str, Any], invocation_id: str | None,
                fields: Mapping[str, Any] | None = None) -> Envelope:
        with self.limit.slot() if self.limit else contextlib.nullcontext():
            envelope = self.serve.call(element.request(inputs, invocation_id, self.connection, **(fields or {})))
        error = envelope.get("error")
        if error and error.get("status") == 429 and self.limit:
            self.limit.cool_down(_retry_after(error))
        return envelope

    def run(self, element: Element, inputs: Mapping[str, Any], request_id: str) -> Envelope:
        if element.safe_to_repeat:
            return self.run_repeatable(element, inputs, request_id)
        return self.run_once(element, inputs, request_id)

    def run_repeatable(self, element: Element, inputs: Mapping[str, Any], request_id: str | None,
                       fields: Mapping[str, Any] | None = None) -> Envelope:
        """Runs an element that only reads (a trigger with its `fields`, such as `state`), retrying
        while its error is `retryable`."""
        envelope: Envelope = {}
        for number in range(1, self.max_attempts + 1):
            try:
                envelope = self.attempt(element, inputs, request_id, fields)
            except ServeLost as lost:
                envelope = {"error": {"kind": "network", "message": str(lost), "retryable": True, "maybeSent": False}}
            error = envelope.get("error")
            if not error or not error.get("retryable"):
                return envelope
            _backoff(number)
        return envelope

    def run_once(self, element: Element, inputs: Mapping[str, Any], request_id: str) -> Envelope:
        rule = element.reconcile
        fingerprint = self.ledger.fingerprint({i: inputs.get(i) for i in rule["match"].values()}) if rule else ""
        claim = self._claim(request_id, fingerprint)
        if claim.result is not None:
            return claim.result
        self.heartbeat.start()
        self.heartbeat.hold(request_id, claim.token)
        try:
            return self._run_claimed(element, inputs, request_id, claim, fingerprint)
        finally:
            self.heartbeat.drop(request_id)

    def _claim(self, request_id: str, fingerprint: str) -> Claim:
        while True:
            claim = self.ledger.claim(request_id, fingerprint)
            if claim.outcome != "busy":
                return claim
            # A live attempt elsewhere (a redelivery of a task still running): wait for its end.
            time.sleep(min(claim.busy_ms / 1000, 1.0) + random.uniform(0, 0.1))

    def _finish(self, request_id: str, claim: Claim, fingerprint: str, envelope: Envelope,
                sid: str = "", review: bool = False) -> tuple[str, Any]:
        return self.ledger.finish(request_id, claim.token, fingerprint, envelope, sid=sid, review=review)

    def _run_claimed(self, element: Element, inputs: Mapping[str, Any], request_id: str, claim: Claim,
                     fingerprint: str) -> Envelope:
        rule = element.reconcile
        uncertain = claim.outcome == "reconcile"
        envelope: Envelope = {}
        for number in range(1, self.max_attempts + 1):
            if uncertain:
                if rule is None:
                    return self._end(request_id, claim, fingerprint, review_error(
                        f"an earlier attempt of '{element.key}' may have taken effect, and the manifest gives no "
                        "'reconcile' rule to find out; check before running it again", {"requestId": request_id}), review=True)
                decision = self.reconcile(element, inputs, request_id, claim.since_ms, fingerprint)
                if decision.outcome == "found" and decision.item is not None:
                    sid = str(decision.item.get(rule["id"], ""))
                    outcome, stored = self._finish(request_id, claim, fingerprint, {"data": dict(decision.item)}, sid=sid)
                    if outcome != "taken":
                        log.info("request %s: found its earlier effect %s, not running it again", request_id, sid)
                        return stored
                    continue  # claimed by another request meanwhile: look again
                if decision.outcome == "ambiguous":
                    return self._end(request_id, claim, fingerprint, review_error(
                        f"an earlier attempt of '{element.key}' may have taken effect, and {decision.why}; "
                        "check these before running it again", {
                            "requestId": request_id, "candidates": list(decision.candidates),
                            "openRequests": list(decision.others)}), review=True)
            try:
                envelope = self.attempt(element, inputs, request_id)
            except ServeLost as lost:
                # The request may have reached the service, which finishes it even though the child
                # is gone: look for its effect only once the attempt could no longer be under way,
                # as a worker taking over a dead one's request does after the lease.
                settle = self.serve.attempt_timeout_s
                log.warning("request %s: %s; looking for its effect in %.1f s, before trying again", request_id, lost, settle)
                time.sleep(settle)
                uncertain = True
                continue
            error = envelope.get("error")
            if not error:
                data = envelope.get("data")
                sid = str(data.get(rule["id"], "")) if rule and isinstance(data, dict) else ""
                outcome, stored = self._finish(request_id, claim, fingerprint, envelope, sid=sid)
                if outcome == "taken":
                    return self._end(request_id, claim, fingerprint, review_error(
                        f"'{element.key}' succeeded with {sid}, which another request had already taken as its own",
                        {"requestId": request_id, "sid": sid, "owner": stored}), review=True)
                return stored
            if error.get("maybeSent"):
                uncertain = True
                time.sleep(0.2)  # let the service finish what it took before looking for it
                continue
            if not error.get("retryable"):
                return self._end(request_id, claim, fingerprint, envelope)
            _backoff(number)
        if uncertain and rule is not None:
            decision = self.reconcile(element, inputs, request_id, claim.since_ms, fingerprint)
            if decision.outcome == "found" and decision.item is not None:
                sid = str(decision.item.get(rule["id"], ""))
                outcome, stored = self._finish(request_id, claim, fingerprint, {"data": dict(decision.item)}, sid=sid)
                if outcome != "taken":
                    return stored
            if decision.outcome != "none":
                return self._end(request_id, claim, fingerprint, review_error(
                    f"'{element.key}' failed {self.max_attempts} times and may have taken effect", {
                        "requestId": request_id, "candidates": list(decision.candidates), "lastError": envelope.get("error")}),
                    review=True)
        elif uncertain:
            return self._end(request_id, claim, fingerprint, review_error(
                f"'{element.key}' failed {self.max_attempts} times and may have taken effect",
                {"requestId": request_id, "lastError": envelope.get("error")}), review=True)
        return self._end(request_id, claim, fingerprint, envelope)

    def _end(self, request_id: str, claim: Claim, fingerprint: str, envelope: Envelope, review: bool = False) -> Envelope:
        _, stored = self._finish(request_id, claim, fingerprint, envelope, review=review)
        return stored

    def reconcile(self, element: Element, inputs: Mapping[str, Any], request_id: str, since_ms: int,
                  fingerprint: str) -> Decision:
        """Looks, with the manifest's rule, for what an earlier attempt of this request left behind."""
        rule = element.reconcile
        assert rule is not None
        lister = self.manifest.element(rule["action"])
        list_inputs = {key: inputs[source] for key, source in rule["inputs"].items() if inputs.get(source) not in (None, "")}
        envelope = self.run_repeatable(lister, list_inputs, f"{request_id}/reconcile")
        if "error" in envelope:
            # Nothing can be told: leave it to a person rather than risk a second effect.
            return Decision("ambiguous", others=(f"could not list: {envelope['error'].get('message')}",))
        items = envelope.get("data", {}).get(rule["items"]) or []
        threshold = since_ms - 1000 - self.clock_skew_ms  # the service's clock counts whole seconds
        # A field whose input was not given (a templated send has no body; a Messaging Service
        # send no from) cannot tell a match: it is left out, and any match is then only a
        # candidate for a person to look at, never taken as this request's or ignored.
        given = {field: source for field, source in rule["match"].items() if inputs.get(source) not in (None, "")}
        matches = [item for item in items if all(
            str(item.get(candidate_field)) == str(inputs.get(source)) for candidate_field, source in given.items())
            and _epoch_ms(item.get(rule["createdAt"])) >= threshold]
        free = []
        for item in matches:
            owner = self.ledger.sid_owner(str(item.get(rule["id"])))
            if owner == request_id:
                return Decision("found", item=item)
            if owner is None:
                free.append(item)
        others = tuple(sorted(self.ledger.open_requests(fingerprint) - {request_id}))
        if not free:
            return Decision("none")
        candidates = tuple(str(item.get(rule["id"])) for item in free)
        missing = [source for source in rule["match"].values() if source not in given.values()]
        if missing:
            return Decision("ambiguous", candidates=candidates, others=others,
                            why=f"without {', '.join(missing)} a match cannot be told apart from another message")
        if len(free) == 1 and not others:
            return Decision("found", item=free[0])
        return Decision("ambiguous", candidates=candidates, others=others)


def _epoch_ms(text: Any) -> int:
    if not isinstance(text, str) or not text:
        return -1
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return -1


def _retry_after(error: Mapping[str, Any]) -> float:
    """The wait a 429 asked for (the component's `details.retryAfter`), else 1 s, at most 60 s."""
    details = error.get("details")
    value = details.get("retryAfter") if isinstance(details, dict) else None
    return max(0.0, min(float(value), 60.0)) if isinstance(value, (int, float)) else 1.0


def _backoff(number: int) -> None:
    time.sleep(min(0.1 * 2 ** (number - 1), 5.0) * random.uniform(0.5, 1.0))
