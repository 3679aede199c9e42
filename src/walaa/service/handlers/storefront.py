"""A store's storefront settings, its widget secret, and its customers' member cards."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from walaa.domain import member_card
from walaa.domain.errors import NotConfigured, NotFound, ValidationFailed
from walaa.domain.storefront import (
    Branding,
    StorefrontSettings,
    check_branding,
    check_origins,
    widget_secret,
)
from walaa.service.handlers.customers import CustomerView, get_customer, known_customer
from walaa.service.ports import Clock, UnitOfWork

NO_SERVER_KEY = (
    "set WALAA_SECRET_KEY on the server: widget secrets and member cards are derived from it"
)


def _server_key(server_key: str | None) -> str:
    if not server_key:
        raise NotConfigured(NO_SERVER_KEY)
    return server_key


def storefront_settings(uow: UnitOfWork, store_id: str) -> StorefrontSettings:
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        return uow.storefront(store_id).settings()


def update_storefront(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    *,
    allowed_origins: list[str] | None = None,
    branding: Branding | None = None,
) -> StorefrontSettings:
    """Change the origins and/or the branding; what is not given stays as it was."""
    origins = check_origins(allowed_origins) if allowed_origins is not None else None
    checked = check_branding(branding) if branding is not None else None
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        repo = uow.storefront(store_id)
        settings = repo.settings()
        if origins is not None:
            settings = replace(settings, allowed_origins=origins)
        if checked is not None:
            settings = replace(settings, branding=checked)
        repo.save(settings, clock.now())
        uow.commit()
    return settings


def rotate_widget_secret(
    uow: UnitOfWork, clock: Clock, store_id: str, server_key: str | None
) -> str:
    """A new widget secret, returned this once; the previous one verifies tokens for ten more
    minutes, so shoppers signed in with tokens minted just before keep their session."""
    key = _server_key(server_key)
    now = clock.now()
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        repo = uow.storefront(store_id)
        settings = repo.settings().rotated(now)
        repo.save(settings, now)
        uow.commit()
    assert settings.widget_salt is not None
    return widget_secret(key, store_id, settings.widget_salt)


def verifying_secrets(
    settings: StorefrontSettings, now: datetime, server_key: str | None
) -> tuple[str, ...]:
    """The widget secrets a shopper token may be signed with now (none before the first)."""
    key = _server_key(server_key)
    return tuple(widget_secret(key, settings.store_id, s) for s in settings.salts_verifying(now))


@dataclass(frozen=True, slots=True)
class MemberCard:
    card_id: str
    code: str
    #: what the QR code holds and a cashier may type: ``<card>.<code>``
    text: str
    #: the code changes then (the till still accepts it for a minute after)
    valid_until: datetime


def member_card_of(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, server_key: str | None
) -> MemberCard:
    """The customer's card with the code of this moment; the card number is made the first
    time it is asked for and kept."""
    key = _server_key(server_key)
    now = clock.now()
    with uow:
        known_customer(uow, store_id, customer_id)
        repo = uow.storefront(store_id)
        card_id = repo.card_of(customer_id)
        if card_id is None:
            card_id = repo.add_card(customer_id, member_card.new_card_id(), now)
            uow.commit()
    code = member_card.code_at(member_card.card_secret(key, store_id, card_id), now)
    return MemberCard(
        card_id, code, member_card.card_text(card_id, code), member_card.valid_until(now)
    )


def find_by_card(
    uow: UnitOfWork, clock: Clock, store_id: str, card: str, server_key: str | None
) -> CustomerView:
    """The customer whose card the till scanned, if the code is current; an old or forged code
    finds no one (the same answer as an unknown card, so codes cannot be probed per card)."""
    parsed = member_card.parse_card(card)
    key = _server_key(server_key)
    if parsed is None:
        raise ValidationFailed(
            "card", "must be a card number and its code, such as 7KQ2M9XAB3.493817"
        )
    card_id, code = parsed
    with uow:
        customer_id = uow.storefront(store_id).customer_of_card(card_id)
    secret = member_card.card_secret(key, store_id, card_id)
    if customer_id is None or not member_card.verify(secret, code, clock.now()):
        raise NotFound("no customer has this card with this code now; ask for a fresh code")
    return get_customer(uow, clock, store_id, customer_id)
