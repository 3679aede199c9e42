"""The one place that wires adapters to the service layer. Nothing happens at import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.unit_of_work import SqlUnitOfWork
from walaa.config import Settings


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
    engine: Engine

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


def build(database_url: str | None = None) -> App:
    url = database_url or Settings().database_url
    return App(make_engine(url))
