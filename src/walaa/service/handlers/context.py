"""Who the customer is to the rules, and the program in force with the store's perks.

Shared by earning and spending: both ask what tier and tags a customer has now (their own
tier, or one a membership grants) and which rules apply (the merchant's, plus tier and
membership multipliers as rules of their own).
"""

from __future__ import annotations

from datetime import datetime

from walaa.domain.earning import Customer
from walaa.domain.memberships import benefits
from walaa.domain.perks import member_tag
from walaa.domain.program import Program
from walaa.service.handlers import tiers
from walaa.service.handlers.in_force import in_force, settings_in_force
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
    read their tags already. A membership's plan comes from the settings in force (at the
    lock's stamp), not from a query of its own."""
    if locked is not None and locked.tags is not None:
        tags = set(locked.tags)
    else:
        profile = uow.customers.profile(store_id, customer_id)
        tags = set(profile.tags) if profile else set()
    tier = tiers.current_tier(uow, store_id, customer_id)
    policy = program.tiers if program else None
    stamp = locked.settings_stamp if locked else None
    # With the lock's stamp the settings cost no statement, and a store without plans has no
    # members to look up; without it, they are read for members only.
    settings = settings_in_force(uow, store_id, stamp) if stamp is not None else None
    if settings is not None and not settings.plans:
        return Customer(customer_id, tier=tier, tags=frozenset(tags))
    memberships = uow.memberships(store_id).for_customer(customer_id)
    if memberships and settings is None:
        settings = settings_in_force(uow, store_id, stamp)
    for found in memberships:
        assert settings is not None
        plan = settings.plan(found.plan_id)
        if plan is None or not benefits(found, plan, as_of=now).active:
            continue
        tags.add(member_tag(plan.id))
        granted = plan.granted_tier
        if granted and policy and policy.rank(granted) > (policy.rank(tier) if tier else -1):
            tier = granted
    return Customer(customer_id, tier=tier, tags=frozenset(tags))


__all__ = ["customer_context", "in_force"]
