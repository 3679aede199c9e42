"""The rewards catalog, redeeming rewards for codes, and the codes at the store's checkout.

A redemption is one database transaction: lock the customer, check the reward (window, tier,
tag, per-customer limit, stock), spend the points oldest lots first, take one unit of stock
with a guarded UPDATE, issue the code, and record an alert when the customer asked for one.
A code that expires unused, or a redemption the store cancels, gives the points back to the
lots they came from, with their original expiry.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.memberships import Plan
from walaa.domain.perks import member_tag
from walaa.domain.program import Program
from walaa.domain.rewards import (
    CodeNotUsable,
    CodeOfAnotherCustomer,
    NotRedeemable,
    Reward,
    RewardLimitPerOrder,
    Shopper,
    check_blocks,
    check_redeemable,
    check_reward,
    check_units,
    code_expiry,
    new_code,
    next_use_share,
    normalise_code,
    use_shares,
)
from walaa.service.commands import Reverse, Spend
from walaa.service.handlers import ledger
from walaa.service.handlers.context import customer_context
from walaa.service.handlers.in_force import settings_in_force
from walaa.service.ports import (
    Balances,
    Clock,
    RedemptionRecord,
    RewardsRepository,
    UnitOfWork,
)

REDEMPTION_ALERT = "redemption_alert"
#: A code sent to its customer again, at the store's request (the dashboard's "resend").
CODE_RESENT = "code_resent"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    reward: Reward
    stock_left: int | None


@dataclass(frozen=True, slots=True)
class Redeemed:
    redemption: RedemptionRecord
    reward: Reward
    replayed: bool


# --- the catalog -------------------------------------------------------------------------------


def save_reward(uow: UnitOfWork, clock: Clock, store_id: str, reward: Reward) -> CatalogEntry:
    """Create a reward or replace its definition; stock restarts from the new definition."""
    check_reward(reward)
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        uow.rewards(store_id).save_reward(reward, reward.stock, clock.now())
        uow.commit()
    return CatalogEntry(reward, reward.stock)


def update_reward(
    uow: UnitOfWork, clock: Clock, store_id: str, reward_id: str, changes: dict[str, object]
) -> CatalogEntry:
    """Change some fields; a new ``stock`` resets what is left, otherwise stock is kept."""
    with uow:
        repo = uow.rewards(store_id)
        found = repo.get_reward(reward_id, lock=True)
        if found is None:
            raise NotFound(f"reward {reward_id!r} does not exist in this store")
        current, left = found
        updated = replace(current, **changes)  # type: ignore[arg-type]
        check_reward(updated)
        stock_left = updated.stock if "stock" in changes else left
        repo.save_reward(updated, stock_left, clock.now())
        uow.commit()
    return CatalogEntry(updated, stock_left)


def list_rewards(uow: UnitOfWork, store_id: str) -> list[CatalogEntry]:
    with uow:
        return [CatalogEntry(r, left) for r, left in uow.rewards(store_id).list_rewards()]


def get_reward(uow: UnitOfWork, store_id: str, reward_id: str) -> CatalogEntry:
    with uow:
        found = uow.rewards(store_id).get_reward(reward_id)
    if found is None:
        raise NotFound(f"reward {reward_id!r} does not exist in this store")
    return CatalogEntry(*found)


# --- redeeming -----------------------------------------------------------------------------------


def redeem(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    reward_id: str,
    key: str,
    blocks: int = 1,
) -> Redeemed:
    """Spend points on a reward and issue its code; the same ``key`` replays the first result.

    A free product by the block (``units_per_block``) may be redeemed for several ``blocks``
    at once: its cost and its units (``quantity``, taken from stock) times the blocks, on one
    code that an order buying enough units uses.
    """
    if not key:
        raise ValidationFailed("idempotency_key", "a redemption needs an idempotency key")
    now = clock.now()
    with uow:
        repo, rewards = uow.ledger(store_id), uow.rewards(store_id)
        balances = repo.lock_customer(customer_id, create=False)
        if balances is None:
            raise NotFound(f"customer {customer_id!r} has no points in this store")
        earlier = rewards.by_request_key(key)
        if earlier is not None:
            if (earlier.reward_id, earlier.customer_id, earlier.blocks) != (
                reward_id,
                customer_id,
                blocks,
            ):
                raise ValidationFailed("idempotency_key", "was used for another redemption")
            found = rewards.get_reward(earlier.reward_id)
            assert found is not None
            return Redeemed(earlier, found[0], replayed=True)
        found = rewards.get_reward(reward_id, lock=True)
        if found is None:
            raise NotFound(f"reward {reward_id!r} does not exist in this store")
        reward, stock_left = found
        check_blocks(reward, blocks)
        settings = settings_in_force(uow, store_id, balances.settings_stamp)
        program = settings.program
        customer = customer_context(uow, store_id, customer_id, now, program, balances)
        shopper = Shopper(
            tiers_reached=_tiers_reached(program, customer.tier),
            tags=customer.tags,
            redeemed_before=redeemed_before(rewards, customer_id, reward),
        )
        check_redeemable(reward, shopper, stock_left, now)
        _check_member_only(settings.plans, reward, customer.tags)
        redemption_id = "rd_" + secrets.token_hex(8)
        spend = Spend(
            store_id,
            customer_id,
            f"redeem:{key}",
            reward.cost * blocks,
            reason=f"reward:{reward.id}",
            refers_to=(("redemption", redemption_id), ("reward", reward.id)),
        )
        # nothing wrote the customer's balances since the lock above read them
        receipt = ledger.spend_in(repo, spend, now, locked=balances)
        # the reward's row is locked: a reward without a stock (None) cannot gain one meanwhile
        if stock_left is not None and not rewards.take_stock(reward_id, blocks * reward.quantity):
            raise NotRedeemable(f"reward {reward_id!r} is out of stock")
        record = RedemptionRecord(
            id=redemption_id,
            customer_id=customer_id,
            reward_id=reward_id,
            points=reward.cost * blocks,
            transaction_id=receipt.transaction_id,
            code=new_code(),
            status="issued",
            uses_left=reward.code_uses,
            expires_at=code_expiry(reward, now),
            created_at=now,
            blocks=blocks,
        )
        rewards.add_redemption(record, key, now)
        alert_if_over_threshold(uow, store_id, customer_id, record.points, record.id, now, balances)
        uow.commit()
    return Redeemed(record, reward, replayed=False)


def redeemed_before(rewards: RewardsRepository, customer_id: str, reward: Reward) -> int:
    """How often the customer redeemed ``reward``; counted only for a reward with a limit per
    customer, the one check that needs it."""
    if reward.per_customer is None:
        return 0
    return rewards.count_redemptions(customer_id, reward.id)


def _check_member_only(plans: Sequence[Plan], reward: Reward, tags: frozenset[str]) -> None:
    """A reward a plan lists as member-only is for active members of such a plan; ``plans``:
    the store's, from the settings in force."""
    plans = [p for p in plans if reward.id in p.member_rewards]
    if plans and not any(member_tag(p.id) in tags for p in plans):
        names = ", ".join(p.names.get("en") or p.id for p in plans)
        raise NotRedeemable(f"reward {reward.id!r} is for members of {names}")


