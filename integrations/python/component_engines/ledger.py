"""The at-most-once ledger: one Redis hash per request id, changed only by the Lua scripts below.

A request is claimed before its side effect, under a lease its worker keeps renewing. A claim
finds one of:

- `done` / `review`: the request has ended; its stored result is returned, nothing runs;
- `failed` (an error that took no effect): a new ask runs it again; a redelivery of the same ask,
  or a holder that lost its lease, gets the stored error;
- `busy`: another worker holds a live lease; the caller waits and asks again;
- `fresh`: never attempted; run it;
- `reconcile`: an earlier attempt may have been sent and its outcome is unknown (its worker died,
  or lost the lease, after fencing a send): look for its effect before running it again, but not
  before the longest time that attempt could still land (`settle_ms` after its lease ran out).

A worker fences itself: just before each send it checks that it still holds the lease and
extends it (`fence`), so no request is handed to the component unless the lease outlasts the
request's deadline. A holder that lost its lease never overwrites the ledger: `finish` records
what it saw as a conflict (its SID as evidence for the request) and returns the ledger's state.

A request taken up to run `max_deliveries` times without ending (a task that kills its worker,
or fails after its claim, every time) ends `needs_review` with its counts, instead of a further run.

Every key expires after the retention (7 days by default), so an id re-submitted within it
returns its first result. The ledger is only as durable as its Redis: `require_durable` refuses
one that a restart or eviction would make forget a claim (docs/engines.md, Redis in production).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

import redis

from .limits import TAKE_SLOT, TOKENS, AccountLimit

log = logging.getLogger("component_engines")
T = TypeVar("T")

# KEYS: request hash, lease, open set of the fingerprint. ARGV: token, lease ms, request id,
# fingerprint, settle ms, holder, retention s, whether a `failed` request runs again (1) or its
# result is the answer (0), whether this is a new delivery of the request (1) or the same one
# asking again after a wait (0), the most runs it may have, and the result it ends with past them
# (`needs_review`, its details completed here). `deliveries` counts the deliveries, `claims`
# those that took the lease to run it (a delivery that found it running elsewhere only waits:
# kombu hands a task out again while it still runs once it is older than the visibility
# timeout), and `runs` the same since the request last ended `failed` (the count the cap is
# on); `leaseUntil` is when the current lease runs out on Redis's clock.
_CLAIM_FUNCTION = """
local function claim()
  if ARGV[9] == '1' then redis.call('HINCRBY', KEYS[1], 'deliveries', 1) end
  redis.call('EXPIRE', KEYS[1], ARGV[7])
  local state = redis.call('HGET', KEYS[1], 'state')
  if state == 'done' or state == 'review' or (state == 'failed' and ARGV[8] == '0') then
    return {state, redis.call('HGET', KEYS[1], 'result')}
  end
  if redis.call('EXISTS', KEYS[2]) == 1 then
    return {'busy', tostring(redis.call('PTTL', KEYS[2]))}
  end
  -- `fence` marks a request uncertain before its first send, so a holder that died before
  -- sending anything leaves it fresh.
  local uncertain = redis.call('HGET', KEYS[1], 'uncertain')
  local runs = tonumber(redis.call('HGET', KEYS[1], 'runs') or '0')
  if runs >= tonumber(ARGV[10]) then
    -- Taken up again and again, and never ended: a task that kills its worker, or keeps failing
    -- after its claim. It runs no more; whether an attempt went out is for a person to say.
    local result = cjson.decode(ARGV[11])
    result.error.maybeSent = uncertain == '1'
    result.error.details.runs = runs
    result.error.details.deliveries = tonumber(redis.call('HGET', KEYS[1], 'deliveries') or '0')
    result.error.details.sends = tonumber(redis.call('HGET', KEYS[1], 'sends') or '0')
    local encoded = cjson.encode(result)
    redis.call('HSET', KEYS[1], 'state', 'review', 'result', encoded, 'uncertain', '1')
    redis.call('SREM', KEYS[3], ARGV[3])
    return {'review', encoded}
  end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local lease = tonumber(ARGV[2])
  local settle = 0
  if uncertain == '1' then
    local ran_until = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0')
    settle = math.max(0, ran_until + tonumber(ARGV[5]) - now)
  end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', lease)
  redis.call('HSET', KEYS[1], 'state', 'claimed', 'token', ARGV[1], 'uncertain', uncertain or '0',
    'leaseUntil', tostring(now + lease), 'holder', ARGV[6])
  redis.call('HINCRBY', KEYS[1], 'claims', 1)
  redis.call('HINCRBY', KEYS[1], 'runs', 1)
  if ARGV[4] ~= '' then
    redis.call('HSET', KEYS[1], 'fingerprint', ARGV[4])
    redis.call('SADD', KEYS[3], ARGV[3])
    redis.call('EXPIRE', KEYS[3], ARGV[7])
  end
  local since = redis.call('HGET', KEYS[1], 'since')
  if not since then
    since = tostring(now)
    redis.call('HSET', KEYS[1], 'since', since)
  end
  if uncertain == '1' then return {'reconcile', since, tostring(settle)} end
  return {'fresh', since, '0'}
