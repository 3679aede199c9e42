"""/v1/test_clock: a test-mode store's own time, after Stripe's test clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from walaa.bootstrap import App
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, Reader, Walaa, get_app
from walaa.entrypoints.http.schemas import PROBLEMS, Moment, Strict
from walaa.service.handlers.stores import advance_test_clock, read_test_clock

router = APIRouter(
    route_class=JsonRoute, prefix="/v1/test_clock", tags=["test mode"], responses=PROBLEMS
)


class TestClockOut(BaseModel):
    store_id: str
    mode: str = Field(description="live or test; only a test store's clock can be moved")
    now: datetime = Field(description="The store's time: what every request and job reads")
    frozen: bool = Field(description="True once advanced: the time then stands still")
    advanced_at: datetime | None = Field(description="When the clock was last moved")


class AdvanceIn(Strict):
    to: Annotated[Moment, Field(description="The store's new time: later than its time now")]


@router.get("", response_model=TestClockOut, summary="The store's time, and its test clock")
def read_clock(caller: Reader, walaa: Walaa) -> TestClockOut:
    store, found = read_test_clock(walaa.uow(), caller.store_id)
    return TestClockOut(
        store_id=store.id,
        mode=store.mode,
        now=walaa.clock.now(),
        frozen=found is not None,
        advanced_at=found.advanced_at if found else None,
    )


@router.post(
    "",
    response_model=TestClockOut,
    summary="Move a test store's clock forward (409 for a live store)",
)
def advance_clock(
    body: AdvanceIn, caller: Admin, app: Annotated[App, Depends(get_app)]
) -> TestClockOut:
    moved = advance_test_clock(app.uow(), app.clock, caller.store_id, body.to)
    return TestClockOut(
        store_id=caller.store_id,
        mode="test",
        now=moved.frozen_time,
        frozen=True,
        advanced_at=moved.advanced_at,
    )