def _tiers_reached(program: Program | None, tier: str | None) -> frozenset[str]:
    policy = program.tiers if program else None
    if policy is None or tier is None or policy.rank(tier) < 0:
        return frozenset()
    return frozenset(
        level.id for level in policy.levels if policy.rank(level.id) <= policy.rank(tier)
    )


def alert_if_over_threshold(
    uow: UnitOfWork,
    store_id: str,
    customer_id: str,
    points: int,
    source: str,
    now: datetime,
    locked: Balances | None = None,
) -> bool:
    """Record an alert when points leave the account above the customer's own threshold;
    ``locked``: the customer's lock in this unit of work, which read the threshold already."""
    if locked is not None and locked.tags is not None:
        threshold = locked.alert_threshold
    else:
        profile = uow.customers.profile(store_id, customer_id)
        threshold = profile.alert_threshold if profile is not None else None
    if threshold is None or points <= threshold:
        return False
    payload = {"points": points, "threshold": threshold, "source": source}
    return uow.notices.add(store_id, customer_id, REDEMPTION_ALERT, f"alert:{source}", payload, now)


def cancel_redemption(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, redemption_id: str
) -> RedemptionRecord:
    """The store cancels a redemption whose code has uses left: what they hold comes back.

    An unused code gives back all its points and its unit of stock; a partly used one only
    the unused uses' share (the used ones come back with their orders). The redemption row is
    locked before its uses are read, so a use racing the cancel either lands first and is
    counted, or finds the code cancelled.
    """
    now = clock.now()
    with uow:
        record = _give_back(uow, store_id, customer_id, redemption_id, "cancelled", now)
        uow.commit()
    return record


def resend_code(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, redemption_id: str, key: str
) -> bool:
    """Record a notice that sends the customer their code again; False if this request
    (``key``) already did. Only a code that can still be used is worth sending."""
    now = clock.now()
    with uow:
        record = uow.rewards(store_id).get_redemption(redemption_id)
        if record is None or record.customer_id != customer_id:
            raise NotFound(f"the customer has no redemption {redemption_id!r}")
        if record.status != "issued" or record.uses_left <= 0 or record.expires_at <= now:
            raise CodeNotUsable(_why_unusable(record, now))
        payload = {
            "code": record.code,
            "reward_id": record.reward_id,
            "expires_at": record.expires_at.isoformat(),
        }
        added = uow.notices.add(
            store_id, customer_id, CODE_RESENT, f"resend:{redemption_id}:{key}", payload, now
        )
        uow.commit()
    return added


