"""Creating and finding stores."""

from __future__ import annotations

from walaa.domain.errors import NotFound
from walaa.domain.stores import Store, new_store_id, validate_store
from walaa.service.ports import Clock, UnitOfWork


def create_store(uow: UnitOfWork, clock: Clock, name: str, currency: str, timezone: str) -> Store:
    name, currency, timezone = validate_store(name, currency, timezone)
    store = Store(new_store_id(), name, currency, timezone, clock.now())
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
