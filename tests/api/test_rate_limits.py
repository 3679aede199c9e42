"""Token-bucket rate limits per key: headers on every answer, 429 with Retry-After past them."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.api.conftest import api_for, limited
from walaa.entrypoints.http.ratelimit import MemoryRateLimiter, RedisRateLimiter

REDIS_URL = os.environ.get("WALAA_TEST_REDIS_URL")


def test_a_key_past_its_burst_gets_429_with_retry_after(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=limited(0.01, 3))
    answers = [api.get("/v1/customers/nobody") for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    refused = answers[3]
    assert refused.json()["type"] == "/problems/rate-limited"
    assert int(refused.headers["Retry-After"]) >= 1


def test_limits_are_per_key(walaa, clock, store):
    first = api_for(walaa, clock, store, settings=limited(0.01, 1))
    second = api_for(walaa, clock, store)
    second.client = first.client  # the same server, another key
    assert first.get("/v1/customers/x").status_code == 404
    assert first.get("/v1/customers/x").status_code == 429
    assert second.get("/v1/customers/x").status_code == 404


def test_the_memory_bucket_refills_with_time():
    limiter = MemoryRateLimiter(rate=10, burst=2)
    now = [100.0]
    limiter._now = lambda: now[0]
    assert [limiter.take("k").allowed for _ in range(3)] == [True, True, False]
    now[0] += 0.15  # one and a half tokens back
    assert limiter.take("k").allowed
    assert not limiter.take("k").allowed


@pytest.mark.skipif(not REDIS_URL, reason="WALAA_TEST_REDIS_URL is not set; needs a real Redis")
def test_processes_share_one_bucket_through_redis():
    assert REDIS_URL
    prefix = f"walaa:test:{uuid.uuid4().hex}:"
    one = RedisRateLimiter(REDIS_URL, rate=0.01, burst=3, prefix=prefix)
    two = RedisRateLimiter(REDIS_URL, rate=0.01, burst=3, prefix=prefix)  # another process
    taken = [one.take("key"), two.take("key"), one.take("key"), two.take("key")]
    assert [d.allowed for d in taken] == [True, True, True, False]
    assert [d.remaining for d in taken[:3]] == [2, 1, 0]
    assert taken[3].retry_after >= 1


def test_the_memory_limiter_keeps_a_bounded_number_of_buckets():
    limiter = MemoryRateLimiter(rate=0.01, burst=1, max_buckets=3)
    assert limiter.take("a").allowed
    for address in ("b", "c", "d"):  # "a" was used longest ago: it goes
        assert limiter.take(address).allowed
    assert not limiter.take("d").allowed  # recent buckets are kept
    assert len(limiter._buckets) == 3
    assert limiter.take("a").allowed  # forgotten, so full again
