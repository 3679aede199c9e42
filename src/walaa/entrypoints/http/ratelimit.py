"""Token-bucket rate limits per API key: in-process by default, shared through Redis.

One process can keep buckets in memory. Several `walaa serve --workers N` processes (or
several hosts) must share them, or each would grant the full rate: with ``WALAA_REDIS_URL`` set
the bucket lives in Redis and is updated by one Lua script, atomically.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    #: seconds until the bucket is full again (RateLimit-Reset) / until a token (Retry-After)
    reset: int
    retry_after: int


class RateLimiter(Protocol):
    def take(self, key: str) -> Decision: ...


def _decide(tokens: float, capacity: int, rate: float) -> Decision:
    allowed = tokens >= 1
    left = tokens - 1 if allowed else tokens
    reset = math.ceil((capacity - left) / rate)
    retry = 0 if allowed else max(1, math.ceil((1 - left) / rate))
    return Decision(allowed, capacity, int(left), reset, retry)


class MemoryRateLimiter:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._now = time.monotonic

    def take(self, key: str) -> Decision:
        with self._lock:
            now = self._now()
            tokens, last = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            decision = _decide(tokens, self.capacity, self.rate)
            self._buckets[key] = (tokens - 1 if decision.allowed else tokens, now)
            return decision


_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Buckets in Redis, using the server's clock so hosts with skewed clocks agree."""

    def __init__(self, url: str, rate: float, burst: int, prefix: str = "walaa:rl:") -> None:
        import redis

        self.rate, self.capacity, self.prefix = rate, burst, prefix
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_LUA)

    def take(self, key: str) -> Decision:
        allowed, tokens = self._script(keys=[self.prefix + key], args=[self.capacity, self.rate])
        left = float(tokens)
        # The script already took the token when allowed; report as _decide would.
        before = left + 1 if allowed else left
        return _decide(before, self.capacity, self.rate)
