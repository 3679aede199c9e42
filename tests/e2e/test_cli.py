"""The `walaa` command line, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from typer.testing import CliRunner

from tests.api.live_server import free_port
from walaa.adapters.db.engine import make_engine
from walaa.demo import PROGRAM
from walaa.entrypoints.cli import app, console

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # tables at full width, as on an operator's terminal


def walaa(*args: str, url: str) -> tuple[int, str]:
    return walaa_plain(*args, "--database-url", url)


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
    assert "badges earned by the demo customers" in built.stdout
    assert "First glow / أول توهج" in built.stdout
    # the referral story: each friend and what happened to them
    assert "referrals of amal-hassan" in built.stdout
    story = built.stdout.split("referrals of amal-hassan")[1]
    assert "self-referral" in story and "velocity" in story and "reversed" in story
    assert "approved" in story and "qualified" in story
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


def test_program_validate_lists_every_problem_and_apply_saves_a_version(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("currency: XX\nrules:\n  - id: a\n    effect: {type: nope}\n")
    code, out = walaa_plain("program", "validate", str(bad))
    assert code == 1
    assert "currency" in out and "rules[0].effect" in out and "points_name" in out
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    walaa("migrate", url=url)
    store_id = walaa("stores", "create", "Dewy", "--currency", "USD", url=url)[1].strip()
    program = str(PROGRAM)
    assert walaa_plain("program", "validate", program)[0] == 0
    code, out = walaa("program", "apply", program, "--store", store_id, url=url)
    assert code == 0 and "version 1" in out
    assert "version 1" in walaa("program", "apply", program, "--store", store_id, url=url)[1]
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        PROGRAM.read_text().replace("return_window_days: 14", "return_window_days: 30")
    )
    code, out = walaa("program", "apply", str(changed), "--store", store_id, url=url)
    assert "version 2" in out


def test_keys_are_shown_once_listed_without_secrets_and_revoked(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    walaa("migrate", url=url)
    store_id = walaa("stores", "create", "Dewy", url=url)[1].strip()
    code, out = walaa("keys", "create", "--store", store_id, "--scopes", "read,write", url=url)
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("wk_live_")
    code, listing = walaa("keys", "list", "--store", store_id, url=url)
    assert secret not in listing and secret[:16] in listing
    key_id = next(w for w in listing.split() if w.startswith("key_"))
    assert walaa("keys", "revoke", key_id, url=url)[0] == 0
    assert walaa("keys", "create", "--store", store_id, "--scopes", "root", url=url)[0] == 2


def test_serve_runs_several_workers_against_one_database(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    walaa("migrate", url=url)
    store_id = walaa("stores", "create", "Dewy", url=url)[1].strip()
    secret = walaa("keys", "create", "--store", store_id, "--scopes", "write", url=url)[1]
    secret = secret.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "walaa", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, "WALAA_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base)
        auth = {"Authorization": f"Bearer {secret}"}
        answers = {
            httpx.put(f"{base}/v1/customers/c{i}", json={}, headers=auth).status_code
            for i in range(20)
        }
        assert answers == {200}
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Walaa"
    finally:
        server.terminate()
        server.wait(timeout=20)


def wait_until_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("walaa serve did not become ready")


def walaa_plain(*args: str) -> tuple[int, str]:
    # Rich fixes the console's width from COLUMNS when the module is imported, which may be
    # before any test set it: set it for every run, as an operator's wide terminal would
    console.width = int(WIDE["COLUMNS"])
    result = runner.invoke(app, list(args), env=WIDE)
    return result.exit_code, result.output


def test_migrate_takes_a_url_with_percent_encoded_characters(tmp_path: Path):
    """A percent-encoded password or `?options=-csearch_path%3D...` must not break migrate."""
    url = f"sqlite:///{tmp_path / '100%-dewy.db'}"
    code, out = walaa("migrate", url=url)
    assert code == 0, out
    assert walaa("stores", "create", "Dewy", url=url)[1].strip().startswith("st_")
