"""/v1/test_clock: a test store's time moves when told, and the API and the worker follow it."""

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

DOCUMENT = {**yaml.safe_load(PROGRAM.read_text(encoding="utf-8")), "expiry": {"after_months": 12}}
EARNED_AT = "2026-03-01T09:00:00Z"  # the fixed clock's time: 12:00 on a Sunday in Riyadh


@pytest.fixture
def test_api(walaa, clock):
    store = create_store(walaa.uow(), clock, "Sandbox Skincare", "USD", "Asia/Riyadh", "test")
    return api_for(walaa, clock, store)


def order(order_id: str, placed_at: str) -> dict:
    return {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": placed_at,
        "currency": "USD",
        "lines": [{"id": "l1", "paid": "48.00", "categories": ["serum"]}],
    }


def customer(api) -> dict:
    found = api.get("/v1/customers/amal")
    assert found.status_code == 200, found.text
    return found.json()["balances"]


def test_a_test_store_runs_on_the_wall_clock_until_its_clock_is_advanced(test_api, clock):
    shown = test_api.get("/v1/test_clock")
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "store_id": test_api.store.id,
        "mode": "test",
        "now": "2026-03-01T09:00:00Z",
        "frozen": False,
        "advanced_at": None,
    }
    moved = test_api.post("/v1/test_clock", {"to": "2026-06-01T00:00:00+03:00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["now"] == "2026-05-31T21:00:00Z"
    assert test_api.get("/v1/test_clock").json()["frozen"] is True


def test_points_expire_on_the_store_clock_when_the_worker_runs(walaa, test_api, clock):
    assert test_api.put("/v1/program", DOCUMENT).status_code == 200
    earned = test_api.post("/v1/orders", order("o-1", EARNED_AT), key="earn-1")
    assert earned.status_code in (200, 201), earned.text
    assert customer(test_api)["pending"] > 0
    points = customer(test_api)["pending"]

    # thirteen months on: an order dated then was "in the future" a moment ago, and is now not
    late = order("o-2", "2027-04-01T09:00:00Z")
    assert test_api.post("/v1/orders", late, key="late-1").status_code == 422
    moved = test_api.post("/v1/test_clock", {"to": "2027-04-01T10:00:00Z"})
    assert moved.status_code == 200, moved.text

    # the wall clock (the fixed one) has not moved: only the store's own time did
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[test_api.store.id])
    assert report.ok, report.jobs
    assert report.store_times == {test_api.store.id: datetime(2027, 4, 1, 10, tzinfo=UTC)}
    assert report.jobs["mature"].points == points
    assert report.jobs["expire"].points == points
    after = customer(test_api)
    assert (after["pending"], after["balance"], after["spendable"]) == (0, 0, 0)
    assert audit(walaa, test_api.store.id).ok
    assert test_api.post("/v1/orders", late, key="late-2").status_code in (200, 201)


def test_a_live_store_has_no_test_clock(api):
    refused = api.post("/v1/test_clock", {"to": "2027-01-01T00:00:00Z"})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert body["type"] == "/problems/live-store"
    assert body["errors"] == [{"field": "mode", "reason": body["errors"][0]["reason"]}]
    assert "test-mode" in body["errors"][0]["reason"]
    assert api.get("/v1/test_clock").json()["mode"] == "live"


def test_a_test_clock_only_moves_forward(test_api):
    assert test_api.post("/v1/test_clock", {"to": "2026-09-01T00:00:00Z"}).status_code == 200
    back = test_api.post("/v1/test_clock", {"to": "2026-08-01T00:00:00Z"})
    assert back.status_code == 422, back.text
    assert back.json()["errors"][0]["field"] == "to"
    assert "forward" in back.json()["errors"][0]["reason"]
    naive = test_api.post("/v1/test_clock", {"to": "2026-10-01T00:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "to"
    assert test_api.get("/v1/test_clock").json()["now"] == "2026-09-01T00:00:00Z"


def test_moving_a_clock_needs_an_admin_key(walaa, clock, test_api):
    reader = api_for(walaa, clock, test_api.store, scopes="read")
    assert reader.post("/v1/test_clock", {"to": "2026-09-01T00:00:00Z"}).status_code == 403
    assert reader.get("/v1/test_clock").status_code == 200


def test_memberships_lapse_on_the_store_clock(walaa, test_api, clock):
    plan = {"id": "sandbox-monthly", "names": {"en": "Monthly"}, "fee": "12.00"}
    created = test_api.post("/v1/plans", {**plan, "currency": "USD", "period": "monthly"})
    assert created.status_code == 201, created.text
    joined = test_api.post(
        "/v1/customers/amal/memberships", {"plan_id": "sandbox-monthly", "payment_ref": "p-1"}
    )
    assert joined.status_code == 201, joined.text
    assert test_api.post("/v1/test_clock", {"to": "2026-04-15T00:00:00Z"}).status_code == 200
    listed = test_api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert listed["benefits"]["active"] is False  # the API reads the store's time at once
    report = run_pass(worker_for(walaa, WorkerSettings()), clock.now(), stores=[test_api.store.id])
    assert report.jobs["memberships"].done == 1
    listed = test_api.get("/v1/customers/amal/memberships").json()["data"][0]
    assert listed["status"] == "expired"
