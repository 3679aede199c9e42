"""Creating and finding stores, and the time each store runs on."""

from __future__ import annotations

from datetime import UTC, datetime

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.stores import (
    Store,
    TestClock,
    check_advance,
    new_store_id,
    validate_mode,
    validate_store,
)
from walaa.service.ports import Clock, UnitOfWork


def create_store(
    uow: UnitOfWork, clock: Clock, name: str, currency: str, timezone: str, mode: str = "live"
) -> Store:
    name, currency, timezone = validate_store(name, currency, timezone)
    store = Store(new_store_id(), name, currency, timezone, clock.now(), validate_mode(mode))
    with uow:
        uow.stores.add(store)
        uow.commit()
    return store


def get_store(uow: UnitOfWork, store_id: str) -> Store:
    with uow:
        store = uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"store {store_id!r} does not exist")
    return store


def list_stores(uow: UnitOfWork) -> list[Store]:
    with uow:
        return uow.stores.list()


def known_live(modes: dict[str, str] | None, store_id: str) -> bool:
    """Whether ``modes`` already says ``store_id`` is live: a store's mode never changes, and
    a live store has no test clock, so nothing needs reading for its clock."""
    return modes is not None and modes.get(store_id) == "live"


def clock_for(
    uow: UnitOfWork, clock: Clock, store_id: str, modes: dict[str, str] | None = None
) -> Clock:
    """The clock everything done for ``store_id`` reads: its test clock if it has one, else
    ``clock``. The API's requests, the CLI's commands and the worker's passes all come
    through here, so a test store's advanced time is the one all of them agree on.

    It is read now, before the caller opens its own unit of work: a lookup from inside one
    would wait on SQLite for the lock that very transaction holds.

    ``modes`` remembers stores' modes (they never change): a live store has no test clock,
    so once it is known to be live its requests skip the lookup.
    """
    if known_live(modes, store_id):
        return clock
    with uow:
        found = uow.stores.test_clock(store_id)
        if found is None and modes is not None and store_id not in modes:
            store = uow.stores.get(store_id)
            if store is not None:
                modes[store_id] = store.mode
    return found or clock


def read_test_clock(uow: UnitOfWork, store_id: str) -> tuple[Store, TestClock | None]:
    """The store and its test clock, if it has one (any store may ask)."""
    store = get_store(uow, store_id)
    with uow:
        return store, uow.stores.test_clock(store_id)


def advance_test_clock(uow: UnitOfWork, clock: Clock, store_id: str, to: datetime) -> TestClock:
    """Move a test store's clock forward to ``to`` (the first advance starts it).

    Nothing runs by itself at the new time: the worker's next pass (``walaa worker --once``)
    matures, expires and lapses what fell due, as it would have over the skipped months.
    """
    with uow:
        # Moves of one store's clock queue on the store's row: each reads the time the one
        # before it left, so racing moves end at the latest and none is checked against a
        # time already overtaken.
        store = uow.stores.lock(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        found = uow.stores.test_clock(store_id)
        check_advance(store, found.frozen_time if found else clock.now(), to)
        moved = TestClock(store_id, to.astimezone(UTC), clock.now())
        if not uow.stores.save_test_clock(moved):
            raise ValidationFailed("to", "the clock was moved past this time meanwhile")
        uow.commit()
    return moved
