"""Points that paid for an order come back exactly once; what cannot be is refused.

Over HTTP on SQLite and PostgreSQL: refunds and cancellations of orders paid by a checkout hold
or by a reward code, captures, code ownership, and cancelling partly used codes.
"""

from __future__ import annotations

import uuid

from tests.api.test_rewards_api import points, redeem, reward, with_checkout
from tests.builders import audit


def uid(prefix: str) -> str:
    """Ids unique to one test: the PostgreSQL schema is shared by the whole session."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def order(api, order_id, customer="amal", lines=None):
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "lines": lines or [{"id": "l1", "paid": "30.00", "quantity": 3}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text
    return r.json()


def balances(api, customer="amal"):
    return api.get(f"/v1/customers/{customer}").json()["balances"]


def hold(api, amount, subtotal="40.00", customer="amal", key=None):
    body = {"customer_id": customer, "points": amount, "subtotal": subtotal}
    r = api.post("/v1/checkout/holds", body, key=key)
    assert r.status_code == 201, r.text
    return r.json()["hold_id"]


def capture(api, hold_id, order_id, total="30.00"):
    return api.post(
        f"/v1/checkout/holds/{hold_id}/capture", {"order_id": order_id, "order_total": total}
    )


def refund(api, order_id, body, key=None):
    return api.post(f"/v1/orders/{order_id}/refunds", body, key=key)


# --- what cannot be is refused ------------------------------------------------------------------


def test_a_refund_beyond_what_is_left_of_a_line_is_refused_and_says_what_is_left(api, walaa):
    points(api, amount=100)
    o = uid("o")
    order(api, o)
    first = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 2}]})
    assert first.status_code == 201, first.text
    key, twice = uid("k"), {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 2}]}
    beyond = refund(api, o, twice, key)
    assert beyond.status_code == 409, beyond.text
    assert beyond.headers["content-type"].startswith("application/problem+json")
    body = beyond.json()
    assert body["type"] == "/problems/refund-exceeds-order"
    assert body["left"] == {"line_id": "l1", "quantity": 1, "amount": "10.00"}
    assert "1 unit" in body["detail"]
    # the same key answers the same refusal; nothing was written
    again = refund(api, o, twice, key)
    assert again.status_code == 409 and again.json() == body
    too_much = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "amount": "10.01"}]})
    assert too_much.status_code == 409 and too_much.json()["left"]["amount"] == "10.00"
    last = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 1}]})
    assert last.status_code == 201, last.text
    assert audit(walaa, api.store.id).ok


def test_a_refund_beyond_what_is_left_of_the_order_is_refused(api):
    o = uid("o")
    order(api, o, lines=[{"id": "a", "paid": "20.00"}, {"id": "b", "paid": "5.50"}])
    assert refund(api, o, {"id": uid("r"), "amount": "20.00"}).status_code == 201
    beyond = refund(api, o, {"id": uid("r"), "amount": "6.00"})
    assert beyond.status_code == 409, beyond.text
    assert beyond.json()["left"] == {"amount": "5.50"}
    assert "5.50" in beyond.json()["detail"]


def test_a_whole_line_of_an_order_with_a_discount_line_can_be_refunded(api):
    """A line's paid amount is before the order-level discount spread over it."""
    o = uid("o")
    lines = [
        {"id": "a", "paid": "100.00"},
        {"id": "off", "paid": "-10.00", "kind": "discount"},
    ]
    order(api, o, lines=lines)
    whole_line = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "a", "quantity": 1}]})
    assert whole_line.status_code == 201, whole_line.text
    again = refund(api, o, {"id": uid("r"), "amount": "1.00"})
    assert again.status_code == 409 and again.json()["left"] == {"amount": "0.00"}


def test_a_second_whole_order_refund_is_refused(api):
    o = uid("o")
    order(api, o)
    whole = {"id": uid("r"), "whole_order": True}
    assert refund(api, o, whole).status_code == 201
    assert refund(api, o, whole).status_code == 200  # the same refund again: a replay
    second = refund(api, o, {"id": uid("r"), "whole_order": True})
    assert second.status_code == 409, second.text
    assert second.json()["left"] == {"amount": "0.00"}
    after = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 1}]})
    assert after.status_code == 409