def issue_free_code(
    uow: UnitOfWork,
    store_id: str,
    customer_id: str,
    reward_id: str,
    request_key: str,
    now: datetime,
) -> RedemptionRecord | None:
    """A catalog reward as a single-use code no points paid for (a game's prize, an
    achievement's grant), inside the caller's unit of work, checked at the store's checkout
    like any redemption. No points come back if it expires or is cancelled, and a customer's
    debt does not stand in its way. None when the catalog has no stock left (or the reward is
    off the shelf)."""
    rewards = uow.rewards(store_id)
    found = rewards.get_reward(reward_id, lock=True)
    if found is None or not found[0].active or not rewards.take_stock(reward_id):
        return None
    reward = found[0]
    record = RedemptionRecord(
        id=f"rd_{secrets.token_hex(8)}",
        customer_id=customer_id,
        reward_id=reward.id,
        points=0,
        transaction_id=None,
        code=new_code(),
        status="issued",
        uses_left=1,
        expires_at=code_expiry(reward, now),
        created_at=now,
    )
    rewards.add_redemption(record, request_key, now)
    return record


def give_back_in(
    uow: UnitOfWork, store_id: str, customer_id: str, redemption_id: str, now: datetime
) -> RedemptionRecord:
    """Cancel a redemption inside a unit of work the caller commits: a game takes back an
    unused prize code when the order that unlocked it is refunded."""
    return _give_back(uow, store_id, customer_id, redemption_id, "cancelled", now)


def _give_back(
    uow: UnitOfWork, store_id: str, customer_id: str, redemption_id: str, status: str, now: datetime
) -> RedemptionRecord:
    repo, rewards = uow.ledger(store_id), uow.rewards(store_id)
    repo.lock_customer(customer_id, create=False)
    record = rewards.get_redemption(redemption_id, lock=True)
    if record is None or record.customer_id != customer_id:
        raise NotFound(f"redemption {redemption_id!r} does not exist for this customer")
    if record.status != "issued":
        if record.status == status:
            return record  # already done: a retry
        raise CodeNotUsable(f"redemption {redemption_id!r} is already {record.status}")
    # A partly used code gives back only what its unused uses hold: each use paid its share
    # for its order, and comes back with that order's refund or cancellation.
    uses = rewards.uses_of(record.code)
    paid = sum(use_shares(record.points, record.uses_left, [u.points for u in uses]))
    refers_to = [("redemption", redemption_id), ("reward", record.reward_id)]
    if uses:
        refers_to.append(("unused_uses", str(record.uses_left)))
    refund_txn = None
    if record.transaction_id is not None:  # a game's prize code: no points paid, none back
        reverse = Reverse(
            store_id,
            customer_id,
            f"redemption:{redemption_id}:{status}",
            record.transaction_id,
            points=record.points - paid if uses else None,
            reason=f"redemption {status}",
            refers_to=tuple(refers_to),
        )
        refund_txn = ledger.reverse_in(repo, reverse, now).transaction_id
    rewards.settle_redemption(redemption_id, status, now, refund_txn)
    if not uses:  # a used code's units of stock were handed over
        found = rewards.get_reward(record.reward_id)
        units = record.blocks * (found[0].quantity if found else 1)
        rewards.return_stock(record.reward_id, units)
    return replace(record, status=status)


def expire_codes(uow: UnitOfWork, clock: Clock, store_id: str, limit: int = 500) -> int:
    """Codes past their date with uses left give those uses' points back, as a cancel would;
    returns how many did."""
    now = clock.now()
    with uow:
        due = uow.rewards(store_id).due_codes(now, limit)
    expired = 0
    for record in due:
        with uow:
            settled = _give_back(uow, store_id, record.customer_id, record.id, "expired", now)
            uow.commit()
        expired += settled.status == "expired"
    return expired


# --- codes at checkout ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeCheck:
    code: str
    usable: bool
    reason: str | None
    redemption: RedemptionRecord
    reward: Reward


def validate_code(uow: UnitOfWork, clock: Clock, store_id: str, code: str) -> CodeCheck:
    """What a code gives and whether it can be used now; changes nothing."""
    code = normalise_code(code)
    now = clock.now()
    with uow:
        rewards = uow.rewards(store_id)
        record = rewards.by_code(code)
        if record is None:
            raise NotFound("no such code in this store")
        found = rewards.get_reward(record.reward_id)
    assert found is not None
    return _checked(code, record, found[0], now)


