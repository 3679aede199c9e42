"""The unit of work: one database transaction around one use case."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.ledger_repository import SqlLedgerRepository
from walaa.domain.stores import Store


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
            )
        )

    def get(self, store_id: str) -> Store | None:
        row = self.conn.execute(select(t.stores).where(t.stores.c.id == store_id)).first()
        return Store(**row._mapping) if row else None

    def list(self) -> list[Store]:
        rows = self.conn.execute(select(t.stores).order_by(t.stores.c.created_at, t.stores.c.id))
        return [Store(**row._mapping) for row in rows]


class SqlUnitOfWork:
    """Reusable, one block at a time: ``with uow: ...; uow.commit()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._conn

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self.engine.connect()
        self._tx = self._conn.begin()
        self.stores = SqlStoreRepository(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
            self._conn = self._tx = None

    def ledger(self, store_id: str) -> SqlLedgerRepository:
        return SqlLedgerRepository(self.conn, store_id, datetime.now(UTC))

    def commit(self) -> None:
        assert self._tx is not None
        self._tx.commit()

    def rollback(self) -> None:
        assert self._tx is not None
        self._tx.rollback()
