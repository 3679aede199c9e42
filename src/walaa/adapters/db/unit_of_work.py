"""The unit of work: one database transaction around one use case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.achievements_repository import SqlAchievementsRepository
from walaa.adapters.db.customers import SqlCustomerRepository
from walaa.adapters.db.deferred import drop_kept, keep_back, send_kept, stop_keeping, watch
from walaa.adapters.db.earning_repository import SqlEarningRepository
from walaa.adapters.db.engine import insert_for
from walaa.adapters.db.games_repository import SqlGamesRepository
from walaa.adapters.db.giving_repository import SqlGivingRepository
from walaa.adapters.db.ledger_bulk import SqlBulkLedgerRepository
from walaa.adapters.db.memberships_repository import SqlMembershipsRepository
from walaa.adapters.db.notices import SqlNoticeRepository
from walaa.adapters.db.referrals_repository import SqlReferralsRepository
from walaa.adapters.db.rewards_repository import SqlRewardsRepository
from walaa.adapters.db.staff_repository import SqlStaffRepository
from walaa.adapters.db.storefront_repository import SqlStorefrontRepository
from walaa.adapters.db.tiers_repository import SqlTiersRepository
from walaa.domain.games import new_server_seed
from walaa.domain.keys import ApiKey, Scope
from walaa.domain.stores import Store, TestClock
from walaa.service.program_cache import ProgramCache


class SqlStoreRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, store: Store) -> None:
        self.conn.execute(
            t.stores.insert().values(
                id=store.id,
                name=store.name,
                currency=store.currency,
                timezone=store.timezone,
                created_at=store.created_at,
                mode=store.mode,
            )
        )

    def get(self, store_id: str) -> Store | None:
        row = self.conn.execute(select(t.stores).where(t.stores.c.id == store_id)).first()
        return Store(**row._mapping) if row else None

    def lock(self, store_id: str) -> Store | None:
        stmt = select(t.stores).where(t.stores.c.id == store_id).with_for_update()
        row = self.conn.execute(stmt).first()
        return Store(**row._mapping) if row else None

    def list(self) -> list[Store]:
        rows = self.conn.execute(select(t.stores).order_by(t.stores.c.created_at, t.stores.c.id))
        return [Store(**row._mapping) for row in rows]

    def test_clock(self, store_id: str) -> TestClock | None:
        row = self.conn.execute(
            select(t.test_clocks).where(t.test_clocks.c.store_id == store_id)
        ).first()
        return TestClock(**row._mapping) if row else None

    def save_test_clock(self, clock: TestClock) -> bool:
        """Move the clock (or start it), forward only: the row is updated only if the new
        time is not earlier, so two advances racing cannot take it back, and the first one
        is an insert that yields to a concurrent first one (then the guarded update decides).
        """
        values = {"frozen_time": clock.frozen_time, "advanced_at": clock.advanced_at}
        forward = (
            update(t.test_clocks)
            .where(
                t.test_clocks.c.store_id == clock.store_id,
                t.test_clocks.c.frozen_time <= clock.frozen_time,
            )
            .values(**values)
        )
        if self.conn.execute(forward).rowcount:
            return True
        started = self.conn.execute(
            insert_for(self.conn.dialect, t.test_clocks)
            .values(store_id=clock.store_id, **values)
            .on_conflict_do_nothing(index_elements=["store_id"])
        )
        return bool(started.rowcount) or bool(self.conn.execute(forward).rowcount)


class SqlKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, key: ApiKey, digest: str) -> None:
        self.conn.execute(
            t.api_keys.insert().values(
                id=key.id,
                store_id=key.store_id,
                mode=key.mode,
                lookup=key.lookup,
                digest=digest,
                scopes=",".join(sorted(key.scopes)),
                name=key.name,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    def _select(self, *where: Any) -> list[tuple[ApiKey, str]]:
        k = t.api_keys
        rows = self.conn.execute(select(k).where(*where).order_by(k.c.created_at, k.c.id))
        return [
            (
                ApiKey(
                    r.id,
                    r.store_id,
                    r.mode,
                    r.lookup,
                    frozenset(Scope(s) for s in r.scopes.split(",")),
                    r.name,
                    r.created_at,
                    r.revoked_at,
                ),
                r.digest,
            )
            for r in rows
        ]

    def get(self, key_id: str) -> ApiKey | None:
        found = self._select(t.api_keys.c.id == key_id)
        return found[0][0] if found else None

    def by_lookup(self, lookup: str) -> tuple[ApiKey, str] | None:
        found = self._select(t.api_keys.c.lookup == lookup)
        return found[0] if found else None

    def revoke(self, key_id: str, at: datetime) -> None:
        k = t.api_keys
        self.conn.execute(
            update(k).where(k.c.id == key_id, k.c.revoked_at.is_(None)).values(revoked_at=at)
        )

    def for_store(self, store_id: str) -> list[ApiKey]:
        return [key for key, _ in self._select(t.api_keys.c.store_id == store_id)]


class SqlUnitOfWork:
    """Reusable, one block at a time: ``with uow: ...; uow.commit()``."""

    def __init__(
        self,
        engine: Engine,
        game_seeds: Callable[[], str] = new_server_seed,
        programs: ProgramCache | None = None,
    ) -> None:
        self.engine = engine
        self.game_seeds = game_seeds
        # Per application (so per engine): a store id means one store in one database only.
        self.programs = programs if programs is not None else ProgramCache()
        watch(engine)  # writes kept back are sent before the next statement
        self._conn: Connection | None = None
        self._tx: RootTransaction | NestedTransaction | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._conn

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self.engine.connect()
        self._tx = self._conn.begin()
        keep_back(self._conn)
        self._bind(self._conn)
        return self

    def _bind(self, conn: Connection) -> None:
        # one tiers repository per store per `with` block: it remembers the status rows it read
        self._tiers: dict[str, SqlTiersRepository] = {}
        self.stores = SqlStoreRepository(conn)
        self.keys = SqlKeyRepository(conn)
        self.customers = SqlCustomerRepository(conn)
        self.notices = SqlNoticeRepository(conn)
        self.staff = SqlStaffRepository(conn)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            stop_keeping(self.conn)  # what was not sent by now is rolled back with the rest
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
            self._conn = self._tx = None

    def ledger(self, store_id: str) -> SqlBulkLedgerRepository:
        return SqlBulkLedgerRepository(self.conn, store_id, datetime.now(UTC))

    def earning(self, store_id: str) -> SqlEarningRepository:
        return SqlEarningRepository(self.conn, store_id)

    def rewards(self, store_id: str) -> SqlRewardsRepository:
        return SqlRewardsRepository(self.conn, store_id)

    def memberships(self, store_id: str) -> SqlMembershipsRepository:
        return SqlMembershipsRepository(self.conn, store_id)

    def tiers(self, store_id: str) -> SqlTiersRepository:
        """The same repository for the whole `with` block, so what it read is read once."""
        conn = self.conn  # outside a `with` block this says so
        if store_id not in self._tiers:
            self._tiers[store_id] = SqlTiersRepository(conn, store_id)
        return self._tiers[store_id]

    def giving(self, store_id: str) -> SqlGivingRepository:
        return SqlGivingRepository(self.conn, store_id)

    def games(self, store_id: str) -> SqlGamesRepository:
        return SqlGamesRepository(self.conn, store_id, self.game_seeds)

    def referrals(self, store_id: str) -> SqlReferralsRepository:
        return SqlReferralsRepository(self.conn, store_id)

    def storefront(self, store_id: str) -> SqlStorefrontRepository:
        return SqlStorefrontRepository(self.conn, store_id)

    def achievements(self, store_id: str) -> SqlAchievementsRepository:
        return SqlAchievementsRepository(self.conn, store_id)

    def commit(self) -> None:
        assert self._tx is not None
        send_kept(self.conn)
        self._tx.commit()

    def rollback(self) -> None:
        assert self._tx is not None
        self._tx.rollback()


class SqlBatchUnitOfWork(SqlUnitOfWork):
    """Many units of work in one database transaction: each ``with`` block is a savepoint.

    A block that commits releases its savepoint; one that fails rolls back to it, undoing its
    own writes and nobody else's. Nothing is durable until :meth:`finish` commits the whole
    transaction (one commit, so one disk flush, for the batch); :meth:`abandon` rolls it all
    back. Handlers written for :class:`SqlUnitOfWork` run unchanged inside it.
    """

    def __init__(self, engine: Engine, game_seeds: Callable[[], str] = new_server_seed) -> None:
        super().__init__(engine, game_seeds)
        self._root: RootTransaction | None = None

    def __enter__(self) -> SqlBatchUnitOfWork:
        if self._conn is None:
            self._conn = self.engine.connect()
            self._root = self._conn.begin()
            keep_back(self._conn)
            self._bind(self._conn)
        self._tiers = {}  # a block of its own: what an earlier block read may be rolled back
        self._tx = self._conn.begin_nested()  # commit() and rollback() act on the savepoint
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx is not None and self._tx.is_active:
            drop_kept(self.conn)  # kept back since the savepoint: undone with it
            self._tx.rollback()
        self._tx = None

    def finish(self) -> None:
        """Commit every block that committed, in one database transaction."""
        try:
            if self._root is not None:
                send_kept(self.conn)
                self._root.commit()
        finally:
            self._close()

    def abandon(self) -> None:
        """Roll the whole batch back."""
        try:
            if self._root is not None and self._root.is_active:
                self._root.rollback()
        finally:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            stop_keeping(self._conn)
            self._conn.close()
        self._conn = self._root = self._tx = None
