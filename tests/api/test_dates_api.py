"""Dates come from the order: history recorded late lives and expires as it would have."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from tests.builders import audit
from walaa.demo import PROGRAM
from walaa.entrypoints.worker import worker_for
from walaa.service.handlers.jobs import WorkerSettings, run_pass

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))  # 14-day window, 6-month expiry


def _order(order_id: str, placed_at: str) -> dict:
    return {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": placed_at,
        "currency": "USD",
        "status": "paid",
        "lines": [{"id": "l1", "paid": "100.00", "categories": ["cleanser"]}],
    }


def _balances(api) -> dict:
    return api.get("/v1/customers/amal").json()["balances"]


def test_an_order_imported_after_its_expiry_arrives_already_expired(api, walaa):
    assert api.client.put("/v1/program", json=DOCUMENT, headers=api.headers()).status_code == 200
    # placed 2025-06-01, spendable from 06-15, expired 2025-12-15: before "now" (2026-03-01)
    r = api.post("/v1/orders", _order("old-1", "2025-06-01T09:00:00Z"))
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 100
    assert _balances(api)["available"] == 0
    kinds = [e["kind"] for e in api.get("/v1/customers/amal/ledger").json()["data"]]
    assert sorted(kinds) == ["earn", "expire"]
    assert audit(walaa, api.store.id).ok


def test_an_order_imported_late_expires_when_it_would_have(api, walaa):
    api.client.put("/v1/program", json=DOCUMENT, headers=api.headers())
    # placed 2025-12-01: spendable at once (window over), expires 2026-06-15, not 2026-09-01
    api.post("/v1/orders", _order("old-2", "2025-12-01T09:00:00Z"))
    assert _balances(api)["available"] == 100
    worker = worker_for(walaa, WorkerSettings())
    report = run_pass(worker, datetime(2026, 6, 16, tzinfo=UTC), stores=[api.store.id])
    assert report.ok and report.jobs["expire"].points == 100
    assert _balances(api)["available"] == 0
    assert audit(walaa, api.store.id).ok