def test_a_captured_hold_is_not_captured_again_for_another_order(api):
    with_checkout(api)
    points(api, amount=5000)
    first_order, other_order = uid("o"), uid("o")
    order(api, first_order)
    hold_id = hold(api, 1000)
    assert capture(api, hold_id, first_order).status_code == 200
    again = capture(api, hold_id, first_order)
    assert again.status_code == 200 and again.json()["replayed"] is True
    other = capture(api, hold_id, other_order)
    assert other.status_code == 409, other.text
    assert other.json()["type"] == "/problems/hold-already-resolved"
    assert other.json()["order_id"] == first_order and first_order in other.json()["detail"]
    assert balances(api)["available"] == 4000


def test_a_code_is_not_used_for_another_customers_order_unless_transferable(api):
    reward(api, "mine-only")
    reward(api, "gift", transferable=True)
    points(api)
    code = redeem(api, "mine-only").json()["code"]
    badr_order = uid("o")
    order(api, badr_order, customer="badr")
    refused = api.post(f"/v1/codes/{code}/use", {"order_id": badr_order})
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/code-of-another-customer"
    assert refused.json()["owner"] == "amal" and "amal" in refused.json()["detail"]
    named = api.post(f"/v1/codes/{code}/use", {"order_id": uid("o"), "customer_id": "badr"})
    assert named.status_code == 409 and named.json()["owner"] == "amal"
    assert api.post("/v1/codes/validate", {"code": code}).json()["uses_left"] == 1
    gift = redeem(api, "gift").json()["code"]
    given = api.post(f"/v1/codes/{gift}/use", {"order_id": badr_order})
    assert given.status_code == 200 and given.json()["status"] == "used"
    assert given.json()["reward"]["transferable"] is True
    own = api.post(f"/v1/codes/{code}/use", {"order_id": uid("o"), "customer_id": "amal"})
    assert own.status_code == 200, own.text


# --- an order paid entirely with points ---------------------------------------------------------

WHOLE = {"min_points": 100, "max_order_share": "1", "step": 100}


def with_points_for_everything(api):
    from tests.api.test_rewards_api import CHECKOUT

    program = {**CHECKOUT, "checkout": WHOLE}
    assert api.client.put("/v1/program", json=program, headers=api.headers()).status_code == 200


def test_an_order_paid_entirely_with_points_is_captured_and_refunded_on_what_points_paid(
    api, walaa
):
    with_points_for_everything(api)
    points(api, amount=3000)
    o = uid("o")
    quote = api.post("/v1/checkout/quotes", {"customer_id": "amal", "subtotal": "20.00"}).json()
    assert quote["max_points"] == 2000 and quote["max_worth"] == "20.00"
    hold_id = hold(api, 2000, subtotal="20.00")
    captured = capture(api, hold_id, o, total="0")
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "captured"
    order(api, o, lines=[{"id": "l1", "paid": "20.00", "quantity": 2}])
    half = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 1}]})
    assert half.status_code == 201, half.text
    assert half.json()["points_returned"] == 1000  # 10.00 of the 20.00 that points paid
    cancel = api.post(f"/v1/orders/{o}/cancel", {})
    assert cancel.json()["points_returned"] == 1000
    assert (balances(api)["available"], balances(api)["pending"]) == (3000, 0)
    assert audit(walaa, api.store.id).ok


# --- partial capture ----------------------------------------------------------------------------


def ledger_entries(api, locale="en"):
    page = api.get(f"/v1/customers/amal/ledger?locale={locale}&limit=200").json()["data"]
    return {entry["transaction_id"]: entry for entry in page}


