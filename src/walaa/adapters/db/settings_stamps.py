"""A store's settings stamp: how a process knows, for the price of a column, that the program
it parsed earlier is still the one in force.

Every write that changes what `in_force` would build (a new program version, a membership plan
saved) calls `bump` in its own transaction, so the stamp and the settings commit together. The
stamp is read as a scalar subquery of the customer's lock (`stamp_of`), or alone (`read`)
where no customer is locked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Connection, ScalarSelect, func, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for

_s = t.settings_stamps


def stamp_of(store_id: BindParameter[Any]) -> ScalarSelect[Any]:
    """The store's stamp as a column of another SELECT (0 before any setting was saved)."""
    return (
        select(func.coalesce(func.max(_s.c.stamp), 0))
        .where(_s.c.store_id == store_id)
        .scalar_subquery()
    )


def read(conn: Connection, store_id: str) -> int:
    row = conn.execute(select(_s.c.stamp).where(_s.c.store_id == store_id)).first()
    return int(row.stamp) if row else 0


def bump(conn: Connection, store_id: str) -> None:
    """One more, inside the caller's transaction: the row lock it takes also orders two
    concurrent changes of one store's settings."""
    stmt = insert_for(conn.dialect, _s).values(store_id=store_id, stamp=1)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["store_id"], set_={"stamp": _s.c.stamp + 1})
    )
