"""What the games handlers need from the database: seeds, unlocked plays and plays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class SeedRecord:
    game_id: str
    seed_no: int
    server_seed: str
    commitment: str
    plays: int
    created_at: datetime
    revealed_at: datetime | None


@dataclass(frozen=True, slots=True)
class UnlockRecord:
    id: str
    game_id: str
    customer_id: str
    source: str
    order_id: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlayRecord:
    id: str
    game_id: str
    customer_id: str
    unlock_id: str
    seed_no: int
    nonce: int
    client_seed: str
    digest: str
    #: the prize table the draw read: [[prize id, weight as text], ...] in order
    prizes: list[Any]
    prize_id: str
    outcome: str
    points: int
    redemption_id: str | None
    transaction_id: int | None
    status: str
    created_at: datetime


class GamesRepository(Protocol):
    def current_seed(self, game_id: str, now: datetime, *, lock: bool = False) -> SeedRecord:
        """The seed plays use now, started (and committed to) if the game has none."""
        ...

    def seeds(self, game_id: str) -> list[SeedRecord]: ...

    def seed(self, game_id: str, seed_no: int) -> SeedRecord | None: ...

    def next_nonce(self, game_id: str, seed_no: int) -> int:
        """Count one more play of a locked seed; returns its nonce."""
        ...

    def rotate(self, game_id: str, now: datetime) -> tuple[SeedRecord, SeedRecord]:
        """Reveal the current seed and start the next; returns (revealed, new)."""
        ...

    def add_unlock(self, record: UnlockRecord) -> bool:
        """False when the game already has an unlock from this source."""
        ...

    def open_unlock(self, customer_id: str, game_id: str) -> UnlockRecord | None: ...

    def count_open(self, customer_id: str, game_id: str) -> int: ...

    def has_source(self, game_id: str, source: str) -> bool: ...

    def unlocks_of_order(self, order_id: str) -> list[UnlockRecord]: ...

    def set_unlock_status(self, unlock_id: str, status: str) -> None: ...

    def add_play(self, record: PlayRecord, request_key: str | None) -> None: ...

    def play_by_key(self, request_key: str) -> PlayRecord | None: ...

    def play_of_unlock(self, unlock_id: str) -> PlayRecord | None: ...

    def plays(self, game_id: str, seed_no: int | None = None) -> list[PlayRecord]: ...

    def plays_of(self, customer_id: str, game_id: str) -> list[PlayRecord]: ...

    def wins(self, game_id: str, prize_id: str) -> int:
        """Plays that won this prize and were not voided: what its stock has given."""
        ...

    def void_play(self, play_id: str) -> None: ...
