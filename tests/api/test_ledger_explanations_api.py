"""Every ledger entry explains itself: why it happened, what it refers to, which lots it moved.

Over HTTP on both databases: spends, holds, captures, releases, reversals, adjustments and
expiries each read as a sentence in English and Arabic, name the order, reward, redemption,
hold or refund they belong to, and a spend or expiry lists the lots it took, oldest first.
"""

from __future__ import annotations

from datetime import timedelta

import yaml

from tests.builders import audit
from walaa.demo import PROGRAM
from walaa.service.handlers.jobs import Worker, WorkerSettings, run_pass

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
CHECKOUT = {**DOCUMENT, "checkout": {"min_points": 100, "max_order_share": "0.5", "step": 100}}


def adjust(api, points, reason, **extra):
    r = api.post("/v1/customers/amal/adjustments", {"points": points, "reason": reason, **extra})
    assert r.status_code == 201, r.text
    return r.json()["transaction_id"]


def entries(api, locale="en"):
    page = api.get(f"/v1/customers/amal/ledger?locale={locale}&limit=200").json()["data"]
    return {entry["transaction_id"]: entry for entry in page}


def by_kind(listed, kind):
    return [entry for entry in listed.values() if entry["kind"] == kind]


def test_a_spend_names_its_reward_and_the_lots_it_took_oldest_first(api, clock):
    assert api.put("/v1/program", CHECKOUT).status_code == 200
    first = adjust(api, 300, "welcome gift")
    clock.current += timedelta(days=1)
    adjust(api, 500, "late delivery")
    body = {"id": "tote", "cost": 400, "names": {"en": "Tote", "ar": "حقيبة"}}
    assert api.post("/v1/rewards", {**body, "kind": "free_shipping"}).status_code == 201
    redeemed = api.post("/v1/customers/amal/redemptions", {"reward_id": "tote"}).json()

    spend = by_kind(entries(api), "spend")[0]
    assert spend["refers_to"] == {"redemption": redeemed["id"], "reward": "tote"}
    assert spend["reference"] == redeemed["id"]
    lots = [(lot["points"], lot["earned_at"][:10]) for lot in spend["lots"]]
    day0 = (clock.now() - timedelta(days=1)).date().isoformat()
    assert lots == [(-300, day0), (-100, clock.now().date().isoformat())]
    assert spend["explanation"][0] == (
        f"400 points spent on the reward tote (redemption {redeemed['id']})"
    )
    assert spend["explanation"][1].startswith(f"300 from lot {spend['lots'][0]['lot_id']}")
    arabic = by_kind(entries(api, "ar"), "spend")[0]["explanation"]
    assert arabic[0].startswith("أُنفقت 400 نقطة على المكافأة tote")

    gift = entries(api)[first]
    assert gift["explanation"] == ["300 points given by the store: welcome gift"]

    cancelled = api.post(f"/v1/customers/amal/redemptions/{redeemed['id']}/cancel", {})
    assert cancelled.status_code == 200, cancelled.text
    back = by_kind(entries(api), "reversal")[0]
    assert back["refers_to"]["redemption"] == redeemed["id"]
    assert back["refers_to"]["transaction"] == str(spend["transaction_id"])
    assert back["explanation"][0].startswith(f"400 points given back: redemption {redeemed['id']}")
    assert [lot["points"] for lot in back["lots"]] == [300, 100]


def test_hold_capture_release_and_refund_say_which_hold_and_order(api, walaa):
    assert api.put("/v1/program", CHECKOUT).status_code == 200
    adjust(api, 5000, "opening balance")
    order = {
        "id": "o-1",
        "customer_id": "amal",
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": "30.00", "quantity": 3}],
    }
    assert api.post("/v1/orders", order).status_code == 201
    body = {"customer_id": "amal", "points": 1000, "subtotal": "40.00"}
    held = api.post("/v1/checkout/holds", body).json()["hold_id"]
    capture = {"order_id": "o-1", "order_total": "30.00"}
    assert api.post(f"/v1/checkout/holds/{held}/capture", capture).status_code == 200
    other = api.post("/v1/checkout/holds", {**body, "points": 200}).json()["hold_id"]
    assert api.post(f"/v1/checkout/holds/{other}/release", {}).status_code == 200
    refund = {"id": "r-1", "lines": [{"line_id": "l1", "quantity": 1}]}
    assert api.post("/v1/orders/o-1/refunds", refund).status_code == 201

    listed = entries(api)
    holds = sorted(by_kind(listed, "hold"), key=lambda e: e["transaction_id"])
    assert [h["refers_to"] for h in holds] == [{"hold": str(held)}, {"hold": str(other)}]
    assert holds[0]["explanation"][0] == f"1,000 points held for a checkout (hold {held})"
    assert holds[0]["lots"][0]["points"] == -1000
    (captured,) = by_kind(listed, "capture")
    assert captured["refers_to"] == {"order": "o-1", "hold": str(held)}
    assert captured["explanation"] == [f"1,000 points paid for order o-1 (hold {held})"]
    (released,) = by_kind(listed, "release")
    assert released["explanation"][0] == (
        f"200 points returned: the checkout of hold {other} was not completed"
    )
    assert released["lots"][0]["points"] == 200
    reversals = by_kind(listed, "reversal")
    gave_back = [r for r in reversals if r["available_change"] > 0]
    assert gave_back[0]["refers_to"]["refund"] == "r-1"
    assert gave_back[0]["explanation"][0] == (
        f"333 points that paid for order o-1 (hold {held}) given back by refund r-1"
    )
    arabic = entries(api, "ar")[captured["transaction_id"]]["explanation"]
    assert arabic == [f"دُفعت 1,000 نقطة مقابل الطلب o-1 (الحجز {held})"]
    assert all(entry["explanation"] for entry in listed.values())
    assert audit(walaa, api.store.id).ok


def test_an_expiry_lists_the_lots_it_expired(api, walaa, clock):
    soon = (clock.now() + timedelta(days=5)).isoformat()
    first = adjust(api, 120, "first", expires_at=soon)
    adjust(api, 80, "second", expires_at=soon)
    adjust(api, 50, "keeps")
    worker = Worker(walaa.uow, walaa.jobs, walaa.idempotency, WorkerSettings())
    assert run_pass(worker, clock.now() + timedelta(days=6), stores=[api.store.id]).ok

    (expired,) = by_kind(entries(api), "expire")
    assert [lot["points"] for lot in expired["lots"]] == [-120, -80]
    assert expired["explanation"][0] == "200 points expired"
    assert expired["explanation"][1].startswith(f"120 from lot {expired['lots'][0]['lot_id']}")
    lot_of_first = expired["lots"][0]
    assert lot_of_first["earned_at"][:10] == clock.now().date().isoformat()
    assert entries(api)[first]["lots"] == []
    arabic = by_kind(entries(api, "ar"), "expire")[0]["explanation"][0]
    assert arabic == "انتهت صلاحية 200 نقطة"
