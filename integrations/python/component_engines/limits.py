"""A service's limits across the cluster: requests in flight per account, and a shared cool-down.

A slot is a member of a sorted set scored by its lease's end, so a dead worker's slots come
back when their leases run out (and the set itself goes once no slot is held); a 429's
`Retry-After` sets a key every worker waits on.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
import uuid

import redis

#: Lua: takes a slot unless the account is full or cooling down -> 1 taken, 0 full, -N cooling
#: down N ms. Shared with the ledger's claim, which takes a fresh send's slot in the same call.
TAKE_SLOT = """
local function take_slot(slots, cool_down, token, limit, lease_ms)
  local cooling = redis.call('PTTL', cool_down)
  if cooling > 0 then return -cooling end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  if redis.call('ZCARD', slots) < limit then
    redis.call('ZADD', slots, now + lease_ms, token)
    redis.call('PEXPIRE', slots, 2 * lease_ms)
    return 1
  end
  return 0
end
"""

# KEYS: slots, cool-down. ARGV: token, limit, lease ms.
_ACQUIRE = TAKE_SLOT + "return take_slot(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))"

# KEYS: slots. ARGV: lease ms, tokens...
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return 1
"""

# KEYS: cool-down. ARGV: ms. Only lengthens a cool-down, never shortens it.
_COOL_DOWN = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


class _Tokens:
    """Tokens unique across the cluster: a random prefix per process and a counter (cheaper than a
    uuid4 per slot and per claim)."""

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:16]
        self._count = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._count):x}"


TOKENS = _Tokens()
# A forked child gets a prefix of its own, so that its tokens never repeat its parent's.
os.register_at_fork(after_in_child=TOKENS.__init__)


class AccountLimit:
    """At most `limit` requests in flight to one account from the whole cluster."""

    def __init__(self, client: redis.Redis, name: str, limit: int, lease_ms: int = 30_000) -> None:
        self.slots_key = f"component-engines:limit:{name}:slots"
        self.cool_down_key = f"component-engines:limit:{name}:cool-down"
        self.limit = limit
        self.lease_ms = lease_ms
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._cool_down = client.register_script(_COOL_DOWN)
        self._redis = client
        self._held: set[str] = set()
        self._lock = threading.Lock()
        # Notified when this process gives a slot back: its waiters take it at once, and poll
        # Redis only for the other processes' slots.
        self._freed = threading.Condition(self._lock)
        self._tokens = TOKENS

    def acquire(self) -> str:
        """Waits for a free slot (and for any cool-down to end): its token, held until `release`."""
        token = self.new_token()
        delay = 0.005
        while True:
            answer = int(self._acquire(keys=[self.slots_key, self.cool_down_key], args=[token, self.limit, self.lease_ms]))
            if answer == 1:
                break
            if answer < 0:
                time.sleep(-answer / 1000 + random.uniform(0, 0.05))
                continue
            with self._freed:
                self._freed.wait(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.05)
        self.adopt(token)
        return token

    def new_token(self) -> str:
        return self._tokens.next()

    def adopt(self, token: str) -> None:
        """Keeps alive a slot taken by another script (the ledger's claim)."""
        with self._lock:
            self._held.add(token)

    def release(self, tokens: list[str]) -> None:
        """Gives the slots back (in Redis first, so the waiters it wakes find them free)."""
        if tokens:
            try:
                self._redis.zrem(self.slots_key, *tokens)
            finally:
                self.forget(tokens)

    def forget(self, tokens: list[str]) -> None:
        """No longer keeps these slots alive: another script (the ledger's finish) gave them back."""
        with self._lock:
            self._held.difference_update(tokens)
            self._freed.notify(len(tokens))

    def renew(self) -> None:
        """Keeps this worker's slots alive (called by the worker's heartbeat)."""
        with self._lock:
            tokens = list(self._held)
        if tokens:
            self._renew(keys=[self.slots_key], args=[self.lease_ms, *tokens])

    def cool_down(self, seconds: float) -> None:
        """No worker starts a request to this account for `seconds` (a 429's Retry-After)."""
        self._cool_down(keys=[self.cool_down_key], args=[max(1, int(seconds * 1000))])
