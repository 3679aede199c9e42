"""`walaa customers close` and `walaa customers erase`, run as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import walaa
from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import build
from walaa.service.commands import Earn
from walaa.service.handlers import ledger


def a_store_with_points(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    _, out = walaa("stores", "create", "Dewy", "--currency", "SAR", url=url)
    store_id = out.strip()
    app = build(url)
    for customer in ("amal", "badr"):
        ledger.earn(app.uow(), app.clock, Earn(store_id, customer, f"earn:{customer}", 700))
    app.engine.dispose()
    return url, store_id


def test_close_forfeits_the_points_and_erase_keeps_the_books(tmp_path: Path):
    url, store_id = a_store_with_points(tmp_path)
    code, out = walaa(
        "customers", "close", "amal", "--store", store_id, "--reason", "left", url=url
    )
    assert code == 0, out
    assert "700 points forfeited" in out
    code, out = walaa("customers", "erase", "badr", "--store", store_id, "--yes", url=url)
    assert code == 0, out
    assert "kept as erased_" in out and "700 points forfeited" in out
    code, out = walaa("customers", "erase", "badr", "--store", store_id, "--yes", url=url)
    assert code == 2 and "does not exist" in out
    app = build(url)
    with app.engine.connect() as conn:
        report = audit_store(conn, store_id)
    assert report.ok and report.totals["forfeited"] == 1400


def test_erase_asks_before_it_erases(tmp_path: Path):
    url, store_id = a_store_with_points(tmp_path)
    code, _ = walaa("customers", "erase", "badr", "--store", store_id, url=url)
    assert code == 1  # no answer to the question: aborted, nothing erased
    code, out = walaa("customers", "close", "badr", "--store", store_id, "--reason", "x", url=url)
    assert code == 0 and "700 points forfeited" in out
