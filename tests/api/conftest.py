"""An API client per test, on SQLite and PostgreSQL, with keys for two stores."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from walaa.bootstrap import App, FixedClock
from walaa.config import Settings
from walaa.domain.keys import parse_scopes
from walaa.domain.stores import Store
from walaa.entrypoints.http.app import create_app
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.stores import create_store


@dataclass
class Api:
    client: TestClient
    store: Store
    secret: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **extra}

    def get(self, path: str, **kw):
        return self.client.get(path, headers=self.headers(), **kw)

    def put(self, path: str, body: dict, **kw):
        return self.client.put(path, json=body, headers=self.headers(), **kw)

    def post(self, path: str, body: dict, key: str | None = None, **kw):
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        return self.client.post(path, json=body, headers=headers, **kw)


def _client(app: App, settings: Settings | None = None) -> TestClient:
    return TestClient(create_app(app, settings or Settings(database_url="unused")))


def api_for(
    app: App,
    clock: FixedClock,
    store: Store,
    scopes: str = "admin",
    settings: Settings | None = None,
) -> Api:
    issued = create_key(app.uow(), clock, store.id, parse_scopes([scopes]), mode="test")
    return Api(_client(app, settings), store, issued.secret)


def limited(per_second: float, burst: int) -> Settings:
    return Settings(database_url="unused", rate_limit_per_second=per_second, rate_limit_burst=burst)


@pytest.fixture
def walaa(app: App, clock: FixedClock) -> App:
    app.clock = clock
    return app


@pytest.fixture
def api(walaa: App, clock: FixedClock, store: Store) -> Api:
    return api_for(walaa, clock, store)


@pytest.fixture
def other_api(walaa: App, clock: FixedClock) -> Api:
    """A second store, to prove nothing crosses between stores."""
    other = create_store(walaa.uow(), clock, "Bouncy Shoes", "GBP", "Europe/London")
    return api_for(walaa, clock, other)
