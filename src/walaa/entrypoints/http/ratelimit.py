"""Token-bucket rate limits per API key: in-process by default, shared through Redis.

One process can keep buckets in memory. Several `walaa serve --workers N` processes (or
several hosts) must share them, or each would grant the full rate: with ``WALAA_REDIS_URL`` set
the bucket lives in Redis and is updated by one Lua script, atomically.

When Redis does not answer, limits fail open to in-process buckets (`FailOpenLimiter`): a
request is never refused, nor answered 500, because the limiter's store went away. The
process then grants each key the full rate on its own, which is what one process always does;
it logs a warning at most once a minute, counts each such decision, and tries Redis again after
a few seconds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("walaa.http")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    #: seconds until the bucket is full again (RateLimit-Reset) / until a token (Retry-After)
    reset: int
    retry_after: int


class RateLimiter(Protocol):
    #: True if `take` may wait on the network (call it off the event loop)
    blocking: bool

    def take(self, key: str) -> Decision: ...

    def status(self) -> str:
        """What /readyz reports for the store of the buckets."""
        ...


def _decide(tokens: float, capacity: int, rate: float) -> Decision:
    allowed = tokens >= 1
    left = tokens - 1 if allowed else tokens
    reset = math.ceil((capacity - left) / rate)
    retry = 0 if allowed else max(1, math.ceil((1 - left) / rate))
    return Decision(allowed, capacity, int(left), reset, retry)


class MemoryRateLimiter:
    blocking = False

    def __init__(self, rate: float, burst: int, max_buckets: int = 100_000) -> None:
        self.rate, self.capacity, self.max_buckets = rate, burst, max_buckets
        # Oldest use first: buckets are re-inserted on each take, and past max_buckets (many
        # client addresses) the least recently used go; it is the likeliest to be full again.
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._now = time.monotonic

    def take(self, key: str) -> Decision:
        with self._lock:
            now = self._now()
            tokens, last = self._buckets.pop(key, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            decision = _decide(tokens, self.capacity, self.rate)
            self._buckets[key] = (tokens - 1 if decision.allowed else tokens, now)
            while len(self._buckets) > self.max_buckets:
                del self._buckets[next(iter(self._buckets))]
            return decision

    def status(self) -> str:
        return "in-process"


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

    blocking = True

    def __init__(
        self, url: str, rate: float, burst: int, prefix: str = "walaa:rl:", timeout: float = 0.25
    ) -> None:
        import redis

        self.rate, self.capacity, self.prefix = rate, burst, prefix
        # Short timeouts: a Redis that hangs must cost a request a quarter of a second at most,
        # after which the fail-open wrapper stops asking it for a while.
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._script = self._redis.register_script(_LUA)

    def take(self, key: str) -> Decision:
        allowed, tokens = self._script(keys=[self.prefix + key], args=[self.capacity, self.rate])
        left = float(tokens)
        # The script already took the token when allowed; report as _decide would.
        before = left + 1 if allowed else left
        return _decide(before, self.capacity, self.rate)

    def status(self) -> str:
        self._redis.ping()
        return "ok"


class Outage:
    """Whether Redis is to be asked now; one per process, shared by its limiters, so an outage
    is logged once (then at most once a minute) and Redis is retried after a short back-off."""

    def __init__(self, backoff: float = 5.0, warn_every: float = 60.0) -> None:
        self.backoff, self.warn_every = backoff, warn_every
        self._retry_at = 0.0  # while now is before this, Redis is not asked
        self._warned_at: float | None = None
        self._lock = threading.Lock()
        self._now = time.monotonic

    def ask(self) -> bool:
        return self._now() >= self._retry_at

    def down(self, exc: Exception) -> None:
        with self._lock:
            now = self._now()
            self._retry_at = now + self.backoff
            if self._warned_at is not None and now - self._warned_at < self.warn_every:
                return
            self._warned_at = now
        log.warning("Redis does not answer (%s): rate limits are per process until it does", exc)

    def up(self) -> None:
        with self._lock:
            was_down, self._retry_at = self._retry_at > 0, 0.0
        if was_down:
            log.warning("Redis answers again: rate limits are shared")


class FailOpenLimiter:
    """Redis buckets while Redis answers; in-process buckets, counted and logged, when not."""

    blocking = True

    def __init__(
        self,
        shared: RedisRateLimiter,
        local: MemoryRateLimiter,
        on_fallback: Callable[[], None],
        outage: Outage,
    ) -> None:
        self.shared, self.local, self.on_fallback, self.outage = shared, local, on_fallback, outage

    def take(self, key: str) -> Decision:
        import redis

        if self.outage.ask():
            try:
                decision = self.shared.take(key)
            except redis.RedisError as exc:
                self.outage.down(exc)
            else:
                self.outage.up()
                return decision
        self.on_fallback()
        return self.local.take(key)

    def status(self) -> str:
        import redis

        try:
            return self.shared.status()
        except redis.RedisError as exc:
            self.outage.down(exc)
            return "unavailable (fail-open)"
