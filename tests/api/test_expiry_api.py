"""Expiry settings over HTTP, on a test store's clock: points that live a number of days, and
inactivity expiry, where every point goes after N days without earning or spending, warned
ahead, each warning once per deadline; the worker does it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from tests.api.conftest import api_for
from tests.builders import audit
from walaa.demo import PROGRAM
from walaa.entrypoints.worker import worker_for
from walaa.service.handlers.jobs import WorkerSettings, run_pass
from walaa.service.handlers.stores import create_store

DEMO = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
#: The demo program without its inactivity expiry and milestones: the defaults.
BASE = {
    **{k: v for k, v in DEMO.items() if k != "milestones"},
    "expiry": {"after_months": 6},
}
INACTIVE = {**BASE, "expiry": {"inactive_days": 90, "warn_days_before": [30, 7]}}


@pytest.fixture
def test_api(walaa, clock):
    store = create_store(walaa.uow(), clock, "Sandbox Skincare", "USD", "Asia/Riyadh", "test")
    api = api_for(walaa, clock, store)
    assert api.put("/v1/program", INACTIVE).status_code == 200
    return api


def order(api, order_id: str, placed_at: str, paid: str = "40.00") -> int:
    body = {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": placed_at,
        "currency": "USD",
        "status": "paid",
        "lines": [{"id": "l1", "paid": paid, "categories": ["cleanser"]}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text
    return r.json()["points"]


def move_to(api, moment: str) -> None:
    r = api.post("/v1/test_clock", {"to": moment})
    assert r.status_code == 200, r.text


def worker_pass(walaa, clock, api):
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[api.store.id])
    assert report.ok, report.jobs
    return report.jobs["inactive"]


def points(api) -> int:
    balances = api.get("/v1/customers/amal").json()["balances"]
    return balances["balance"] + balances["pending"]


def warnings(api) -> list[tuple[int, str]]:
    notices = api.get("/v1/customers/amal/notices").json()["data"]
    return sorted(
        (n["payload"]["days_before"], n["payload"]["expires_on"])
        for n in notices
        if n["kind"] == "points_inactive"
    )


def test_every_point_expires_after_the_days_without_activity_explained(walaa, clock, test_api):
    first = order(test_api, "o-1", "2026-03-01T08:00:00Z")
    move_to(test_api, "2026-03-10T09:00:00Z")
    second = order(test_api, "o-2", "2026-03-10T08:00:00Z")
    assert first and second

    move_to(test_api, "2026-06-08T07:00:00Z")  # 89 days and 23 hours after the last order
    assert worker_pass(walaa, clock, test_api).points == 0
    assert points(test_api) == first + second

    move_to(test_api, "2026-06-08T08:00:00Z")  # 90 days: the deadline itself
    job = worker_pass(walaa, clock, test_api)
    assert (job.points, job.lots) == (first + second, 2)
    assert points(test_api) == 0
    assert worker_pass(walaa, clock, test_api).points == 0  # a rerun writes nothing

    ledger = test_api.get("/v1/customers/amal/ledger?locale=en").json()["data"]
    expiry = ledger[0]
    assert (expiry["kind"], expiry["points"], expiry["reference"]) == (
        "expire",
        first + second,
        "inactivity",
    )
    assert expiry["explanation"][0] == (
        f"{first + second} points expired: none were earned or spent for 90 days"
    )
    assert [lot["earned_at"][:10] for lot in expiry["lots"]] == ["2026-03-01", "2026-03-10"]
    assert expiry["explanation"][1].startswith(f"{first} from lot")
    arabic = test_api.get("/v1/customers/amal/ledger?locale=ar").json()["data"][0]
    assert arabic["explanation"][0].startswith(f"انتهت صلاحية {first + second} نقطة: لم تُكسب")
    assert audit(walaa, test_api.store.id).ok


def test_an_order_moves_the_deadline_and_spending_counts_too(walaa, clock, test_api):
    first = order(test_api, "o-1", "2026-03-01T08:00:00Z")
    move_to(test_api, "2026-05-01T09:00:00Z")
    second = order(test_api, "o-2", "2026-05-01T08:00:00Z")
    shown = test_api.get("/v1/customers/amal").json()
    assert shown["last_activity_at"] == "2026-05-01T08:00:00Z"  # the order's date
    assert shown["balances"]["inactivity_expiry"] == "2026-07-30T08:00:00Z"
    move_to(test_api, "2026-06-05T09:00:00Z")  # past 1 March's deadline, not 1 May's
    assert worker_pass(walaa, clock, test_api).points == 0
    assert points(test_api) == first + second

    reward = {"id": "ship", "kind": "free_shipping", "cost": 10, "names": {"en": "Ship"}}
    assert test_api.post("/v1/rewards", reward).status_code == 201
    spent = test_api.post("/v1/customers/amal/redemptions", {"reward_id": "ship"})
    assert spent.status_code == 201, spent.text
    move_to(test_api, "2026-08-01T09:00:00Z")  # past 1 May's deadline, not the spend's
    assert worker_pass(walaa, clock, test_api).points == 0
    move_to(test_api, "2026-09-03T09:00:00Z")  # 90 days after the spend
    assert worker_pass(walaa, clock, test_api).points == first + second - 10
    assert audit(walaa, test_api.store.id).ok


def test_history_imported_late_counts_from_its_own_date(walaa, clock, test_api):
    move_to(test_api, "2026-03-01T09:00:00Z")
    old = order(test_api, "old-1", "2025-11-01T08:00:00Z")  # its deadline, 30 January, passed
    assert worker_pass(walaa, clock, test_api).points == old
    # A newer order starts the clock again; importing an older one later does not move it back.
    order(test_api, "new-1", "2026-02-20T08:00:00Z")
    order(test_api, "old-2", "2025-10-01T08:00:00Z")
    assert worker_pass(walaa, clock, test_api).points == 0
    assert audit(walaa, test_api.store.id).ok


def test_warnings_come_once_per_deadline_and_a_new_activity_makes_new_ones(walaa, clock, test_api):
    order(test_api, "o-1", "2026-03-01T08:00:00Z")  # deadline 2026-05-30 08:00
    move_to(test_api, "2026-04-15T09:00:00Z")
    assert worker_pass(walaa, clock, test_api).done == 0
    move_to(test_api, "2026-04-30T09:00:00Z")  # 30 days ahead
    assert worker_pass(walaa, clock, test_api).done == 1
    move_to(test_api, "2026-05-02T09:00:00Z")
    assert worker_pass(walaa, clock, test_api).done == 0  # already told
    assert warnings(test_api) == [(30, "2026-05-30")]
    move_to(test_api, "2026-05-25T09:00:00Z")  # 5 days ahead: the 7-day warning
    assert worker_pass(walaa, clock, test_api).done == 1
    assert warnings(test_api) == [(7, "2026-05-30"), (30, "2026-05-30")]

    order(test_api, "o-2", "2026-05-25T08:00:00Z")  # the deadline moves to 2026-08-23
    move_to(test_api, "2026-07-24T09:00:00Z")
    assert worker_pass(walaa, clock, test_api).done == 1
    assert warnings(test_api) == [(7, "2026-05-30"), (30, "2026-05-30"), (30, "2026-08-23")]
    notices = test_api.get("/v1/customers/amal/notices").json()["data"]
    newest = next(n for n in notices if n["kind"] == "points_inactive")  # newest first
    assert newest["payload"]["points"] == points(test_api)
    assert newest["payload"]["expires_at"] == "2026-08-23T08:00:00Z"
    assert newest["payload"]["inactive_days"] == 90


def test_a_customer_first_warned_late_hears_only_the_tightest_warning(walaa, clock, test_api):
    order(test_api, "o-1", "2026-03-01T08:00:00Z")
    move_to(test_api, "2026-05-27T09:00:00Z")  # 3 days ahead: not "30 days left"
    assert worker_pass(walaa, clock, test_api).done == 1
    assert warnings(test_api) == [(7, "2026-05-30")]


def test_a_program_without_inactivity_expires_nothing_for_it(walaa, clock, test_api):
    assert test_api.put("/v1/program", BASE).status_code == 200
    order(test_api, "o-1", "2026-03-01T08:00:00Z")
    move_to(test_api, "2026-07-01T09:00:00Z")
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[test_api.store.id])
    assert report.ok and report.jobs["inactive"].points == 0
    assert report.jobs["expire"].points == 0  # the demo's 6 months have not passed either
    assert datetime(2026, 7, 1, 9, tzinfo=UTC) == report.store_times[test_api.store.id]


def test_points_expire_the_given_days_after_they_become_spendable(walaa, clock, test_api):
    days = {**BASE, "expiry": {"after_days": 45}}
    assert test_api.put("/v1/program", days).status_code == 200
    earned = order(test_api, "o-1", "2026-03-01T08:00:00Z")  # spendable 15 March, 08:00
    shown = test_api.get("/v1/customers/amal").json()["balances"]
    assert shown["next_expiry"] == "2026-04-29T08:00:00Z"
    move_to(test_api, "2026-04-29T07:59:00Z")
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[test_api.store.id])
    assert report.jobs["expire"].points == 0
    move_to(test_api, "2026-04-29T08:00:00Z")
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[test_api.store.id])
    assert report.ok and report.jobs["expire"].points == earned
    assert points(test_api) == 0
    assert test_api.get("/v1/customers/amal").json()["balances"]["inactivity_expiry"] is None


def test_a_wrong_expiry_is_refused_with_what_to_change(test_api):
    both = {**BASE, "expiry": {"after_months": 6, "after_days": 30}}
    r = test_api.put("/v1/program", both)
    assert r.status_code == 422, r.text
    assert "expiry: give after_months or after_days, not both" in r.text
    late = {**BASE, "expiry": {"inactive_days": 30, "warn_days_before": [30]}}
    r = test_api.put("/v1/program", late)
    assert r.status_code == 422, r.text
    assert "expiry.warn_days_before[0]: must be fewer than inactive_days (30)" in r.text
    lonely = {**BASE, "expiry": {"warn_days_before": [7]}}
    assert "set inactive_days" in test_api.put("/v1/program", lonely).text
