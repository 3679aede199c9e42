"""A key that authenticated is trusted from memory for a few seconds, never longer.

The bound is proved on the application's clock (a fixed one here), so no test sleeps: the key is
revoked by another application over the same database, as `walaa keys revoke` or another server
process would, and the clock is moved past the bound.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.api.conftest import api_for
from tests.api.test_statement_budget import counting
from walaa.bootstrap import App
from walaa.config import Settings
from walaa.service.handlers.keys import list_keys, revoke_key


def cached_for(seconds: float) -> Settings:
    return Settings(database_url="unused", verified_key_cache_seconds=seconds)


def revoke_elsewhere(walaa, clock, store_id: str) -> None:
    other = App(walaa.engine, clock=clock)  # another process: nothing shared but the database
    for key in list_keys(other.uow(), store_id):
        revoke_key(other.uow(), clock, key.id)


def key_lookups(sent: list[str]) -> int:
    return sum("FROM api_keys" in statement for statement in sent)


def test_a_verified_key_is_not_looked_up_again_within_the_bound(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=cached_for(5))
    with counting(walaa.engine) as first:
        assert api.get("/v1/rewards").status_code == 200
    with counting(walaa.engine) as again:
        assert api.get("/v1/rewards").status_code == 200
    assert (key_lookups(first), key_lookups(again)) == (1, 0)


def test_a_key_revoked_elsewhere_stops_working_once_the_bound_has_passed(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=cached_for(2))
    assert api.get("/v1/rewards").status_code == 200
    revoke_elsewhere(walaa, clock, store.id)
    for step in (1.0, 0.9):  # still inside the documented 2 s; being used does not stretch it
        clock.current += timedelta(seconds=step)
        assert api.get("/v1/rewards").status_code == 200
    clock.current += timedelta(seconds=0.1)
    refused = api.get("/v1/rewards")
    assert refused.status_code == 401 and refused.json()["type"] == "/problems/unauthenticated"
    clock.current += timedelta(seconds=10)
    assert api.get("/v1/rewards").status_code == 401


def test_with_the_cache_off_a_revoked_key_stops_at_once(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=cached_for(0))
    assert api.get("/v1/rewards").status_code == 200
    revoke_elsewhere(walaa, clock, store.id)
    assert api.get("/v1/rewards").status_code == 401


def test_a_clock_set_back_does_not_stretch_the_bound(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=cached_for(5))
    assert api.get("/v1/rewards").status_code == 200
    revoke_elsewhere(walaa, clock, store.id)
    clock.current -= timedelta(hours=1)
    assert api.get("/v1/rewards").status_code == 401


def test_a_cached_keys_lookup_part_with_another_secret_is_refused(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=cached_for(5))
    assert api.get("/v1/rewards").status_code == 200
    forged = api.secret[:-4] + ("AAAA" if not api.secret.endswith("AAAA") else "BBBB")
    r = api.client.get("/v1/rewards", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert api.get("/v1/rewards").status_code == 200  # the real key is unaffected


@pytest.mark.parametrize("seconds", [5.5, 60, -1])
def test_the_bound_is_at_most_five_seconds(seconds):
    with pytest.raises(ValidationError, match="verified_key_cache_seconds"):
        cached_for(seconds)
