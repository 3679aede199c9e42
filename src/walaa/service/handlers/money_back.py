"""Points that paid for an order come back with its refunds and its cancellation, exactly once.

Points pay for an order two ways: a checkout hold captured for it, or a reward code used on it
(`POST /v1/codes/{code}/use` with the order's id). Both are given back the same way, inside the
refund's own unit of work: a refund returns the refunded share of every point that paid (of
the money the order paid, or of what points-only payments were worth), a cancellation or
whole-order refund all that is still out. What each payment already got back is known (the
ledger's reversals of a capture, the use's ``points_returned``), so repeated refunds add up to
exactly what paid and never more; every return is a ledger reversal that explains itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from walaa.domain.rewards import share_to_return, use_shares
from walaa.service.commands import Reverse
from walaa.service.handlers import ledger
from walaa.service.ports import OrderTies, UnitOfWork


@dataclass(frozen=True, slots=True)
class _Paid:
    """Points that paid for an order one way, and what came back of them so far."""

    customer_id: str
    #: the ledger entry that took them: a hold's capture, or the redemption's spend
    transaction_id: int
    points: int
    #: the money a refund's money is a share of
    base: Decimal
    returned: int
    #: the reversal's key under the refund's, unique per payment
    key: str
    reason: str
    refers_to: tuple[tuple[str, str], ...]
    code: str | None = None


def give_back_points_paid(
    uow: UnitOfWork,
    now: datetime,
    store_id: str,
    order_id: str,
    refund_id: str,
    refunded_total: Decimal,
    order_value: Decimal,
    ties: OrderTies | None = None,
) -> int:
    """Return the refunded share of every point that paid for ``order_id``; how many came back.

    ``refunded_total`` is the money refunded on the order so far, this refund included
    (infinite for a whole-order refund or a cancellation); ``order_value`` what the order's
    lines were paid, the base of a code's share. ``ties``: what refers to the order, when the
    caller read it already; a way nothing paid by is not looked at.
    """
    rewards, repo = uow.rewards(store_id), uow.ledger(store_id)
    returned = 0
    holds = ties is None or ties.paid_by_holds
    codes = ties is None or ties.paid_by_codes
    for paid in [
        *(_by_holds(uow, store_id, order_id) if holds else ()),
        *(_by_codes(uow, store_id, order_id, order_value) if codes else ()),
    ]:
        points = share_to_return(paid.points, paid.base, refunded_total, paid.returned)
        if points <= 0:
            continue
        command = Reverse(
            store_id,
            paid.customer_id,
            f"refund:{refund_id}:{paid.key}",
            paid.transaction_id,
            points=points,
            reason=paid.reason,
            refers_to=(("refund", refund_id), ("order", order_id), *paid.refers_to),
        )
        ledger.reverse_in(repo, command, now)
        if paid.code is not None:
            rewards.add_returned(paid.code, order_id, points)
        returned += points
    return returned


def _by_holds(uow: UnitOfWork, store_id: str, order_id: str) -> Iterator[_Paid]:
    """Captured holds: what came back of each is what the ledger reversed of its capture."""
    repo = uow.ledger(store_id)
    for payment in uow.rewards(store_id).payments_for(order_id):
        yield _Paid(
            payment.customer_id,
            payment.capture_transaction_id,
            payment.points,
            payment.paid_total,
            repo.reversed_so_far(payment.capture_transaction_id),
            f"points-paid:{payment.hold_id}",
            "refund of an order paid with points",
            (("hold", str(payment.hold_id)),),
        )


def _by_codes(
    uow: UnitOfWork, store_id: str, order_id: str, order_value: Decimal
) -> Iterator[_Paid]:
    """Codes used on the order: each use paid its share of the redemption's points."""
    rewards = uow.rewards(store_id)
    for code in rewards.codes_used_by(order_id):
        redemption = rewards.by_code(code)
        assert redemption is not None
        if redemption.transaction_id is None:
            continue  # a game's prize code: no points paid for it, none to give back
        uses = rewards.uses_of(code)
        shares = use_shares(redemption.points, redemption.uses_left, [u.points for u in uses])
        for use, points in zip(uses, shares, strict=True):
            if use.order_id == order_id:
                yield _Paid(
                    redemption.customer_id,
                    redemption.transaction_id,
                    points,
                    order_value,
                    use.points_returned,
                    f"code:{code}",
                    "refund of an order paid with a reward code",
                    (
                        ("redemption", redemption.id),
                        ("reward", redemption.reward_id),
                        ("code", code),
                    ),
                    code=code,
                )
