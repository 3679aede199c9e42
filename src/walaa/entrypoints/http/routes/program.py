"""/v1/program: the settings document, versioned, and previews of what a cart earns."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body

from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, Reader, Walaa
from walaa.entrypoints.http.earning_schemas import PreviewIn, PreviewOut, ProgramOut, lines_of
from walaa.entrypoints.http.schemas import PROBLEMS
from walaa.service.handlers.earning import preview
from walaa.service.handlers.program import ProgramVersion, apply_program, get_program

router = APIRouter(
    route_class=JsonRoute, prefix="/v1/program", tags=["program"], responses=PROBLEMS
)


def _out(saved: ProgramVersion) -> ProgramOut:
    program = saved.program
    return ProgramOut(
        version=program.version,
        created_at=saved.created_at,
        points_name={loc: program.name_of_points(loc) for loc in ("en", "ar")},
        currency=program.currency,
        document=saved.source,
    )


@router.get("", response_model=ProgramOut, summary="The program in force")
def read_program(caller: Reader, walaa: Walaa) -> ProgramOut:
    return _out(get_program(walaa.uow(), caller.store_id))


@router.put(
    "",
    response_model=ProgramOut,
    summary="Save new settings as the next version",
    description="The body is the settings document (docs/program.schema.json). Every problem "
    "is reported at once, each with its path in the document.",
)
def put_program(
    caller: Admin,
    walaa: Walaa,
    document: Annotated[dict[str, Any], Body(description="The settings document")],
) -> ProgramOut:
    source = json.dumps(document, ensure_ascii=False, indent=2)
    return _out(apply_program(walaa.uow(), walaa.clock, caller.store_id, source))


@router.post(
    "/preview",
    response_model=PreviewOut,
    summary="What a cart or a product would earn, without writing anything",
)
def post_preview(body: PreviewIn, caller: Reader, walaa: Walaa) -> PreviewOut:
    program, evaluation = preview(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        lines_of(body.lines),
        customer_id=body.customer_id,
        channel=body.channel,
        codes=frozenset(body.codes),
    )
    return PreviewOut.of(evaluation, program.name_of_points(body.locale), body.locale)
