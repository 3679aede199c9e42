"""Rewards, redemptions, codes and points at checkout, over HTTP on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from tests.builders import audit
from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
CHECKOUT = {**DOCUMENT, "checkout": {"min_points": 100, "max_order_share": "0.5", "step": 100}}

REWARDS = {
    "fixed_discount": {"kind": "fixed_discount", "value": "10.00"},
    "percent_discount": {"kind": "percent_discount", "percent": "15", "cap": "30.00"},
    "free_shipping": {"kind": "free_shipping"},
    "free_product": {"kind": "free_product", "sku": "SPF-50"},
    "gift_card": {"kind": "gift_card", "value": "25.00"},
    "donation": {"kind": "donation", "value": "5.00", "cause": "Food bank"},
}


def reward(api, reward_id, cost=500, **fields):
    kind = fields.pop("kind", "fixed_discount")
    body = {"id": reward_id, "cost": cost, "names": {"en": reward_id, "ar": "مكافأة"}}
    body.update({**REWARDS[kind], **fields})
    r = api.post("/v1/rewards", body)
    assert r.status_code == 201, r.text
    return r.json()


def points(api, customer="amal", amount=2000):
    r = api.post(f"/v1/customers/{customer}/adjustments", {"points": amount, "reason": "test"})
    assert r.status_code == 201, r.text


def redeem(api, reward_id, customer="amal", key=None):
    return api.post(f"/v1/customers/{customer}/redemptions", {"reward_id": reward_id}, key=key)


def available(api, customer="amal"):
    return api.get(f"/v1/customers/{customer}").json()["balances"]["available"]


@pytest.mark.parametrize("kind", sorted(REWARDS))
def test_every_kind_of_reward_is_redeemed_for_a_code(api, kind):
    reward(api, f"r-{kind.replace('_', '-')}", kind=kind)
    points(api)
    r = redeem(api, f"r-{kind.replace('_', '-')}", key="k1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["points"] == 500 and body["status"] == "issued" and len(body["code"]) == 14
    assert available(api) == 1500
    assert api.post("/v1/codes/validate", {"code": body["code"].lower()}).json()["usable"]


def test_a_reward_must_say_what_it_gives(api):
    r = api.post(
        "/v1/rewards", {"id": "x", "kind": "free_product", "cost": 5, "names": {"en": "x"}}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sku"


def test_a_redemption_replayed_issues_one_code(api):
    reward(api, "ten-off")
    points(api)
    first, again = redeem(api, "ten-off", key="same"), redeem(api, "ten-off", key="same")
    assert first.json()["code"] == again.json()["code"]
    assert available(api) == 1500


def test_not_enough_points_is_a_409_and_nothing_is_issued(api):
    reward(api, "ten-off", cost=5000)
    points(api)
    r = redeem(api, "ten-off")
    assert r.status_code == 409 and r.json()["type"] == "/problems/insufficient-points"
    assert api.get("/v1/rewards/ten-off").json()["stock_left"] is None


def test_stock_and_per_customer_limits_hold(api):
    reward(api, "tote", stock=2, per_customer=1)
    for who in ("amal", "badr", "dana"):
        points(api, who)
    assert redeem(api, "tote", "amal").status_code == 201
    limited = redeem(api, "tote", "amal")
    assert limited.status_code == 409 and "per customer" in limited.json()["detail"]
    assert redeem(api, "tote", "badr").status_code == 201
    sold_out = redeem(api, "tote", "dana")
    assert sold_out.status_code == 409 and "out of stock" in sold_out.json()["detail"]
    assert available(api, "dana") == 2000
    assert api.get("/v1/rewards/tote").json()["stock_left"] == 0


def test_tag_only_and_out_of_window_rewards_are_refused(api, clock):
    reward(api, "vip", customer_tag="vip")
    reward(api, "later", starts_at=(clock.now() + timedelta(days=3)).isoformat())
    points(api)
    assert redeem(api, "vip").status_code == 409
    assert redeem(api, "later").status_code == 409
    api.put("/v1/customers/amal", {"tags": ["vip"]})
    assert redeem(api, "vip").status_code == 201


def test_a_code_is_used_once_and_a_retry_by_the_same_order_is_the_same_use(api):
    reward(api, "ten-off")
    points(api)
    code = redeem(api, "ten-off").json()["code"]
    used = api.post(f"/v1/codes/{code}/use", {"order_id": "o-1"})
    assert used.status_code == 200 and used.json()["status"] == "used"
    assert api.post(f"/v1/codes/{code}/use", {"order_id": "o-1"}).status_code == 200
    other = api.post(f"/v1/codes/{code}/use", {"order_id": "o-2"})
    assert other.status_code == 409 and other.json()["type"] == "/problems/code-not-usable"
    assert api.post("/v1/codes/validate", {"code": code}).json()["usable"] is False


def test_cancelling_an_unused_redemption_gives_points_and_stock_back(api):
    reward(api, "tote", stock=1)
    points(api)
    redemption = redeem(api, "tote").json()
    cancel = api.post(f"/v1/customers/amal/redemptions/{redemption['id']}/cancel", {})
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert available(api) == 2000
    assert api.get("/v1/rewards/tote").json()["stock_left"] == 1
    assert api.post(f"/v1/codes/{redemption['code']}/use", {"order_id": "o"}).status_code == 409


def test_an_unused_code_that_expires_gives_its_points_back(api, walaa, clock):
    from walaa.service.handlers.rewards import expire_codes

    reward(api, "ten-off", code_valid_days=7)
    points(api)
    redeem(api, "ten-off")
    clock.current += timedelta(days=6)
    assert expire_codes(walaa.uow(), clock, api.store.id) == 0
    clock.current += timedelta(days=2)
    assert expire_codes(walaa.uow(), clock, api.store.id) == 1
    assert expire_codes(walaa.uow(), clock, api.store.id) == 0
    assert available(api) == 2000
    assert audit(walaa, api.store.id).ok


def test_a_large_redemption_alerts_the_customer_who_asked(api):
    api.put("/v1/customers/amal", {"alert_threshold": 400})
    reward(api, "small", cost=300)
    reward(api, "big", cost=800)
    points(api)
    redeem(api, "small")
    redeem(api, "big")
    notices = api.get("/v1/customers/amal/notices").json()["data"]
    assert [(n["kind"], n["payload"]["points"]) for n in notices] == [("redemption_alert", 800)]


def with_checkout(api):
    assert api.client.put("/v1/program", json=CHECKOUT, headers=api.headers()).status_code == 200


def test_a_quote_honours_the_minimum_the_share_and_the_step(api):
    with_checkout(api)
    points(api, amount=5000)
    q = api.post("/v1/checkout/quotes", {"customer_id": "amal", "subtotal": "38.00"}).json()
    # half of 38.00 USD is 19.00 = 1,900 points at 500 = 5 USD, in steps of 100
    assert (q["max_points"], q["max_worth"], q["min_points"]) == (1900, "19.00", 100)
    api.put("/v1/customers/new", {"name": "New"})
    poor = api.post("/v1/checkout/quotes", {"customer_id": "new", "subtotal": "38.00"}).json()
    assert poor["max_points"] == 0 and poor["usable"] is False


def test_a_hold_beyond_the_quote_is_refused(api):
    with_checkout(api)
    points(api, amount=5000)
    body = {"customer_id": "amal", "points": 2000, "subtotal": "38.00"}
    r = api.post("/v1/checkout/holds", body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "points"


def test_hold_capture_and_refund_of_an_order_paid_with_points(api, walaa):
    with_checkout(api)
    points(api, amount=5000)
    api.post(
        "/v1/orders",
        {
            "id": "o-1",
            "customer_id": "amal",
            "placed_at": "2026-03-01T08:00:00Z",
            "currency": "USD",
            "lines": [{"id": "l1", "paid": "30.00", "quantity": 3}],
        },
    )
    hold = api.post(
        "/v1/checkout/holds", {"customer_id": "amal", "points": 1000, "subtotal": "40.00"}
    )
    assert hold.status_code == 201, hold.text
    hold_id = hold.json()["hold_id"]
    assert hold.json()["worth"] == "10.00"
    assert api.get("/v1/customers/amal").json()["balances"]["on_hold"] == 1000
    capture = api.post(
        f"/v1/checkout/holds/{hold_id}/capture", {"order_id": "o-1", "order_total": "30.00"}
    )
    assert capture.status_code == 200 and capture.json()["status"] == "captured"
    again = api.post(
        f"/v1/checkout/holds/{hold_id}/capture", {"order_id": "o-1", "order_total": "30.00"}
    )
    assert again.status_code == 200 and again.json()["replayed"]
    assert api.post(f"/v1/checkout/holds/{hold_id}/release", {}).status_code == 409
    refund = api.post(
        "/v1/orders/o-1/refunds", {"id": "r-1", "lines": [{"line_id": "l1", "quantity": 1}]}
    )
    assert refund.json()["points_returned"] == 333  # a third of the order: a third of 1,000
    rest = api.post("/v1/orders/o-1/cancel", {})
    assert rest.json()["points_returned"] == 667
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == 5000
    assert audit(walaa, api.store.id).ok


def test_a_released_hold_gives_points_back_and_a_hold_of_another_store_is_not_found(api, other_api):
    with_checkout(api)
    points(api, amount=1000)
    hold_id = api.post(
        "/v1/checkout/holds", {"customer_id": "amal", "points": 500, "subtotal": "100.00"}
    ).json()["hold_id"]
    assert other_api.post(f"/v1/checkout/holds/{hold_id}/release", {}).status_code == 404
    assert api.post(f"/v1/checkout/holds/{hold_id}/release", {}).json()["status"] == "released"
    assert available(api) == 1000


def test_another_stores_codes_and_rewards_are_not_found(api, other_api):
    reward(api, "ten-off")
    points(api)
    code = redeem(api, "ten-off").json()["code"]
    assert other_api.post("/v1/codes/validate", {"code": code}).status_code == 404
    assert other_api.post(f"/v1/codes/{code}/use", {"order_id": "x"}).status_code == 404
    assert other_api.get("/v1/rewards/ten-off").status_code == 404


def test_a_patch_cannot_clear_a_field_every_reward_has(api):
    reward(api, "ten-off")
    r = api.client.patch("/v1/rewards/ten-off", json={"active": None}, headers=api.headers())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "active"
    off = api.client.patch("/v1/rewards/ten-off", json={"active": False}, headers=api.headers())
    assert off.status_code == 200 and off.json()["active"] is False
