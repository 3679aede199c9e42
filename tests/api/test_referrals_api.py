"""Referrals over HTTP, on SQLite and PostgreSQL: codes and links, a friend's sign-up and
qualifying order, every fraud rule as it fires, both sides' rewards in the ledger, a refund
in the return window taking the advocate's reward back, the review queue, caps and reports,
and nothing crossing between stores."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from tests.builders import audit
from walaa.adapters.db import tables as t
from walaa.demo import PROGRAM
from walaa.domain.referrals import ALPHABET
from walaa.service.handlers.jobs import Worker, WorkerSettings, run_pass

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
SUNDAY = "2026-03-01T09:00:00Z"
REFERRALS = {
    "name": {"en": "Refer a friend", "ar": "أحِل صديقاً"},
    "advocate": {"points": 500},
    "friend": {"points": 200},
    "qualifying_order": {"min_amount": 50},
    "link": "https://dewy.example/r/{code}",
}


def program(api, **changes):
    section = {**REFERRALS, **changes}
    r = api.put("/v1/program", {**DOCUMENT, "referrals": section})
    assert r.status_code == 200, r.text


def customer(api, customer_id, **profile):
    r = api.put(f"/v1/customers/{customer_id}", profile)
    assert r.status_code in (200, 201), r.text


def code_of(api, customer_id):
    r = api.get(f"/v1/customers/{customer_id}/referral")
    assert r.status_code == 200, r.text
    return r.json()["code"]


def sign_up(api, friend, code, status=201, **signals):
    r = api.post("/v1/referrals", {"friend_id": friend, "code": code, "signals": signals})
    assert r.status_code == status, r.text
    return r.json()


def order(api, order_id, customer_id, paid="80.00", **extra):
    body = {
        "id": order_id,
        "customer_id": customer_id,
        "placed_at": SUNDAY,
        "currency": "USD",
        "lines": [{"id": "l1", "paid": paid, "categories": ["moisturiser"]}],
        **extra,
    }
    r = api.post("/v1/orders", body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def balance(api, customer_id):
    r = api.get(f"/v1/customers/{customer_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    return body["balances"]["balance"], body["balances"]["pending"]


@pytest.fixture
def amal(api):
    program(api)
    customer(api, "amal", email="amal.hassan@gmail.com", name="Amal Hassan")
    return code_of(api, "amal")


def test_a_code_is_readable_aloud_has_40_bits_and_a_share_link(api):
    program(api, code_pattern="DW-XXXXX-XXXXX")
    customer(api, "amal")
    r = api.get("/v1/customers/amal/referral").json()
    assert re.fullmatch(f"DW-[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}", r["code"])
    assert r["link"] == f"https://dewy.example/r/{r['code']}"
    assert api.get("/v1/customers/amal/referral").json()["code"] == r["code"]  # kept
    rotated = api.post("/v1/customers/amal/referral/rotate", {}).json()
    assert rotated["code"] != r["code"]
    # the old code refers no one any more
    sign_up(api, "noor", r["code"], status=404)
    assert sign_up(api, "noor", rotated["code"].lower())["advocate_id"] == "amal"


def test_a_weak_code_pattern_is_refused_naming_the_field(api):
    r = api.put("/v1/program", {**DOCUMENT, "referrals": {**REFERRALS, "code_pattern": "DW-XXXX"}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "referrals.code_pattern"
    assert "40 bits" in r.json()["errors"][0]["reason"]


def test_unknown_customers_have_no_code(api):
    program(api)
    assert api.get("/v1/customers/ghost/referral").status_code == 404


def test_a_friend_who_qualifies_rewards_both_sides_the_advocate_pending(api, amal):
    made = sign_up(api, "noor", amal, email="noor@example.com", ip="10.0.0.7")
    assert made["status"] == "signed_up" and made["friend_rewarded"] is True
    assert {x["rule"] for x in made["rules"]} == {
        "self_referral",
        "not_new",
        "velocity",
        "similarity",
    }
    assert balance(api, "noor") == (200, 0)
    placed = order(api, "o-1", "noor", "80.00")
    assert placed["referral"] == {
        "id": made["id"],
        "status": "qualified",
        "advocate_reward": "granted",
    }
    assert balance(api, "amal") == (0, 500)  # pending for the 14-day return window
    history = api.get("/v1/customers/amal/ledger?locale=ar").json()["data"]
    assert any("لصديق أحلته" in " ".join(line["explanation"]) for line in history), history
    # the order replayed answers the same referral, and pays no one twice
    assert order(api, "o-1", "noor", "80.00")["referral"]["id"] == made["id"]
    assert balance(api, "amal") == (0, 500)


def test_the_code_on_the_order_is_enough_attribution_survives_a_new_device(api, amal):
    placed = order(api, "o-1", "noor", "80.00", referral_code=amal.lower())
    assert placed["referral"]["status"] == "qualified"
    assert balance(api, "amal") == (0, 500) and balance(api, "noor") == (200, 80)


def test_an_order_below_the_minimum_does_not_qualify(api, amal):
    sign_up(api, "noor", amal)
    placed = order(api, "o-1", "noor", "20.00")
    assert placed["referral"]["status"] == "rejected"
    assert balance(api, "amal") == (0, 0)


@pytest.mark.parametrize(
    ("signals", "why"),
    [
        ({"email": "Amal.Hassan+deals@googlemail.com"}, "e-mail"),
        ({"phone": "+966 55 123 4567"}, "phone"),
        ({"address_hash": "addr-1"}, "shipping address"),
        ({"payment_hash": "card-1"}, "payment"),
    ],
)
def test_a_self_referral_is_rejected_by_any_shared_signal(api, amal, signals, why):
    # the advocate's own order told Walaa her phone, address and card
    mine = {"phone": "0551234567", "address_hash": "addr-1", "payment_hash": "card-1"}
    order(api, "own", "amal", "30.00", signals=mine)
    made = sign_up(api, "amal-2", amal, **signals)
    assert made["status"] == "rejected"
    fired = [x for x in made["rules"] if x["outcome"] == "reject"]
    assert fired[0]["rule"] == "self_referral" and why in fired[0]["explanation"]["en"]
    assert fired[0]["explanation"]["ar"].startswith("إحالة ذاتية")
    assert balance(api, "amal-2") == (0, 0)


def test_referring_yourself_by_id_is_rejected(api, amal):
    made = sign_up(api, "amal", amal)
    assert made["status"] == "rejected" and made["rules"][0]["rule"] == "self_referral"


def test_a_friend_who_already_ordered_or_was_referred_is_not_new(api, amal):
    customer(api, "omar")
    omar = code_of(api, "omar")
    order(api, "old", "sara", "60.00")
    assert sign_up(api, "sara", amal)["status"] == "rejected"
    assert sign_up(api, "noor", amal)["status"] == "signed_up"
    second = sign_up(api, "noor", omar)
    assert second["status"] == "rejected"
    why = next(x for x in second["rules"] if x["rule"] == "not_new")["explanation"]["en"]
    assert "already referred" in why


def test_an_ip_burst_is_rejected_past_the_limit(api):
    program(api, fraud={"velocity": {"per_ip_per_week": 2}})
    customer(api, "amal")
    amal = code_of(api, "amal")
    statuses = [sign_up(api, f"f{i}", amal, ip="203.0.113.9")["status"] for i in range(4)]
    assert statuses == ["signed_up", "signed_up", "rejected", "rejected"]
    report = api.get("/v1/referrals/report").json()
    assert report["advocates"][0]["rejected_by_rule"] == {"velocity": 2}


def test_a_similar_friend_is_held_and_a_reviewer_decides(api, amal):
    held = sign_up(api, "amal-h", amal, email="amal.hasan@example.com", name="Amal Hasan")
    assert held["status"] == "held" and held["friend_rewarded"] is False
    queue = api.get("/v1/referrals?status=held").json()["data"]
    assert [r["id"] for r in queue] == [held["id"]]
    order(api, "o-h", "amal-h", "80.00")
    assert balance(api, "amal") == (0, 0)  # waits for the review
    body = {"staff": "layla@dewy.example", "reason": "sisters, checked by phone"}
    r = api.post(f"/v1/referrals/{held['id']}/approve", body)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["decided_by"] == "layla@dewy.example"
    assert balance(api, "amal") == (0, 500) and balance(api, "amal-h") == (200, 80)
    # the same decision again is a replay; the other one a conflict
    assert api.post(f"/v1/referrals/{held['id']}/approve", body).json()["replayed"] is True
    r = api.post(f"/v1/referrals/{held['id']}/reject", body)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert api.get("/v1/referrals?status=held").json()["data"] == []


def test_a_review_needs_the_staff_member_and_a_reason(api, amal):
    held = sign_up(api, "amal-h", amal, name="Amal Hasan")
    r = api.post(f"/v1/referrals/{held['id']}/reject", {"staff": "layla"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert api.get(f"/v1/referrals/{held['id']}").json()["status"] == "held"


def test_a_refund_in_the_window_takes_the_advocates_reward_back(api, amal, walaa):
    sign_up(api, "noor", amal)
    order(api, "o-1", "noor", "80.00")
    assert balance(api, "amal") == (0, 500)
    r = api.post("/v1/orders/o-1/refunds", {"id": "r-1", "whole_order": True})
    assert r.status_code == 201, r.text
    assert balance(api, "amal") == (0, 0)
    found = api.get("/v1/referrals?status=reversed").json()["data"]
    assert found[0]["advocate_reward"] == "taken_back"
    history = api.get("/v1/customers/amal/ledger").json()["data"]
    assert history[0]["kind"] == "reversal"


def test_a_partial_refund_that_still_qualifies_keeps_the_reward(api, amal):
    sign_up(api, "noor", amal)
    order(api, "o-1", "noor", "80.00")
    r = api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "20.00"})
    assert r.status_code == 201, r.text
    assert balance(api, "amal") == (0, 500)


def test_a_cancellation_after_the_window_leaves_the_reward(api, amal, walaa):
    sign_up(api, "noor", amal)
    order(api, "o-1", "noor", "80.00")
    walaa.clock.current += timedelta(days=15)
    r = api.post("/v1/orders/o-1/cancel", {})
    assert r.status_code == 200, r.text
    found = api.get("/v1/referrals?status=qualified").json()["data"]
    assert found[0]["advocate_reward"] == "granted"


def test_caps_per_advocate_stop_rewards_not_referrals(api):
    program(api, caps={"per_advocate": 1}, fraud={"velocity": None})
    customer(api, "amal")
    amal = code_of(api, "amal")
    for friend in ("f1", "f2"):
        sign_up(api, friend, amal)
        order(api, f"o-{friend}", friend, "80.00")
    listed = api.get("/v1/referrals?status=qualified").json()["data"]
    assert sorted(r["advocate_reward"] for r in listed) == ["capped", "granted"]
    assert balance(api, "amal") == (0, 500)
    report = api.get("/v1/referrals/report").json()
    assert report["orders"] == 2 and report["revenue"] == "160.00"
    assert report["advocates"][0]["rewarded"] == 1 and report["advocates"][0]["qualified"] == 2


def test_a_code_of_one_store_means_nothing_in_another(api, other_api, amal):
    other = {**DOCUMENT, "currency": "GBP", "referrals": REFERRALS}
    assert other_api.put("/v1/program", other).status_code == 200
    r = other_api.post("/v1/referrals", {"friend_id": "noor", "code": amal})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    body = {
        "id": "o-1",
        "customer_id": "noor",
        "placed_at": SUNDAY,
        "currency": "GBP",
        "lines": [{"id": "l1", "paid": "80.00"}],
        "referral_code": amal,
    }
    placed = other_api.post("/v1/orders", body).json()
    assert placed["referral"] is None
    assert other_api.get("/v1/referrals").json()["data"] == []
    made = sign_up(api, "noor", amal)
    assert other_api.get(f"/v1/referrals/{made['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"friend_id": "noor"}, "code"),
        ({"friend_id": "noor", "code": "ABC!"}, "code"),
        ({"friend_id": "noor", "code": "X", "signals": {"ip": "999.1.1.1"}}, "signals.ip"),
        ({"friend_id": "noor", "code": "X", "signals": {"email": "not-mail"}}, "signals.email"),
        ({"friend_id": "noor", "code": "X", "signals": {"phone": "call me"}}, "signals.phone"),
    ],
)
def test_bad_referral_requests_name_the_field(api, amal, body, field):
    r = api.post("/v1/referrals", body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert api.get("/v1/referrals").json()["data"] == []


def test_a_sign_up_sent_again_is_a_replay_and_with_other_signals_a_conflict(api, amal):
    first = sign_up(api, "noor", amal, email="noor@example.com")
    again = sign_up(api, "noor", amal, status=200, email="noor@example.com")
    assert again["id"] == first["id"] and again["replayed"] is True
    r = api.post(
        "/v1/referrals",
        {"friend_id": "noor", "code": amal, "signals": {"email": "other@example.com"}},
    )
    assert r.status_code == 409
    assert balance(api, "noor") == (200, 0)  # rewarded once


def run_worker(walaa, store_id):
    settings = WorkerSettings()
    report = run_pass(
        Worker(walaa.uow, walaa.jobs, walaa.idempotency, settings),
        walaa.clock.now(),
        stores=[store_id],
    )
    assert report.ok, {name: job.failures for name, job in report.jobs.items()}
    return report


def test_the_worker_decides_held_referrals_after_the_programs_days(api, walaa):
    program(api, review={"after_days": 7, "then": "approve"})
    customer(api, "amal", name="Amal Hassan")
    held = sign_up(api, "amal-h", code_of(api, "amal"), name="Amal Hasan")
    order(api, "o-h", "amal-h", "80.00")
    walaa.clock.current += timedelta(days=6)
    assert run_worker(walaa, api.store.id).jobs["referrals"].done == 0
    walaa.clock.current += timedelta(days=2)
    assert run_worker(walaa, api.store.id).jobs["referrals"].done == 1
    decided = api.get(f"/v1/referrals/{held['id']}").json()
    assert decided["status"] == "approved" and decided["decided_by"] == "walaa"
    assert "7 days" in decided["decision_reason"]
    assert balance(api, "amal") == (0, 500)
    # the advocate's reward matures with the friend's order's return window, by the worker
    walaa.clock.current += timedelta(days=7)
    assert run_worker(walaa, api.store.id).jobs["referrals"].done == 0
    assert balance(api, "amal") == (500, 0)
    assert audit(walaa, api.store.id).ok


def test_the_worker_rejects_when_the_program_says_so_and_expires_old_sign_ups(api, walaa):
    program(api, review={"after_days": 3, "then": "reject"}, lifetime_days=10)
    customer(api, "amal", name="Amal Hassan")
    amal = code_of(api, "amal")
    held = sign_up(api, "amal-h", amal, name="Amal Hasan")
    waiting = sign_up(api, "noor", amal)
    walaa.clock.current += timedelta(days=11)
    assert run_worker(walaa, api.store.id).jobs["referrals"].done == 2
    assert api.get(f"/v1/referrals/{held['id']}").json()["status"] == "rejected"
    assert api.get(f"/v1/referrals/{waiting['id']}").json()["status"] == "expired"
    # an expired friend's order is no qualifying order any more
    order(api, "late", "noor", "80.00")
    assert balance(api, "amal") == (0, 0)


def test_a_held_referral_whose_order_is_returned_in_the_window_is_rejected(api, amal):
    held = sign_up(api, "amal-h", amal, name="Amal Hasan")
    order(api, "o-h", "amal-h", "80.00")
    assert api.post("/v1/orders/o-h/cancel", {}).status_code == 200
    found = api.get(f"/v1/referrals/{held['id']}").json()
    assert found["status"] == "rejected"
    assert "returned within the return window" in found["rules"][-1]["explanation"]["en"]
    body = {"staff": "layla", "reason": "looks fine"}
    assert api.post(f"/v1/referrals/{held['id']}/approve", body).status_code == 409
    assert balance(api, "amal") == (0, 0)


def codes_of(walaa, store_id, customer_id):
    """(reward, status) of each code the customer holds."""
    rd = t.redemptions
    with walaa.engine.connect() as conn:
        rows = conn.execute(
            select(rd.c.reward_id, rd.c.status).where(
                rd.c.store_id == store_id, rd.c.customer_id == customer_id
            )
        ).all()
    return sorted((row.reward_id, row.status) for row in rows)


def test_catalog_rewards_are_codes_and_a_returned_order_cancels_the_advocates(api, walaa):
    body = {"id": "ten-off", "cost": 1000, "names": {"en": "10 USD off", "ar": "خصم 10"}}
    r = api.post("/v1/rewards", {**body, "kind": "fixed_discount", "value": "10.00"})
    assert r.status_code == 201, r.text
    missing = {**REFERRALS, "friend": {"reward": "nowhere"}}
    r = api.put("/v1/program", {**DOCUMENT, "referrals": missing})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "referrals.friend.reward"
    program(api, advocate={"reward": "ten-off"}, friend={"reward": "ten-off"})
    customer(api, "amal")
    sign_up(api, "noor", code_of(api, "amal"))
    assert codes_of(walaa, api.store.id, "noor") == [("ten-off", "issued")]
    order(api, "o-1", "noor", "80.00")
    assert codes_of(walaa, api.store.id, "amal") == [("ten-off", "issued")]
    assert api.post("/v1/orders/o-1/cancel", {}).status_code == 200
    assert codes_of(walaa, api.store.id, "amal") == [("ten-off", "cancelled")]
    assert codes_of(walaa, api.store.id, "noor") == [("ten-off", "issued")]  # the welcome stays
