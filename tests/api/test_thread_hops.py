"""A busy client's request crosses into the thread pool once: for its route, not its checks.

FastAPI runs every plain ``def`` dependency in a worker thread, and a trip there and back (a
queue, a lock, a wake-up of the event loop) cost more than the checks themselves. The key, its
scope and the store's clock are decided on the event loop; only a route's own database work goes
to a thread. Counted like the statement budget, so a new sync dependency on the common paths is
caught here rather than in a profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest

from tests.api.test_statement_budget import DOCUMENT, ok, order
from tests.api.test_storefront_api import give, mint, shop  # noqa: F401 (a fixture)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of every function sent to a worker thread while the test runs."""
    sent: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        inner = getattr(func, "func", func)  # starlette hands it over as a functools.partial
        sent.append(getattr(inner, "__qualname__", repr(inner)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    yield sent


@pytest.fixture
def live_shop(api):
    """A live store whose key has made requests (a test store's clock is looked up on every
    request, in a thread; a live store's mode is learnt on its first request)."""
    ok(api.put("/v1/program", DOCUMENT))
    ok(api.post("/v1/orders", order("o-0")))
    return api


def test_a_paid_order_takes_one_trip_through_the_thread_pool(live_shop, hops):
    ok(live_shop.post("/v1/orders", order("o-1")))
    assert len(hops) == 1, hops  # the route itself


def test_a_read_takes_one_trip_through_the_thread_pool(live_shop, hops):
    """The answer's model is validated on the event loop, not in a second trip."""
    ok(live_shop.get("/v1/customers/amal"))
    assert len(hops) == 1, hops


def test_a_shoppers_read_takes_two_trips_its_settings_and_its_route(shop, clock, hops):  # noqa: F811
    """The storefront settings are read from the database (one trip); whether a shopper is
    signed in is checked in memory, on the event loop; then the route."""
    api, browser, secret = shop
    give(api, "amal", 700)
    token = mint(secret, api.store.id, clock)
    assert browser.get("/v1/storefront/me", token).status_code == 200  # the key is verified
    hops.clear()
    assert browser.get("/v1/storefront/me", token).status_code == 200
    assert len(hops) == 2, hops
