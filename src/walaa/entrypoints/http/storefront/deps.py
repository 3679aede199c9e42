"""What every storefront route takes: a publishable key, an allowed origin, maybe a shopper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from walaa.bootstrap import App
from walaa.domain.storefront import StorefrontSettings
from walaa.entrypoints.http import problems
from walaa.entrypoints.http.deps import Caller, _caller, get_app, store_app
from walaa.entrypoints.http.storefront.cors import ALLOWED_ORIGIN
from walaa.entrypoints.http.storefront.tokens import TokenRefused, verify_shopper
from walaa.service.handlers.storefront import storefront_settings, verifying_secrets

SHOPPER_HEADER = "X-Walaa-Shopper"
PUBLISHABLE_ONLY = (
    "the storefront routes take a publishable key (wk_pub_...); secret keys stay on servers"
)


class ShopperRefused(Exception):
    """A shopper token that does not verify: 401, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def on_shopper_refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShopperRefused)
    return problems.problem(
        401,
        "shopper-token-refused",
        "Shopper token refused",
        exc.reason,
        errors_=[{"field": SHOPPER_HEADER, "reason": exc.reason}],
    )


@dataclass(frozen=True)
class Storefront:
    caller: Caller
    settings: StorefrontSettings
    #: the app on the store's clock
    walaa: App
    #: the customer a verified shopper token names; None for a guest
    customer_id: str | None

    @property
    def store_id(self) -> str:
        return self.caller.store_id


def _storefront(
    request: Request,
    caller: Annotated[Caller, Depends(_caller)],
    root: Annotated[App, Depends(get_app)],
    walaa: Annotated[App, Depends(store_app)],
    shopper: Annotated[
        str | None,
        Header(
            alias=SHOPPER_HEADER,
            description="The shopper token your backend signed (HS256 JWT); absent for a guest",
        ),
    ] = None,
) -> Storefront:
    if not caller.key.publishable:
        raise HTTPException(403, PUBLISHABLE_ONLY)
    settings = storefront_settings(walaa.uow(), caller.store_id)
    origin = request.headers.get("origin")
    if origin is not None:
        if not settings.allows(origin):
            raise HTTPException(
                403, f"the origin {origin!r} is not one of this store's allowed origins"
            )
        setattr(request.state, ALLOWED_ORIGIN, origin)
    customer_id = None
    if shopper is not None:
        # token times are read on the real clock: a test store's frozen clock is for points
        now = root.clock.now()
        try:
            secrets = verifying_secrets(settings, now, root.secret_key)
            customer_id = verify_shopper(shopper, secrets, caller.store_id, now)
        except TokenRefused as refused:
            raise ShopperRefused(refused.reason) from None
    return Storefront(caller, settings, walaa, customer_id)


async def _signed_in(store: Annotated[Storefront, Depends(_storefront)]) -> Storefront:
    # async: a check in memory, not worth a trip to the thread pool (see http/deps.py)
    if store.customer_id is None:
        raise ShopperRefused(f"send the shopper's token in the {SHOPPER_HEADER} header")
    return store


#: any storefront request: a guest or a shopper
Public = Annotated[Storefront, Depends(_storefront)]
#: a signed-in shopper only
Shopper = Annotated[Storefront, Depends(_signed_in)]