def test_a_capture_of_fewer_points_than_held_releases_the_rest_in_the_same_step(api, walaa):
    with_checkout(api)
    points(api, amount=5000)
    o = uid("o")
    order(api, o)
    hold_id = hold(api, 1000)
    body = {"order_id": o, "order_total": "30.00", "points": 600}
    part = api.post(f"/v1/checkout/holds/{hold_id}/capture", body)
    assert part.status_code == 200, part.text
    assert part.json()["status"] == "captured"
    assert (part.json()["points"], part.json()["captured_points"]) == (1000, 600)
    assert part.json()["captured_worth"] == "6.00"
    after = balances(api)
    assert (after["on_hold"], after["available"]) == (0, 4400)
    again = api.post(f"/v1/checkout/holds/{hold_id}/capture", body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["captured_points"] == 600
    other = api.post(f"/v1/checkout/holds/{hold_id}/capture", {**body, "points": 700})
    assert other.status_code == 409, other.text
    assert balances(api)["available"] == 4400
    capture_entry = next(e for e in ledger_entries(api).values() if e["kind"] == "capture")
    assert capture_entry["points"] == 600
    assert capture_entry["explanation"][0] == (
        f"600 points paid for order {o} (hold {hold_id}); the other 400 held points came back"
    )
    arabic = next(e for e in ledger_entries(api, "ar").values() if e["kind"] == "capture")
    assert "400" in arabic["explanation"][0] and o in arabic["explanation"][0]
    third = refund(api, o, {"id": uid("r"), "lines": [{"line_id": "l1", "quantity": 1}]})
    assert third.json()["points_returned"] == 200  # a third of the 600 that paid
    rest = api.post(f"/v1/orders/{o}/cancel", {})
    assert rest.json()["points_returned"] == 400
    assert balances(api)["available"] == 5000
    assert audit(walaa, api.store.id).ok


def test_a_capture_takes_at_most_what_is_held_and_all_of_it_by_default(api):
    with_checkout(api)
    points(api, amount=5000)
    hold_id = hold(api, 1000)
    body = {"order_id": uid("o"), "order_total": "30.00", "points": 1100}
    beyond = api.post(f"/v1/checkout/holds/{hold_id}/capture", body)
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "points"
    assert "1000" in beyond.json()["errors"][0]["reason"]
    assert balances(api)["on_hold"] == 1000
    whole = capture(api, hold_id, body["order_id"])
    assert whole.json()["captured_points"] == 1000 and balances(api)["available"] == 4000
    # naming all the held points is the same request as leaving them out: a replay
    same = api.post(f"/v1/checkout/holds/{hold_id}/capture", {**body, "points": 1000})
    assert same.status_code == 200 and same.json()["replayed"] is True


# --- points that paid come back, whichever way they paid ----------------------------------------


def use(api, code, order_id):
    r = api.post(f"/v1/codes/{code}/use", {"order_id": order_id})
    assert r.status_code == 200, r.text
    return r.json()


def paid_by_code(api, balance=2000):
    """A 500-point code of amal's used on a new order of hers: (redemption, order id)."""
    reward(api, "ten-off", cost=500)
    points(api, amount=balance)
    redemption = redeem(api, "ten-off").json()
    o = uid("o")
    order(api, o)
    use(api, redemption["code"], o)
    return redemption, o


def test_cancelling_an_order_a_code_paid_for_gives_the_codes_points_back_once(api, walaa):
    redemption, o = paid_by_code(api)
    assert balances(api)["available"] == 1500
    key = uid("cancel")
    cancel = api.client.post(
        f"/v1/orders/{o}/cancel", headers=api.headers(**{"Idempotency-Key": key})
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["points_returned"] == 500
    again = api.client.post(
        f"/v1/orders/{o}/cancel", headers=api.headers(**{"Idempotency-Key": key})
    )
    assert again.json() == cancel.json()
    assert api.post(f"/v1/orders/{o}/cancel", {}).json()["points_returned"] == 500
    assert balances(api)["available"] == 2000
    # the redemption was used: cancelling it now is refused, and gives nothing twice
    late = api.post(f"/v1/customers/amal/redemptions/{redemption['id']}/cancel", {})
    assert late.status_code == 409
    assert balances(api)["available"] == 2000
    back = [e for e in ledger_entries(api).values() if e["kind"] == "reversal"]
    assert back and back[0]["points"] == 500
    assert back[0]["refers_to"]["redemption"] == redemption["id"]
    assert back[0]["explanation"][0] == (
        f"500 points given back: the reward ten-off (redemption {redemption['id']}) paid for "
        f"order {o}, which was cancelled"
    )
    arabic = [e for e in ledger_entries(api, "ar").values() if e["kind"] == "reversal"]
    assert o in arabic[0]["explanation"][0] and "ten-off" in arabic[0]["explanation"][0]
    assert audit(walaa, api.store.id).ok


def test_refunds_of_an_order_a_code_paid_for_give_back_their_share_and_add_up_to_all(api, walaa):
    _, o = paid_by_code(api)
    one = {"line_id": "l1", "quantity": 1}
    first = refund(api, o, {"id": uid("r"), "lines": [one]})
    assert first.json()["points_returned"] == 166, first.text  # a third of 500, rounded down
    key, body = uid("k"), {"id": uid("r"), "lines": [one]}
    second = refund(api, o, body, key)
    assert second.json()["points_returned"] == 167  # two thirds so far: 333
    assert refund(api, o, body, key).json() == second.json()
    rest = api.post(f"/v1/orders/{o}/cancel", {})
    assert rest.json()["points_returned"] == 167
    assert balances(api)["available"] == 2000
    refund_entry = next(
        e for e in ledger_entries(api).values() if e["kind"] == "reversal" and e["points"] == 166
    )
    assert refund_entry["explanation"][0] == (
        f"166 points given back: the reward ten-off (redemption "
        f"{refund_entry['refers_to']['redemption']}) paid for order {o}, refunded by "
        f"{first.json()['id']}"
    )
    assert audit(walaa, api.store.id).ok


def test_an_order_paid_by_a_hold_and_a_code_gets_both_back_with_explained_entries(api, walaa):
    with_checkout(api)
    _, o = paid_by_code(api, balance=5000)
    hold_id = hold(api, 1000)
    assert capture(api, hold_id, o).status_code == 200
    assert balances(api)["available"] == 3500
    cancel = api.post(f"/v1/orders/{o}/cancel", {})
    assert cancel.json()["points_returned"] == 1500
    assert balances(api)["available"] == 5000
    texts = [e["explanation"][0] for e in ledger_entries(api).values() if e["kind"] == "reversal"]
    assert (
        f"1,000 points that paid for order {o} (hold {hold_id}) given back: the order was cancelled"
        in texts
    )
    assert audit(walaa, api.store.id).ok


# --- partly used codes: cancel and expiry return only the unused share --------------------------


def test_cancelling_a_partly_used_code_returns_only_its_unused_share(api, walaa):
    reward(api, "three-times", cost=900, code_uses=3, stock=5)
    points(api)
    redemption = redeem(api, "three-times").json()
    o = uid("o")
    order(api, o)
    used = use(api, redemption["code"], o)
    assert used["uses_left"] == 2 and balances(api)["available"] == 1100
    cancel = api.post(f"/v1/customers/amal/redemptions/{redemption['id']}/cancel", {})
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    assert balances(api)["available"] == 1700  # the two unused uses: 600 of 900
    assert api.get("/v1/rewards/three-times").json()["stock_left"] == 4  # a use was made
    again = api.post(f"/v1/customers/amal/redemptions/{redemption['id']}/cancel", {})
    assert again.status_code == 200 and balances(api)["available"] == 1700
    refused = api.post(f"/v1/codes/{redemption['code']}/use", {"order_id": uid("o")})
    assert refused.status_code == 409
    entry = next(
        e for e in ledger_entries(api).values() if e["kind"] == "reversal" and e["points"] == 600
    )
    assert entry["explanation"][0] == (
        f"600 points of the 2 unused use(s) given back: redemption {redemption['id']} was cancelled"
    )
    arabic = ledger_entries(api, "ar")[entry["transaction_id"]]["explanation"][0]
    assert "600" in arabic and redemption["id"] in arabic
    # the use's own share comes back with its order, once
    assert api.post(f"/v1/orders/{o}/cancel", {}).json()["points_returned"] == 300
    assert balances(api)["available"] == 2000
    assert audit(walaa, api.store.id).ok


def test_an_expired_partly_used_code_returns_only_its_unused_share(api, walaa, clock):
    from datetime import timedelta

    from walaa.service.handlers.rewards import expire_codes

    reward(api, "twice", cost=500, code_uses=2, code_valid_days=7)
    points(api)
    code = redeem(api, "twice").json()["code"]
    o = uid("o")
    order(api, o)
    use(api, code, o)  # 250 of the 500
    clock.current += timedelta(days=8)
    assert expire_codes(walaa.uow(), clock, api.store.id) == 1
    assert balances(api)["available"] == 1750
    assert api.post("/v1/codes/validate", {"code": code}).json()["status"] == "expired"
    assert api.post(f"/v1/orders/{o}/cancel", {}).json()["points_returned"] == 250
    assert balances(api)["available"] == 2000
    assert expire_codes(walaa.uow(), clock, api.store.id) == 0
    assert audit(walaa, api.store.id).ok


def test_the_audit_catches_a_code_use_given_back_more_than_it_paid(api, walaa):
    from sqlalchemy import update

    from walaa.adapters.db import tables as t

    redemption, o = paid_by_code(api)
    code = redemption["code"]
    api.post(f"/v1/orders/{o}/cancel", {})
    assert audit(walaa, api.store.id).ok
    u = t.code_uses
    with walaa.engine.begin() as conn:
        conn.execute(
            update(u)
            .where(u.c.store_id == api.store.id, u.c.code == code)
            .values(points_returned=501)
        )
    report = audit(walaa, api.store.id)
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok] == ["code uses add up"]
