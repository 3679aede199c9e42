"""Floods without a valid key are limited per client address, before authentication, and
cost the database one lookup per unknown key, while valid keys keep their own buckets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.conftest import api_for
from walaa.bootstrap import App
from walaa.config import Settings

UNKNOWN = "Bearer wk_test_0badc0de_nobodyhasthiskeyatallnobodyhasit"


def address_limited(burst: int, **extra: object) -> Settings:
    return Settings(
        database_url="unused",
        address_rate_limit_per_second=0.01,
        address_rate_limit_burst=burst,
        address_refusal_delay_seconds=0,  # answered at once: these tests count answers
        **extra,  # type: ignore[arg-type]
    )


@contextmanager
def key_lookups(walaa: App) -> Iterator[list[str]]:
    """The statements that read the API keys table, as the database received them."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        if "api_keys" in statement:
            seen.append(statement)

    event.listen(walaa.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(walaa.engine, "before_cursor_execute", record)


def test_requests_without_a_valid_key_are_limited_per_address(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=address_limited(4))
    assert api.get("/v1/customers/nobody").status_code == 404  # proves the key: one token
    anonymous = [api.client.get("/v1/customers/nobody") for _ in range(2)]
    unknown = api.client.get("/v1/customers/nobody", headers={"Authorization": UNKNOWN})
    refused = api.client.get("/v1/customers/nobody")
    assert [a.status_code for a in anonymous] == [401, 401]
    assert unknown.status_code == 401
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/rate-limited"
    assert int(refused.headers["Retry-After"]) >= 1
    again = api.client.get("/v1/customers/nobody", headers={"Authorization": UNKNOWN})
    assert again.status_code == 429
    # the valid key, from the same address, is limited by its own bucket only
    assert [api.get("/v1/customers/nobody").status_code for _ in range(5)] == [404] * 5


def test_an_unknown_key_is_looked_up_once_while_it_is_remembered(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=address_limited(1000))
    with key_lookups(walaa) as lookups:
        answers = [
            api.client.get("/v1/customers/nobody", headers={"Authorization": UNKNOWN})
            for _ in range(50)
        ]
    assert {a.status_code for a in answers} == {401}
    assert len(lookups) == 1
    with key_lookups(walaa) as lookups:  # a valid key is checked once, then trusted a few seconds
        assert [api.get("/v1/customers/nobody").status_code for _ in range(3)] == [404] * 3
    assert len(lookups) == 1


def test_a_new_unknown_key_per_request_still_spends_the_address_bucket(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=address_limited(3))
    with key_lookups(walaa) as lookups:
        answers = [
            api.client.get(
                "/v1/customers/nobody",
                headers={
                    "Authorization": f"Bearer wk_test_{i:08x}_nobodyhasthiskeyatallnobodyhasit"
                },
            )
            for i in range(6)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    assert len(lookups) == 3  # refused by address before the database is asked


def client_at(walaa: App, address: str, settings: Settings) -> TestClient:
    from walaa.entrypoints.http.app import create_app

    return TestClient(create_app(walaa, settings), client=(address, 50000))


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(walaa):
    trusting = client_at(walaa, "10.0.0.1", address_limited(1, trusted_proxies="10.0.0.0/8"))
    for client in ("203.0.113.7", "203.0.113.8"):
        forwarded = {"X-Forwarded-For": f"{client}, 10.0.0.2"}
        first = trusting.get("/v1/customers/x", headers=forwarded)
        second = trusting.get("/v1/customers/x", headers=forwarded)
        assert (first.status_code, second.status_code) == (401, 429)
    # without the setting, X-Forwarded-For is the client's word and is not believed
    direct = client_at(walaa, "10.0.0.1", address_limited(1))
    answers = [
        direct.get("/v1/customers/x", headers={"X-Forwarded-For": client})
        for client in ("203.0.113.7", "203.0.113.8")
    ]
    assert [a.status_code for a in answers] == [401, 429]
