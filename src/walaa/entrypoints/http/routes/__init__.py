"""The API's resources, one module each."""

from __future__ import annotations

from fastapi import FastAPI


def register(api: FastAPI) -> None:
    from walaa.entrypoints.http.routes import customers, events, orders, program

    for module in (program, customers, orders, events):
        api.include_router(module.router)
