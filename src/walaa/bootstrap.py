"""The one place that wires adapters to the service layer. Nothing happens at import."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine

from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.idempotency import SqlIdempotencyStore
from walaa.adapters.db.jobs import SqlScheduledJobs
from walaa.adapters.db.unit_of_work import SqlBatchUnitOfWork, SqlUnitOfWork
from walaa.config import Settings
from walaa.domain.games import new_server_seed
from walaa.service.ports import Clock
from walaa.service.program_cache import ProgramCache


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that moves only when told: for tests, the demo and replays of history."""

    current: datetime

    def now(self) -> datetime:
        return self.current


@dataclass
class App:
    """The wired application: an engine, a clock, and factories for units of work."""

    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    #: where games' server seeds come from: `secrets` in production; the demo passes its own
    #: random source, so the same demo seed builds the same store
    game_seeds: Callable[[], str] = new_server_seed
    #: WALAA_SECRET_KEY: what widget secrets and member-card codes are derived from
    secret_key: str | None = None
    #: programs parsed once per settings stamp, shared by this application's units of work
    programs: ProgramCache = field(default_factory=ProgramCache)
    #: stores' modes, which never change: a live store's requests look for no test clock
    store_modes: dict[str, str] = field(default_factory=dict)

    def on_clock(self, clock: Clock) -> App:
        """The same application reading ``clock``: engine and idempotency store are shared."""
        view = copy.copy(self)
        view.clock = clock
        return view

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.game_seeds, self.programs)

    def batch_uow(self) -> SqlBatchUnitOfWork:
        """Units of work that share one database transaction (see SqlBatchUnitOfWork)."""
        return SqlBatchUnitOfWork(self.engine, self.game_seeds)

    @cached_property
    def idempotency(self) -> SqlIdempotencyStore:
        return SqlIdempotencyStore(self.engine)

    def jobs(self) -> SqlScheduledJobs:
        """One database transaction of the worker's set-based jobs."""
        return SqlScheduledJobs(self.engine)


def build(database_url: str | None = None) -> App:
    settings = Settings()
    return App(make_engine(database_url or settings.database_url), secret_key=settings.secret_key)
