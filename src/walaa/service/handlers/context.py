"""Who the customer is to the rules, and the program in force with the store's perks.

Shared by earning and spending: both ask what tier and tags a customer has now (their own
tier, or one a membership grants) and which rules apply (the merchant's, plus tier and
membership multipliers as rules of their own).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from walaa.domain.earning import Customer
from walaa.domain.memberships import benefits
from walaa.domain.perks import member_tag, plan_rule, tier_rule, with_perks
from walaa.domain.program import MultiplierCombination, Program
from walaa.service.handlers import tiers
from walaa.service.handlers.program import current_program
from walaa.service.ports import Balances, UnitOfWork


def customer_context(
    uow: UnitOfWork,
    store_id: str,
    customer_id: str,
    now: datetime,
    program: Program | None,
    locked: Balances | None = None,
) -> Customer:
    """What rules may know of the customer: their tags, a `member:<plan>` tag for each
    membership active at ``now``, and their tier — or the tier a membership grants while it
    lasts, when that one is higher. ``locked``: the customer's lock in this unit of work, which
    read their tags already."""
    if locked is not None and locked.tags is not None:
        tags = set(locked.tags)
    else:
        profile = uow.customers.profile(store_id, customer_id)
        tags = set(profile.tags) if profile else set()
    tier = tiers.current_tier(uow, store_id, customer_id)
    policy = program.tiers if program else None
    repo = uow.memberships(store_id)
    if program is not None and program.membership_plans == ():
        return Customer(customer_id, tier=tier, tags=frozenset(tags))  # no plans, no members
    for found in repo.for_customer(customer_id):
        plan = repo.get_plan(found.plan_id)
        if plan is None or not benefits(found, plan, as_of=now).active:
            continue
        tags.add(member_tag(plan.id))
        granted = plan.granted_tier
        if granted and policy and policy.rank(granted) > (policy.rank(tier) if tier else -1):
            tier = granted
    return Customer(customer_id, tier=tier, tags=frozenset(tags))


def in_force(uow: UnitOfWork, store_id: str, stamp: int | None = None) -> Program | None:
    """The program with the store's perks (membership multipliers) as rules of its own.

    Built once per settings stamp per process (`walaa.service.program_cache`). ``stamp`` is the
    one the customer's lock read (`Balances.settings_stamp`); without it, it is read here.
    """
    earning = uow.earning(store_id)
    if stamp is None:
        stamp = earning.settings_stamp()

    def build() -> tuple[Program | None, int]:
        return _build(uow, store_id), earning.settings_stamp()

    return uow.programs.get(store_id, stamp, build)


def _build(uow: UnitOfWork, store_id: str) -> Program | None:
    program = current_program(uow.earning(store_id))
    if program is None:
        return None
    plans = tuple(
        (plan.id, plan.multiplier, tuple(sorted(plan.names.items())))
        for plan in uow.memberships(store_id).list_plans()
    )
    return _perked(program, plans)


@lru_cache(maxsize=256)
def _perked(
    program: Program, plans: tuple[tuple[str, Decimal, tuple[tuple[str, str], ...]], ...]
) -> Program:
    """Tier and membership multipliers as multiply rules. With `multiplier_combines: best`
    they share one best-of group, so a customer gets the larger, never both."""
    policy = program.tiers
    best = policy is not None and policy.multiplier_combines is MultiplierCombination.BEST
    group = "perks" if best else None
    rules = [plan_rule(plan_id, dict(names), factor, group) for plan_id, factor, names in plans]
    for level in policy.levels if policy else ():
        rules.append(tier_rule(level.id, dict(level.name.texts), level.multiplier, group))
    return replace(
        with_perks(program, tuple(rules)), membership_plans=tuple(plan[0] for plan in plans)
    )
