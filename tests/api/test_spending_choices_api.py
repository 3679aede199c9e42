"""The spending choices of a program document, through /v1/checkout and refunds.

Each test saves a small program with one choice made (and one without it, today's default),
then checks what a checkout or a refund answers and what the ledger keeps.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.test_earning_choices_api import SPEND, document
from tests.builders import audit

#: 3 points are worth 1.00 USD, so most amounts are not a whole number of points.
THIRDS = {"point_value": {"points": 3, "worth": 1}}


def uid(prefix: str) -> str:
    """Ids unique to one test: the PostgreSQL schema is shared by the whole session."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def save(api, **settings: Any) -> None:
    saved = api.put("/v1/program", document(SPEND, **settings))
    assert saved.status_code == 200, saved.text


def give(api, points: int, customer: str = "amal") -> None:
    body = {"points": points, "reason": "welcome"}
    given = api.post(f"/v1/customers/{customer}/adjustments", body)
    assert given.status_code == 201, given.text


def quote(api, subtotal: str, amount: str | None = None) -> dict[str, Any]:
    body = {"customer_id": "amal", "subtotal": subtotal}
    if amount is not None:
        body["amount"] = amount
    answer = api.post("/v1/checkout/quotes", body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def hold(api, points: int, subtotal: str):
    body = {"customer_id": "amal", "points": points, "subtotal": subtotal}
    return api.post("/v1/checkout/holds", body, key=uid("cart"))


# --- 16. points for a money amount --------------------------------------------------------------


def test_by_default_a_quote_never_gives_points_worth_more_than_the_amount(api, walaa):
    save(api, **THIRDS)
    give(api, 1000)
    asked = quote(api, "40.00", amount="10.50")
    assert (asked["points"], asked["amount"]) == (31, "10.33")
    whole = quote(api, "10.50")
    assert (whole["max_points"], whole["points"], whole["amount"]) == (31, 31, "10.33")
    refused = hold(api, 32, "10.50")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "points"
    assert "at most 31 points" in refused.json()["errors"][0]["reason"]


def test_rounded_up_a_quote_gives_the_points_that_cover_the_amount_exactly(api, walaa):
    save(api, checkout={"round_points": "up"}, **THIRDS)
    give(api, 1000)
    asked = quote(api, "40.00", amount="10.50")
    assert (asked["points"], asked["amount"]) == (32, "10.50")
    whole = quote(api, "10.50")
    assert (whole["max_points"], whole["points"], whole["amount"]) == (32, 32, "10.50")
    held = hold(api, 32, "10.50")
    assert held.status_code == 201, held.text
    hold_id = held.json()["hold_id"]
    captured = api.post(
        f"/v1/checkout/holds/{hold_id}/capture", {"order_id": uid("o"), "order_total": "0"}
    )
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "captured"
    assert api.get("/v1/customers/amal").json()["balances"]["spendable"] == 1000 - 32
    assert audit(walaa, api.store.id).ok


def test_rounded_up_the_points_stay_in_steps_and_within_the_balance(api):
    save(api, checkout={"round_points": "up", "step": 10}, **THIRDS)
    give(api, 25)
    # 10.50 needs 31.5 points: 40 in steps of 10, but the customer has 25, so 20 (6.67)
    asked = quote(api, "40.00", amount="10.50")
    assert (asked["max_points"], asked["points"], asked["amount"]) == (20, 20, "6.67")
    give(api, 100)
    asked = quote(api, "40.00", amount="10.50")
    assert (asked["points"], asked["amount"]) == (40, "10.50")


def test_an_amount_beyond_the_subtotal_is_refused_naming_it(api):
    save(api, checkout={"round_points": "up"}, **THIRDS)
    give(api, 100)
    beyond = api.post(
        "/v1/checkout/quotes", {"customer_id": "amal", "subtotal": "10.00", "amount": "10.01"}
    )
    assert beyond.status_code == 422, beyond.text
    assert beyond.headers["content-type"].startswith("application/problem+json")
    assert beyond.json()["errors"][0]["field"] == "amount"
    assert "at most the subtotal" in beyond.json()["errors"][0]["reason"]


# --- 9. refund take-back ------------------------------------------------------------------------


def order(api, order_id: str, paid: str = "100.00") -> None:
    body = {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": paid, "quantity": 2}],
    }
    placed = api.post("/v1/orders", body)
    assert placed.status_code == 201, placed.text


def spend_on_a_reward(api, cost: int) -> None:
    body = {"id": f"gift-{cost}", "kind": "free_shipping", "cost": cost, "names": {"en": "Gift"}}
    assert api.post("/v1/rewards", body).status_code == 201
    redeemed = api.post("/v1/customers/amal/redemptions", {"reward_id": f"gift-{cost}"})
    assert redeemed.status_code == 201, redeemed.text


def refund(api, order_id: str, refund_id: str, **body: Any) -> dict[str, Any]:
    answer = api.post(f"/v1/orders/{order_id}/refunds", {"id": refund_id, **body})
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def balance(api) -> int:
    return int(api.get("/v1/customers/amal").json()["balances"]["balance"])


def test_by_default_a_refund_of_spent_points_leaves_a_debt(api, walaa):
    save(api)
    o = uid("o")
    order(api, o)
    spend_on_a_reward(api, 80)
    answer = refund(api, o, uid("r"), whole_order=True)
    assert (answer["points_taken"], answer["points_forgiven"]) == (100, 0)
    assert balance(api) == -80
    assert audit(walaa, api.store.id).ok


def test_capped_at_the_balance_a_refund_takes_what_is_left_and_forgives_the_rest(api, walaa):
    save(api, refunds={"take_back": "cap_at_balance"})
    o, r = uid("o"), uid("r")
    order(api, o)
    spend_on_a_reward(api, 80)
    answer = refund(api, o, r, whole_order=True)
    assert (answer["points_taken"], answer["points_forgiven"]) == (20, 80)
    assert balance(api) == 0
    again = refund(api, o, r, whole_order=True)
    assert again["replayed"] is True
    assert (again["points_taken"], again["points_forgiven"]) == (20, 80)
    assert balance(api) == 0
    page = api.get("/v1/customers/amal/ledger?limit=50").json()["data"]
    (entry,) = [e for e in page if e["transaction_id"] == answer["transaction_id"]]
    assert entry["refers_to"]["forgiven"] == "80"
    assert entry["explanation"][0] == (
        f"20 points taken back for refund {r} of order {o}; 80 more were already spent and "
        "are forgiven"
    )
    arabic = api.get("/v1/customers/amal/ledger?limit=50&locale=ar").json()["data"]
    (entry,) = [e for e in arabic if e["transaction_id"] == answer["transaction_id"]]
    assert "أُعفي العميل من 80 نقطة" in entry["explanation"][0]
    assert audit(walaa, api.store.id).ok


def test_capped_partial_refunds_forgive_what_the_balance_cannot_cover(api, walaa):
    save(api, refunds={"take_back": "cap_at_balance"})
    o = uid("o")
    order(api, o)
    spend_on_a_reward(api, 80)
    first = refund(api, o, uid("r"), lines=[{"line_id": "l1", "quantity": 1}])
    assert (first["points_taken"], first["points_forgiven"]) == (20, 30)
    second = refund(api, o, uid("r"), lines=[{"line_id": "l1", "quantity": 1}])
    assert (second["points_taken"], second["points_forgiven"]) == (0, 50)
    assert second["transaction_id"] is None
    assert balance(api) == 0
    assert audit(walaa, api.store.id).ok


def test_capped_points_that_paid_for_the_order_come_back_before_the_cap_is_counted(api, walaa):
    save(api, refunds={"take_back": "cap_at_balance"})
    give(api, 100)
    o = uid("o")
    held = hold(api, 80, "100.00")
    assert held.status_code == 201, held.text
    captured = api.post(
        f"/v1/checkout/holds/{held.json()['hold_id']}/capture",
        {"order_id": o, "order_total": "100.00"},
    )
    assert captured.status_code == 200, captured.text
    order(api, o)
    spend_on_a_reward(api, 120)
    assert balance(api) == 0
    answer = refund(api, o, uid("r"), whole_order=True)
    # the 80 that paid come back, and so 80 of the 100 earned can be taken back
    assert answer["points_returned"] == 80
    assert (answer["points_taken"], answer["points_forgiven"]) == (80, 20)
    assert balance(api) == 0
    assert audit(walaa, api.store.id).ok


def test_capped_a_cancellation_forgives_what_was_spent_and_says_so_in_arabic_too(api, walaa):
    save(api, refunds={"take_back": "cap_at_balance"})
    o = uid("o")
    order(api, o)
    spend_on_a_reward(api, 70)
    cancelled = api.post(f"/v1/orders/{o}/cancel", {})
    assert cancelled.status_code in (200, 201), cancelled.text
    answer = cancelled.json()
    assert (answer["points_taken"], answer["points_forgiven"]) == (30, 70)
    assert balance(api) == 0
    for locale, text in (
        ("en", f"30 points taken back: order {o} was cancelled; 70 more were already spent"),
        ("ar", f"استُردت 30 نقطة: أُلغي الطلب {o}، وأُعفي العميل من 70 نقطة"),
    ):
        page = api.get(f"/v1/customers/amal/ledger?limit=50&locale={locale}").json()["data"]
        (entry,) = [e for e in page if e["transaction_id"] == answer["transaction_id"]]
        assert entry["explanation"][0].startswith(text)
    assert audit(walaa, api.store.id).ok