end
"""
_CLAIM = _CLAIM_FUNCTION + "return claim()"

# Just before a send: the lease must still be this holder's, and is extended by a whole lease
# from now.
_FENCE_FUNCTION = """
local function fence(request, lease, token, lease_ms, retention)
  if redis.call('HGET', request, 'token') ~= token or redis.call('GET', lease) ~= token then
    return 0
  end
  redis.call('EXPIRE', request, retention)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('PEXPIRE', lease, lease_ms)
  redis.call('HSET', request, 'leaseUntil', tostring(now + tonumber(lease_ms)), 'uncertain', '1')
  redis.call('HINCRBY', request, 'sends', 1)
  return 1
end
"""
# KEYS: request hash, lease. ARGV: token, lease ms, retention s.
_FENCE = _FENCE_FUNCTION + "return fence(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])"

# The claim of a send, which, when the request is fresh, also takes the account's slot and fences
# the first attempt in the same call: one round trip where three were. KEYS: the claim's, then the
# account's slots and cool-down. ARGV: the claim's, then the slot's token, the limit and the
# slot's lease ms. The reply's fourth item says whether the slot was taken (1, fenced; else
# 0 full, -N cooling down).
_CLAIM_AND_FENCE = TAKE_SLOT + _CLAIM_FUNCTION + _FENCE_FUNCTION + """
local claimed = claim()
if claimed[1] ~= 'fresh' then return claimed end
local taken = take_slot(KEYS[4], KEYS[5], ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14]))
if taken == 1 then fence(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[7]) end
claimed[4] = tostring(taken)
return claimed
"""

# KEYS: request hash, lease. ARGV: token, lease ms, retention s.
_RENEW = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'leaseUntil', tostring(now + tonumber(ARGV[2])))
return 1
"""

# KEYS: request hash, lease, open set, SID owner key (or the request hash when none), evidence set,
# the account's slots. ARGV: token, final state, result JSON, SID, request id, retention s, whether
# the SID is the send's own answer (1) rather than a search's finding (0), the prefix of SID owner
# keys, the owner a `needs_review` request's candidates get, those candidates (JSON), then the
# slots' tokens.
_FINISH = """
-- The account's slots that served the request, given back in the same call.
for i = 11, #ARGV do redis.call('ZREM', KEYS[6], ARGV[i]) end
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  -- A holder that lost its lease: what its send answered is evidence, never the result.
  if ARGV[4] ~= '' and ARGV[7] == '1' then
    redis.call('SADD', KEYS[5], ARGV[4])
    redis.call('EXPIRE', KEYS[5], ARGV[6])
  end
  redis.call('HINCRBY', KEYS[1], 'conflicts', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  redis.call('HSET', KEYS[1], 'lastConflict', cjson.encode({state = ARGV[2], sid = ARGV[4]}))
  return {'conflict', redis.call('HGET', KEYS[1], 'state') or '', redis.call('HGET', KEYS[1], 'result') or ''}
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' or state == 'review' then
  return {'already', state, redis.call('HGET', KEYS[1], 'result')}
end
if ARGV[4] ~= '' then
  local owner = redis.call('GET', KEYS[4])
  if owner and owner ~= ARGV[5] then return {'taken', '', owner} end
  redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[6])
end
local uncertain = '0'
if ARGV[2] == 'review' then uncertain = '1' end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'result', ARGV[3], 'sid', ARGV[4], 'uncertain', uncertain)
-- A request that ended failed took no effect: a new ask for it starts its count of runs afresh.
if ARGV[2] == 'failed' then redis.call('HSET', KEYS[1], 'runs', '0') end
-- A request ending needs_review marks its candidates as perhaps its own, in the same step, so
-- that no other request's search takes one of them for its own without review.
if ARGV[2] == 'review' then
  for _, sid in ipairs(cjson.decode(ARGV[10])) do
    redis.call('SET', ARGV[8] .. sid, ARGV[9], 'NX', 'EX', ARGV[6])
  end
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('SREM', KEYS[3], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {'ok', ARGV[2], ARGV[3]}
"""


