"""Paid memberships over HTTP: plans, join, renew, cancel, lapse and monthly grants."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import audit
from walaa.service.handlers.memberships import run_memberships

YEARLY = {
    "id": "dewy-plus",
    "names": {"en": "Dewy Plus", "ar": "ديوي بلس"},
    "fee": "120.00",
    "currency": "USD",
    "period": "yearly",
    "free_shipping": True,
    "multiplier": "1.5",
    "monthly_points": 100,
}


def plan(api, **fields):
    r = api.post("/v1/plans", {**YEARLY, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def join(api, customer="amal", **body):
    return api.post(f"/v1/customers/{customer}/memberships", {"plan_id": "dewy-plus", **body})


def available(api, customer="amal"):
    return api.get(f"/v1/customers/{customer}").json()["balances"]["available"]


def test_joining_records_the_payment_and_gives_benefits(api):
    plan(api)
    r = join(api, payment_ref="pay-1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "active" and body["payments"] == ["pay-1"]
    listed = api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert listed["benefits"]["free_shipping"] is True and listed["benefits"]["multiplier"] == "1.5"
    assert join(api, payment_ref="pay-1").json()["event"] == "unchanged"


def test_a_plan_in_another_currency_is_refused(api):
    r = api.post("/v1/plans", {**YEARLY, "currency": "EUR"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currency"


def test_monthly_grants_are_paid_once_however_often_the_worker_runs(api, walaa, clock):
    plan(api)
    join(api, payment_ref="pay-1")
    for _ in range(2):
        run_memberships(walaa.uow(), clock, api.store.id)
    assert available(api) == 100
    clock.current += timedelta(days=62)
    run_memberships(walaa.uow(), clock, api.store.id)
    run_memberships(walaa.uow(), clock, api.store.id)
    assert available(api) == 300  # months 0, 1 and 2, each once
    assert audit(walaa, api.store.id).ok


def test_renewing_early_extends_from_the_paid_end(api, clock):
    plan(api)
    joined = join(api, payment_ref="pay-1").json()
    clock.current += timedelta(days=300)
    renewed = api.post(
        f"/v1/customers/amal/memberships/{joined['id']}/renew", {"payment_ref": "pay-2"}
    ).json()
    assert renewed["current_period_end"] > joined["current_period_end"]
    assert renewed["current_period_end"][:4] == str(int(joined["current_period_end"][:4]) + 1)


def test_cancelling_at_once_notes_a_prorated_refund_and_ends_benefits(api, clock):
    plan(api)
    joined = join(api, payment_ref="pay-1").json()
    clock.current += timedelta(days=100)
    r = api.post(f"/v1/customers/amal/memberships/{joined['id']}/cancel", {"at_period_end": False})
    body = r.json()
    assert body["status"] == "cancelled" and body["refund_due"].endswith("USD")
    assert 0 < float(body["refund_due"].split()[0]) < 120
    listed = api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert listed["benefits"]["active"] is False


def test_a_membership_not_renewed_lapses_at_the_worker(api, walaa, clock):
    plan(api, period="monthly", fee="12.00", monthly_points=0)
    joined = join(api, payment_ref="pay-1").json()
    clock.current += timedelta(days=40)
    counts = run_memberships(walaa.uow(), clock, api.store.id)
    assert counts["expired"] == 1
    listed = api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert listed["status"] == "expired" and listed["id"] == joined["id"]


def test_another_stores_membership_is_not_found(api, other_api):
    plan(api)
    joined = join(api, payment_ref="pay-1").json()
    r = other_api.post(f"/v1/customers/amal/memberships/{joined['id']}/cancel", {})
    assert r.status_code == 404


def test_members_earn_with_their_plans_multiplier_and_refunds_take_it_back(api):
    from tests.api.test_earning_api import order, with_program

    with_program(api)
    plan(api)
    api.post("/v1/orders", order("o-0", customer="badr"))
    join(api, payment_ref="pay-1")
    earned = api.post("/v1/orders", order()).json()["points"]
    guest = api.get("/v1/customers/badr").json()["balances"]["pending"]
    # the 1.5x multiplies every per-amount award: 108 on spend and 48 of serum bonus
    assert (guest, earned) == (156, 234)
    ledger = api.get("/v1/customers/amal/ledger").json()["data"]
    assert any("Dewy Plus" in line for line in ledger[0]["explanation"])
    api.post("/v1/orders/o-1/cancel", {})
    assert api.get("/v1/customers/amal").json()["balances"]["pending"] == 0


def test_member_only_rewards_are_for_active_members(api):
    plan(api, member_rewards=["members-gift"])
    gift = {"id": "members-gift", "kind": "free_shipping", "cost": 10, "names": {"en": "Gift"}}
    assert api.post("/v1/rewards", gift).status_code == 201
    api.post("/v1/customers/amal/adjustments", {"points": 100, "reason": "test"})
    refused = api.post("/v1/customers/amal/redemptions", {"reward_id": "members-gift"})
    assert refused.status_code == 409 and "Dewy Plus" in refused.json()["detail"]
    join(api, payment_ref="pay-1")
    ok = api.post("/v1/customers/amal/redemptions", {"reward_id": "members-gift"})
    assert ok.status_code == 201


def test_a_member_imported_with_a_past_start_renews_when_their_year_ends(api, walaa, clock):
    plan(api)
    # the fixed clock says 2026-03-01 09:00 UTC: this member joined eleven months before
    r = join(api, payment_ref="pay-old", started_at="2025-04-01T08:00:00+00:00")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["started_at"] == body["current_period_start"] == "2025-04-01T08:00:00Z"
    assert body["current_period_end"] == "2026-04-01T08:00:00Z"  # renews next month
    assert body["benefits"]["active"] is True
    # the months before the import fell before Walaa kept the membership: no back pay
    run_memberships(walaa.uow(), clock, api.store.id)
    assert available(api) == 0
    clock.current += timedelta(days=40)  # the year is over and was not renewed
    assert run_memberships(walaa.uow(), clock, api.store.id)["expired"] == 1
    assert audit(walaa, api.store.id).ok


def test_a_start_in_the_future_is_refused_naming_the_field(api):
    plan(api)
    r = join(api, payment_ref="pay-1", started_at="2026-03-02T00:00:00Z")
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "started_at"
    assert "future" in r.json()["errors"][0]["reason"]
    # nothing was written: not even the customer a successful join would have created
    assert api.get("/v1/customers/amal/memberships").status_code == 404


def test_a_free_plan_is_joined_without_a_payment(api, clock):
    free = plan(api, id="dewy-free", fee="0.00", period="one_off", monthly_points=0)
    assert free["fee"] == "0.00"
    r = join(api, plan_id="dewy-free")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "active" and body["current_period_end"] is None
    assert body["payments"] == [f"free:{body['id']}"]
    assert body["benefits"]["active"] is True and body["benefits"]["free_shipping"] is True
    again = join(api, plan_id="dewy-free")
    assert again.status_code == 409  # one membership of a plan at a time
    clock.current += timedelta(days=30)
    cancelled = api.post(
        f"/v1/customers/amal/memberships/{body['id']}/cancel", {"at_period_end": False}
    ).json()
    assert cancelled["status"] == "cancelled" and cancelled["refund_due"] is None


def test_a_negative_fee_is_refused(api):
    r = api.post("/v1/plans", {**YEARLY, "fee": "-1.00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "fee"


def test_a_members_past_renewals_are_imported_in_order(api, walaa, clock):
    plan(api)
    joined = join(api, payment_ref="pay-2023", started_at="2023-04-01T08:00:00Z").json()
    assert joined["status"] == "active" and joined["benefits"]["active"] is False  # ran out
    renew = f"/v1/customers/amal/memberships/{joined['id']}/renew"
    lapsed = api.post(renew, {"payment_ref": "pay-2024", "paid_at": "2024-04-01T08:00:00Z"})
    assert lapsed.status_code == 200, lapsed.text
    assert lapsed.json()["current_period_end"] == "2025-04-01T08:00:00Z"
    early = api.post(renew, {"payment_ref": "pay-2025", "paid_at": "2025-03-20T10:00:00Z"})
    body = early.json()
    assert body["current_period_start"] == "2025-04-01T08:00:00Z"  # from the paid end
    assert body["current_period_end"] == "2026-04-01T08:00:00Z"
    assert body["benefits"]["active"] is True
    assert body["payments"] == ["pay-2023", "pay-2024", "pay-2025"]

    out_of_order = api.post(renew, {"payment_ref": "pay-x", "paid_at": "2025-01-01T00:00:00Z"})
    assert out_of_order.status_code == 422
    assert out_of_order.json()["errors"][0]["field"] == "paid_at"
    ahead = api.post(renew, {"payment_ref": "pay-y", "paid_at": "2026-03-02T00:00:00Z"})
    assert ahead.status_code == 422 and ahead.json()["errors"][0]["field"] == "paid_at"
    run_memberships(walaa.uow(), clock, api.store.id)
    assert available(api) == 0  # no monthly points for months before the import
    assert audit(walaa, api.store.id).ok
