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

Every key expires after the retention (7 days by default), so an id re-submitted within it
returns its first result.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import redis

# KEYS: request hash, lease, open set of the fingerprint. ARGV: token, lease ms, request id,
# fingerprint, settle ms, holder, retention s, whether a `failed` request runs again (1) or its
# result is the answer (0). `deliveries` counts every claim asked for, `claims` those that ran;
# `leaseUntil` is when the current lease runs out on Redis's clock.
_CLAIM = """
redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
redis.call('EXPIRE', KEYS[1], ARGV[7])
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' or state == 'review' or (state == 'failed' and ARGV[8] == '0') then
  return {state, redis.call('HGET', KEYS[1], 'result')}
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'busy', tostring(redis.call('PTTL', KEYS[2]))}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
-- `fence` marks a request uncertain before its first send, so a holder that died before
-- sending anything leaves it fresh.
local uncertain = redis.call('HGET', KEYS[1], 'uncertain')
local settle = 0
if uncertain == '1' then
  local ran_until = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0')
  settle = math.max(0, ran_until + tonumber(ARGV[5]) - now)
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', lease)
redis.call('HSET', KEYS[1], 'state', 'claimed', 'token', ARGV[1], 'uncertain', uncertain or '0',
  'leaseUntil', tostring(now + lease), 'holder', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'claims', 1)
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
"""

# KEYS: request hash, lease. ARGV: token, lease ms, retention s. Just before a send: the lease
# must still be this holder's, and is extended by a whole lease from now.
_FENCE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'leaseUntil', tostring(now + tonumber(ARGV[2])), 'uncertain', '1')
redis.call('HINCRBY', KEYS[1], 'sends', 1)
return 1
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

# KEYS: request hash, lease, open set, SID owner key (or the request hash when none), evidence set.
# ARGV: token, final state, result JSON, SID, request id, retention s, whether the SID is the
# send's own answer (1) rather than a search's finding (0).
_FINISH = """
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
                 retention_s: int = 7 * 24 * 3600) -> None:
        self.redis = client
        self.prefix = f"component-engines:{component}:"
        self.lease_ms = lease_ms
        self.settle_ms = settle_ms
        self.retention_s = retention_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._claim = client.register_script(_CLAIM)
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

    def claim(self, request_id: str, fingerprint: str = "", rerun_failed: bool = True) -> Claim:
        """Claims the request; one that ended `failed` runs again only with `rerun_failed` (a new
        ask), else its result is the answer (a redelivery, a holder that lost its lease)."""
        token = uuid.uuid4().hex
        outcome, value, *rest = self._claim(
            keys=self._keys(request_id, fingerprint),
            args=[token, self.lease_ms, request_id, fingerprint, self.settle_ms, self.holder, self.retention_s,
                  "1" if rerun_failed else "0"])
        outcome = _text(outcome)
        if outcome in ("done", "review", "failed"):
            return Claim(outcome, token, result=json.loads(_text(value)))
        if outcome == "busy":
            return Claim(outcome, token, busy_ms=int(_text(value)))
        return Claim(outcome, token, since_ms=int(_text(value)), settle_ms=int(_text(rest[0])))

    def fence(self, request_id: str, token: str) -> bool:
        """Just before a send: whether `token` still holds the request's lease; if so, the lease is
        extended by a whole lease from now, and the request counts as possibly sent."""
        keys = self._keys(request_id, "")[:2]
        return bool(self._fence(keys=keys, args=[token, self.lease_ms, self.retention_s]))

    def renew(self, request_id: str, token: str) -> bool:
        """The heartbeat's renewal; False once the lease is no longer `token`'s."""
        return bool(self._renew(keys=self._keys(request_id, "")[:2], args=[token, self.lease_ms, self.retention_s]))

    def ended(self, request_id: str) -> Claim | None:
        """The request's result if it has ended (`done`, `review`, `failed`), read without claiming."""
        state, result = self.redis.hmget(f"{self.prefix}request:{request_id}", "state", "result")
        if state is None or _text(state) not in ("done", "review", "failed") or result is None:
            return None
        return Claim(_text(state), "", result=json.loads(_text(result)))

    def finish(self, request_id: str, token: str, fingerprint: str, envelope: Mapping[str, Any],
               sid: str = "", review: bool = False, answered: bool = False) -> Finish:
        """Stores the final result, if `token` still holds the request. An error without `review`
        took no effect: the request ends `failed`, and a new ask for it runs it again rather than
        returning the error for good. `answered`: `sid` is the send's own answer, not a finding."""
        keys = self._keys(request_id, fingerprint)
        keys.append(f"{self.prefix}sid:{sid}" if sid else keys[0])
        keys.append(self._evidence_key(request_id))
        state = "review" if review else "failed" if "error" in envelope else "done"
        outcome, stored_state, value = (_text(part) for part in self._finish(keys=keys, args=[
            token, state, json.dumps(envelope), sid, request_id, self.retention_s, "1" if answered else "0"]))
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

    def reserve(self, request_id: str, sids: list[str]) -> None:
        """Marks the candidates of a request ended `needs_review` as perhaps its own, so that no
        other request's search takes one of them for its own without review."""
        pipe = self.redis.pipeline(transaction=False)
        for sid in sids:
            pipe.set(f"{self.prefix}sid:{sid}", f"{REVIEW_OWNER}{request_id}", nx=True, ex=self.retention_s)
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


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
