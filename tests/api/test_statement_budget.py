"""The order path's statement budget: how many SQL statements each common request may send.

A store calls Walaa inside its checkout and after every order, so every round trip to the
database is paid thousands of times a minute. Each common path through the HTTP app is counted
here (every statement the engine sends through a cursor from the moment the request leaves the
client until its answer is back: SQLite's `BEGIN IMMEDIATE` is one, a driver's own COMMIT is not)
on SQLite and PostgreSQL, and fails above the budget written next to it. A change that adds a
statement to one of these paths must find the room elsewhere or raise the budget on purpose,
saying why in its commit.

The key has made one request before anything is counted, so the budget counts what every
further request of a busy client costs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.builders import counting
from walaa.demo import ACHIEVEMENTS, PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
SUNDAY = "2026-03-01T09:00:00Z"

#: Statements per request, per database. SQLite has no RETURNING on some paths and no
#: SELECT ... FOR UPDATE (it takes the write lock with BEGIN IMMEDIATE), so its counts differ.
BUDGET: dict[str, dict[str, int]] = {
    "paid order of a known customer": {"sqlite": 12, "postgresql": 4},
    # the same order, reading the customer's badge progress and writing it back
    "paid order moving badges": {"sqlite": 14, "postgresql": 7},
    "first order of a new customer": {"sqlite": 16, "postgresql": 8},
    "event": {"sqlite": 10, "postgresql": 4},
    "refund": {"sqlite": 18, "postgresql": 16},
    "redemption": {"sqlite": 13, "postgresql": 12},
    "checkout hold": {"sqlite": 10, "postgresql": 9},
    "checkout capture": {"sqlite": 12, "postgresql": 11},
    "checkout release": {"sqlite": 13, "postgresql": 12},
}


def order(order_id: str, customer: str = "amal") -> dict[str, Any]:
    return {
        "id": order_id,
        "customer_id": customer,
        "placed_at": SUNDAY,
        "currency": "USD",
        "lines": [
            {"id": "l1", "paid": "60.00", "quantity": 2, "categories": ["cleanser"]},
            {"id": "l2", "paid": "48.00", "categories": ["serum"]},
            {"id": "ship", "paid": "9.00", "kind": "shipping"},
        ],
    }


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def shop(api, walaa):
    """A store running the demo program, a known customer with points, and a reward."""
    ok(api.put("/v1/program", DOCUMENT))
    ok(api.post("/v1/orders", order("o-0")))
    ok(api.post("/v1/customers/amal/adjustments", {"points": 5000, "reason": "welcome"}))
    reward = {"id": "ten-off", "cost": 500, "kind": "fixed_discount", "value": "10.00"}
    ok(api.post("/v1/rewards", {**reward, "names": {"en": "10 off", "ar": "خصم"}}))
    ok(api.get("/v1/customers/amal"))  # the key has authenticated once: the budget is per request
    return api


def _paid_order(api) -> Callable[[], Any]:
    return lambda: api.post("/v1/orders", order("o-1"))


def _badge_order(api) -> Callable[[], Any]:
    """A paid order under the demo's badges, moving four of them (two order counts, spend,
    a monthly streak): the customer's progress is one SELECT and one upsert more."""
    badges = yaml.safe_load(ACHIEVEMENTS.read_text(encoding="utf-8"))["achievements"]
    for badge in badges:
        badge.pop("reward", None)  # this store's catalog has no free shipping: only the badge
    ok(api.put("/v1/program", {**DOCUMENT, "achievements": badges}))
    ok(api.post("/v1/orders", order("o-warm", customer="warm")))  # the new version is read
    ok(api.post("/v1/orders", order("o-2")))  # amal's progress rows exist: an upsert updates
    return lambda: api.post("/v1/orders", order("o-1"))


def _first_order(api) -> Callable[[], Any]:
    return lambda: api.post("/v1/orders", order("o-1", customer="newcomer"))


def _event(api) -> Callable[[], Any]:
    body = {"id": "e-1", "customer_id": "amal", "type": "signup", "occurred_at": SUNDAY}
    return lambda: api.post("/v1/events", body)


def _refund(api) -> Callable[[], Any]:
    body = {"id": "r-1", "lines": [{"line_id": "l1", "quantity": 1}]}
    return lambda: api.post("/v1/orders/o-0/refunds", body)


def _redemption(api) -> Callable[[], Any]:
    return lambda: api.post("/v1/customers/amal/redemptions", {"reward_id": "ten-off"})


def _hold(api) -> Callable[[], Any]:
    body = {"customer_id": "amal", "points": 1000, "subtotal": "40.00"}
    return lambda: api.post("/v1/checkout/holds", body)


def _capture(api) -> Callable[[], Any]:
    hold = ok(
        api.post("/v1/checkout/holds", {"customer_id": "amal", "points": 1000, "subtotal": "40.00"})
    )
    body = {"order_id": "o-0", "order_total": "30.00"}
    return lambda: api.post(f"/v1/checkout/holds/{hold['hold_id']}/capture", body)


def _release(api) -> Callable[[], Any]:
    hold = ok(
        api.post("/v1/checkout/holds", {"customer_id": "amal", "points": 1000, "subtotal": "40.00"})
    )
    return lambda: api.post(f"/v1/checkout/holds/{hold['hold_id']}/release", {})


PATHS: dict[str, Callable[[Any], Callable[[], Any]]] = {
    "paid order of a known customer": _paid_order,
    "paid order moving badges": _badge_order,
    "first order of a new customer": _first_order,
    "event": _event,
    "refund": _refund,
    "redemption": _redemption,
    "checkout hold": _hold,
    "checkout capture": _capture,
    "checkout release": _release,
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_common_path_stays_within_its_statement_budget(shop, walaa, path):
    send = PATHS[path](shop)
    with counting(walaa.engine) as sent:
        answer = send()
    assert answer.status_code == 201 or (path.startswith("checkout ") and answer.status_code == 200)
    assert not answer.json().get("replayed"), answer.text
    dialect = walaa.engine.dialect.name
    budget = BUDGET[path][dialect]
    listing = "\n".join(f"{i + 1:>3}. {s.split()[0]} {s[:160]!r}" for i, s in enumerate(sent))
    print(f"{path} on {dialect}: {len(sent)} statements\n{listing}")
    assert len(sent) <= budget, f"{path} on {dialect}: {len(sent)} > {budget}\n{listing}"
    # the program in force comes from the process's cache, checked by the lock's stamp
    assert not any("program_versions" in statement for statement in sent), listing


def test_the_counter_sees_every_statement_of_a_request(shop, walaa):
    """A request that writes sends at least its BEGIN, a write and COMMIT: a listener that
    missed statements would make every budget above pass for nothing."""
    with counting(walaa.engine) as sent:
        ok(shop.post("/v1/orders", order("o-9")))
    # on PostgreSQL the order's writes go as one WITH ... INSERT statement
    assert any("INSERT INTO" in s.upper() for s in sent) and len(sent) >= 3


def test_a_live_stores_requests_look_for_no_test_clock(shop, walaa):
    """A store's mode never changes and only a test store has a test clock, so once a process
    knows a store is live it stops asking for one."""
    with counting(walaa.engine) as sent:
        ok(shop.get("/v1/customers/amal"))
    assert not any("test_clocks" in statement for statement in sent)
