"""`walaa referrals ...`: the review queue of held referrals, a decision on one, the report."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from walaa.bootstrap import SystemClock
from walaa.entrypoints.cli import DatabaseOption, _app, _errors, app, console
from walaa.service.handlers import referrals as rf
from walaa.service.handlers.review_queue import review_queue, why_held
from walaa.service.referral_ports import ReferralRecord

referrals_app = typer.Typer(
    help="Referrals: the review queue of held referrals, decisions, the report.",
    no_args_is_help=True,
)
app.add_typer(referrals_app, name="referrals")
StoreOption = Annotated[str, typer.Option(help="The store's id, st_...")]
LocaleOption = Annotated[str, typer.Option(help="en or ar: the language of the reasons.")]


def _why(referral: ReferralRecord, locale: str) -> str:
    return "; ".join(why_held(referral, locale)) or "-"


@referrals_app.command("queue")
def queue(
    store: StoreOption,
    status: Annotated[str, typer.Option(help="Which referrals: held (the queue) or another.")] = (
        "held"
    ),
    locale: LocaleOption = "en",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    database_url: DatabaseOption = None,
) -> None:
    """The referrals waiting for a person, oldest first, with why each one was held."""
    walaa = _app(database_url)
    with _errors():
        if status == "held":  # the queue: oldest first, as the dashboard shows it
            clock = SystemClock()
            found = [h.referral for h in review_queue(walaa.uow(), clock, store, locale, limit)]
        else:
            found = rf.list_referrals(walaa.uow(), store, status, limit)
    table = Table()
    # the id is what `walaa referrals approve` takes: never shortened, whatever the width
    table.add_column("referral", no_wrap=True, min_width=max((len(r.id) for r in found), default=8))
    for heading in ("advocate", "friend", "order", "since", "why"):
        table.add_column(heading)
    for r in found:
        since = f"{r.signed_up_at:%Y-%m-%d}"
        table.add_row(r.id, r.advocate_id, r.friend_id, r.order_id or "-", since, _why(r, locale))
    console.print(table)
    console.print(f"{len(found)} {status} referral{'s' if len(found) != 1 else ''}")


@referrals_app.command("decide")
def decide(
    store: StoreOption,
    referral: Annotated[str, typer.Argument(help="The referral's id, rf_...")],
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")],
    staff: Annotated[str, typer.Option(help="Who decided.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    database_url: DatabaseOption = None,
) -> None:
    """Approve (both sides are rewarded) or reject a held referral, with a reason."""
    walaa = _app(database_url)
    with _errors():
        made = rf.review(
            walaa.uow(),
            SystemClock(),
            store,
            referral,
            approve=approve,
            staff=staff,
            reason=reason,
        )
    again = " (already decided so)" if made.replayed else ""
    console.print(f"{made.referral.id}: {made.referral.status}{again}")


@referrals_app.command("report")
def report(
    store: StoreOption,
    advocate: Annotated[str | None, typer.Option(help="One advocate's customer id.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Per advocate: referred, qualified, held, rejected by rule, rewarded, reversed; and the
    friends' qualifying orders and their revenue."""
    walaa = _app(database_url)
    with _errors():
        found = rf.report(walaa.uow(), store, advocate)
    table = Table("advocate", "referred", "qualified", "held", "rejected by rule", "rewarded")
    for a in found.advocates:
        rejected = ", ".join(f"{rule} {n}" for rule, n in sorted(a.rejected_by_rule.items()))
        table.add_row(
            a.advocate_id,
            str(a.referred),
            str(a.qualified),
            str(a.held),
            rejected or "-",
            f"{a.rewarded} ({a.reversed} reversed)",
        )
    console.print(table)
    if advocate is None:
        revenue = f"{found.revenue} {found.currency}"
        console.print(f"referral revenue: {revenue} from {found.orders} friends' orders")