def use_code(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    code: str,
    order_id: str,
    customer_id: str | None = None,
    units: int | None = None,
) -> CodeCheck:
    """Use a code for an order: once per order (a retry is the same use), never beyond its uses.

    The code pays only for its owner's orders (the order's customer if Walaa has the order,
    else ``customer_id`` if the checkout names one), unless its reward is transferable. A
    reward with ``per_order`` is used at most that many times on one order; a free product by
    the block needs the order to buy ``units_per_block`` of its SKU per block the code covers
    (counted on the recorded order, else the ``units`` the checkout says it buys).
    """
    code = normalise_code(code)
    now = clock.now()
    with uow:
        rewards = uow.rewards(store_id)
        record = rewards.by_code(code)
        if record is None:
            raise NotFound("no such code in this store")
        _check_owner(uow, store_id, record, order_id, customer_id)
        _check_order_limits(uow, store_id, record, order_id, units)
        if not rewards.record_use(code, order_id, now):
            found = rewards.get_reward(record.reward_id)
            assert found is not None
            return _checked(code, record, found[0], now)  # this order used it already
        if not rewards.use_code(code, now):
            raise CodeNotUsable(_why_unusable(record, now))
        used = rewards.by_code(code)
        assert used is not None
        _price_use(rewards, used, order_id)
        found = rewards.get_reward(record.reward_id)
        uow.commit()
    assert used is not None and found is not None
    return _checked(code, used, found[0], now)


def _price_use(rewards: RewardsRepository, used: RedemptionRecord, order_id: str) -> None:
    """Record the points this use paid, under the row lock its guarded UPDATE took."""
    earlier = [u.points for u in rewards.uses_of(used.code) if u.order_id != order_id]
    unused = used.points - sum(use_shares(used.points, used.uses_left + 1, earlier))
    rewards.price_use(used.code, order_id, next_use_share(unused, used.uses_left + 1))


def _check_owner(
    uow: UnitOfWork,
    store_id: str,
    record: RedemptionRecord,
    order_id: str,
    customer_id: str | None,
) -> None:
    found = uow.rewards(store_id).get_reward(record.reward_id)
    if found is not None and found[0].transferable:
        return
    order = uow.earning(store_id).get_order(order_id)
    for buyer in (order.customer_id if order else None, customer_id):
        if buyer is not None and buyer != record.customer_id:
            raise CodeOfAnotherCustomer(record.code, record.customer_id, buyer)


def _check_order_limits(
    uow: UnitOfWork, store_id: str, record: RedemptionRecord, order_id: str, units: int | None
) -> None:
    """What the order allows of this code's reward: its uses per order and the units bought.

    A reward limited per order is locked first, so two of its codes racing onto one order
    queue and the second sees the first."""
    rewards = uow.rewards(store_id)
    found = rewards.get_reward(record.reward_id)
    if found is None:
        return
    reward = found[0]
    if reward.per_order is not None:
        # The code's row, then the reward's: the order a cancel takes them in, so no deadlock.
        rewards.by_code(record.code, lock=True)
        rewards.get_reward(reward.id, lock=True)
        used = [c for c in rewards.reward_codes_used_by(order_id, reward.id) if c != record.code]
        if len(used) >= reward.per_order:
            raise RewardLimitPerOrder(reward.id, order_id, reward.per_order, used)
    if reward.units_per_block is not None:
        check_units(reward, record.blocks, _units_bought(uow, store_id, order_id, reward, units))


def _units_bought(
    uow: UnitOfWork, store_id: str, order_id: str, reward: Reward, said: int | None
) -> int | None:
    """Units of the reward's SKU the order buys: as recorded, or as the checkout says."""
    earning = uow.earning(store_id)
    if earning.get_order(order_id) is None:
        return said
    lines = earning.order_request(order_id).get("lines", ())
    return sum(
        int(line.get("quantity", 1))
        for line in lines
        if line.get("sku") == reward.sku and line.get("kind", "product") == "product"
    )


def _checked(code: str, record: RedemptionRecord, reward: Reward, now: datetime) -> CodeCheck:
    """Whether the code can still be used, as it stands now: after its last use it cannot."""
    reason = _unusable(record, now)
    return CodeCheck(code, reason is None, reason, record, reward)


def _unusable(record: RedemptionRecord, now: datetime) -> str | None:
    if record.status != "issued":
        return f"the code is {record.status}"
    if record.expires_at <= now:
        return "the code has expired"
    if record.uses_left <= 0:
        return "the code has been used"
    return None


def _why_unusable(record: RedemptionRecord, now: datetime) -> str:
    return _unusable(record, now) or "the code has been used"
