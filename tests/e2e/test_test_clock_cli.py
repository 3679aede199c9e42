"""`walaa clock`: a test store's months pass in seconds, and `walaa worker` follows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from tests.e2e.test_worker_cli import walaa
from walaa.bootstrap import build
from walaa.demo import PROGRAM
from walaa.entrypoints.http.app import create_app


def sandbox(tmp_path: Path) -> tuple[str, str, str]:
    """A migrated file with a test store running a program whose points last 12 months."""
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    assert walaa("migrate", url=url)[0] == 0
    code, out = walaa("stores", "create", "Sandbox Skincare", "--mode", "test", url=url)
    assert code == 0, out
    store_id = out.strip()
    program = {
        **yaml.safe_load(PROGRAM.read_text(encoding="utf-8")),
        "expiry": {"after_months": 12},
    }
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(program, allow_unicode=True), encoding="utf-8")
    code, out = walaa("program", "apply", str(path), "--store", store_id, url=url)
    assert code == 0, out
    code, out = walaa("keys", "create", "--store", store_id, "--scopes", "admin", url=url)
    assert code == 0, out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("wk_test_")  # a test store's keys are test keys
    return url, store_id, secret


def earn(url: str, secret: str) -> int:
    """An order paid a minute ago, over HTTP; the points it leaves pending."""
    client = TestClient(create_app(build(url)))
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "order-1"}
    placed = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = {
        "id": "o-1",
        "customer_id": "amal",
        "placed_at": placed,
        "currency": "USD",
        "lines": [{"id": "l1", "paid": "48.00", "categories": ["serum"]}],
    }
    assert client.post("/v1/orders", json=body, headers=headers).status_code in (200, 201)
    balances = client.get("/v1/customers/amal", headers=headers).json()["balances"]
    return int(balances["pending"])


def in_months(months: int) -> str:
    return (datetime.now(UTC) + timedelta(days=31 * months)).date().isoformat()


def test_advancing_the_clock_thirteen_months_expires_the_points(tmp_path: Path):
    url, store_id, secret = sandbox(tmp_path)
    points = earn(url, secret)
    assert points > 0

    code, out = walaa("worker", "--once", url=url)  # nothing is due yet
    assert code == 0 and "expired 0 points" in out, out

    to = in_months(13)
    code, out = walaa("clock", "advance", "--store", store_id, "--to", to, url=url)
    assert code == 0, out
    assert f"now runs as of {to}T00:00:00+00:00" in out
    code, out = walaa("clock", "show", "--store", store_id, url=url)
    assert out.startswith(f"{to}T00:00:00+00:00 (test store, test clock)"), out

    code, out = walaa("worker", "--once", url=url)
    assert code == 0, out
    assert f"store {store_id} ran on its test clock, as of {to}T00:00:00+00:00" in out
    assert f"matured {points} points in 1 lot of 1 customer" in out
    assert f"expired {points} points in 1 lot of 1 customer" in out
    code, out = walaa("audit", url=url)
    assert code == 0, out


def test_the_clock_cannot_go_back_nor_run_a_live_store(tmp_path: Path):
    url, store_id, _secret = sandbox(tmp_path)
    assert walaa("clock", "advance", "--store", store_id, "--to", in_months(2), url=url)[0] == 0
    code, out = walaa("clock", "advance", "--store", store_id, "--to", in_months(1), url=url)
    assert code == 2 and "only moves forward" in out, out
    code, out = walaa("clock", "advance", "--store", store_id, "--to", "next year", url=url)
    assert code == 2 and "to:" in out, out

    live = walaa("stores", "create", "Dewy Skincare", url=url)[1].strip()
    code, out = walaa("clock", "advance", "--store", live, "--to", in_months(1), url=url)
    assert code == 2 and "this store is live" in out, out
    code, out = walaa("clock", "show", "--store", live, url=url)
    assert code == 0 and "(live store, wall clock)" in out
    code, out = walaa(
        "keys", "create", "--store", store_id, "--scopes", "read", "--mode", "live", url=url
    )
    assert code == 2 and "test keys" in out, out
