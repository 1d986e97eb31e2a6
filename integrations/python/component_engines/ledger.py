"""The exactly-once ledger: one Redis hash per request id, changed only by the Lua scripts below.

A request is claimed before its side effect, under a lease its worker keeps renewing. A claim
finds one of:

- `done` / `review`: the request has ended; its stored result is returned, nothing runs
  (a request that ended `failed`, an error that took no effect, is run again when asked again);
- `busy`: another worker holds a live lease; the caller waits and asks again;
- `fresh`: never attempted; run it;
- `reconcile`: an earlier attempt's outcome is unknown (its worker died holding the lease, or
  its answer was `maybeSent`): look for its effect before running it again.

Request hashes and SID owners expire after the retention (7 days by default), so an id
re-submitted within it returns its first result.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import redis

# KEYS: request hash, lease, open set of the fingerprint. ARGV: token, lease ms, request id, fingerprint.
# `deliveries` counts every claim asked for, `claims` those that ran.
_CLAIM = """
redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' or state == 'review' then
  return {state, redis.call('HGET', KEYS[1], 'result')}
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'busy', tostring(redis.call('PTTL', KEYS[2]))}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local uncertain = redis.call('HGET', KEYS[1], 'uncertain')
if state == 'claimed' then uncertain = '1' end
redis.call('HSET', KEYS[1], 'state', 'claimed', 'token', ARGV[1], 'uncertain', uncertain or '0')
redis.call('HINCRBY', KEYS[1], 'claims', 1)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[3])
end
local since = redis.call('HGET', KEYS[1], 'since')
if not since then
  since = tostring(now)
  redis.call('HSET', KEYS[1], 'since', since)
end
if uncertain == '1' then return {'reconcile', since} end
return {'fresh', since}
"""

# KEYS: lease. ARGV: token, lease ms.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: request hash, lease, open set, SID owner key (or the request hash when none).
# ARGV: token, final state, result JSON, SID, request id, retention s.
_FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' or state == 'review' then
  return {'already', redis.call('HGET', KEYS[1], 'result')}
end
if ARGV[4] ~= '' then
  local owner = redis.call('GET', KEYS[4])
  if owner and owner ~= ARGV[5] then return {'taken', owner} end
  redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[6])
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'result', ARGV[3], 'sid', ARGV[4], 'uncertain', '0')
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('SREM', KEYS[3], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {'ok', ARGV[3]}
"""

@dataclass(frozen=True)
class Claim:
    outcome: str  # fresh, reconcile, busy, done, review
    token: str
    since_ms: int = 0
    result: dict[str, Any] | None = None
    busy_ms: int = 0


class Ledger:
    """The ledger of one component's requests in one Redis database."""

    def __init__(self, client: redis.Redis, component: str, lease_ms: int = 30_000,
                 retention_s: int = 7 * 24 * 3600) -> None:
        self.redis = client
        self.prefix = f"component-engines:{component}:"
        self.lease_ms = lease_ms
        self.retention_s = retention_s
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)

    def _keys(self, request_id: str, fingerprint: str) -> list[str]:
        return [f"{self.prefix}request:{request_id}", f"{self.prefix}lease:{request_id}",
                f"{self.prefix}open:{fingerprint or '-'}"]

    @staticmethod
    def fingerprint(values: Mapping[str, Any]) -> str:
        """What identical requests share (the values a reconcile matches on)."""
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def claim(self, request_id: str, fingerprint: str = "") -> Claim:
        token = uuid.uuid4().hex
        outcome, value = self._claim(
            keys=self._keys(request_id, fingerprint), args=[token, self.lease_ms, request_id, fingerprint])
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        value = value.decode() if isinstance(value, bytes) else value
        if outcome in ("done", "review"):
            return Claim(outcome, token, result=json.loads(value))
        if outcome == "busy":
            return Claim(outcome, token, busy_ms=int(value))
        return Claim(outcome, token, since_ms=int(value))

    def renew(self, request_id: str, token: str) -> bool:
        return bool(self._renew(keys=[f"{self.prefix}lease:{request_id}"], args=[token, self.lease_ms]))

    def finish(self, request_id: str, token: str, fingerprint: str, envelope: Mapping[str, Any],
               sid: str = "", review: bool = False) -> tuple[str, Any]:
        """Stores the final result; `("ok", envelope)`, `("already", first)`, or `("taken", owner)` when
        `sid` belongs to another request. An error without `review` took no effect: the request ends
        `failed`, and asking for it again runs it again rather than returning the error for good."""
        keys = self._keys(request_id, fingerprint)
        keys.append(f"{self.prefix}sid:{sid}" if sid else keys[0])
        state = "review" if review else "failed" if "error" in envelope else "done"
        outcome, value = self._finish(keys=keys, args=[
            token, state, json.dumps(envelope), sid, request_id, self.retention_s])
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        value = value.decode() if isinstance(value, bytes) else value
        if outcome in ("ok", "already"):
            return outcome, json.loads(value)
        return outcome, value

    def sid_owner(self, sid: str) -> str | None:
        owner = self.redis.get(f"{self.prefix}sid:{sid}")
        return owner.decode() if isinstance(owner, bytes) else owner

    def open_requests(self, fingerprint: str) -> set[str]:
        return {member.decode() if isinstance(member, bytes) else member
                for member in self.redis.smembers(f"{self.prefix}open:{fingerprint}")}
