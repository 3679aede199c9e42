"""The `walaa` command line, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from walaa.adapters.db.engine import make_engine
from walaa.entrypoints.cli import app

runner = CliRunner()


def walaa(*args: str, url: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.output


def test_migrate_then_create_a_store_prints_its_id(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    code, out = walaa(
        "stores",
        "create",
        "Dewy Skincare",
        "--currency",
        "sar",
        "--timezone",
        "Asia/Riyadh",
        url=url,
    )
    assert code == 0
    store_id = out.strip()
    assert store_id.startswith("st_")
    code, listing = walaa("stores", "list", url=url)
    assert store_id in listing and "SAR" in listing


def test_a_bad_time_zone_is_a_clear_error(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    walaa("migrate", url=url)
    code, out = walaa("stores", "create", "X", "--timezone", "Mars/Olympus", url=url)
    assert code == 2
    assert "timezone" in out and "IANA" in out


def test_audit_passes_on_the_demo_and_fails_on_tampered_books(tmp_path: Path):
    db = tmp_path / "demo.db"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "walaa",
            "demo",
            "--no-serve",
            "--path",
            str(db),
            "--customers",
            "8",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert "audit: books balance" in built.stdout
    url = f"sqlite:///{db}"
    code, out = walaa("audit", url=url)
    assert code == 0, out
    engine = make_engine(url)
    with engine.begin() as conn:  # a cached balance edited behind the ledger's back
        conn.execute(
            text("UPDATE customers SET available = available + 1 WHERE id = 'customer-001'")
        )
    engine.dispose()
    code, out = walaa("audit", url=url)
    assert code == 1
    assert "BREACH" in out and "customer-001" in out
