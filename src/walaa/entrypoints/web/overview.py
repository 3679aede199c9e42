"""The overview screen: the program's health at a glance (the figures: walaa.analytics)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from walaa.analytics.overview import Overview, overview_for
from walaa.domain.staff import Permission
from walaa.entrypoints.web.auth import Viewer, require, walaa_of
from walaa.entrypoints.web.charts import Series, bar_chart
from walaa.entrypoints.web.i18n import Formatter
from walaa.entrypoints.web.pages import render
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.stores import clock_for

router = APIRouter(prefix="/admin", include_in_schema=False)
PERIODS = (7, 30, 90, 365)


@router.get("/overview")
def overview(
    request: Request, days: int = 30, who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    walaa = walaa_of(request)
    days = days if days in PERIODS else 30
    now = clock_for(walaa.uow(), walaa.clock, who.store.id).now()
    with walaa.uow() as uow:
        program = in_force(uow, who.store.id)
    with walaa.engine.connect() as conn:
        numbers = overview_for(conn, who.store, now, days, program=program)
    context = {"numbers": numbers, "days": days, **charts(numbers, who.formatter)}
    return render(request, "overview.html", who.page(), context)


def charts(numbers: Overview, f: Formatter) -> dict[str, Markup]:
    labels = [f.month(m.start) for m in numbers.months]
    rtl = f.direction == "rtl"
    points = bar_chart(
        f.gettext("Points per month"),
        labels,
        [
            Series(f.gettext("Issued"), [m.issued for m in numbers.months], "bar-1"),
            Series(f.gettext("Redeemed"), [m.redeemed for m in numbers.months], "bar-2"),
            Series(f.gettext("Expired"), [m.expired for m in numbers.months], "bar-3"),
        ],
        rtl=rtl,
    )
    orders = bar_chart(
        f.gettext("Orders per month"),
        labels,
        [
            Series(f.gettext("Members"), [m.member_orders for m in numbers.months], "bar-1"),
            Series(f.gettext("Non-members"), [m.other_orders for m in numbers.months], "bar-2"),
        ],
        rtl=rtl,
    )
    return {"points_chart": points, "orders_chart": orders}
