"""The API's resources, one module each."""

from __future__ import annotations

from fastapi import FastAPI


def register(api: FastAPI) -> None:
    from walaa.entrypoints.http.routes import customers

    api.include_router(customers.router)
