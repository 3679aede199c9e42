"""What the achievements handlers need from the database: progress rows and grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ProgressRecord:
    achievement_id: str
    #: what the counting meant when it was stored (`Achievement.signature`)
    signature: str
    #: the buckets and the latest day, as `Progress.to_record` writes them
    state: dict[str, Any]
    times: int


@dataclass(frozen=True, slots=True)
class GrantRecord:
    customer_id: str
    achievement_id: str
    #: the customer's n-th time earning it, from 1
    times: int
    #: order:<id> or event:<id>
    source: str
    at: datetime
    points: int | None
    transaction_id: int | None
    redemption_id: str | None
    names: dict[str, str]
    created_at: datetime


class AchievementsRepository(Protocol):
    def progress_of(self, customer_id: str) -> dict[str, ProgressRecord]:
        """Every stored progress of a customer, by achievement id, in one read."""
        ...

    def save_progress(self, customer_id: str, records: list[ProgressRecord], now: datetime) -> None:
        """Write these progress rows (new or changed) in one statement."""
        ...

    def add_grants(self, records: list[GrantRecord]) -> None:
        """Record grants in one statement; a grant's (customer, achievement, times) is unique."""
        ...

    def grants_of(self, customer_id: str) -> list[GrantRecord]:
        """A customer's grants, oldest first."""
        ...
