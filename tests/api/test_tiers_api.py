"""Tiers over HTTP: upgrade with the qualifying order, downgrade only at review, pins, refunds."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import yaml
from sqlalchemy import select

from tests.builders import audit
from walaa.adapters.db import tables as tb
from walaa.demo import PROGRAM
from walaa.entrypoints.worker import worker_for
from walaa.service.handlers.jobs import WorkerSettings, run_pass
from walaa.service.handlers.tiers import review_due

TIERS = {
    "measure": "spend",
    "window": {"rolling_months": 12},
    "downgrade": "one_step",
    "grace_days": 0,
    "review": {"every_months": 1},
    "levels": [
        {"id": "bouncy", "name": {"en": "Bouncy", "ar": "نطاط"}, "threshold": 0},
        {"id": "dewy", "name": {"en": "Dewy", "ar": "ندي"}, "threshold": 100, "multiplier": 1.5},
        {"id": "ultimate", "name": {"en": "Ultimate", "ar": "الأقصى"}, "threshold": 300,
         "multiplier": 2, "free_shipping": True},
    ],
}  # fmt: skip
DOCUMENT = {**yaml.safe_load(PROGRAM.read_text(encoding="utf-8")), "tiers": TIERS}


def with_tiers(api):
    r = api.client.put("/v1/program", json=DOCUMENT, headers=api.headers())
    assert r.status_code == 200, r.text


def buy(api, order_id, paid, when="2026-03-01T08:00:00Z", customer="amal"):
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": when,
        "currency": "USD",
        "lines": [{"id": "l1", "paid": paid}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text
    return r.json()


def tier(api, customer="amal"):
    return api.get(f"/v1/customers/{customer}/tier").json()


def test_the_tiers_are_listed(api):
    with_tiers(api)
    levels = api.get("/v1/tiers").json()["levels"]
    assert [x["id"] for x in levels] == ["bouncy", "dewy", "ultimate"]


def test_the_qualifying_order_upgrades_at_once_and_the_next_earns_more(api):
    with_tiers(api)
    first = buy(api, "o-1", "120.00")
    assert first["points"] == 120  # earned as bouncy; this order makes them dewy
    now = tier(api)
    assert now["level"]["id"] == "dewy" and now["next_level"]["id"] == "ultimate"
    assert now["counted"] == "120" and now["still_needed"] == "180"
    assert buy(api, "o-2", "10.00")["points"] == 15  # 1.5x as dewy


def test_a_refund_lowers_qualification_but_the_tier_waits_for_the_review(api, walaa, clock):
    with_tiers(api)
    buy(api, "o-1", "120.00")
    api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "60.00"})
    assert tier(api)["level"]["id"] == "dewy"  # no downgrade outside a review
    assert tier(api)["counted"] == "60"
    clock.current += timedelta(days=32)
    assert review_due(walaa.uow(), clock, api.store.id) == 1
    assert tier(api)["level"]["id"] == "bouncy"
    assert audit(walaa, api.store.id).ok


def test_a_pinned_customer_stays_through_reviews(api, walaa, clock):
    with_tiers(api)
    buy(api, "o-1", "20.00")
    pinned = api.post("/v1/customers/amal/tier", {"level_id": "ultimate", "reason": "influencer"})
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["level"]["id"] == "ultimate" and pinned.json()["pinned"]
    clock.current += timedelta(days=70)
    review_due(walaa.uow(), clock, api.store.id)
    assert tier(api)["level"]["id"] == "ultimate"
    bad = api.post("/v1/customers/amal/tier", {"level_id": "platinum", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "level_id"


def test_tiers_of_another_store_are_not_shown(api, other_api):
    with_tiers(api)
    buy(api, "o-1", "120.00")
    assert other_api.get("/v1/customers/amal/tier").status_code == 404


def test_a_membership_grants_its_tier_while_it_lasts(api):
    with_tiers(api)
    plan = {
        "id": "vip",
        "names": {"en": "VIP"},
        "fee": "50.00",
        "currency": "USD",
        "period": "yearly",
        "granted_tier": "ultimate",
    }
    assert api.post("/v1/plans", plan).status_code == 201
    assert buy(api, "o-1", "10.00")["points"] == 10
    api.post("/v1/customers/amal/memberships", {"plan_id": "vip", "payment_ref": "p1"})
    assert buy(api, "o-2", "10.00")["points"] == 20  # ultimate's 2x while a member


def test_the_customer_resource_shows_the_tier(api):
    with_tiers(api)
    buy(api, "o-1", "120.00")
    tier_block = api.get("/v1/customers/amal").json()["tier"]
    assert tier_block["level"]["id"] == "dewy" and tier_block["still_needed"] == "180"


VIP_PLAN = {
    "id": "plus",
    "names": {"en": "Plus"},
    "fee": "50.00",
    "currency": "USD",
    "period": "yearly",
    "multiplier": "2",
}


def test_tier_and_membership_multipliers_multiply_by_default(api):
    with_tiers(api)
    api.post("/v1/plans", VIP_PLAN)
    buy(api, "o-1", "120.00")  # now dewy (1.5x)
    api.post("/v1/customers/amal/memberships", {"plan_id": "plus", "payment_ref": "p1"})
    assert buy(api, "o-2", "10.00")["points"] == 30  # 10 x 1.5 x 2


def test_with_best_the_larger_multiplier_wins(api):
    document = {**DOCUMENT, "tiers": {**TIERS, "multiplier_combines": "best"}}
    assert api.client.put("/v1/program", json=document, headers=api.headers()).status_code == 200
    api.post("/v1/plans", VIP_PLAN)
    buy(api, "o-1", "120.00")
    api.post("/v1/customers/amal/memberships", {"plan_id": "plus", "payment_ref": "p1"})
    assert buy(api, "o-2", "10.00")["points"] == 20  # the plan's 2x, not 3x


def test_a_tier_only_reward_is_for_that_tier_and_above(api):
    with_tiers(api)
    reward = {"id": "dewy-gift", "kind": "free_shipping", "cost": 10, "names": {"en": "Gift"},
              "min_tier": "dewy"}  # fmt: skip
    assert api.post("/v1/rewards", reward).status_code == 201
    api.post("/v1/customers/amal/adjustments", {"points": 100, "reason": "test"})
    refused = api.post("/v1/customers/amal/redemptions", {"reward_id": "dewy-gift"})
    assert refused.status_code == 409
    buy(api, "o-1", "400.00")  # straight to ultimate
    assert api.post("/v1/customers/amal/redemptions", {"reward_id": "dewy-gift"}).status_code == 201


def pin(api, level_id, **body):
    r = api.post("/v1/customers/amal/tier", {"level_id": level_id, "reason": "vip", **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_fixed_pin_is_the_default_and_holds_the_customer_even_when_they_qualify_higher(api):
    with_tiers(api)
    buy(api, "o-1", "20.00")
    pinned = pin(api, "dewy")
    assert (pinned["level"]["id"], pinned["pin_mode"], pinned["pin_floor"]) == (
        "dewy",
        "fixed",
        None,
    )
    buy(api, "o-2", "400.00")
    assert tier(api)["level"]["id"] == "dewy"


def test_a_floor_pin_lets_the_customer_rise_and_never_fall_below_it(api, walaa, clock):
    with_tiers(api)
    buy(api, "o-1", "20.00")
    pinned = pin(api, "dewy", mode="floor")
    assert (pinned["level"]["id"], pinned["pin_mode"], pinned["pin_floor"]) == (
        "dewy",
        "floor",
        "dewy",
    )
    assert pinned["to_keep"] == "0"  # the floor keeps dewy whatever the review finds

    buy(api, "o-2", "400.00")  # qualifies for ultimate: the floor does not hold them back
    risen = tier(api)
    assert (risen["level"]["id"], risen["pinned"], risen["pin_floor"]) == ("ultimate", True, "dewy")

    api.post("/v1/orders/o-2/refunds", {"id": "r-1", "amount": "400.00"})
    clock.current += timedelta(days=32)
    review_due(walaa.uow(), clock, api.store.id)
    assert tier(api)["level"]["id"] == "dewy"  # one step down, from ultimate
    clock.current += timedelta(days=32)
    # the worker's set-based review decides the same
    assert run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[api.store.id]).ok
    after = tier(api)
    assert (after["level"]["id"], after["counted"]) == ("dewy", "20")  # not below the floor
    assert datetime.fromisoformat(after["next_review"]) > clock.now()  # the review was done
    assert audit(walaa, api.store.id).ok


def test_a_floor_below_the_customers_tier_leaves_their_tier_as_it_is(api):
    with_tiers(api)
    buy(api, "o-1", "350.00")
    pinned = pin(api, "dewy", mode="floor")
    assert (pinned["level"]["id"], pinned["pin_floor"]) == ("ultimate", "dewy")


def test_a_pin_mode_must_be_fixed_or_floor(api):
    with_tiers(api)
    buy(api, "o-1", "20.00")
    r = api.post("/v1/customers/amal/tier", {"level_id": "dewy", "reason": "x", "mode": "minimum"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mode"


def test_a_refund_in_march_lowers_the_counter_of_its_january_order(api, walaa):
    """Counters are kept per month of the order: a refund subtracts from the order's month,
    so it leaves the very window the order was counted in."""
    with_tiers(api)
    buy(api, "o-jan", "120.00", when="2026-01-15T10:00:00Z")
    buy(api, "o-feb", "10.00", when="2026-02-02T10:00:00Z")
    r = api.post("/v1/orders/o-jan/refunds", {"id": "r-1", "amount": "20.50"})
    assert r.status_code == 201, r.text  # the clock says 1 March
    c = tb.tier_counters
    with walaa.engine.connect() as conn:
        rows = conn.execute(
            select(c.c.bucket, c.c.spend_e4, c.c.orders).where(
                c.c.store_id == api.store.id, c.c.customer_id == "amal"
            )
        ).all()
    assert sorted((row.bucket, row.spend_e4, row.orders) for row in rows) == [
        (date(2026, 1, 1), 995_000, 1),  # 120.00 - 20.50, still one order
        (date(2026, 2, 1), 100_000, 1),
    ]
    assert tier(api)["counted"] == "109.5"
