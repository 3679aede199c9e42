"""Games of chance: server seeds and their commitments, unlocked plays, and every draw."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.games import commitment, new_server_seed
from walaa.service.game_ports import PlayRecord, SeedRecord, UnlockRecord


def _seed(row: Any) -> SeedRecord:
    return SeedRecord(
        row.game_id,
        row.seed_no,
        row.server_seed,
        row.commitment,
        row.plays,
        row.created_at,
        row.revealed_at,
    )


def _unlock(row: Any) -> UnlockRecord:
    return UnlockRecord(
        row.id,
        row.game_id,
        row.customer_id,
        row.source,
        row.order_id,
        row.status,
        row.created_at,
    )


def _play(row: Any) -> PlayRecord:
    values = dict(row._mapping)
    values.pop("store_id")
    values.pop("request_key")
    return PlayRecord(**values)


class SqlGamesRepository:
    def __init__(
        self, conn: Connection, store_id: str, new_seed: Callable[[], str] = new_server_seed
    ) -> None:
        self.conn = conn
        self.store_id = store_id
        self.new_seed = new_seed

    # -- seeds ---------------------------------------------------------------------------

    def _seeds(self, game_id: str) -> Any:
        s = t.game_seeds
        return select(s).where(s.c.store_id == self.store_id, s.c.game_id == game_id)

    def current_seed(self, game_id: str, now: datetime, *, lock: bool = False) -> SeedRecord:
        s = t.game_seeds
        stmt = self._seeds(game_id).where(s.c.revealed_at.is_(None))
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        if row is not None:
            return _seed(row)
        # The first seed: two first plays racing insert the same key, one does nothing.
        seed = self.new_seed()
        self.conn.execute(
            insert_for(self.conn.dialect, s)
            .values(
                store_id=self.store_id,
                game_id=game_id,
                seed_no=1,
                server_seed=seed,
                commitment=commitment(seed),
                plays=0,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["store_id", "game_id", "seed_no"])
        )
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        assert row is not None
        return _seed(row)

    def seeds(self, game_id: str) -> list[SeedRecord]:
        rows = self.conn.execute(self._seeds(game_id).order_by(t.game_seeds.c.seed_no))
        return [_seed(row) for row in rows]

    def seed(self, game_id: str, seed_no: int) -> SeedRecord | None:
        row = self.conn.execute(
            self._seeds(game_id).where(t.game_seeds.c.seed_no == seed_no)
        ).first()
        return _seed(row) if row else None

    def next_nonce(self, game_id: str, seed_no: int) -> int:
        s = t.game_seeds
        where = (s.c.store_id == self.store_id, s.c.game_id == game_id, s.c.seed_no == seed_no)
        self.conn.execute(update(s).where(*where).values(plays=s.c.plays + 1))
        return int(self.conn.execute(select(s.c.plays).where(*where)).scalar_one())

    def rotate(self, game_id: str, now: datetime) -> tuple[SeedRecord, SeedRecord]:
        current = self.current_seed(game_id, now, lock=True)
        s = t.game_seeds
        self.conn.execute(
            update(s)
            .where(
                s.c.store_id == self.store_id,
                s.c.game_id == game_id,
                s.c.seed_no == current.seed_no,
            )
            .values(revealed_at=now)
        )
        seed = self.new_seed()
        self.conn.execute(
            s.insert().values(
                store_id=self.store_id,
                game_id=game_id,
                seed_no=current.seed_no + 1,
                server_seed=seed,
                commitment=commitment(seed),
                plays=0,
                created_at=now,
            )
        )
        revealed = self.seed(game_id, current.seed_no)
        fresh = self.seed(game_id, current.seed_no + 1)
        assert revealed is not None and fresh is not None
        return revealed, fresh

    # -- unlocks -------------------------------------------------------------------------

    def add_unlock(self, record: UnlockRecord) -> bool:
        # rowcount is not reliable for INSERT ... ON CONFLICT on every driver; RETURNING is.
        done = self.conn.execute(
            insert_for(self.conn.dialect, t.game_unlocks)
            .values(store_id=self.store_id, **_fields(record))
            .on_conflict_do_nothing(index_elements=["store_id", "game_id", "source"])
            .returning(t.game_unlocks.c.id)
        )
        return done.first() is not None

    def _open(self, customer_id: str, game_id: str) -> tuple[Any, ...]:
        u = t.game_unlocks
        return (
            u.c.store_id == self.store_id,
            u.c.customer_id == customer_id,
            u.c.game_id == game_id,
            u.c.status == "open",
        )

    def open_unlock(self, customer_id: str, game_id: str) -> UnlockRecord | None:
        u = t.game_unlocks
        row = self.conn.execute(
            select(u)
            .where(*self._open(customer_id, game_id))
            .order_by(u.c.created_at, u.c.id)
            .limit(1)
        ).first()
        return _unlock(row) if row else None

    def count_open(self, customer_id: str, game_id: str) -> int:
        stmt = select(func.count()).where(*self._open(customer_id, game_id))
        return int(self.conn.execute(stmt).scalar_one())

    def has_source(self, game_id: str, source: str) -> bool:
        u = t.game_unlocks
        stmt = select(u.c.id).where(
            u.c.store_id == self.store_id, u.c.game_id == game_id, u.c.source == source
        )
        return self.conn.execute(stmt).first() is not None

    def unlocks_of_order(self, order_id: str) -> list[UnlockRecord]:
        u = t.game_unlocks
        rows = self.conn.execute(
            select(u)
            .where(u.c.store_id == self.store_id, u.c.order_id == order_id)
            .order_by(u.c.id)
        )
        return [_unlock(row) for row in rows]

    def set_unlock_status(self, unlock_id: str, status: str) -> None:
        u = t.game_unlocks
        self.conn.execute(
            update(u)
            .where(u.c.store_id == self.store_id, u.c.id == unlock_id)
            .values(status=status)
        )

    # -- plays ---------------------------------------------------------------------------

    def add_play(self, record: PlayRecord, request_key: str | None) -> None:
        self.conn.execute(
            t.game_plays.insert().values(
                store_id=self.store_id, request_key=request_key, **_fields(record)
            )
        )

    def _plays(self, *where: Any) -> list[PlayRecord]:
        p = t.game_plays
        rows = self.conn.execute(
            select(p).where(p.c.store_id == self.store_id, *where).order_by(p.c.seed_no, p.c.nonce)
        )
        return [_play(row) for row in rows]

    def play_by_key(self, request_key: str) -> PlayRecord | None:
        found = self._plays(t.game_plays.c.request_key == request_key)
        return found[0] if found else None

    def play_of_unlock(self, unlock_id: str) -> PlayRecord | None:
        found = self._plays(t.game_plays.c.unlock_id == unlock_id)
        return found[0] if found else None

    def plays(self, game_id: str, seed_no: int | None = None) -> list[PlayRecord]:
        p = t.game_plays
        where = [p.c.game_id == game_id]
        if seed_no is not None:
            where.append(p.c.seed_no == seed_no)
        return self._plays(*where)

    def plays_of(self, customer_id: str, game_id: str) -> list[PlayRecord]:
        p = t.game_plays
        return self._plays(p.c.customer_id == customer_id, p.c.game_id == game_id)

    def wins(self, game_id: str, prize_id: str) -> int:
        p = t.game_plays
        stmt = select(func.count()).where(
            p.c.store_id == self.store_id,
            p.c.game_id == game_id,
            p.c.prize_id == prize_id,
            p.c.outcome == "won",
            p.c.status == "issued",
        )
        return int(self.conn.execute(stmt).scalar_one())

    def void_play(self, play_id: str) -> None:
        p = t.game_plays
        self.conn.execute(
            update(p)
            .where(p.c.store_id == self.store_id, p.c.id == play_id)
            .values(status="voided")
        )


def _fields(record: UnlockRecord | PlayRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
