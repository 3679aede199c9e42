"""The worker's orchestration with fakes: batching, claiming, failures, stopping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from walaa.service.handlers.jobs import (
    EXPIRE,
    MATURE,
    Worker,
    WorkerSettings,
    batches,
    run_pass,
    timed_key,
)
from walaa.service.handlers.ledger import request_hash
from walaa.service.ports import BatchOutcome, DueCustomer, TimedKey

AS_OF = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeLedger:
    def due_holds(self, as_of: datetime, limit: int) -> list[Any]:
        return []


class FakeEarning:
    def latest_program(self) -> None:
        return None  # no program: nothing expires by inactivity


class FakeStores:
    def test_clock(self, store_id: str) -> None:
        return None  # live stores: the pass runs as of its own moment


class FakeUow:
    stores = FakeStores()

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def ledger(self, store_id: str) -> FakeLedger:
        return FakeLedger()

    def earning(self, store_id: str) -> FakeEarning:
        return FakeEarning()


class FakeJobs:
    """Due lots per store and job; customers in `locked` are held by someone else."""

    def __init__(self, due: dict[tuple[str, str], list[DueCustomer]], locked: frozenset[str]):
        self.due, self.locked = due, locked
        self.written: list[tuple[str, str, list[TimedKey]]] = []
        self.commits = 0
        self.broken: set[str] = set()

    def __call__(self) -> FakeJobs:
        return self

    def __enter__(self) -> FakeJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.commits += 1

    def due_customers(
        self, store_id: str, job: str, as_of: datetime, *, cutoff: datetime | None = None
    ) -> list[DueCustomer]:
        return self.due.get((store_id, job), [])

    def claim_customers(self, store_id: str, customer_ids: list[str]) -> list[str]:
        return [c for c in customer_ids if c not in self.locked]

    def _write(self, job: str, store_id: str, keys: list[TimedKey]) -> BatchOutcome:
        if store_id in self.broken:
            raise RuntimeError("the database went away")
        self.written.append((job, store_id, keys))
        lots = {d.customer_id: d.lots for d in self.due[store_id, job]}
        return BatchOutcome(len(keys), sum(lots[k.customer_id] for k in keys), 0)

    def mature(self, store_id: str, keys: list[TimedKey], as_of: datetime) -> BatchOutcome:
        return self._write(MATURE, store_id, keys)

    def expire(self, store_id: str, keys: list[TimedKey], as_of: datetime) -> BatchOutcome:
        return self._write(EXPIRE, store_id, keys)

    def claim_job(self, store_id: str, job: str) -> bool:
        return True

    def warn_expiring(self, store_id: str, as_of: datetime, until: datetime) -> int:
        return 0


class FakeIdempotency:
    def purge(self, store_id: str, now: datetime) -> int:
        return 3


def worker(jobs: FakeJobs, **settings: Any) -> Worker:
    return Worker(FakeUow, jobs, FakeIdempotency(), WorkerSettings(**settings))  # type: ignore[arg-type]


def due(*lots: int) -> list[DueCustomer]:
    return [DueCustomer(f"c{n}", count) for n, count in enumerate(lots)]


def test_a_batch_holds_whole_customers_up_to_the_lot_budget():
    cut = [[c.customer_id for c in batch] for batch in batches(due(3, 4, 2, 12, 1), 6)]
    assert cut == [["c0"], ["c1", "c2"], ["c3"], ["c4"]]


def test_the_keys_are_the_ones_the_per_customer_handlers_use():
    found = timed_key("st_1", "amal", EXPIRE, AS_OF)
    assert found.idempotency_key == "expire:amal:2026-03-01T09:00:00+00:00"
    assert found.request_hash != request_hash(found)  # the Timed command's, not the key's own


def test_customers_another_transaction_holds_are_skipped_and_counted():
    jobs = FakeJobs({("s1", EXPIRE): due(1, 1, 1)}, locked=frozenset({"c1"}))
    report = run_pass(worker(jobs), AS_OF, stores=["s1"])
    expire = report.jobs[EXPIRE]
    assert (expire.done, expire.lots, expire.skipped) == (2, 2, 1)
    assert [k.customer_id for _job, _store, keys in jobs.written for k in keys] == ["c0", "c2"]


def test_a_job_failing_for_one_store_leaves_the_other_stores_served():
    jobs = FakeJobs({(s, EXPIRE): due(2) for s in ("s1", "s2", "s3")}, locked=frozenset())
    jobs.broken.add("s2")
    report = run_pass(worker(jobs), AS_OF, stores=["s1", "s2", "s3"])
    assert not report.ok
    assert report.jobs[EXPIRE].done == 2
    (failure,) = report.jobs[EXPIRE].failures
    assert failure.startswith("s2: RuntimeError")
    assert report.jobs["purge"].done == 3


def test_a_stop_request_ends_the_pass_between_batches():
    jobs = FakeJobs({("s1", MATURE): due(1, 1, 1, 1)}, locked=frozenset())
    report = run_pass(worker(jobs, batch_lots=1), AS_OF, lambda: jobs.commits >= 2, stores=["s1"])
    assert report.stopped
    assert report.jobs[MATURE].batches == 2 and jobs.commits == 2
    assert report.jobs["purge"].done == 0  # not started once a stop was asked for
