"""One vocabulary across the API: a balance and what can be spent are told apart everywhere,
lifetime totals say what they count, codes and memberships answer as they stand, and order
lines are named by their position in every error."""

from __future__ import annotations

from datetime import timedelta

import yaml

from tests.builders import give
from walaa.demo import PROGRAM
from walaa.service.commands import Reverse
from walaa.service.handlers import ledger as h

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
CHECKOUT = {**DOCUMENT, "checkout": {"min_points": 100, "max_order_share": "0.5", "step": 100}}


def in_debt(api, walaa, clock):
    """Amal earned 300, spent 300, and the 300 were then taken back: a debt of 300 - 150."""
    earned = give(walaa, clock, api.store.id, "amal", 300)
    spent = api.post("/v1/customers/amal/adjustments", {"points": -300, "reason": "used"})
    assert spent.status_code == 201, spent.text
    reverse = Reverse(api.store.id, "amal", "refund-1", earned.transaction_id, points=150)
    h.reverse(walaa.uow(), clock, reverse)


def test_the_signed_balance_and_the_spendable_points_have_distinct_names(api, walaa, clock):
    assert api.put("/v1/program", CHECKOUT).status_code == 200
    in_debt(api, walaa, clock)
    balances = api.get("/v1/customers/amal").json()["balances"]
    assert (balances["balance"], balances["spendable"], balances["debt"]) == (-150, 0, 150)
    quote = api.post("/v1/checkout/quotes", {"customer_id": "amal", "subtotal": "40.00"}).json()
    assert quote["spendable"] == 0 and "available" not in quote
    refused = api.post("/v1/customers/amal/adjustments", {"points": -1, "reason": "x"}).json()
    assert refused["spendable"] == 0 and "available" not in refused


def test_lifetime_earned_is_net_of_take_backs_and_its_gross_is_shown_beside(api, walaa, clock):
    in_debt(api, walaa, clock)
    balances = api.get("/v1/customers/amal").json()["balances"]
    assert (balances["lifetime_earned"], balances["lifetime_earned_gross"]) == (150, 300)


def test_next_expiry_is_the_first_expiry_date_however_far_ahead(api, walaa, clock):
    later = clock.now() + timedelta(days=200)
    give(walaa, clock, api.store.id, "amal", 100, expires_at=later)
    balances = api.get("/v1/customers/amal").json()["balances"]
    assert balances["expiring_soon"] == 0
    assert balances["next_expiry"][:10] == later.date().isoformat()


def test_a_used_code_is_not_usable(api):
    api.post("/v1/customers/amal/adjustments", {"points": 1000, "reason": "gift"})
    reward = {"id": "ship", "cost": 500, "names": {"en": "Ship"}, "kind": "free_shipping"}
    assert api.post("/v1/rewards", reward).status_code == 201
    code = api.post("/v1/customers/amal/redemptions", {"reward_id": "ship"}).json()["code"]
    used = api.post(f"/v1/codes/{code}/use", {"order_id": "o-1"}).json()
    assert used["status"] == "used" and used["usable"] is False and used["reason"]
    again = api.post(f"/v1/codes/{code}/use", {"order_id": "o-1"}).json()
    assert again["usable"] is False


def test_joining_a_plan_answers_its_benefits_as_reading_it_does(api):
    plan = {
        "id": "dewy-plus",
        "names": {"en": "Dewy Plus", "ar": "ديوي بلس"},
        "fee": "120.00",
        "currency": "USD",
        "period": "yearly",
        "free_shipping": True,
        "multiplier": "1.5",
    }
    assert api.post("/v1/plans", plan).status_code == 201
    joined = api.post(
        "/v1/customers/amal/memberships", {"plan_id": "dewy-plus", "payment_ref": "p"}
    )
    listed = api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert joined.json()["benefits"] == listed["benefits"]
    assert joined.json()["benefits"]["free_shipping"] is True


def test_order_lines_are_named_by_position_in_every_error(api):
    assert api.put("/v1/program", DOCUMENT).status_code == 200
    lines = [{"id": "a", "paid": "10.00"}, {"id": "b", "paid": "oops"}]
    order = {"id": "o-1", "customer_id": "amal", "placed_at": "2026-03-01T08:00:00Z"}
    order["currency"] = "USD"

    def field(body, path="/v1/orders"):
        r = api.post(path, body)
        assert r.status_code == 422, r.text
        return r.json()["errors"][0]["field"]

    assert field({**order, "lines": lines}) == "lines[1].paid"
    positive_discount = [lines[0], {"id": "d", "paid": "5.00", "kind": "discount"}]
    assert field({**order, "lines": positive_discount}) == "lines[1].paid"
    twice = [lines[0], {"id": "a", "paid": "4.00"}]
    assert field({**order, "lines": twice}) == "lines[1].id"
    assert api.post("/v1/orders", {**order, "lines": [lines[0]]}).status_code == 201
    refund = {"id": "r-1", "lines": [{"line_id": "zz", "quantity": 1}]}
    assert field(refund, "/v1/orders/o-1/refunds") == "lines[0].line_id"
