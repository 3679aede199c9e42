"""/v1/program, /v1/orders and /v1/events over HTTP."""

from __future__ import annotations

from datetime import timedelta

import yaml

from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
SUNDAY = "2026-03-01T09:00:00Z"  # 12:00 in Riyadh: no weekend multiplier


def order(order_id="o-1", customer="amal", **kw):
    body = {
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
    return {**body, **kw}


def with_program(api):
    saved = api.client.put("/v1/program", json=DOCUMENT, headers=api.headers())
    assert saved.status_code == 200, saved.text
    return saved.json()


def test_the_program_is_saved_as_a_new_version_and_read_back(api):
    assert api.get("/v1/program").status_code == 404
    assert with_program(api)["version"] == 1
    assert with_program(api)["version"] == 1  # the same document again is not a new version
    changed = {**DOCUMENT, "return_window_days": 30}
    again = api.client.put("/v1/program", json=changed, headers=api.headers()).json()
    assert again["version"] == 2 and again["points_name"]["ar"] == "قطرات الندى"
    assert api.get("/v1/program").json()["version"] == 2


def test_a_bad_program_gets_every_problem_with_its_path(api):
    bad = {**DOCUMENT, "earn_rate": {"points": -1, "per": 1}, "rounding": "sideways"}
    r = api.client.put("/v1/program", json=bad, headers=api.headers())
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"earn_rate.points", "rounding"} <= fields


def test_a_preview_says_what_a_cart_earns_and_why(api):
    with_program(api)
    r = api.post("/v1/program/preview", {"lines": order()["lines"], "locale": "ar"})
    assert r.status_code == 200, r.text
    body = r.json()
    # 108 USD of products (shipping earns nothing) + 48 more for the serum
    assert body["points"] == 156 and body["points_name"] == "قطرات الندى"
    assert any("مكافأة السيروم" in line for line in body["explanation"])


def test_a_paid_order_earns_once_however_often_it_is_sent(api):
    with_program(api)
    first = api.post("/v1/orders", order())
    assert first.status_code == 201, first.text
    assert first.json()["points"] == 156
    again = api.post("/v1/orders", order())
    assert again.status_code == 200 and again.json()["replayed"]
    changed = api.post("/v1/orders", order(lines=[{"id": "l1", "paid": "1.00"}]))
    assert changed.status_code == 409
    balances = api.get("/v1/customers/amal").json()["balances"]
    assert balances["pending"] == 156


def test_refunds_and_cancellation_take_points_back(api):
    with_program(api)
    api.post("/v1/orders", order())
    part = api.post(
        "/v1/orders/o-1/refunds", {"id": "r-1", "lines": [{"line_id": "l2", "quantity": 1}]}
    )
    assert part.status_code == 201, part.text
    assert part.json()["points_taken"] == 96
    cancel = api.post("/v1/orders/o-1/cancel", {})
    assert cancel.json()["points_taken"] == 60
    assert api.get("/v1/customers/amal").json()["balances"]["pending"] == 0


def test_events_earn_within_their_limits(api):
    with_program(api)
    signup = {"id": "e-1", "customer_id": "amal", "type": "signup", "occurred_at": SUNDAY}
    assert api.post("/v1/events", signup).json()["points"] == 100
    second = api.post("/v1/events", {**signup, "id": "e-2"})
    assert second.status_code == 201 and second.json()["points"] == 0


def test_a_batch_returns_one_result_per_item(api):
    with_program(api)
    items = [
        {
            "kind": "event",
            "id": "e-1",
            "customer_id": "amal",
            "type": "signup",
            "occurred_at": SUNDAY,
        },
        {"kind": "order", **order()},
        {"kind": "order", **order("o-2", currency="EUR")},
        {"kind": "order", **{k: v for k, v in order("o-3").items() if k != "placed_at"}},
        {"kind": "gift"},
    ]
    r = api.post("/v1/events/batch", {"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["succeeded"], body["failed"]) == (2, 3)
    assert [x["status"] for x in body["results"]] == [201, 201, 422, 422, 422]
    assert body["results"][2]["problem"]["errors"][0]["field"] == "currency"
    assert body["results"][3]["problem"]["errors"][0]["field"] == "placed_at"


def test_validation_errors_name_the_field(api):
    r = api.post(
        "/v1/orders", order(placed_at="2026-03-01T09:00:00", lines=[{"id": "l1", "paid": "abc"}])
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"placed_at", "lines[0].paid"} <= fields


def test_another_stores_order_cannot_be_refunded_or_cancelled(api, other_api):
    with_program(api)
    api.post("/v1/orders", order())
    refund = other_api.post("/v1/orders/o-1/refunds", {"id": "r-9", "whole_order": True})
    assert refund.status_code == 404
    assert other_api.post("/v1/orders/o-1/cancel", {}).status_code == 404
    assert api.get("/v1/customers/amal").json()["balances"]["pending"] == 156


def test_a_date_outside_any_store_calendar_is_a_clear_error(api):
    with_program(api)
    r = api.post("/v1/orders", order(placed_at="0001-01-01T00:00:00Z"))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "placed_at", "reason": "must be between 1970 and 2199"}]
    event = {
        "id": "e",
        "customer_id": "amal",
        "type": "signup",
        "occurred_at": "9999-12-31T00:00:00Z",
    }
    assert api.post("/v1/events", event).status_code == 422


def test_orders_dated_ahead_of_now_are_refused(api, clock):
    with_program(api)
    ahead = (clock.now() + timedelta(days=2)).isoformat()
    r = api.post("/v1/orders", order(placed_at=ahead))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "placed_at"


def test_an_order_in_another_currency_is_refused_even_before_a_program(api):
    r = api.post("/v1/orders", order(currency="EUR"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currency"


def test_lifetime_earned_is_net_of_cancellations(api):
    with_program(api)
    api.post("/v1/orders", order())
    api.post("/v1/orders", order("o-2"))
    api.post("/v1/orders/o-2/cancel", {})
    assert api.get("/v1/customers/amal").json()["balances"]["lifetime_earned"] == 156


def test_a_replay_with_the_same_json_in_another_order_is_the_same_request(api):
    body = {"points": 5, "reason": "thanks"}
    first = api.client.post(
        "/v1/customers/amal/adjustments",
        content='{"points": 5, "reason": "thanks"}',
        headers=api.headers(**{"Idempotency-Key": "k1", "Content-Type": "application/json"}),
    )
    again = api.client.post(
        "/v1/customers/amal/adjustments",
        content='{"reason":"thanks","points":5}',
        headers=api.headers(**{"Idempotency-Key": "k1", "Content-Type": "application/json"}),
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == body["points"]


def test_a_cursor_beyond_any_id_is_a_422(api):
    api.put("/v1/customers/amal", {})
    assert api.get("/v1/customers/amal/ledger", params={"cursor": 2**63}).status_code == 422
