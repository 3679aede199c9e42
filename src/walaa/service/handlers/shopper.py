"""What a signed-in shopper sees of their own account in the storefront widget.

Everything here is about the one customer a verified shopper token names; the routes never
take a customer id from the browser. A shopper the store has not yet told Walaa about is a
member with nothing yet (zero points), not an error: the store's backend vouched for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from walaa.domain.earning import Evaluation
from walaa.domain.earning.inputs import OrderLine
from walaa.domain.errors import NotFound
from walaa.domain.money import Money
from walaa.domain.program import Program, TierPolicy
from walaa.domain.rewards import NotRedeemable, Reward, Shopper, check_redeemable
from walaa.domain.tiers import Progress
from walaa.service.handlers.context import customer_context
from walaa.service.handlers.customers import CustomerView, get_customer
from walaa.service.handlers.earning import preview
from walaa.service.handlers.in_force import in_force, settings_in_force
from walaa.service.handlers.rewards import _check_member_only, _tiers_reached, redeemed_before
from walaa.service.handlers.tiers import tier_view
from walaa.service.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class RewardChoice:
    reward: Reward
    #: None when it can be redeemed now; else why not, in the catalog's words
    unavailable: str | None
    #: points still to earn before it can be afforded (0 when affordable)
    points_short: int


@dataclass(frozen=True, slots=True)
class ShopperSummary:
    customer_id: str
    program: Program
    #: None for a shopper Walaa has not met yet
    view: CustomerView | None
    available: int
    pending: int
    worth: Money
    tier: tuple[TierPolicy, Progress] | None
    rewards: tuple[RewardChoice, ...]

    @property
    def next_reward(self) -> RewardChoice | None:
        """The cheapest reward still out of reach by points alone: what to aim for next."""
        ahead = [r for r in self.rewards if r.points_short > 0 and r.unavailable is None]
        return min(ahead, key=lambda r: r.reward.cost, default=None)


def _program(uow: UnitOfWork, store_id: str) -> Program:
    with uow:
        program = in_force(uow, store_id)
    if program is None:
        raise NotFound("this store has no program yet")
    return program


def shopper_summary(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str
) -> ShopperSummary:
    """Balance in points and money, tier and progress, and every reward with whether it can
    be redeemed now."""
    program = _program(uow, store_id)
    try:
        view: CustomerView | None = get_customer(uow, clock, store_id, customer_id)
    except NotFound:
        view = None
    available = view.record.balances.available if view else 0
    pending = view.record.balances.pending if view else 0
    tier = tier_view(uow, clock, store_id, customer_id) if view else None
    rewards = _choices(uow, clock, store_id, customer_id, program, available, view is not None)
    return ShopperSummary(
        customer_id=customer_id,
        program=program,
        view=view,
        available=available,
        pending=pending,
        worth=program.point_value.value_of(max(available, 0)),
        tier=tier,
        rewards=rewards,
    )


def _choices(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    program: Program,
    available: int,
    known: bool,
) -> tuple[RewardChoice, ...]:
    now = clock.now()
    out: list[RewardChoice] = []
    with uow:
        customer = customer_context(uow, store_id, customer_id, now, program)
        plans = settings_in_force(uow, store_id).plans
        rewards = uow.rewards(store_id)
        for reward, stock_left in rewards.list_rewards():
            if not reward.active:
                continue
            shopper = Shopper(
                tiers_reached=_tiers_reached(program, customer.tier),
                tags=customer.tags,
                redeemed_before=redeemed_before(rewards, customer_id, reward) if known else 0,
            )
            reason: str | None = None
            try:
                check_redeemable(reward, shopper, stock_left, now)
                _check_member_only(plans, reward, customer.tags)
            except NotRedeemable as refused:
                reason = refused.message
            out.append(RewardChoice(reward, reason, max(reward.cost - max(available, 0), 0)))
    return tuple(sorted(out, key=lambda r: (r.reward.cost, r.reward.id)))


def product_points(
    uow: UnitOfWork, clock: Clock, store_id: str, line: OrderLine, customer_id: str | None
) -> tuple[Program, Evaluation, str | None]:
    """What one product earns, by the earning engine's own preview, for a guest or for the
    shopper (their tier's and memberships' multipliers included); and the tier it counted."""
    program, evaluation = preview(uow, clock, store_id, (line,), customer_id=customer_id)
    if customer_id is None:
        return program, evaluation, None
    with uow:
        tier = customer_context(uow, store_id, customer_id, clock.now(), program).tier
    return program, evaluation, tier


def progress_share(done: Decimal | int, goal: Decimal | int) -> int:
    """A progress bar's percentage, 0 to 100, never past the end."""
    if goal <= 0:
        return 100
    return int(min(max(Decimal(done) / Decimal(goal), Decimal(0)), Decimal(1)) * 100)
