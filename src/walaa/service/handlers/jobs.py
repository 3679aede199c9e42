"""The worker's scheduled jobs, for every store, as of one moment.

One pass runs, for each store in turn:

1. ``holds``  -- holds past their timeout are released (:func:`release_expired_holds`);
   ``referrals`` -- held referrals no one reviewed within the program's
   ``referrals.review.after_days`` are approved or rejected as it says, and sign-ups past
   ``referrals.lifetime_days`` without a qualifying order expire
   (:func:`walaa.service.handlers.referrals.run_reviews`);
2. ``mature`` -- pending lots whose return window has passed become spendable, repaying a debt
   first;
3. ``expire`` -- what is left in lots past their expiry is expired, never points already
   spent or held and never newer lots;
4. ``warn``   -- a notice is recorded for points that expire within ``warn_days``, once per
   customer and expiry date;
5. ``inactive`` -- when the program expires points after ``expiry.inactive_days`` without
   earning or spending, every point of the customers past it is expired (set-based, like
   ``expire``, with an explanation that says why), and customers coming up to it are warned
   ``expiry.warn_days_before`` days ahead, once per deadline and warning;

and ``purge`` forgets the store's stored HTTP responses older than their retention (24 hours),
store by store like every other job.

Maturing and expiry are set-based (:class:`ScheduledJobs`): the customers with due lots are
listed, cut into batches of about ``batch_lots`` lots, and each batch is one database
transaction that first claims its customers -- locks their rows and skips any that another
worker or a ledger write holds -- and then writes every claimed customer's transaction at
once. A customer skipped now is due again on the next pass. Each customer's transaction carries
the very key and fingerprint :func:`mature_points` and :func:`expire_points` use for the same
moment, so a batch rerun after a crash, or the per-customer handler called afterwards, finds it
and writes nothing. A batch either committed or did not: there is nothing to repair.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from walaa.service.commands import Timed
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.ledger import release_expired_holds, request_hash
from walaa.service.handlers.memberships import run_memberships
from walaa.service.handlers.referrals import run_reviews
from walaa.service.handlers.rewards import expire_codes
from walaa.service.handlers.stores import clock_for
from walaa.service.handlers.tiers import review_batch
from walaa.service.ports import (
    BatchOutcome,
    DueCustomer,
    IdempotencyPurge,
    ScheduledJobs,
    ScheduledJobsFactory,
    TimedKey,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

HOLDS, MATURE, EXPIRE, WARN, PURGE = "holds", "mature", "expire", "warn", "purge"
CODES, MEMBERSHIPS, TIERS, INACTIVE = "codes", "memberships", "tiers", "inactive"
REFERRALS = "referrals"
JOBS = (HOLDS, REFERRALS, MATURE, EXPIRE, WARN, INACTIVE, CODES, MEMBERSHIPS, TIERS, PURGE)
NOTHING_TO_STOP: Callable[[], bool] = lambda: False  # noqa: E731


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    #: days before points expire that the customer is warned; 0 warns never
    warn_days: int = 14
    #: due lots per database transaction (a customer's lots are never split across batches)
    batch_lots: int = 10_000
    #: holds read per scan; scans repeat until none are due
    hold_batch: int = 500

    def __post_init__(self) -> None:
        if self.warn_days < 0 or self.batch_lots < 1 or self.hold_batch < 1:
            raise ValueError("warn_days must be >= 0, batch_lots and hold_batch >= 1")


@dataclass(frozen=True, slots=True)
class Worker:
    """What the jobs need: units of work, the set-based jobs, the idempotency records."""

    uow: UnitOfWorkFactory
    jobs: ScheduledJobsFactory
    idempotency: IdempotencyPurge
    settings: WorkerSettings = field(default_factory=WorkerSettings)


@dataclass
class JobReport:
    """What one job did over every store in a pass."""

    name: str
    #: ledger transactions written (one per customer and job), holds released, notices
    #: recorded, or idempotency records purged
    done: int = 0
    lots: int = 0
    points: int = 0
    batches: int = 0
    #: customers claimed by another worker or a ledger write: due again next pass
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, outcome: BatchOutcome) -> None:
        self.done += outcome.transactions
        self.lots += outcome.lots
        self.points += outcome.points
        self.batches += 1


@dataclass
class PassReport:
    as_of: datetime
    stores: int = 0
    seconds: float = 0.0
    #: True if a stop was asked for and the pass ended early, between two batches
    stopped: bool = False
    jobs: dict[str, JobReport] = field(default_factory=lambda: {n: JobReport(n) for n in JOBS})
    #: the stores that ran on a test clock, and the time they ran as of
    store_times: dict[str, datetime] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(job.failures for job in self.jobs.values())

    @property
    def idle(self) -> bool:
        return self.ok and not any(job.done or job.skipped for job in self.jobs.values())


@dataclass(frozen=True, slots=True)
class _At:
    """A clock stopped at the pass's moment: every job of a pass sees the same time."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def run_pass(
    worker: Worker,
    as_of: datetime,
    should_stop: Callable[[], bool] = NOTHING_TO_STOP,
    *,
    stores: Sequence[str] | None = None,
) -> PassReport:
    """Run every job for every store (or the ``stores`` named) as of ``as_of``.

    A job that fails for one store is reported and the pass goes on with the rest.
    """
    started = time.monotonic()
    report = PassReport(as_of)
    if stores is None:
        with worker.uow() as uow:
            store_ids = [store.id for store in uow.stores.list()]
    else:
        store_ids = list(stores)
    report.stores = len(store_ids)
    jobs = report.jobs
    steps: list[tuple[str, Callable[..., None]]] = [
        (HOLDS, lambda s, *, at: release_holds(worker, s, at, jobs[HOLDS], should_stop)),
        (REFERRALS, lambda s, *, at: _referrals(worker, s, at, jobs[REFERRALS])),
        (MATURE, lambda s, *, at: run_timed(worker, s, MATURE, at, jobs[MATURE], should_stop)),
        (EXPIRE, lambda s, *, at: run_timed(worker, s, EXPIRE, at, jobs[EXPIRE], should_stop)),
        (WARN, lambda s, *, at: warn_expiring(worker, s, at, jobs[WARN])),
        (INACTIVE, lambda s, *, at: expire_inactive(worker, s, at, jobs[INACTIVE], should_stop)),
        (CODES, lambda s, *, at: _count(jobs[CODES], expire_codes(worker.uow(), _At(at), s))),
        (MEMBERSHIPS, lambda s, *, at: _memberships(worker, s, at, jobs[MEMBERSHIPS])),
        (TIERS, lambda s, *, at: _tiers(worker, s, at, jobs[TIERS], should_stop)),
        # stored responses age by the wall clock, whatever a test store's own time says
        (PURGE, lambda s, *, at: _count(jobs[PURGE], worker.idempotency.purge(s, as_of))),
    ]
    for store_id in store_ids:
        # a test store with a test clock runs as of its own time, read once for the pass
        at = _store_time(worker, store_id, as_of, report)
        for name, step in steps:
            if should_stop():
                report.stopped = True
                break
            _guarded(jobs[name], store_id, partial(step, at=at))
    report.stopped = report.stopped or should_stop()
    report.seconds = time.monotonic() - started
    return report


