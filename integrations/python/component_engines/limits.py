"""Twilio's limits across the cluster: requests in flight per account, and a shared cool-down.

A slot is a member of a sorted set scored by its lease's end, so a dead worker's slots come
back when their leases run out; a 429's `Retry-After` sets a key every worker waits on.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import redis

# KEYS: slots, cool-down. ARGV: token, limit, lease ms. -> 1 taken, 0 full, -N cooling down N ms.
_ACQUIRE = """
local cooling = redis.call('PTTL', KEYS[2])
if cooling > 0 then return -cooling end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  return 1
end
return 0
"""

# KEYS: slots. ARGV: lease ms, tokens...
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return 1
"""

# KEYS: cool-down. ARGV: ms. Only lengthens a cool-down, never shortens it.
_COOL_DOWN = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


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

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Waits for a free slot (and for any cool-down to end), holds it for the block."""
        token = uuid.uuid4().hex
        delay = 0.002
        while True:
            answer = int(self._acquire(keys=[self.slots_key, self.cool_down_key], args=[token, self.limit, self.lease_ms]))
            if answer == 1:
                break
            if answer < 0:
                time.sleep(-answer / 1000 + random.uniform(0, 0.05))
                continue
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.05)
        with self._lock:
            self._held.add(token)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(token)
            self._redis.zrem(self.slots_key, token)

    def renew(self) -> None:
        """Keeps this worker's slots alive (called by the worker's heartbeat)."""
        with self._lock:
            tokens = list(self._held)
        if tokens:
            self._renew(keys=[self.slots_key], args=[self.lease_ms, *tokens])

    def cool_down(self, seconds: float) -> None:
        """No worker starts a request to this account for `seconds` (a 429's Retry-After)."""
        self._cool_down(keys=[self.cool_down_key], args=[max(1, int(seconds * 1000))])
