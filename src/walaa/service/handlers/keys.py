"""Creating, revoking and checking merchant API keys."""

from __future__ import annotations

import secrets

from walaa.domain import keys
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.keys import ApiKey, IssuedKey, Scope
from walaa.service.ports import Clock, UnitOfWork


def create_key(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    scopes: frozenset[Scope],
    *,
    mode: str | None = None,
    name: str = "",
) -> IssuedKey:
    """Issue a key; its secret is returned here once and only its hash is kept.

    ``mode`` defaults to the store's. A test-mode store has test keys only, so a
    ``wk_test_`` prefix is a promise that the key cannot touch live points. A publishable key
    (`create_publishable_key`) has the mode ``pub`` and the scope ``public`` only.
    """
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        mode = mode or store.mode
        if mode == keys.PUBLISHABLE:
            scopes = frozenset({Scope.PUBLIC})
        elif store.mode == "test" and mode != "test":
            raise ValidationFailed("mode", "a test-mode store has test keys (wk_test_) only")
        secret, lookup = keys.generate(mode)
        key = ApiKey(
            id="key_" + secrets.token_hex(6),
            store_id=store_id,
            mode=mode,
            lookup=lookup,
            scopes=scopes,
            name=name or f"{mode} key",
            created_at=clock.now(),
        )
        uow.keys.add(key, keys.digest(secret))
        uow.commit()
    return IssuedKey(key, secret)


def create_publishable_key(
    uow: UnitOfWork, clock: Clock, store_id: str, *, name: str = ""
) -> IssuedKey:
    """A ``wk_pub_`` key for a storefront's HTML: shown once like a secret key, but safe to
    publish, since it reads only what a shopper may see and only from the store's origins."""
    return create_key(
        uow,
        clock,
        store_id,
        frozenset({Scope.PUBLIC}),
        mode=keys.PUBLISHABLE,
        name=name or "publishable key",
    )


def revoke_key(
    uow: UnitOfWork,
    clock: Clock,
    key_id: str,
    store_id: str | None = None,
    *,
    publishable: bool | None = None,
) -> ApiKey:
    """Revoke now; every API process refuses the key within its verified-key cache bound
    (`WALAA_VERIFIED_KEY_CACHE_SECONDS`, at most 5 s). ``publishable`` True (False) finds
    only publishable (secret) keys: the storefront route revokes no secret key."""
    with uow:
        key = uow.keys.get(key_id)
        if (
            key is None
            or (store_id is not None and key.store_id != store_id)
            or (publishable is not None and key.publishable != publishable)
        ):
            raise NotFound(f"key {key_id!r} does not exist")
        if key.revoked_at is None:
            uow.keys.revoke(key_id, clock.now())
            uow.commit()
        return uow.keys.get(key_id) or key


def list_keys(uow: UnitOfWork, store_id: str) -> list[ApiKey]:
    with uow:
        return uow.keys.for_store(store_id)


def authenticate(uow: UnitOfWork, secret: str) -> ApiKey | None:
    """The key a request presents, if it is well formed, known, unrevoked and matches."""
    parts = keys.split(secret)
    if parts is None:
        return None
    with uow:
        found = uow.keys.by_lookup(parts[1])
    if found is None or found[0].revoked_at is not None or found[0].mode != parts[0]:
        return None
    key, stored_digest = found
    return key if keys.matches(secret, stored_digest) else None
