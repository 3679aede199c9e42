"""A program is parsed once per settings stamp per process, and a new one applies at once.

Two applications over one database stand for two server processes: each has its own cache of
parsed programs (`App.programs`), as each `walaa serve` worker does.
"""

from __future__ import annotations

from tests.api.conftest import api_for
from tests.api.test_earning_api import DOCUMENT, order
from tests.api.test_memberships_api import YEARLY
from tests.api.test_spending_choices_api import order as paid_order
from tests.api.test_spending_choices_api import refund, save, spend_on_a_reward
from tests.builders import audit
from walaa.bootstrap import App

DOUBLE = {**DOCUMENT, "earn_rate": {"points": 2, "per": 1}}


def two_processes(walaa, clock, api):
    """A second application over the same database, with a key and a cache of its own."""
    other = App(walaa.engine, clock=clock)
    return other, api_for(other, clock, api.store)


def test_a_new_program_version_applies_to_the_next_order_in_every_process(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    assert api.put("/v1/program", DOCUMENT).json()["version"] == 1
    first = elsewhere.post("/v1/orders", order("o-1")).json()
    assert (first["points"], first["program_version"]) == (156, 1)
    again = elsewhere.post("/v1/orders", order("o-2")).json()
    assert again["program_version"] == 1
    assert other.programs.builds == 1  # parsed once, reused by the second order

    assert api.put("/v1/program", DOUBLE).json()["version"] == 2  # saved by the first process
    after = elsewhere.post("/v1/orders", order("o-3")).json()
    # 108 USD of products at 2 a dollar, and the serum bonus as before
    assert (after["points"], after["program_version"]) == (264, 2)
    assert other.programs.builds == 2


def test_a_changed_plan_multiplier_applies_to_the_next_order_in_every_process(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    api.put("/v1/program", DOCUMENT)
    assert api.post("/v1/plans", YEARLY).status_code == 201
    joined = {"plan_id": "dewy-plus", "payment_ref": "pay-1"}
    assert api.post("/v1/customers/amal/memberships", joined).status_code == 201
    assert elsewhere.post("/v1/orders", order("o-1")).json()["points"] == 234  # 156 x 1.5

    assert api.post("/v1/plans", {**YEARLY, "multiplier": "2"}).status_code == 201
    assert elsewhere.post("/v1/orders", order("o-2")).json()["points"] == 312  # 156 x 2
    assert other.programs.builds == 2


def test_every_store_keeps_its_own_program_in_one_process(walaa, api, other_api):
    api.put("/v1/program", DOCUMENT)
    other_api.put("/v1/program", {**DOUBLE, "currency": "GBP", "timezone": "Europe/London"})
    mine = api.post("/v1/orders", order("o-1")).json()
    theirs = other_api.post("/v1/orders", order("o-1", currency="GBP")).json()
    assert (mine["points"], theirs["points"]) == (156, 264)
    assert api.post("/v1/orders", order("o-2")).json()["points"] == 156


# --- the other paths that judge by the program: refunds, redemptions, checkout ----------------


def test_a_new_refund_setting_applies_to_the_next_refund_in_every_process(walaa, clock, api):
    """Process B refunds by the version process A saved a moment before, not the one it
    parsed for the order: capped at the balance, it forgives what was spent."""
    other, elsewhere = two_processes(walaa, clock, api)
    save(api)  # by default a refund takes everything back, down to a debt
    paid_order(elsewhere, "o-1")  # 100 points, spendable at once
    spend_on_a_reward(elsewhere, 80)
    builds = other.programs.builds
    save(api, refunds={"take_back": "cap_at_balance"})
    answer = refund(elsewhere, "o-1", "r-1", whole_order=True)
    assert (answer["points_taken"], answer["points_forgiven"]) == (20, 80)
    assert other.programs.builds == builds + 1
    again = refund(elsewhere, "o-1", "r-1", whole_order=True)  # a replay: nothing parsed again
    assert again["replayed"] and other.programs.builds == builds + 1
    assert audit(walaa, api.store.id).ok


def test_a_plan_saved_in_one_process_applies_to_the_next_redemption_in_another(walaa, clock, api):
    """A plan is part of the settings in force: once process A makes a reward member-only,
    process B refuses it to a customer without the membership at the very next request."""
    other, elsewhere = two_processes(walaa, clock, api)
    api.put("/v1/program", DOCUMENT)
    gift = {"id": "gift", "kind": "free_shipping", "cost": 10, "names": {"en": "Gift"}}
    assert api.post("/v1/rewards", gift).status_code == 201
    api.post("/v1/customers/amal/adjustments", {"points": 100, "reason": "test"})
    redeemed = elsewhere.post("/v1/customers/amal/redemptions", {"reward_id": "gift"})
    assert redeemed.status_code == 201, redeemed.text
    assert api.post("/v1/plans", {**YEARLY, "member_rewards": ["gift"]}).status_code == 201
    refused = elsewhere.post("/v1/customers/amal/redemptions", {"reward_id": "gift"})
    assert refused.status_code == 409 and "Dewy Plus" in refused.json()["detail"]
    assert other.programs.builds == 2


def test_a_new_point_value_applies_to_the_next_hold_and_capture_in_every_process(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    api.put("/v1/program", DOCUMENT)  # 500 points are worth 5 USD
    api.post("/v1/customers/amal/adjustments", {"points": 5000, "reason": "test"})
    body = {"customer_id": "amal", "points": 1000, "subtotal": "100.00"}
    first = elsewhere.post("/v1/checkout/holds", body, key="cart-1").json()
    assert (first["worth"], first["status"]) == ("10.00", "open")
    worth_more = {**DOCUMENT, "point_value": {"points": 500, "worth": 10}}
    assert api.put("/v1/program", worth_more).json()["version"] == 2
    second = elsewhere.post("/v1/checkout/holds", body, key="cart-2").json()
    assert second["worth"] == "20.00"
    release = f"/v1/checkout/holds/{second['hold_id']}/release"
    released = elsewhere.post(release, {}).json()
    assert released == {**second, "status": "released"}
    # a replay answers from what is stored: what the hold and its release answered
    assert elsewhere.post(release, {}).json() == {**released, "replayed": True}
    paid = {"order_id": "o-1", "order_total": "80.00"}
    captured = elsewhere.post(f"/v1/checkout/holds/{first['hold_id']}/capture", paid).json()
    assert (captured["status"], captured["captured_worth"], captured["worth"]) == (
        "captured",
        "20.00",
        "20.00",
    )
    replay = elsewhere.post(f"/v1/checkout/holds/{first['hold_id']}/capture", paid).json()
    assert replay == {**captured, "replayed": True}
    assert other.programs.builds == 2


def test_a_program_without_tiers_saved_in_one_process_ends_tier_reads_in_another(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    api.put("/v1/program", DOCUMENT)
    api.post("/v1/customers/amal/adjustments", {"points": 100, "reason": "test"})
    assert elsewhere.get("/v1/tiers").status_code == 200
    assert elsewhere.get("/v1/customers/amal/tier").status_code == 200
    untiered = {key: value for key, value in DOCUMENT.items() if key != "tiers"}
    assert api.put("/v1/program", untiered).json()["version"] == 2
    assert elsewhere.get("/v1/tiers").status_code == 404
    assert elsewhere.get("/v1/customers/amal/tier").status_code == 404
    assert other.programs.builds == 2
