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
        rewards,
        test_clock,
        tiers,
    )

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
        achievements,
        test_clock,
    ):
        api.include_router(module.router)
