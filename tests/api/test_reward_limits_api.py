"""Reward limits per order and free products by the block, over HTTP on both databases.

A reward may be used at most `per_order` times on one order (its codes link the order), and a
free product may be given one `quantity` per block of `units_per_block` units bought, a
redemption covering any number of blocks. A refusal is a problem+json that says why, and
writes nothing.
"""

from __future__ import annotations

import uuid

from tests.api.test_rewards_api import DOCUMENT, points, reward
from tests.builders import audit


def uid(prefix: str) -> str:
    """Ids unique to one test: the PostgreSQL schema is shared by the whole session."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def redeem(api, reward_id: str, blocks: int | None = None):
    body: dict = {"reward_id": reward_id}
    if blocks is not None:
        body["blocks"] = blocks
    return api.post("/v1/customers/amal/redemptions", body, key=uid("redeem"))


def code_of(api, reward_id: str, blocks: int | None = None) -> str:
    redeemed = redeem(api, reward_id, blocks)
    assert redeemed.status_code == 201, redeemed.text
    return redeemed.json()["code"]


def use(api, code: str, order_id: str, **more):
    return api.post(f"/v1/codes/{code}/use", {"order_id": order_id, **more})


def order(api, order_id: str, spf_units: int) -> None:
    assert api.put("/v1/program", DOCUMENT).status_code == 200
    body = {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "lines": [
            {"id": "l1", "paid": "30.00", "quantity": spf_units, "sku": "SPF-50"},
            {"id": "l2", "paid": "12.00", "quantity": 5, "sku": "LIP-01"},
        ],
    }
    placed = api.post("/v1/orders", body)
    assert placed.status_code == 201, placed.text


def problem(answer, status: int, kind: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"] == f"/problems/{kind}"
    return body


# --- per order ----------------------------------------------------------------------------------


def test_without_a_limit_per_order_two_codes_of_a_reward_pay_for_one_order(api):
    reward(api, "five-off", cost=100)
    points(api, amount=1000)
    o = uid("o")
    for _ in range(2):
        assert use(api, code_of(api, "five-off"), o).status_code == 200


def test_a_reward_limited_per_order_is_used_once_on_an_order_and_says_why(api, walaa):
    created = reward(api, "five-off", cost=100, per_order=1)
    assert created["per_order"] == 1
    points(api, amount=1000)
    first, second = code_of(api, "five-off"), code_of(api, "five-off")
    o = uid("o")
    assert use(api, first, o).status_code == 200
    refused = problem(use(api, second, o), 409, "reward-limit-per-order")
    assert refused["per_order"] == 1 and refused["codes_used"] == [first]
    assert "1 time(s) per order" in refused["detail"] and o in refused["detail"]
    # nothing was written: the second code keeps its use, for another order
    assert api.post("/v1/codes/validate", {"code": second}).json()["usable"] is True
    assert use(api, first, o).status_code == 200  # a retry is the same use
    assert use(api, second, uid("o")).status_code == 200
    assert audit(walaa, api.store.id).ok


def test_a_limit_per_order_must_be_a_positive_count(api):
    body = {"id": "x", "kind": "free_shipping", "cost": 5, "names": {"en": "x"}, "per_order": 0}
    refused = api.post("/v1/rewards", body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "per_order"


# --- free products by the block -----------------------------------------------------------------


def test_a_redemption_covers_several_blocks_of_a_free_product(api, walaa):
    reward(api, "free-spf", cost=100, kind="free_product", units_per_block=3, stock=10)
    points(api, amount=1000)
    redeemed = redeem(api, "free-spf", blocks=2)
    assert redeemed.status_code == 201, redeemed.text
    body = redeemed.json()
    assert (body["points"], body["blocks"]) == (200, 2)
    assert api.get("/v1/customers/amal").json()["balances"]["spendable"] == 800
    assert api.get("/v1/rewards/free-spf").json()["stock_left"] == 8
    checked = api.post("/v1/codes/validate", {"code": body["code"]}).json()
    assert (checked["blocks"], checked["free_units"], checked["units_to_buy"]) == (2, 2, 6)
    assert audit(walaa, api.store.id).ok


def test_a_code_by_the_block_needs_the_order_to_buy_its_units(api, walaa):
    reward(api, "free-spf", cost=100, kind="free_product", units_per_block=3, quantity=1)
    points(api, amount=1000)
    code = code_of(api, "free-spf", blocks=2)
    short = uid("o")
    order(api, short, spf_units=4)
    refused = problem(use(api, code, short), 409, "not-enough-units")
    assert (refused["units_needed"], refused["units_bought"], refused["sku"]) == (6, 4, "SPF-50")
    assert "must buy 6" in refused["detail"]
    enough = uid("o")
    order(api, enough, spf_units=6)
    used = use(api, code, enough)
    assert used.status_code == 200, used.text
    assert used.json()["status"] == "used"
    assert audit(walaa, api.store.id).ok


def test_an_order_not_yet_recorded_says_how_many_units_it_buys(api):
    reward(api, "free-spf", cost=100, kind="free_product", units_per_block=3, quantity=2)
    points(api, amount=1000)
    code = code_of(api, "free-spf", blocks=3)
    checked = api.post("/v1/codes/validate", {"code": code}).json()
    assert (checked["free_units"], checked["units_to_buy"]) == (6, 9)
    unknown = use(api, code, uid("o"))
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "units"
    assert "at least 9" in unknown.json()["errors"][0]["reason"]
    problem(use(api, code, uid("o"), units=8), 409, "not-enough-units")
    assert use(api, code, uid("o"), units=9).status_code == 200


def test_blocks_belong_to_free_products_by_the_block(api):
    reward(api, "five-off", cost=100)
    points(api, amount=1000)
    refused = redeem(api, "five-off", blocks=2)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "blocks"
    assert api.get("/v1/customers/amal").json()["balances"]["spendable"] == 1000
    body = {"id": "y", "kind": "free_shipping", "cost": 5, "names": {"en": "y"}, "quantity": 2}
    wrong = api.post("/v1/rewards", body)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "quantity"
    body = {**body, "quantity": 1, "units_per_block": 3}
    wrong = api.post("/v1/rewards", body)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "units_per_block"


def test_cancelling_an_unused_redemption_of_blocks_gives_all_their_stock_back(api, walaa):
    reward(api, "free-spf", cost=100, kind="free_product", units_per_block=3, stock=10)
    points(api, amount=1000)
    redeemed = redeem(api, "free-spf", blocks=3).json()
    assert api.get("/v1/rewards/free-spf").json()["stock_left"] == 7
    cancel = api.post(f"/v1/customers/amal/redemptions/{redeemed['id']}/cancel", {})
    assert cancel.status_code == 200, cancel.text
    assert api.get("/v1/rewards/free-spf").json()["stock_left"] == 10
    assert api.get("/v1/customers/amal").json()["balances"]["spendable"] == 1000
    assert audit(walaa, api.store.id).ok
