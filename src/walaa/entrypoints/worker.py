"""`walaa worker`: the scheduled jobs of every store, once or every ``interval`` seconds.

Each pass reads the clock once and runs every job as of that moment
(:func:`walaa.service.handlers.jobs.run_pass`); a test store with a test clock runs as of its
own time instead, read once per pass too. SIGTERM or SIGINT asks the worker to stop: the
batch in flight commits (or rolls back) as usual, no new batch starts, and the process exits 0.
A second signal stops it at once; the open database transaction then rolls back, which is safe
because every batch is one transaction and every job is idempotent.

On PostgreSQL any number of workers may run side by side: they claim customers with
``FOR UPDATE SKIP LOCKED`` and take store-wide jobs with advisory locks. On SQLite run one.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from walaa.bootstrap import App
from walaa.service.handlers.jobs import (
    EXPIRE,
    HOLDS,
    MATURE,
    PURGE,
    REFERRALS,
    WARN,
    JobReport,
    PassReport,
    Worker,
    WorkerSettings,
    run_pass,
)

Print = Callable[[str], None]
log = logging.getLogger(__name__)


def worker_for(app: App, settings: WorkerSettings) -> Worker:
    return Worker(app.uow, app.jobs, app.idempotency, settings)


def _n(count: int, thing: str, plural: str | None = None) -> str:
    return f"{count:,} {thing if count == 1 else plural or thing + 's'}"


def describe(job: JobReport) -> str:
    """One line a person reads: what the job did, over every store."""
    moved = (
        f"{_n(job.points, 'point')} in {_n(job.lots, 'lot')} of {_n(job.done, 'customer')} "
        f"({_n(job.batches, 'batch', 'batches')})"
    )
    what = {
        HOLDS: f"released {_n(job.done, 'hold')} past their timeout",
        MATURE: f"matured {moved}",
        EXPIRE: f"expired {moved}",
        WARN: f"recorded {_n(job.done, 'expiry warning')}",
        PURGE: f"purged {_n(job.done, 'idempotency record')} older than 24 hours",
        REFERRALS: f"decided or expired {_n(job.done, 'referral')}",
    }.get(job.name, f"{job.done:,} done")  # a job added later says at least how much
    if job.skipped:
        whom = _n(job.skipped, "store" if job.name == WARN else "customer")
        what += f"; skipped {whom} locked by another worker or write"
    for failure in job.failures:
        what += f"\n    FAILED {failure}"
    return what


def print_pass(report: PassReport, out: Print) -> None:
    stopped = ", stopped early" if report.stopped else ""
    out(
        f"pass as of {report.as_of.isoformat()} over {_n(report.stores, 'store')} "
        f"({report.seconds:.2f} s{stopped})"
    )
    for store_id, at in report.store_times.items():
        out(f"  store {store_id} ran on its test clock, as of {at.isoformat()}")
    for job in report.jobs.values():
        out(f"  {job.name:<7} {describe(job)}")


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_worker(
    app: App,
    *,
    once: bool,
    interval: float,
    settings: WorkerSettings,
    out: Print,
    stores: Sequence[str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run passes until told to stop (or one pass with ``once``); 1 if the last pass failed.

    ``stores`` limits the passes to those stores; by default they serve every store.
    """
    worker = worker_for(app, settings)
    stop = stop or threading.Event()
    ok = True
    with stop_on_signals(stop):
        if not once:
            out(f"worker started: a pass every {interval:g} s; SIGTERM or Ctrl+C stops it")
        while not stop.is_set():
            try:
                report = run_pass(worker, app.clock.now(), stop.is_set, stores=stores)
            except Exception as exc:  # the database is away, say: try again next interval
                log.exception("worker pass failed")
                out(f"pass failed: {type(exc).__name__}: {exc}")
                ok = False
            else:
                ok = report.ok
                if once or not report.idle:
                    print_pass(report, out)
            if once:
                break
            stop.wait(interval)
    if not once:
        out("worker stopped")
    return 0 if ok else 1