def _store_time(worker: Worker, store_id: str, as_of: datetime, report: PassReport) -> datetime:
    at = clock_for(worker.uow(), _At(as_of), store_id).now()
    if at != as_of:
        report.store_times[store_id] = at
    return at


def _count(job: JobReport, done: int) -> None:
    job.done += done


def _referrals(worker: Worker, store_id: str, as_of: datetime, job: JobReport) -> None:
    """Decide referrals held past the program's review days; expire sign-ups past their
    lifetime (each under its friend's lock, so a person deciding at once wins or waits)."""
    decided, expired = run_reviews(worker.uow(), _At(as_of), store_id)
    job.done += decided + expired


def _memberships(worker: Worker, store_id: str, as_of: datetime, job: JobReport) -> None:
    """Lapse memberships that ran out and post monthly grants (each once, by its key)."""
    counts = run_memberships(worker.uow(), _At(as_of), store_id)
    job.done += counts["grants"] + counts["expired"]


def _tiers(
    worker: Worker,
    store_id: str,
    as_of: datetime,
    job: JobReport,
    should_stop: Callable[[], bool],
) -> None:
    """Review the customers whose tier review is due, a batch at a time."""
    while not should_stop():
        reviewed = review_batch(worker.uow(), _At(as_of), store_id)
        job.done += reviewed
        if reviewed == 0:
            return


def _guarded(job: JobReport, store_id: str, step: Callable[[str], None]) -> None:
    try:
        step(store_id)
    except Exception as exc:  # one store's failure must not starve the others
        log.exception("worker job %s failed for store %s", job.name, store_id)
        job.failures.append(f"{store_id}: {type(exc).__name__}: {exc}")


