"""Everything the dashboard's customer page shows, read through the handlers the API uses.

One call gathers what a staff member needs to answer a customer: the balance in points and
what it is worth, the tier and what is left to the next, memberships, redemptions and their
codes, and the ledger with each entry explained in the staff member's language — the same
explanations the API gives (`explanation_text`), so the page and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from walaa.domain.memberships import Benefits, Membership, Plan
from walaa.domain.money import Money
from walaa.domain.program import TierPolicy
from walaa.domain.tiers import Progress
from walaa.service.handlers.customers import (
    CustomerView,
    customer_ledger,
    explanation_text,
    get_customer,
)
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.memberships import customer_memberships
from walaa.service.handlers.tiers import tier_view
from walaa.service.ports import (
    Clock,
    CustomerHit,
    LedgerLine,
    RedemptionRecord,
    UnitOfWork,
)

SEARCH_LIMIT = 50
REDEMPTIONS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ExplainedLine:
    line: LedgerLine
    #: why it happened, one sentence each, in the reader's language
    explanation: list[str]


@dataclass(frozen=True, slots=True)
class RedemptionLine:
    record: RedemptionRecord
    #: the reward's name in the reader's language (its id if the reward has no name in it)
    reward_name: str


@dataclass(frozen=True, slots=True)
class CustomerPage:
    view: CustomerView
    #: what the points are called, in the reader's language; None before any program
    points_name: str | None
    #: what the spendable balance is worth at the program's point value
    balance_worth: Money | None
    tier: tuple[TierPolicy, Progress] | None
    memberships: list[tuple[Membership, Plan, Benefits]]
    redemptions: list[RedemptionLine]
    ledger: list[ExplainedLine]
    next_cursor: int | None


def find_customers(
    uow: UnitOfWork, store_id: str, query: str, limit: int = SEARCH_LIMIT
) -> list[CustomerHit]:
    """Customers by id, e-mail, name or phone (any spelling of the number)."""
    with uow:
        return uow.customers.search(store_id, query[:320], max(1, min(limit, SEARCH_LIMIT)))


def customer_page(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    locale: str,
    *,
    cursor: int | None = None,
    ledger_limit: int = 50,
) -> CustomerPage:
    """The customer's page in ``locale``; NotFound for a customer the store does not have."""
    view = get_customer(uow, clock, store_id, customer_id)
    with uow:
        program = in_force(uow, store_id)
        redemptions = uow.rewards(store_id).recent_redemptions(
            REDEMPTIONS_SHOWN, customer_id=customer_id
        )
        names = {
            reward.id: reward.names
            for reward, _ in uow.rewards(store_id).list_rewards()
            if reward.id in {r.reward_id for r in redemptions}
        }
    page = customer_ledger(uow, store_id, customer_id, cursor=cursor, limit=ledger_limit)
    spendable = max(view.record.balances.available, 0)
    return CustomerPage(
        view=view,
        points_name=program.name_of_points(locale) if program else None,
        balance_worth=program.point_value.value_of(spendable) if program else None,
        tier=tier_view(uow, clock, store_id, customer_id),
        memberships=customer_memberships(uow, clock, store_id, customer_id),
        redemptions=[
            RedemptionLine(record, _name_in(names.get(record.reward_id), locale, record.reward_id))
            for record in redemptions
        ],
        ledger=[ExplainedLine(line, explanation_text(line, locale)) for line in page.lines],
        next_cursor=page.next_cursor,
    )


def _name_in(names: dict[str, str] | None, locale: str, fallback: str) -> str:
    if not names:
        return fallback
    return names.get(locale) or names.get("en") or next(iter(names.values()))
