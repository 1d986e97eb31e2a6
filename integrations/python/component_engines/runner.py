"""Runs one request of an element on the warm `serve` child, under the ledger and the account limit.

Elements that only read, or are idempotent, are simply retried while their error is
`retryable`. The others go through the ledger, and are sent **at most once per request id**:

- claimed before they run, and sent only while the claim's lease is held with time to spare
  (`fence`, just before each send): each request to `serve` carries a deadline inside the lease,
  after which the component starts no attempt, so a worker that was paused, or lost its lease,
  sends nothing more;
- re-sent after an attempt that may have gone out only on evidence that can be trusted: once
  the longest time that attempt could still land has passed, a search that read every page back
  to the window's start (on the service's clock) found nothing that matches what the service
  stores. Anything short of that ends the request `needs_review`, with its candidates.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

import redis

from .component import (
    HUNG_AFTER_DEADLINE_S, Component, ComponentUnavailable, Element, Envelope, Manifest, ServeLost, ServeProcess)
from .ledger import REVIEW_OWNER, Claim, Ledger, LedgerNotDurable, connect, require_durable
from .limits import AccountLimit
from .settings import Settings, environment_name

log = logging.getLogger("component_engines")

#: The query parameter that carries a request id in a status-callback URL.
CALLBACK_PARAMETER = "componentRequest"


def error_envelope(kind: str, code: str, message: str, *, retryable: bool, maybe_sent: bool,
                   details: Mapping[str, Any] | None = None) -> Envelope:
    """An error result in the component's own shape (docs/protocol.md, Errors)."""
    return {"error": {
        "kind": kind, "code": code, "message": message, "status": None, "moreInfo": None,
        "retryable": retryable, "maybeSent": maybe_sent, "input": None, "details": dict(details or {})}}


def review_error(message: str, details: Mapping[str, Any]) -> Envelope:
    """The result of a request that may have taken effect and is never re-run automatically."""
    return error_envelope("needs_review", "needs_review", message, retryable=False, maybe_sent=True, details=details)


class LeaseLost(Exception):
    """This worker no longer holds the request's lease: it must send nothing more for it."""


@dataclass
class Held:
    """A lease this worker holds, kept alive by the heartbeat until `until` (monotonic)."""

    token: str
    until: float
    lost: threading.Event = field(default_factory=threading.Event)


