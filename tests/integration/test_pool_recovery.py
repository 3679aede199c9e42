"""Pooled PostgreSQL connections are checked only when they sat idle, and a dead one is replaced.

The engine no longer asks `SELECT 1` on every checkout (`pool_pre_ping`): a connection idle past
`IDLE_PING_SECONDS` is pinged, and replaced if the ping fails, so the request that checked it
out is answered as if nothing had happened. These tests kill the server side of the pooled
connection (`pg_terminate_backend`, what a database restart does to every connection) and read
the engine's idle time on a clock of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.api.conftest import Api, api_for
from tests.conftest import POSTGRES_URL
from walaa.adapters.db.engine import IDLE_PING_SECONDS, make_engine, normalise_url
from walaa.bootstrap import App, FixedClock
from walaa.service.handlers.stores import create_store

pytestmark = pytest.mark.postgres


class Monotonic:
    """The engine's idle clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def pooled(postgres_schema: str, monotonic: Monotonic) -> Iterator[Engine]:
    """An engine of one pooled connection, so every request uses the one the test kills."""
    assert POSTGRES_URL
    engine = make_engine(
        POSTGRES_URL,
        connect_args={"options": f"-csearch_path={postgres_schema}"},
        pool_size=1,
        max_overflow=0,
        monotonic=monotonic,
    )
    yield engine
    engine.dispose()


@pytest.fixture
def shop(pooled: Engine) -> Api:
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    walaa = App(pooled)
    walaa.clock = clock
    store = create_store(walaa.uow(), clock, "Dewy Skincare", "USD", "Asia/Riyadh")
    api = api_for(walaa, clock, store)
    assert api.get("/v1/customers/amal").status_code == 404  # the key is known, the pool warm
    return api


def order(order_id: str) -> dict[str, object]:
    return {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": "2026-03-01T09:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": "60.00"}],
    }


def backend(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def terminate(pid: int) -> None:
    """What a database restart does to a connection: the server ends it under the client."""
    assert POSTGRES_URL
    url = make_url(normalise_url(POSTGRES_URL)).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
    assert ended == (True,)


def test_a_connection_killed_while_idle_is_replaced_and_the_request_succeeds(
    pooled, shop, monotonic
):
    killed = backend(pooled)
    terminate(killed)
    monotonic.now += IDLE_PING_SECONDS + 1
    answer = shop.post("/v1/orders", order("o-1"))
    assert answer.status_code == 201, answer.text
    assert backend(pooled) != killed


def test_a_connection_in_steady_use_is_handed_out_unasked(pooled, shop, monotonic):
    """No round trip for a connection that answered a moment ago: killed just now, it is not
    pinged, so the one request that finds it dead is a 503 with Retry-After; the pool is
    then invalidated and the next request is answered on a new connection."""
    killed = backend(pooled)
    terminate(killed)
    monotonic.now += IDLE_PING_SECONDS - 1
    refused = shop.post("/v1/orders", order("o-1"))
    assert refused.status_code == 503, refused.text
    assert refused.json()["type"] == "/problems/database-unavailable"
    assert int(refused.headers["Retry-After"]) >= 1
    answer = shop.post("/v1/orders", order("o-1"))
    assert answer.status_code == 201, answer.text
    assert backend(pooled) != killed
