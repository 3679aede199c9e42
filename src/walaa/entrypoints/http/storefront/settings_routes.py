"""/v1/store: a store's storefront settings, widget secret and publishable keys (admin, with
a secret key); and /v1/customers/lookup, where the till finds a customer by member card."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from walaa.domain.storefront import Branding, StorefrontSettings
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, Reader, Walaa
from walaa.entrypoints.http.schemas import PROBLEMS, CustomerOut, Strict, path_id
from walaa.service.handlers.keys import create_publishable_key, list_keys, revoke_key
from walaa.service.handlers.storefront import (
    find_by_card,
    rotate_widget_secret,
    storefront_settings,
    update_storefront,
)

router = APIRouter(route_class=JsonRoute, prefix="/v1/store", tags=["store"], responses=PROBLEMS)
lookup_router = APIRouter(
    route_class=JsonRoute, prefix="/v1/customers", tags=["customers"], responses=PROBLEMS
)

_COLOUR = r"^#[0-9a-fA-F]{6}$"


class BrandingIn(Strict):
    logo_url: str | None = Field(None, max_length=500, description="An https:// image address")
    primary_colour: str = Field("#0f766e", pattern=_COLOUR)
    accent_colour: str = Field("#f59e0b", pattern=_COLOUR)


class StorefrontIn(Strict):
    allowed_origins: list[Annotated[str, Field(max_length=300)]] | None = Field(
        None, max_length=20, description="Browser origins the storefront routes answer"
    )
    branding: BrandingIn | None = None


class StorefrontOut(BaseModel):
    allowed_origins: list[str]
    logo_url: str | None
    primary_colour: str
    accent_colour: str
    has_widget_secret: bool
    widget_secret_rotated_at: datetime | None

    @classmethod
    def of(cls, s: StorefrontSettings) -> StorefrontOut:
        return cls(
            allowed_origins=list(s.allowed_origins),
            logo_url=s.branding.logo_url,
            primary_colour=s.branding.primary_colour,
            accent_colour=s.branding.accent_colour,
            has_widget_secret=s.widget_salt is not None,
            widget_secret_rotated_at=s.rotated_at,
        )


class WidgetSecretOut(BaseModel):
    widget_secret: str = Field(description="Shown this once: keep it on your server")
    previous_valid_for_seconds: int = 600


class PublishableKeyIn(Strict):
    name: str = Field("", max_length=200)


class PublishableKeyOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = Field(
        default=None, description="The key itself, shown once when it is created"
    )


@router.get("/storefront", response_model=StorefrontOut, summary="The storefront settings")
def read_storefront(caller: Admin, walaa: Walaa) -> StorefrontOut:
    return StorefrontOut.of(storefront_settings(walaa.uow(), caller.store_id))


@router.put("/storefront", response_model=StorefrontOut, summary="Change origins or branding")
def put_storefront(body: StorefrontIn, caller: Admin, walaa: Walaa) -> StorefrontOut:
    branding = Branding(**body.branding.model_dump()) if body.branding else None
    saved = update_storefront(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        allowed_origins=body.allowed_origins,
        branding=branding,
    )
    return StorefrontOut.of(saved)


@router.post(
    "/widget-secret",
    status_code=201,
    response_model=WidgetSecretOut,
    summary="Create or rotate the widget secret that signs shopper tokens (shown once)",
)
def post_widget_secret(caller: Admin, walaa: Walaa) -> WidgetSecretOut:
    secret = rotate_widget_secret(walaa.uow(), walaa.clock, caller.store_id, walaa.secret_key)
    return WidgetSecretOut(widget_secret=secret)


@router.post(
    "/publishable-keys",
    status_code=201,
    response_model=PublishableKeyOut,
    summary="Create a publishable key for the storefront (shown once)",
)
def post_publishable_key(body: PublishableKeyIn, caller: Admin, walaa: Walaa) -> PublishableKeyOut:
    issued = create_publishable_key(walaa.uow(), walaa.clock, caller.store_id, name=body.name)
    k = issued.key
    return PublishableKeyOut(
        id=k.id, name=k.name, created_at=k.created_at, revoked_at=None, key=issued.secret
    )


@router.get("/publishable-keys", response_model=list[PublishableKeyOut], summary="Publishable keys")
def read_publishable_keys(caller: Admin, walaa: Walaa) -> list[PublishableKeyOut]:
    return [
        PublishableKeyOut(id=k.id, name=k.name, created_at=k.created_at, revoked_at=k.revoked_at)
        for k in list_keys(walaa.uow(), caller.store_id)
        if k.publishable
    ]


@router.delete(
    "/publishable-keys/{key_id}",
    response_model=PublishableKeyOut,
    summary="Revoke a publishable key: this server stops it at once, every other within 5 s",
)
def delete_publishable_key(
    key_id: Annotated[str, path_id("The key's id, key_...")],
    caller: Admin,
    walaa: Walaa,
    request: Request,
) -> PublishableKeyOut:
    k = revoke_key(walaa.uow(), walaa.clock, key_id, caller.store_id, publishable=True)
    # this process stops it at once; others within WALAA_VERIFIED_KEY_CACHE_SECONDS
    request.app.state.verified_keys.forget(k.id)
    return PublishableKeyOut(id=k.id, name=k.name, created_at=k.created_at, revoked_at=k.revoked_at)


@lookup_router.get(
    "/lookup",
    response_model=CustomerOut,
    summary="The customer whose member card the till scanned",
)
def lookup_by_card(
    caller: Reader,
    walaa: Walaa,
    card: Annotated[
        str, Query(min_length=1, max_length=40, description="The card text: 7KQ2M9XAB3.493817")
    ],
) -> CustomerOut:
    view = find_by_card(walaa.uow(), walaa.clock, caller.store_id, card, walaa.secret_key)
    return CustomerOut.of(view)
