"""A customer's end over HTTP: an account closed forfeits what is left through the ledger and
takes no new points; an erased customer leaves no personal data and no trace of their id,
while the books stay whole under a pseudonym."""

from __future__ import annotations

import yaml
from sqlalchemy import JSON, String, Text, select

from tests.builders import audit
from walaa.adapters.db import tables as t
from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
CHECKOUT = {**DOCUMENT, "checkout": {"min_points": 100, "max_order_share": "0.5", "step": 100}}
EMAIL = "noura.alharbi@example.sa"


def order(order_id, customer, paid="100.00"):
    return {
        "id": order_id,
        "customer_id": customer,
        "placed_at": "2026-02-25T09:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": paid, "categories": ["cleanser"]}],
    }


def a_customer_with_history(api, customer):
    """Profile, an order still pending, points given, some held at a checkout."""
    assert api.put("/v1/program", CHECKOUT).status_code == 200
    profile = {"email": EMAIL, "name": "نورة الحربي", "birthday": "1994-05-17", "locale": "ar"}
    assert api.put(f"/v1/customers/{customer}", profile).status_code == 200
    assert api.post("/v1/orders", order("o-1", customer)).status_code == 201
    given = {"points": 1500, "reason": "welcome"}
    assert api.post(f"/v1/customers/{customer}/adjustments", given).status_code == 201
    hold = {"customer_id": customer, "points": 500, "subtotal": "40.00"}
    assert api.post("/v1/checkout/holds", hold).status_code == 201
    return api.get(f"/v1/customers/{customer}").json()["balances"]


def test_closing_forfeits_every_point_left_and_explains_it(api, walaa):
    before = a_customer_with_history(api, "noura")
    left = before["available"] + before["pending"] + before["on_hold"]
    assert before["on_hold"] == 500 and before["pending"] > 0
    closed = api.post("/v1/customers/noura/close", {"reason": "asked to leave the programme"})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["points_forfeited"] == left and body["already_closed"] is False
    after = api.get("/v1/customers/noura").json()
    assert after["closed_at"] and after["closed_reason"] == "asked to leave the programme"
    balances = after["balances"]
    assert (balances["available"], balances["pending"], balances["on_hold"]) == (0, 0, 0)
    lines = api.get("/v1/customers/noura/ledger?locale=en").json()["data"]
    assert lines[0]["kind"] == "forfeit" and lines[0]["points"] == left
    assert "forfeited: the account was closed (asked to leave" in lines[0]["explanation"][0]
    arabic = api.get("/v1/customers/noura/ledger?locale=ar").json()["data"][0]
    assert "أُغلق الحساب" in arabic["explanation"][0]
    assert lines[1]["kind"] == "release"  # the open hold came back before it was forfeited
    assert audit(walaa, api.store.id).ok


def test_a_closed_account_takes_no_new_points_and_spends_none(api):
    a_customer_with_history(api, "noura")
    api.post("/v1/customers/noura/close", {"reason": "fraud"})
    refused = [
        api.post("/v1/orders", order("noura-o2", "noura")),
        api.post("/v1/customers/noura/adjustments", {"points": 10, "reason": "sorry"}),
        api.post("/v1/checkout/holds", {"customer_id": "noura", "points": 100, "subtotal": "9"}),
    ]
    for answer in refused:
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"].endswith("account-closed")
    assert api.get("/v1/orders/noura-o2").status_code == 404  # nothing half-written
    balances = api.get("/v1/customers/noura").json()["balances"]
    assert (balances["available"], balances["pending"]) == (0, 0)


def test_a_closed_account_records_no_order_even_without_a_program(api):
    assert api.put("/v1/customers/badr", {"name": "Badr"}).status_code == 200
    assert api.post("/v1/customers/badr/close", {"reason": "left"}).status_code == 200
    refused = api.post("/v1/orders", order("badr-o1", "badr"))
    assert refused.status_code == 409 and refused.json()["type"].endswith("account-closed")
    event = {
        "id": "e-1",
        "customer_id": "badr",
        "type": "review",
        "occurred_at": "2026-02-25T09:00:00Z",
    }
    assert api.post("/v1/events", event).status_code == 409