#: The owner a SID gets from a request that ended `needs_review` with it among its candidates.
REVIEW_OWNER = "review:"


@dataclass(frozen=True)
class Claim:
    outcome: str  # fresh, reconcile, busy, done, review, failed
    token: str
    since_ms: int = 0
    result: dict[str, Any] | None = None
    busy_ms: int = 0
    #: How long to wait before looking for an earlier attempt (`reconcile` only).
    settle_ms: int = 0
    #: The account slot taken with a fresh claim, its first send fenced (`claim(slot=...)`).
    slot: str = ""
    #: When that fence was made (Unix seconds, taken just before the call).
    fenced_at: float = 0.0


@dataclass(frozen=True)
class Finish:
    outcome: str  # ok, already, taken, conflict
    #: The ledger's state after the call (`done`, `failed`, `review`, or `claimed` by another holder).
    state: str
    #: The stored result (ok, already; conflict when the request has ended), else None.
    result: dict[str, Any] | None


class Ledger:
    """The ledger of one component's requests in one Redis database."""

    def __init__(self, client: redis.Redis, component: str, lease_ms: int = 30_000, settle_ms: int = 15_000,
                 retention_s: int = 7 * 24 * 3600, max_deliveries: int = 5) -> None:
        self.redis = client
        self.prefix = f"component-engines:{component}:"
        self.lease_ms = lease_ms
        self.settle_ms = settle_ms
        self.retention_s = retention_s
        self.max_deliveries = max_deliveries
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._claim = client.register_script(_CLAIM)
        self._claim_and_fence = client.register_script(_CLAIM_AND_FENCE)
        self._fence = client.register_script(_FENCE)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)

    def _keys(self, request_id: str, fingerprint: str) -> list[str]:
        return [f"{self.prefix}request:{request_id}", f"{self.prefix}lease:{request_id}",
                f"{self.prefix}open:{fingerprint or '-'}"]

    @staticmethod
    def fingerprint(values: Mapping[str, Any]) -> str:
        """What identical requests share (the values a reconcile matches on)."""
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def claim(self, request_id: str, fingerprint: str = "", rerun_failed: bool = True, delivery: bool = True,
              slot: AccountLimit | None = None) -> Claim:
        """Claims the request; one that ended `failed` runs again only with `rerun_failed` (a new
        ask), else its result is the answer (a redelivery, a holder that lost its lease).
        `delivery`: this is the first claim of a delivery of the request (not a wait's re-claim).
        `slot`: the account's limit; a fresh claim then also takes a slot and fences its first
        send when it can (`Claim.slot`, which the caller releases)."""
        token = TOKENS.next()
        keys = self._keys(request_id, fingerprint)
        args: list[Any] = [token, self.lease_ms, request_id, fingerprint, self.settle_ms, self.holder, self.retention_s,
                           "1" if rerun_failed else "0", "1" if delivery else "0", self.max_deliveries,
                           self._too_many_deliveries(request_id)]
        started = time.time()
        if slot is None:
            outcome, value, *rest = self._claim(keys=keys, args=args)
        else:
            slot_token = TOKENS.next()
            outcome, value, *rest = self._claim_and_fence(
                keys=[*keys, slot.slots_key, slot.cool_down_key], args=[*args, slot_token, slot.limit, slot.lease_ms])
        outcome = _text(outcome)
        if outcome in ("done", "review", "failed"):
            return Claim(outcome, token, result=json.loads(_text(value)))
        if outcome == "busy":
            return Claim(outcome, token, busy_ms=int(_text(value)))
        claim = Claim(outcome, token, since_ms=int(_text(value)), settle_ms=int(_text(rest[0])))
        if slot is not None and len(rest) > 1 and _text(rest[1]) == "1":
            slot.adopt(slot_token)
            return Claim(outcome, token, since_ms=claim.since_ms, slot=slot_token, fenced_at=started)
        return claim

    def _too_many_deliveries(self, request_id: str) -> str:
        return json.dumps({"error": {
            "kind": "needs_review", "code": "needs_review",
            "message": f"request {request_id} was taken up {self.max_deliveries} times without ending (a task that "
                       "kills its worker or fails after its claim): it is not run again; check whether it was sent "
                       "(COMPONENT_MAX_DELIVERIES bounds the runs)",
            "status": None, "moreInfo": None, "retryable": False, "maybeSent": True, "input": None,
            "details": {"requestId": request_id, "maxDeliveries": self.max_deliveries}}})

    def fence(self, request_id: str, token: str) -> bool:
        """Just before a send: whether `token` still holds the request's lease; if so, the lease is
        extended by a whole lease from now, and the request counts as possibly sent."""
        keys = self._keys(request_id, "")[:2]
        return bool(self._fence(keys=keys, args=[token, self.lease_ms, self.retention_s]))

    def renew_all(self, leases: list[tuple[str, str]]) -> list[bool]:
        """The heartbeat's renewals, every `(request id, token)` in one round trip: whether each
        lease is still that token's."""
        pipe = self.redis.pipeline(transaction=False)
        for request_id, token in leases:
            self._renew(keys=self._keys(request_id, "")[:2], args=[token, self.lease_ms, self.retention_s], client=pipe)
        return [bool(renewed) for renewed in pipe.execute()]

    def ended(self, request_id: str) -> Claim | None:
        """The request's result if it has ended (`done`, `review`, `failed`), read without claiming."""
        state, result = self.redis.hmget(f"{self.prefix}request:{request_id}", "state", "result")
        if state is None or _text(state) not in ("done", "review", "failed") or result is None:
            return None
        return Claim(_text(state), "", result=json.loads(_text(result)))

    def finish(self, request_id: str, token: str, fingerprint: str, envelope: Mapping[str, Any],
               sid: str = "", review: bool = False, answered: bool = False,
               release: tuple[AccountLimit, list[str]] | None = None) -> Finish:
        """Stores the final result, if `token` still holds the request. An error without `review`
        took no effect: the request ends `failed`, and a new ask for it runs it again rather than
        returning the error for good. `answered`: `sid` is the send's own answer, not a finding.
        `release`: account slots given back in the same round trip."""
        keys = self._keys(request_id, fingerprint)
        keys.append(f"{self.prefix}sid:{sid}" if sid else keys[0])
        keys.append(self._evidence_key(request_id))
        tokens = list(release[1]) if release else []
        keys.append(release[0].slots_key if release else keys[0])
        state = "review" if review else "failed" if "error" in envelope else "done"
        candidates = ((envelope.get("error") or {}).get("details") or {}).get("candidates") or [] if review else []
        args = [token, state, json.dumps(envelope), sid, request_id, self.retention_s, "1" if answered else "0",
                f"{self.prefix}sid:", f"{REVIEW_OWNER}{request_id}", json.dumps([str(c) for c in candidates]), *tokens]
        # What was sent is known only here: worth riding out a short outage of Redis for. Asking
        # twice is safe (a second call finds the request ended by the first).
        try:
            reply = retrying(lambda: self._finish(keys=keys, args=args), self.lease_ms / 1000)
        finally:
            # Given back, or, if the call failed, no longer renewed: it lapses after its lease.
            if release:
                release[0].forget(tokens)
        outcome, stored_state, value = (_text(part) for part in reply)
        if outcome == "taken":
            return Finish(outcome, "", None)
        return Finish(outcome, stored_state, json.loads(value) if value else None)

    def record_evidence(self, request_id: str, sid: str) -> None:
        """`sid` is known to be this request's (a status callback carried the request id)."""
        key = self._evidence_key(request_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(key, sid)
        pipe.expire(key, self.retention_s)
        pipe.execute()

    def evidence(self, request_id: str) -> set[str]:
        return {_text(member) for member in self.redis.smembers(self._evidence_key(request_id))}

    def _evidence_key(self, request_id: str) -> str:
        return f"{self.prefix}evidence:{request_id}"

    def sid_owner(self, sid: str) -> str | None:
        return self.sid_owners([sid])[0]

    def sid_owners(self, sids: list[str]) -> list[str | None]:
        """The request that owns each SID, or None, in one round trip."""
        if not sids:
            return []
        return [None if owner is None else _text(owner) for owner in self.redis.mget([f"{self.prefix}sid:{sid}" for sid in sids])]

    def open_requests(self, fingerprint: str) -> set[str]:
        return {_text(member) for member in self.redis.smembers(f"{self.prefix}open:{fingerprint}")}

    def now_ms(self) -> int:
        """Redis's clock, the one the ledger's times are on."""
        seconds, microseconds = self.redis.time()
        return int(seconds) * 1000 + int(microseconds) // 1000


class LedgerNotDurable(RuntimeError):
    """The ledger's Redis would forget claims on a restart or under memory pressure."""


#: The settings a ledger's Redis needs, and what each other value risks.
DURABLE = {
    "appendonly": ({"yes"}, "a restart loses every claim and result since the last snapshot"),
    "appendfsync": ({"everysec", "always"}, "the system, not Redis, decides when the log reaches the disk"),
    "maxmemory-policy": ({"noeviction"}, "Redis may evict a claim or a result under memory pressure"),
}


def connect(url: str, timeout_s: float = 5.0) -> redis.Redis:
    """A client of the ledger's Redis whose calls fail after `timeout_s` instead of hanging."""
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                health_check_interval=30)