def release_holds(
    worker: Worker,
    store_id: str,
    as_of: datetime,
    job: JobReport,
    should_stop: Callable[[], bool] = NOTHING_TO_STOP,
) -> None:
    """Release the store's holds past their timeout, a scan of ``hold_batch`` at a time.

    Each release is its own ledger write, keyed ``hold:{id}:timeout`` and guarded by the hold's
    status, so two workers releasing the same hold write it once.
    """
    limit = worker.settings.hold_batch
    while not should_stop():
        released = release_expired_holds(worker.uow(), _At(as_of), store_id, limit)
        job.done += released
        if released < limit:
            return


def timed_key(store_id: str, customer_id: str, job: str, as_of: datetime) -> TimedKey:
    """The key and fingerprint ``mature_points``/``expire_points`` give the same entry."""
    key = f"{job}:{customer_id}:{as_of.isoformat()}"
    return TimedKey(customer_id, key, request_hash(Timed(store_id, customer_id, key, job, as_of)))


def batches(due: Sequence[DueCustomer], batch_lots: int) -> Iterator[list[DueCustomer]]:
    """Whole customers, in order, about ``batch_lots`` lots at a time."""
    batch: list[DueCustomer] = []
    lots = 0
    for customer in due:
        if batch and lots + customer.lots > batch_lots:
            yield batch
            batch, lots = [], 0
        batch.append(customer)
        lots += customer.lots
    if batch:
        yield batch


def run_timed(
    worker: Worker,
    store_id: str,
    name: str,
    as_of: datetime,
    job: JobReport,
    should_stop: Callable[[], bool] = NOTHING_TO_STOP,
    *,
    inactive_days: int | None = None,
) -> None:
    """Mature or expire every due lot of the store, one claimed batch per transaction
    (``inactive`` with ``inactive_days``: every lot of the customers inactive that long).

    The list of due customers is read once, without locks: it only says where to look. Each
    batch claims its customers and then re-reads their lots under the lock, so a customer
    another worker finished in the meantime has nothing left and gets no second transaction,
    and one who ordered in the meantime is no longer inactive.
    """
    cutoff = as_of - timedelta(days=inactive_days) if inactive_days is not None else None
    with worker.jobs() as jobs:
        due = jobs.due_customers(store_id, name, as_of, cutoff=cutoff)
    for batch in batches(due, worker.settings.batch_lots):
        if should_stop():
            return
        with worker.jobs() as jobs:
            outcome = _claimed_batch(jobs, store_id, name, as_of, batch, job, inactive_days)
            jobs.commit()
        job.add(outcome)


def _claimed_batch(
    jobs: ScheduledJobs,
    store_id: str,
    name: str,
    as_of: datetime,
    batch: Sequence[DueCustomer],
    job: JobReport,
    inactive_days: int | None,
) -> BatchOutcome:
    claimed = jobs.claim_customers(store_id, [c.customer_id for c in batch])
    job.skipped += len(batch) - len(claimed)
    keys = [timed_key(store_id, customer_id, name, as_of) for customer_id in claimed]
    if name == INACTIVE:
        assert inactive_days is not None
        return jobs.expire_inactive(store_id, keys, as_of, inactive_days)
    write = jobs.mature if name == MATURE else jobs.expire
    return write(store_id, keys, as_of)


def expire_inactive(
    worker: Worker,
    store_id: str,
    as_of: datetime,
    job: JobReport,
    should_stop: Callable[[], bool] = NOTHING_TO_STOP,
) -> None:
    """Warn the customers coming up to the program's inactivity deadline, then expire the
    points of those past it. Nothing when the program has no ``expiry.inactive_days``."""
    with worker.uow() as uow:
        program = in_force(uow, store_id)
    policy = program.expiry if program is not None else None
    if policy is None or policy.inactive_days is None:
        return
    windows = policy.warning_windows(as_of)
    if windows:
        with worker.jobs() as jobs:
            if jobs.claim_job(store_id, INACTIVE):
                job.done += jobs.warn_inactive(store_id, as_of, windows, policy.inactive_days)
                jobs.commit()
            else:
                job.skipped += 1
    run_timed(
        worker, store_id, INACTIVE, as_of, job, should_stop, inactive_days=policy.inactive_days
    )


def warn_expiring(worker: Worker, store_id: str, as_of: datetime, job: JobReport) -> None:
    """Record a notice for points expiring within ``warn_days``: once per customer and date.

    One worker per store at a time does it (the others skip it this pass); the notice's unique
    key makes a rerun, or a race, record nothing twice.
    """
    days = worker.settings.warn_days
    if not days:
        return
    with worker.jobs() as jobs:
        if not jobs.claim_job(store_id, WARN):
            job.skipped += 1
            return
        recorded = jobs.warn_expiring(store_id, as_of, as_of + timedelta(days=days))
        jobs.commit()
    job.done += recorded
    job.batches += 1
