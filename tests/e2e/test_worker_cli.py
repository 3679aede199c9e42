"""`walaa worker` on a SQLite file, run as an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from tests.builders import balances, give
from walaa.adapters.db.engine import make_engine
from walaa.bootstrap import App, FixedClock
from walaa.entrypoints.cli import app as cli
from walaa.service.commands import PlaceHold
from walaa.service.handlers.ledger import place_hold

runner = CliRunner()
DAY = timedelta(days=1)


def walaa(*args: str, url: str) -> tuple[int, str]:
    result = runner.invoke(cli, [*args, "--database-url", url], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def shop_with_due_work(tmp_path: Path) -> tuple[str, str, App]:
    """A store whose points were earned 40 days ago: some now due, some soon to expire."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    code, out = walaa("stores", "create", "Dewy Skincare", url=url)
    assert code == 0
    store_id = out.strip()
    app = App(make_engine(url))
    now = datetime.now(UTC)
    clock = FixedClock(now - 40 * DAY)
    give(app, clock, store_id, "amal", 100, expires_at=now - 10 * DAY)
    give(app, clock, store_id, "amal", 60, expires_at=now + 7 * DAY)
    give(app, clock, store_id, "badr", 50, available_at=now - 26 * DAY)
    place_hold(app.uow(), clock, PlaceHold(store_id, "amal", "checkout-1", 30))  # 15 minutes
    return url, store_id, app


def test_worker_once_runs_every_job_and_the_books_still_balance(tmp_path: Path):
    url, store_id, app = shop_with_due_work(tmp_path)
    code, out = walaa("worker", "--once", url=url)
    assert code == 0, out
    assert "over 1 store (" in out
    assert "holds   released 1 hold past their timeout" in out
    assert "mature  matured 50 points in 1 lot of 1 customer (1 batch)" in out
    assert "expire  expired 100 points in 1 lot of 1 customer (1 batch)" in out
    assert "warn    recorded 1 expiry warning" in out
    assert "purge   purged 0 idempotency records" in out
    amal, badr = balances(app, store_id, "amal"), balances(app, store_id, "badr")
    assert (amal.available, amal.held, badr.available, badr.pending) == (60, 0, 50, 0)
    code, out = walaa("audit", url=url)
    assert code == 0, out

    code, out = walaa("worker", "--once", url=url)  # a second pass finds nothing to do
    assert code == 0
    assert "expired 0 points" in out and "recorded 0 expiry warnings" in out
    assert walaa("audit", url=url)[0] == 0


def test_the_warning_horizon_is_a_setting(tmp_path: Path):
    url, _store_id, _app = shop_with_due_work(tmp_path)
    code, out = walaa("worker", "--once", "--warn-days", "3", url=url)
    assert code == 0 and "recorded 0 expiry warnings" in out


def test_the_worker_loops_until_sigterm_and_then_stops_cleanly(tmp_path: Path):
    url, store_id, app = shop_with_due_work(tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "walaa", "worker", "--interval", "0.2", "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert worker.stdout is not None
        assert "worker started" in worker.stdout.readline()
        assert worker.stdout.readline().startswith("pass as of")  # the first pass did work
        deadline = time.monotonic() + 10
        while balances(app, store_id, "amal").available != 60:
            assert time.monotonic() < deadline, "the worker did not expire the points"
            time.sleep(0.05)
        time.sleep(0.5)  # a few idle passes
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, out
    assert out.rstrip().endswith("worker stopped")
    assert walaa("audit", url=url)[0] == 0


def test_a_pass_that_cannot_reach_its_tables_fails_with_exit_status_1(tmp_path: Path):
    code, out = walaa("worker", "--once", url=f"sqlite:///{tmp_path / 'never-migrated.db'}")
    assert code == 1
    assert "pass failed: OperationalError" in out
