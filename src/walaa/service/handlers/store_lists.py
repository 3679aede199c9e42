"""The store-wide lists the dashboard shows: recent redemptions, plans with their members,
recent memberships; and pausing or resuming a plan (closing it to new members)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from walaa.domain.errors import NotFound
from walaa.domain.memberships import Membership, Plan
from walaa.service.ports import Clock, RedemptionRecord, UnitOfWork

REDEMPTION_STATUSES = ("issued", "used", "expired", "cancelled")
LIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PlanLine:
    plan: Plan
    #: memberships per recorded status (trialing, active, cancelling, cancelled, expired)
    members: dict[str, int]


@dataclass(frozen=True, slots=True)
class RedemptionRow:
    record: RedemptionRecord
    reward_names: dict[str, str]


def store_redemptions(
    uow: UnitOfWork, store_id: str, status: str | None = None, limit: int = LIST_LIMIT
) -> list[RedemptionRow]:
    """The store's newest redemptions (of one status if given), each with its reward's names."""
    wanted = status if status in REDEMPTION_STATUSES else None
    with uow:
        repo = uow.rewards(store_id)
        records = repo.recent_redemptions(min(limit, LIST_LIMIT), status=wanted)
        names = {reward.id: dict(reward.names) for reward, _ in repo.list_rewards()}
    return [RedemptionRow(record, names.get(record.reward_id, {})) for record in records]


def plans_and_members(
    uow: UnitOfWork, store_id: str, limit: int = LIST_LIMIT
) -> tuple[list[PlanLine], list[Membership]]:
    """Every plan with how many memberships it has in each status, and the newest memberships."""
    with uow:
        repo = uow.memberships(store_id)
        counts = repo.counts_by_plan()
        plans = [PlanLine(plan, counts.get(plan.id, {})) for plan in repo.list_plans()]
        recent = repo.recent(min(limit, LIST_LIMIT))
    return plans, recent


def set_plan_active(
    uow: UnitOfWork, clock: Clock, store_id: str, plan_id: str, active: bool
) -> Plan:
    """Open a plan to new members again, or close it to them (members keep their membership)."""
    with uow:
        repo = uow.memberships(store_id)
        plan = repo.get_plan(plan_id)
        if plan is None:
            raise NotFound(f"plan {plan_id!r} does not exist in this store")
        changed = replace(plan, active=active)
        if changed != plan:
            repo.save_plan(changed, clock.now())
            uow.commit()
    return changed