@dataclass
class Heartbeat:
    """Keeps the leases of this worker's requests and account slots alive while it lives.

    A renewal that finds the lease gone or taken marks it lost, which stops every further send
    under it. A request that runs past its budget is no longer renewed: its lease runs out and
    another worker takes it up, so a stuck request cannot hold its id for ever."""

    ledger: Ledger
    limit: AccountLimit | None
    interval_s: float
    _held: dict[tuple[str, str], Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="ledger-heartbeat", daemon=True)
                self._thread.start()

    def hold(self, request_id: str, token: str, budget_s: float) -> Held:
        held = Held(token, time.monotonic() + budget_s)
        with self._lock:
            self._held[(request_id, token)] = held
        return held

    def drop(self, request_id: str, token: str) -> None:
        with self._lock:
            self._held.pop((request_id, token), None)

    def stop(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._lock:
                held = list(self._held.items())
            now = time.monotonic()
            live = []
            for (request_id, token), lease in held:
                if lease.lost.is_set():
                    continue
                if now > lease.until:
                    log.error("request %s has run past its budget: its lease is left to run out", request_id)
                    continue
                live.append(((request_id, token), lease))
            try:
                renewed = self.ledger.renew_all([key for key, _ in live]) if live else []
            except redis.RedisError:  # Redis away for a moment: the next beat tries again
                log.exception("could not renew the leases of %d requests", len(live))
                renewed = [True] * len(live)
            for ((request_id, token), lease), still in zip(live, renewed):
                if not still:
                    with self._lock:
                        ended = (request_id, token) not in self._held  # finished meanwhile
                    if not ended:
                        log.warning("request %s: its lease ran out or was taken; nothing more is sent under it", request_id)
                        lease.lost.set()
            try:
                if self.limit:
                    self.limit.renew()
            except redis.RedisError:
                log.exception("could not renew the account's slots")


@dataclass(frozen=True)
class Expectation:
    """What a candidate of the reconcile must hold: its fields as the service stores them."""

    #: Candidate field → value (None: only the service knows it).
    values: Mapping[str, Any]
    #: Fields whose value is a prediction the service may not share (Smart Encoding, ...).
    uncertain: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Search:
    """The candidates of a search back to the window's start."""

    items: tuple[Mapping[str, Any], ...]
    complete: bool
    why: str = ""


@dataclass(frozen=True)
class Decision:
    outcome: str  # found, none, ambiguous
    item: Mapping[str, Any] | None = None
    candidates: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    why: str = "more than one match could be it"


class Runner:
    def __init__(self, manifest: Manifest, serve: ServeProcess, ledger: Ledger, limit: AccountLimit | None, *,
                 request_ms: int = 15_000, settle_ms: int = 15_000, clock_skew_ms: int = 2_000,
                 reconcile_pages: int = 20, reconcile_page_size: int = 0, max_serve_deaths: int = 3,
                 callback_url: str = "", connection: Mapping[str, Any] | None = None,
                 ledger_durability: str = "check") -> None:
        """`limit`: the account's slots shared by the cluster, or none; `connection`: sent with every
        request (`{"key", "fields"}`), else `serve` takes its environment's. How often a request is
        run again, and the waits between, are the manifest's (`manifest.retry`); the other settings
        are `Settings`' (docs/engines.md). Assembled by `build_runner`."""
        if request_ms > ledger.lease_ms - 1_000:
            raise ValueError("a request's deadline must end at least 1 s inside the lease")
        self.manifest = manifest
        self.retry = manifest.retry
        self.serve = serve
        self.ledger = ledger
        self.limit = limit
        self.connection = connection
        self.request_s = request_ms / 1000
        self.settle_s = settle_ms / 1000
        self.clock_skew_ms = clock_skew_ms
        self.reconcile_pages = reconcile_pages
        self.reconcile_page_size = reconcile_page_size
        self.max_serve_deaths = max_serve_deaths
        self.callback_url = callback_url
        self.ledger_durability = ledger_durability
        self._durable = False
        # The longest a claimed request may take: every run and serve death, each with its
        # deadline, a hung child's grace, a settle and the longest backoff. Past it, its lease lapses.
        self.run_budget_s = (self.retry.engine_attempts + max_serve_deaths) * (
            self.request_s + self.settle_s + HUNG_AFTER_DEADLINE_S + self.retry.maximum_ms / 1000) + 60
        self.heartbeat = Heartbeat(ledger, limit, interval_s=max(0.5, min(5.0, ledger.lease_ms / 4000)))

    def close(self) -> None:
        self.heartbeat.stop()
        self.serve.close()

    # One attempt: an account slot, the fence, the request with its deadline, and a cool-down
    # for everyone after a 429.
    def attempt(self, element: Element, inputs: Mapping[str, Any], invocation_id: str | None,
                fields: Mapping[str, Any] | None = None, fence: Callable[[], None] | None = None,
                alone: bool = False, server_date: bool = False, claimed: Claim | None = None,
                keep_slot: list[str] | None = None) -> Envelope:
        """`claimed`: a claim that took this attempt's slot and fence already; `keep_slot`: where
        to leave the slot's token for the caller to release with what it stores next, when the
        attempt succeeds (else it is released here)."""
        token = claimed.slot if claimed else self.limit.acquire() if self.limit else ""
        try:
            # Measured before the fence, so the deadline ends inside the lease it extended.
            started = claimed.fenced_at if claimed else time.time()
            if fence is not None and not claimed:
                fence()
            deadline_ms = int(started * 1000 + self.request_s * 1000)
            request = element.request(inputs, invocation_id, self.connection, deadline_ms=deadline_ms,
                                      server_date=server_date, **(fields or {}))
            envelope = self.serve.call_alone(request) if alone else self.serve.call(request)
        except BaseException:
            if token and self.limit:
                self.limit.release([token])
            raise
        if token and self.limit:
            if keep_slot is not None and "error" not in envelope:
                keep_slot.append(token)
            else:
                self.limit.release([token])
        error = envelope.get("error")
        if error and error.get("status") == 429 and self.limit:
            self.limit.cool_down(self.retry.retry_after_s(error))
        return envelope

    def run(self, element: Element, inputs: Mapping[str, Any], request_id: str, redelivered: bool = False) -> Envelope:
        """One request's envelope. `redelivered`: this is the broker handing the same ask again, so
        a request that ended `failed` answers with its error instead of running again."""
        if element.safe_to_repeat:
            return self.run_repeatable(element, inputs, request_id)
        try:
            self.require_durable_ledger()
            return self.run_once(element, inputs, request_id, redelivered)
        except LedgerNotDurable as error:
            return error_envelope("internal", "ledger_not_durable", str(error), retryable=False, maybe_sent=False,
                                  details={"requestId": request_id})
        except (redis.RedisError, ComponentUnavailable) as error:
            # The request stays as the ledger has it: asking again for its id settles it.
            return error_envelope(
                "internal", "engine_unavailable",
                f"request {request_id} could not be finished ({error}); it may have been sent: ask again for the same id, "
                "which finds out before sending", retryable=True, maybe_sent=True, details={"requestId": request_id})

    def require_durable_ledger(self) -> None:
        """Raises LedgerNotDurable unless the ledger's Redis keeps its claims (read once)."""
        if not self._durable:
            require_durable(self.ledger.redis, self.ledger_durability)
            self._durable = True

    def run_repeatable(self, element: Element, inputs: Mapping[str, Any], request_id: str | None,
                       fields: Mapping[str, Any] | None = None, server_date: bool = False) -> Envelope:
        """Runs an element that only reads (a trigger with its `fields`, such as `state`), retrying
        while its error is `retryable`. A request on which `serve` ended runs next in a process of
        its own."""
        envelope = error_envelope("internal", "no_attempt", "no attempt was made", retryable=True, maybe_sent=False)
        deaths = 0
        for number in range(1, self.retry.engine_attempts + 1):
            try:
                envelope = self.attempt(element, inputs, request_id, fields, alone=deaths > 0, server_date=server_date)
            except ServeLost as lost:
                deaths += 1
                envelope = error_envelope("network", "serve_died", str(lost), retryable=deaths < self.max_serve_deaths,
                                          maybe_sent=False)
            error = envelope.get("error")
            if not error or not error.get("retryable"):
                return envelope
            if number < self.retry.engine_attempts:
                time.sleep(self.retry.delay_s(number))
        return envelope

    def run_once(self, element: Element, inputs: Mapping[str, Any], request_id: str, redelivered: bool = False) -> Envelope:
        inputs = self._with_callback(element, inputs, request_id)
        expectation, refused = self._expect(element, inputs, request_id)
        if refused is not None:
            # The inputs were refused before anything could be sent; unless the request has already
            # ended, when its result stands (the preview may judge the inputs otherwise by now).
            ended = self.ledger.ended(request_id)
            if ended is not None and ended.result is not None and (ended.outcome != "failed" or redelivered):
                return ended.result
            return refused
        fingerprint = self.ledger.fingerprint(dict(expectation.values)) if element.reconcile else ""
        self.heartbeat.start()
        give_up = time.monotonic() + self.run_budget_s + self.ledger.lease_ms / 1000
        rerun_failed = not redelivered
        delivery = True
        while True:
            claim = self.ledger.claim(request_id, fingerprint, rerun_failed, delivery, slot=self.limit)
            # Only this ask's first claim may run a failed request again, and counts as a delivery:
            # after a wait or a lost lease, whoever ended it spoke for this ask too.
            rerun_failed = delivery = False
            if claim.result is not None:
                return claim.result
            if claim.outcome == "busy":
                # A live attempt elsewhere (a redelivery of a task still running): wait for its end,
                # which its budget bounds.
                if time.monotonic() > give_up:
                    return error_envelope(
                        "timeout", "request_in_progress",
                        f"request {request_id} is still running on another worker; ask again later for its result",
                        retryable=True, maybe_sent=True, details={"requestId": request_id})
                time.sleep(min(claim.busy_ms / 1000, 1.0) + random.uniform(0, 0.1))
                continue
            held = self.heartbeat.hold(request_id, claim.token, self.run_budget_s)
            try:
                return self._run_claimed(element, inputs, request_id, claim, fingerprint, expectation, held)
            except LeaseLost:
                # Whatever happened meanwhile is in the ledger: claim again to learn it.
                log.warning("request %s: lost its lease; asking the ledger again", request_id)
            finally:
                self.heartbeat.drop(request_id, claim.token)

    def _run_claimed(self, element: Element, inputs: Mapping[str, Any], request_id: str, claim: Claim,
                     fingerprint: str, expectation: Expectation, held: Held) -> Envelope:
        rule = element.reconcile
        uncertain = claim.outcome == "reconcile"
        # The longest time an earlier attempt could still land: a takeover waits out the lease
        # that attempt ran under plus the settle time.
        horizon = time.monotonic() + claim.settle_ms / 1000
        attempts = 0
        deaths = 0
        last: Envelope | None = None
        # The slot of a successful attempt, given back in the round trip that stores its result;
        # the claim's own slot and fence serve the first attempt.
        slots: list[str] = []
        prepared: list[Claim] = [claim] if claim.slot else []

        def store(envelope: Envelope, sid: str = "", review: bool = False, answered: bool = False) -> Envelope | None:
            try:
                finished = self.ledger.finish(request_id, claim.token, fingerprint, envelope, sid=sid, review=review,
                                              answered=answered, release=(self.limit, slots) if self.limit else None)
            finally:
                slots.clear()
            if finished.outcome in ("ok", "already"):
                assert finished.result is not None
                return finished.result
            if finished.outcome == "taken":
                return None
            # Another holder has the request now: its result, when it has one, is the answer.
            if finished.state in ("done", "review", "failed") and finished.result is not None:
                return finished.result
            raise LeaseLost()

        def fence() -> None:
            if held.lost.is_set() or not self.ledger.fence(request_id, claim.token):
                held.lost.set()
                raise LeaseLost()

        try:
            while True:
                if uncertain:
                    _wait_until(horizon, held)
                    if rule is None:
                        return _stored(store(review_error(
                            f"an earlier attempt of '{element.key}' may have taken effect, and the manifest gives no "
                            "'reconcile' rule to find out; check before running it again",
                            {"requestId": request_id, "lastError": (last or {}).get("error")}), review=True))
                    decision = self.reconcile(element, inputs, request_id, claim.since_ms, fingerprint, expectation)
                    if decision.outcome == "found" and decision.item is not None:
                        sid = str(decision.item.get(rule["id"], ""))
                        result = store({"data": dict(decision.item)}, sid=sid)
                        if result is None:
                            continue  # taken by another request meanwhile: look again
                        log.info("request %s: found its earlier effect %s, not running it again", request_id, sid)
                        return result
                    if decision.outcome == "ambiguous":
                        return _stored(store(review_error(
                            f"an earlier attempt of '{element.key}' may have taken effect, and {decision.why}; "
                            "check these before running it again", {
                                "requestId": request_id, "candidates": list(decision.candidates),
                                "openRequests": list(decision.others), "lastError": (last or {}).get("error")}),
                            review=True))
                    uncertain = False  # nothing of it exists, and nothing more of it can land
                    if last is not None:
                        last = _proven_unsent(last)
                if deaths >= self.max_serve_deaths:
                    return _stored(store(error_envelope(
                        "internal", "serve_died",
                        f"the component's process ended {deaths} times while running this request ({(last or {}).get('error', {}).get('message')}); "
                        "a search found nothing it sent, so it is not tried again: an input may crash the component, report it",
                        retryable=False, maybe_sent=False, details={"requestId": request_id})))
                if attempts >= self.retry.engine_attempts:
                    assert last is not None
                    return _stored(store(last))
                attempts += 1
                try:
                    envelope = self.attempt(element, inputs, request_id, fence=fence, alone=deaths > 0,
                                            claimed=prepared.pop() if prepared else None, keep_slot=slots)
                except ServeLost as lost:
                    # The request may have reached the service, which finishes it even though the child
                    # is gone: look for it only once it could no longer land, then try it alone.
                    deaths += 1
                    last = error_envelope("internal", "serve_died", str(lost), retryable=True, maybe_sent=True)
                    log.warning("request %s: %s; looking for its effect in %.1f s", request_id, lost, self.settle_s)
                    uncertain, horizon = True, time.monotonic() + self.settle_s
                    continue
                error = envelope.get("error")
                if not error:
                    data = envelope.get("data")
                    sid = str(data.get(rule["id"], "")) if rule and isinstance(data, dict) else ""
                    result = store(envelope, sid=sid, answered=True)
                    if result is None:
                        return _stored(store(review_error(
                            f"'{element.key}' succeeded with {sid}, which another request had already taken as its own",
                            {"requestId": request_id, "sid": sid, "owner": self.ledger.sid_owner(sid)}), review=True))
                    return result
                last = envelope
                if error.get("maybeSent"):
                    uncertain, horizon = True, time.monotonic() + self.settle_s
                    continue
                if not error.get("retryable"):
                    return _stored(store(envelope))
                if attempts < self.retry.engine_attempts:
                    _wait_until(time.monotonic() + self.retry.delay_s(attempts), held)
        finally:
            # Slots no stored result gave back (the loop left by an exception).
            leftover = slots + [unused.slot for unused in prepared]
            if leftover and self.limit:
                with contextlib.suppress(redis.RedisError):
                    self.limit.release(leftover)

    # What the reconcile matches on: the action's preview (what the service will store), else the inputs.
    def _expect(self, element: Element, inputs: Mapping[str, Any], request_id: str) -> tuple[Expectation, Envelope | None]:
        """The values a candidate must hold, or the preview's refusal of the inputs (the send would
        be refused the same way, having sent nothing). A preview that cannot be had leaves every
        value unknown: any candidate is then one for review, never taken as "not found"."""
        rule = element.reconcile
        if rule is None:
            return Expectation({}), None
        preview = rule.get("preview")
        if not preview:
            return Expectation({field: inputs.get(source) if inputs.get(source) not in (None, "") else None
                                for field, source in rule["match"].items()}), None
        unknown = Expectation({field: None for field in rule["match"]})
        # A dry run is local to the component: no account slot, no ledger.
        request = element.request({**inputs, preview: True}, f"{request_id}/preview", self.connection,
                                  deadline_ms=int((time.time() + self.request_s) * 1000))
        for deaths in range(self.max_serve_deaths):
            try:
                envelope = self.serve.call_alone(request) if deaths else self.serve.call(request)
                break
            except ServeLost as lost:
                log.warning("request %s: the component ended on its preview (%s)", request_id, lost)
        else:
            return unknown, None
        error = envelope.get("error")
        if error:
            return (unknown, None) if error.get("retryable") else (unknown, envelope)
        data = envelope.get("data") or {}
        expected = data.get("expected")
        if not isinstance(expected, dict):
            return unknown, None
        return Expectation({field: expected.get(field) for field in rule["match"]},
                           frozenset(str(name) for name in data.get("uncertain") or ())), None

    def _with_callback(self, element: Element, inputs: Mapping[str, Any], request_id: str) -> Mapping[str, Any]:
        """The inputs with the request id carried in the status-callback URL, where the adapter is
        told where callbacks arrive and the request gives none of its own."""
        callback = (element.reconcile or {}).get("callback")
        if not callback or not self.callback_url or inputs.get(callback["input"]) not in (None, ""):
            return inputs
        separator = "&" if "?" in self.callback_url else "?"
        url = f"{self.callback_url}{separator}{CALLBACK_PARAMETER}={urllib.parse.quote(request_id, safe='')}"
        return {**inputs, callback["input"]: url}

    def reconcile(self, element: Element, inputs: Mapping[str, Any], request_id: str, since_ms: int,
                  fingerprint: str, expectation: Expectation) -> Decision:
        """Looks, with the manifest's rule, for what an earlier attempt of this request left behind."""
        rule = element.reconcile
        assert rule is not None
        search = self.search(element, inputs, request_id, since_ms, expectation)
        key = rule["id"]
        evidence = self.ledger.evidence(request_id)
        for item in search.items:
            # A status callback, or a former holder, named it: exact, unless another request owns it.
            if str(item.get(key)) in evidence and self.ledger.sid_owner(str(item.get(key))) in (None, request_id):
                return Decision("found", item=item)
        values = expectation.values
        certain = {f: v for f, v in values.items() if v is not None and f not in expectation.uncertain}
        predicted = {f: v for f, v in values.items() if v is not None and f in expectation.uncertain}
        unknown = sorted(f for f, v in values.items() if v is None)
        loose = [item for item in search.items if all(_same(item.get(f), v) for f, v in certain.items())]
        free = []
        contested = []  # among the candidates of a request that ended needs_review
        for item, owner in zip(loose, self.ledger.sid_owners([str(item.get(key)) for item in loose])):
            if owner == request_id:
                return Decision("found", item=item)
            if owner is None:
                free.append(item)
            elif owner.startswith(REVIEW_OWNER):
                contested.append(item)
        exact = [item for item in free if all(_same(item.get(f), v) for f, v in predicted.items())]
        others = tuple(sorted(self.ledger.open_requests(fingerprint) - {request_id}))
        candidates = tuple(str(item.get(key)) for item in free + contested)
        if evidence:
            return Decision("ambiguous", candidates=tuple(sorted(evidence)) + candidates, others=others,
                            why="the service reported a message for it that the search did not find")
        if not search.complete:
            return Decision("ambiguous", candidates=candidates, others=others, why=search.why)
        if contested:
            return Decision("ambiguous", candidates=candidates, others=others,
                            why="a match is among the candidates of another request under review")
        if not free:
            return Decision("none")
        if unknown:
            return Decision("ambiguous", candidates=candidates, others=others,
                            why=f"without {', '.join(unknown)} a match cannot be told apart from another message")
        if len(exact) == 1 and not others:
            return Decision("found", item=exact[0])
        if not exact:
            return Decision("ambiguous", candidates=candidates, others=others,
                            why=f"the service may store {', '.join(sorted(predicted))} otherwise than predicted")
        return Decision("ambiguous", candidates=tuple(str(item.get(key)) for item in exact), others=others)

    def search(self, element: Element, inputs: Mapping[str, Any], request_id: str, since_ms: int,
               expectation: Expectation) -> Search:
        """Every candidate created since the window's start (on the service's clock), from every page
        of the listing: its order is the service's to choose (a service may list by the time an item
        was sent, which an item still queued has not), so no page is skipped. A search that cannot
        read every page within `reconcile_pages`, fails, or cannot place an item in time, is
        incomplete: it proves nothing."""
        rule = element.reconcile
        assert rule is not None
        lister = self.manifest.element(rule["action"])
        base, unstated = self._listing_filter(rule, inputs, expectation)
        if unstated:
            return Search((), False, f"the preview gave no stored form of {unstated}, so the listing could not be "
                                     "filtered as the service stores it")
        paging = rule.get("page")
        size = _page_size(lister, paging, self.reconcile_page_size)
        created_at = rule["createdAt"]
        items: list[Mapping[str, Any]] = []
        threshold: int | None = None
        cursor: Any = None
        for _ in range(self.reconcile_pages):
            list_inputs = dict(base)
            if paging:
                list_inputs[paging["size"]] = size
                if paging.get("limit"):
                    list_inputs[paging["limit"]] = size
                if cursor:
                    list_inputs[paging["cursor"]] = cursor
            envelope = self.run_repeatable(lister, list_inputs, f"{request_id}/reconcile", server_date=True)
            if "error" in envelope:
                return Search(tuple(items), False, f"the search could not list ({envelope['error'].get('message')})")
            if threshold is None:
                served = _epoch_ms(envelope.get("serverDate"))
                if served < 0:
                    return Search((), False, "the service's answer gave no Date to place the window on its clock")
                threshold = self._window_start(since_ms, served)
            data = envelope.get("data")
            listed = data.get(rule["items"]) if isinstance(data, dict) else None
            if not isinstance(listed, list):
                return Search(tuple(items), False, f"the listing had no '{rule['items']}'")
            for item in listed:
                created = _epoch_ms(item.get(created_at))
                if created < 0:
                    return Search(tuple(items), False, f"a listed item's '{created_at}' could not be read")
                if created >= threshold:
                    items.append(item)
            if not paging:
                return Search(tuple(items), True)
            more = data.get(paging["more"]) if paging.get("more") else None
            cursor = data.get(paging["next"])
            if not cursor:
                if more:
                    return Search(tuple(items), False, "the listing said more remain but gave no cursor")
                return Search(tuple(items), True)
            if more is False:
                return Search(tuple(items), True)
        return Search(tuple(items), False,
                      f"the search read {self.reconcile_pages} pages without reaching the listing's end "
                      f"({environment_name(self.manifest.component_key, 'RECONCILE_PAGES')}, else COMPONENT_RECONCILE_PAGES, "
                      "bounds it)")

    @staticmethod
    def _listing_filter(rule: Mapping[str, Any], inputs: Mapping[str, Any],
                        expectation: Expectation) -> tuple[dict[str, Any], list[str]]:
        """The lister's inputs: a value the candidates are matched on is given as the service
        stores it (the preview's), so that the listing is of the same numbers the send went to
        whatever the send's own settings (a Default Country Code). Also the inputs the preview
        could not state."""
        base: dict[str, Any] = {}
        unstated = []
        for key, source in rule["inputs"].items():
            value = inputs.get(source)
            if value in (None, ""):
                continue
            field = next((f for f, s in rule["match"].items() if s == source), None)
            if rule.get("preview") and field is not None:
                stored = expectation.values.get(field)
                if stored is None:
                    unstated.append(source)
                    continue
                value = stored
            base[key] = value
        return base, unstated

    def _window_start(self, since_ms: int, served_ms: int) -> int:
        """The earliest creation time (on the service's clock) an attempt of a request first claimed
        at `since_ms` (on Redis's clock) can carry. The service's `Date` gives the offset between
        the clocks: at the answer, the service's clock read at least `served_ms` and Redis's at
        most what it reads now. The service's times count whole seconds."""
        offset = served_ms - self.ledger.now_ms()
        return since_ms + offset - 1000 - self.clock_skew_ms


def build_runner(component: Component, settings: Settings, *, concurrency: int | None = None,
                 threads: int | None = None, connection: Mapping[str, Any] | None = None, account: str = "",
                 base_url: str | None = None, environment: Mapping[str, str] | None = None,
                 client: redis.Redis | None = None) -> Runner:
    """The runner of one component, the only place one is assembled: its `serve` child, its ledger,
    its account's limit and its settings (the component's own, else the shared ones), and the
    manifest's retry policy. A Celery worker makes one per component, an Airflow hook one per
    component and connection.

    `concurrency`: what the caller asked `serve` to take at once, over the component's
    `SERVE_CONCURRENCY`, over `threads` (how many the host runs at once), else 16. The account the
    limit is shared by is the component's `ACCOUNT`, else `account` (an Airflow connection's
    login), else `default`. `connection`: sent with every request, else `serve` takes its
    environment's (`environment`, else this process's); `base_url` (else the component's
    `BASE_URL`): where the component sends its API requests instead of the service (`--base-url`)."""
    own = settings.component(component.key)
    base_url = base_url or own.base_url
    serve = ServeProcess(component.executable, concurrency or own.serve_concurrency or threads or 16, environment,
                         arguments=("--base-url", base_url) if base_url else ())
    client = client if client is not None else connect(settings.ledger_url, settings.redis_timeout_s)
    ledger = Ledger(client, component.key, lease_ms=settings.lease_ms, settle_ms=own.settle_ms,
                    retention_s=settings.retention_s, max_deliveries=settings.max_deliveries)
    limit = AccountLimit(client, f"{component.key}:{own.account or account or 'default'}", own.account_concurrency,
                         lease_ms=settings.lease_ms)
    return Runner(component.manifest, serve, ledger, limit, request_ms=own.request_ms, settle_ms=own.settle_ms,
                  clock_skew_ms=own.clock_skew_ms, reconcile_pages=own.reconcile_pages,
                  reconcile_page_size=own.reconcile_page_size, max_serve_deaths=settings.max_serve_deaths,
                  callback_url=own.callback_url, connection=connection, ledger_durability=settings.ledger_durability)


def _wait_until(moment: float, held: Held) -> None:
    """Sleeps until `moment` (monotonic), unless the lease is lost meanwhile."""
    while (left := moment - time.monotonic()) > 0:
        if held.lost.wait(min(left, 0.5)):
            raise LeaseLost()
    if held.lost.is_set():
        raise LeaseLost()


def _stored(result: Envelope | None) -> Envelope:
    # Ending with an error or a review never names a SID, so it is never refused as taken.
    assert result is not None
    return result


def _proven_unsent(envelope: Envelope) -> Envelope:
    """An error whose attempt may have gone out, once a complete search found nothing of it."""
    error = dict(envelope["error"])
    if error.get("maybeSent"):
        error["maybeSent"] = False
        error["details"] = {**(error.get("details") or {}), "searched": "a complete search found nothing it sent"}
    return {"error": error}


def _page_size(lister: Element, paging: Mapping[str, Any] | None, wanted: int) -> int:
    """`wanted`, else the largest page the lister takes (its schema's maximum), at most 1,000."""
    if not paging:
        return 0
    schema = (lister.schema.get("properties") or {}).get(paging["size"]) or {}
    maximum = schema.get("maximum")
    largest = int(min(maximum, 1000)) if isinstance(maximum, (int, float)) and maximum >= 1 else 50
    return min(wanted, largest) if wanted > 0 else largest


def _same(listed: Any, expected: Any) -> bool:
    """Whether a listed field holds the expected value (a service's null body is an empty one)."""
    return ("" if listed is None else str(listed)) == ("" if expected is None else str(expected))


def _epoch_ms(text: Any) -> int:
    if not isinstance(text, str) or not text:
        return -1
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return -1