def test_closing_twice_answers_the_first_closing(api):
    a_customer_with_history(api, "noura")
    first = api.post("/v1/customers/noura/close", {"reason": "moved away"}).json()
    again = api.post("/v1/customers/noura/close", {"reason": "another reason"})
    assert again.status_code == 200
    assert again.json() == {**first, "already_closed": True}


def test_a_refund_after_closing_still_settles_the_order(api, walaa):
    a_customer_with_history(api, "noura")
    api.post("/v1/customers/noura/close", {"reason": "moved away"})
    refund = api.post("/v1/orders/o-1/cancel", {})
    assert refund.status_code in (200, 201), refund.text
    assert audit(walaa, api.store.id).ok


def test_closing_needs_a_reason_and_a_customer(api):
    a_customer_with_history(api, "noura")
    blank = api.post("/v1/customers/noura/close", {"reason": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    assert api.post("/v1/customers/nobody/close", {"reason": "x"}).status_code == 404
    assert api.get("/v1/customers/noura").json()["closed_at"] is None


def _rows_naming(walaa, store_id: str, *needles: str) -> list[str]:
    """Every text cell of the store (the PostgreSQL schema is shared by the test session)
    that contains one of ``needles``, as table.column."""
    found = []
    with walaa.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            column_of_store = table.c.get("store_id") if table is not t.stores else table.c.id
            if column_of_store is None:
                continue
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                mine = select(column).where(column.is_not(None), column_of_store == store_id)
                for (value,) in conn.execute(mine):
                    text = value if isinstance(value, str) else repr(value)
                    if any(needle in text for needle in needles):
                        found.append(f"{table.name}.{column.name}")
    return found


def test_erasure_leaves_no_personal_data_and_keeps_the_books_whole(api, walaa):
    customer = "cust-7f3a-noura"
    before = a_customer_with_history(api, customer)
    totals = audit(walaa, api.store.id).totals
    erased = api.post(f"/v1/customers/{customer}/erasure", {}, key="erase-noura")
    assert erased.status_code == 200, erased.text
    body = erased.json()
    pseudonym = body["pseudonym"]
    assert pseudonym.startswith("erased_") and customer not in pseudonym
    assert body["points_forfeited"] == before["available"] + before["pending"] + before["on_hold"]
    assert api.get(f"/v1/customers/{customer}").status_code == 404
    assert _rows_naming(walaa, api.store.id, customer, EMAIL, "نورة", "1994-05-17") == []
    kept = api.get(f"/v1/customers/{pseudonym}").json()
    assert (kept["email"], kept["name"], kept["birthday"]) == (None, None, None)
    assert kept["closed_at"] and kept["balances"]["lifetime_earned_gross"] > 0
    history = api.get(f"/v1/customers/{pseudonym}/ledger").json()["data"]
    assert [line["kind"] for line in history][:2] == ["forfeit", "release"]
    report = audit(walaa, api.store.id)
    assert report.ok and report.totals["forfeited"] == body["points_forfeited"]
    assert {k: v for k, v in report.totals.items() if k != "forfeited"} == {
        **{k: v for k, v in totals.items() if k not in ("available", "pending", "held")},
        **{k: v for k, v in report.totals.items() if k in ("available", "pending", "held")},
    }
    # A retry with the key answers the erasure; without one the customer is simply unknown.
    again = api.post(f"/v1/customers/{customer}/erasure", {}, key="erase-noura")
    assert again.status_code == 200 and again.json() == body
    assert api.post(f"/v1/customers/{customer}/erasure", {}).status_code == 404


def test_an_order_refunded_after_erasure_settles_under_the_pseudonym(api, walaa):
    customer = "cust-9b1c"
    a_customer_with_history(api, customer)
    pseudonym = api.post(f"/v1/customers/{customer}/erasure", {}).json()["pseudonym"]
    cancel = api.post("/v1/orders/o-1/cancel", {})
    assert cancel.status_code in (200, 201), cancel.text
    assert api.get(f"/v1/customers/{pseudonym}").status_code == 200
    assert audit(walaa, api.store.id).ok


def test_erasure_stays_inside_the_store(api, other_api):
    a_customer_with_history(api, "noura")
    assert other_api.post("/v1/customers/noura/erasure", {}).status_code == 404
    assert other_api.post("/v1/customers/noura/close", {"reason": "x"}).status_code == 404
    assert api.get("/v1/customers/noura").json()["email"] == EMAIL
