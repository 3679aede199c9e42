"""When Redis goes away, limits fail open to in-process buckets (logged, counted, and said by
/readyz); when the database goes away, answers are 503 with Retry-After, never 500."""

from __future__ import annotations

import logging
import os

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import api_for
from tests.api.live_server import free_port
from walaa.bootstrap import build
from walaa.config import Settings
from walaa.entrypoints.http.app import create_app

REDIS_URL = os.environ.get("WALAA_TEST_REDIS_URL")


def closed_port() -> int:
    return free_port()  # bound and released: nothing listens on it


def redis_down(per_second: float = 100.0, burst: int = 200) -> Settings:
    return Settings(
        database_url="unused",
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        rate_limit_per_second=per_second,
        rate_limit_burst=burst,
    )


def fallbacks(metrics: str, bucket: str) -> float:
    prefix = f'walaa_rate_limit_fallback_total{{bucket="{bucket}"}} '
    lines = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


def test_with_redis_down_requests_are_answered_and_limited_in_process(walaa, clock, store, caplog):
    api = api_for(walaa, clock, store, settings=redis_down(0.01, 3))
    with caplog.at_level(logging.WARNING, logger="walaa.http"):
        answers = [api.get("/v1/customers/nobody") for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1  # once per interval, not once per request
    assert fallbacks(api.client.get("/metrics").text, "key") == 4


def test_readyz_says_redis_is_down_and_stays_ready(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=redis_down())
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable (fail-open)"},
    }


@pytest.mark.skipif(not REDIS_URL, reason="WALAA_TEST_REDIS_URL is not set; needs a real Redis")
def test_readyz_says_redis_answers(walaa, clock, store):
    settings = Settings(database_url="unused", redis_url=REDIS_URL)
    api = api_for(walaa, clock, store, settings=settings)
    assert api.client.get("/readyz").json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok"},
    }
    assert api.get("/v1/customers/nobody").status_code == 404
    assert fallbacks(api.client.get("/metrics").text, "key") == 0


def test_with_the_database_down_answers_are_503_with_retry_after():
    gone = build(f"postgresql://postgres@127.0.0.1:{closed_port()}/walaa")
    client = TestClient(create_app(gone, Settings(database_url="unused")))
    key = "Bearer wk_test_0badc0de_nobodyhasthiskeyatallnobodyhasit"
    answer = client.get("/v1/customers/nobody", headers={"Authorization": key})
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/database-unavailable"
    assert int(answer.headers["Retry-After"]) >= 1
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["type"] == "/problems/not-ready"
    assert ready.json()["checks"]["redis"] == "not configured"
    assert ready.json()["checks"]["database"].startswith("unavailable")
    gone.engine.dispose()


@pytest.mark.skipif(not REDIS_URL, reason="WALAA_TEST_REDIS_URL is not set; needs a real Redis")
def test_redis_is_asked_again_after_the_back_off():
    import uuid

    from walaa.entrypoints.http.ratelimit import (
        FailOpenLimiter,
        MemoryRateLimiter,
        Outage,
        RedisRateLimiter,
    )

    assert REDIS_URL
    now = [1000.0]
    outage = Outage(backoff=5.0)
    outage._now = lambda: now[0]
    counted: list[int] = []
    shared = RedisRateLimiter(REDIS_URL, 0.01, 3, prefix=f"walaa:test:{uuid.uuid4().hex}:")
    limiter = FailOpenLimiter(shared, MemoryRateLimiter(0.01, 3), lambda: counted.append(1), outage)
    outage.down(ConnectionError("as if Redis had gone"))
    assert limiter.take("k").remaining == 2  # in-process, during the back-off
    assert counted == [1]
    now[0] += 5.0
    assert limiter.take("k").remaining == 2  # Redis again: its own, untouched bucket
    assert limiter.take("k").remaining == 1
    assert counted == [1]
