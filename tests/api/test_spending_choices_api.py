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
