"""The API's resources, one module each."""

from __future__ import annotations

from fastapi import FastAPI


def register(api: FastAPI) -> None:
    from walaa.entrypoints.http.routes import (
        achievements,
        causes,
        checkout,
        customers,
        events,
        games,
        memberships,
        orders,
        program,
        referrals,
        rewards,
        test_clock,
        tiers,
    )
    from walaa.entrypoints.http.storefront import routes as storefront
    from walaa.entrypoints.http.storefront import settings_routes

    # before customers: /v1/customers/lookup is not a customer id
    api.include_router(settings_routes.lookup_router)
    for module in (
        program,
        customers,
        orders,
        events,
        rewards,
        checkout,
        memberships,
        tiers,
        causes,
        games,
        referrals,
        achievements,
        test_clock,
        storefront,
        settings_routes,
    ):
        api.include_router(module.router)
