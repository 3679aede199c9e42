"""A program is parsed once per settings stamp per process, and a new one applies at once.

Two applications over one database stand for two server processes: each has its own cache of
parsed programs (`App.programs`), as each `walaa serve` worker does.
"""

from __future__ import annotations

from tests.api.conftest import api_for
from tests.api.test_earning_api import DOCUMENT, order
from tests.api.test_memberships_api import YEARLY
from walaa.bootstrap import App

DOUBLE = {**DOCUMENT, "earn_rate": {"points": 2, "per": 1}}


def two_processes(walaa, clock, api):
    """A second application over the same database, with a key and a cache of its own."""
    other = App(walaa.engine, clock=clock)
    return other, api_for(other, clock, api.store)


def test_a_new_program_version_applies_to_the_next_order_in_every_process(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    assert api.put("/v1/program", DOCUMENT).json()["version"] == 1
    first = elsewhere.post("/v1/orders", order("o-1")).json()
    assert (first["points"], first["program_version"]) == (156, 1)
    again = elsewhere.post("/v1/orders", order("o-2")).json()
    assert again["program_version"] == 1
    assert other.programs.builds == 1  # parsed once, reused by the second order

    assert api.put("/v1/program", DOUBLE).json()["version"] == 2  # saved by the first process
    after = elsewhere.post("/v1/orders", order("o-3")).json()
    # 108 USD of products at 2 a dollar, and the serum bonus as before
    assert (after["points"], after["program_version"]) == (264, 2)
    assert other.programs.builds == 2


def test_a_changed_plan_multiplier_applies_to_the_next_order_in_every_process(walaa, clock, api):
    other, elsewhere = two_processes(walaa, clock, api)
    api.put("/v1/program", DOCUMENT)
    assert api.post("/v1/plans", YEARLY).status_code == 201
    joined = {"plan_id": "dewy-plus", "payment_ref": "pay-1"}
    assert api.post("/v1/customers/amal/memberships", joined).status_code == 201
    assert elsewhere.post("/v1/orders", order("o-1")).json()["points"] == 234  # 156 x 1.5

    assert api.post("/v1/plans", {**YEARLY, "multiplier": "2"}).status_code == 201
    assert elsewhere.post("/v1/orders", order("o-2")).json()["points"] == 312  # 156 x 2
    assert other.programs.builds == 2


def test_every_store_keeps_its_own_program_in_one_process(walaa, api, other_api):
    api.put("/v1/program", DOCUMENT)
    other_api.put("/v1/program", {**DOUBLE, "currency": "GBP", "timezone": "Europe/London"})
    mine = api.post("/v1/orders", order("o-1")).json()
    theirs = other_api.post("/v1/orders", order("o-1", currency="GBP")).json()
    assert (mine["points"], theirs["points"]) == (156, 264)
    assert api.post("/v1/orders", order("o-2")).json()["points"] == 156