def require_durable(client: redis.Redis, mode: str = "check") -> None:
    """Raises LedgerNotDurable unless the ledger's Redis keeps what it acknowledged across a
    restart and never evicts it. `mode`: COMPONENT_LEDGER_DURABILITY (`check`, `assumed`, `unsafe`)."""
    where = shown_url(client)
    if mode == "unsafe":
        log.warning("COMPONENT_LEDGER_DURABILITY=unsafe: the ledger's Redis at %s is not checked; if it restarts or "
                    "evicts, claims and results are lost and a request asked again may be sent twice", where)
        return
    if mode == "assumed":
        return
    try:
        found = {name: _text(next(iter(client.config_get(name).values()), "")) for name in DURABLE}
    except redis.ResponseError as error:
        raise LedgerNotDurable(
            f"cannot read the configuration of the ledger's Redis at {where} ({error}): if it runs with appendonly yes, "
            "appendfsync everysec (or always) and maxmemory-policy noeviction, set COMPONENT_LEDGER_DURABILITY=assumed"
        ) from error
    problems = [f"{name} is {found[name] or 'unset'} ({risk}; set {name} {sorted(good)[-1]})"
                for name, (good, risk) in DURABLE.items() if found[name] not in good]
    if problems:
        raise LedgerNotDurable(
            f"the ledger's Redis at {where} is not durable, so a request could be sent twice: " + "; ".join(problems)
            + ". Configure it as docs/engines.md (Redis in production) shows, or, for a test whose Redis may lose "
            "everything, set COMPONENT_LEDGER_DURABILITY=unsafe")


def shown_url(client: redis.Redis) -> str:
    """The Redis a client talks to, without its password."""
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def retrying(call: Callable[[], T], budget_s: float) -> T:
    """`call`, asked again while Redis cannot be reached, for up to `budget_s`."""
    give_up = time.monotonic() + budget_s
    delay = 0.1
    while True:
        try:
            return call()
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() + delay > give_up:
                raise
            log.warning("the ledger's Redis cannot be reached; asking again in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
