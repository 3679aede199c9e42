"""Refunds: what each award keeps of what remains of its lines, and what a refund takes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from walaa.domain.earning.basis import AwardBasis, LineBasis, Measure, MultiplierBasis, OrderBasis
from walaa.domain.earning.inputs import InvalidRefund
from walaa.domain.errors import Conflict
from walaa.domain.explanations import (
    Explanation,
)
from walaa.domain.money import (
    ZERO,
)


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """Part of a line refunded: some units, or an amount of what was paid for it."""

    line_id: str
    quantity: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund as the store reports it: lines, an amount not tied to a line, or everything.

    An unattributed `amount` is spread over what remains of the order in proportion to its
    paid value (shipping and tax included), because the store did not say what it was for.
    A cancellation is `Refund.everything(id)`.
    """

    refund_id: str
    lines: tuple[RefundedLine, ...] = ()
    amount: Decimal = ZERO
    whole_order: bool = False

    def __post_init__(self) -> None:
        if self.amount < 0 or any(r.quantity < 0 or r.amount < 0 for r in self.lines):
            raise InvalidRefund("refund", "quantities and amounts cannot be negative")

    @classmethod
    def everything(cls, refund_id: str) -> Refund:
        """A full refund or a cancellation: every point the order earned goes back."""
        return cls(refund_id, whole_order=True)


class RefundExceedsOrder(Conflict):
    """A refund of more than is left of a line or of the order; ``left`` says what is."""

    code = "refund-exceeds-order"

    def __init__(self, message: str, left: dict[str, object]) -> None:
        super().__init__(message)
        self.facts = {"left": left}


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """A line as the store placed it: what the customer paid for all its units."""

    line_id: str
    paid: Decimal
    quantity: int = 1


def check_refundable(
    order_id: str, lines: Sequence[PlacedLine], earlier: Sequence[Refund], refund: Refund
) -> None:
    """Refuse a refund of more than is left: units or money of a line, money of the order.

    What is left counts every earlier refund: units at their line's paid price per unit,
    line amounts, unattributed amounts against the order. After a whole-order refund (or a
    cancellation) nothing is left, so a second one is refused too. Amounts are shown to the
    order's own precision (at least cents).
    """
    places = max([2, *(-int(line.paid.as_tuple().exponent) for line in lines)])
    by_id = {line.line_id: line for line in lines}
    units = {line.line_id: line.quantity for line in lines}
    money = {line.line_id: Fraction(line.paid) for line in lines}
    # Discount and reward lines are negative: they are not money to give back, and a line's
    # own paid amount is before the order-level discount spread over it, so the order's
    # refundable money is what its positive lines came to.
    order_left = sum((Fraction(line.paid) for line in lines if line.paid > 0), Fraction(0))
    for done in earlier:
        if done.whole_order:
            raise RefundExceedsOrder(
                f"order {order_id!r} was refunded whole: nothing is left to refund",
                {"amount": _shown(Fraction(0), places)},
            )
        order_left -= _apply_lines(by_id, units, money, done, order_id, places, check=False)
        order_left -= Fraction(done.amount)
    if refund.whole_order:
        return
    value = _apply_lines(by_id, units, money, refund, order_id, places, check=True)
    value += Fraction(refund.amount)
    if value > max(order_left, Fraction(0)):
        left = _shown(max(order_left, Fraction(0)), places)
        raise RefundExceedsOrder(f"order {order_id!r} has {left} left to refund", {"amount": left})


def _apply_lines(
    by_id: Mapping[str, PlacedLine],
    units: dict[str, int],
    money: dict[str, Fraction],
    refund: Refund,
    order_id: str,
    places: int,
    *,
    check: bool,
) -> Fraction:
    """Take ``refund``'s lines off what is left of them; the money they come to."""
    total = Fraction(0)
    for position, item in enumerate(refund.lines):
        line = by_id.get(item.line_id)
        if line is None:
            raise InvalidRefund(
                f"lines[{position}].line_id", f"order {order_id!r} has no line {item.line_id!r}"
            )
        value = Fraction(line.paid) * item.quantity / line.quantity + Fraction(item.amount)
        if check and (item.quantity > units[line.line_id] or value > money[line.line_id]):
            left_units, left_money = units[line.line_id], _shown(money[line.line_id], places)
            raise RefundExceedsOrder(
                f"line {line.line_id!r} of order {order_id!r} has {left_units} unit(s) "
                f"and {left_money} left to refund",
                {"line_id": line.line_id, "quantity": left_units, "amount": left_money},
            )
        units[line.line_id] = max(0, units[line.line_id] - item.quantity)
        money[line.line_id] = max(Fraction(0), money[line.line_id] - value)
        total += value
    return total


def _shown(amount: Fraction, places: int) -> str:
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN))


@dataclass(frozen=True, slots=True)
class AwardTakeBack:
    """Points taken back from one award by one refund, and what it still keeps."""

    rule_id: str
    points: int
    kept: int
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class TakeBack:
    """What one refund takes back from an order's points.

    `points` is to reverse now; `kept` is what the order keeps after it; `taken_back` is the
    total reversed by all refunds so far, never more than `earned`.
    """

    refund_id: str
    order_id: str
    points: int
    kept: int
    taken_back: int
    earned: int
    awards: tuple[AwardTakeBack, ...]

    @property
    def explanation(self) -> tuple[Explanation, ...]:
        """One clause per award that lost points."""
        return tuple(a.explanation for a in self.awards if a.points > 0)


@dataclass(slots=True)
class _LineState:
    paid: Fraction
    quantity: int


def _remaining(basis: OrderBasis, refunds: Sequence[Refund]) -> dict[str, _LineState]:
    """What is left of each line after `refunds`, applied in order. Never below zero."""
    original = {line.line_id: line for line in basis.lines}
    state = {line.line_id: _LineState(Fraction(line.paid), line.quantity) for line in basis.lines}
    for refund in refunds:
        if refund.whole_order:
            for line_state in state.values():
                line_state.paid, line_state.quantity = Fraction(0), 0
            continue
        for position, refunded in enumerate(refund.lines):
            if refunded.line_id not in state:
                raise InvalidRefund(
                    f"lines[{position}].line_id",
                    f"order {basis.order_id!r} has no line {refunded.line_id!r}",
                )
            _refund_line(state[refunded.line_id], original[refunded.line_id], refunded)
        if refund.amount > 0:
            _spread_refund(state, Fraction(refund.amount))
    return state


def _refund_line(state: _LineState, line: LineBasis, refunded: RefundedLine) -> None:
    """Units come back at the line's paid price per unit; an amount comes off what was paid."""
    if refunded.quantity:
        state.paid -= Fraction(line.paid) * refunded.quantity / line.quantity
        state.quantity -= refunded.quantity
    state.paid -= Fraction(refunded.amount)
    if state.paid <= 0 or state.quantity <= 0:
        state.paid, state.quantity = Fraction(0), 0


def _spread_refund(state: dict[str, _LineState], amount: Fraction) -> None:
    remaining = sum((s.paid for s in state.values()), Fraction(0))
    if remaining <= 0:
        return
    keep = max(Fraction(0), 1 - amount / remaining)
    for line_state in state.values():
        line_state.paid *= keep
        if keep == 0:
            line_state.quantity = 0


def _kept(award: AwardBasis, basis: OrderBasis, state: Mapping[str, _LineState]) -> int:
    """Points an award keeps given what remains of its lines.

    Per-amount awards keep the share of their counted value still paid; per-unit awards the
    share of units still held. Each line weighs what it earned, so a line a multiplier doubled
    takes back twice the points of a line beside it. Fixed and threshold bonuses are all or
    nothing: kept while any counted item remains and every minimum the rule asked for (amount,
    quantity) is still met, taken back entirely otherwise; a multiplier whose minimum is no
    longer met is undone. Kept points are always rounded down, whatever the program's
    rounding, so an order never keeps more than its remaining paid value would earn.
    """
    value, units = _left(award.line_ids, state)
    if _below(award.min_amount, award.min_quantity, value, units) or value == 0:
        return 0
    order_value, order_units = _left(basis.earning_line_ids, state)
    if _below(award.order_min_amount, award.order_min_quantity, order_value, order_units):
        return 0
    lost = [m for m in award.multipliers if _below_minimum(m, basis, state)]
    if award.measure is Measure.WHOLE:
        kept = Fraction(award.points)
        for multiplier in lost:
            kept /= Fraction(multiplier.factor)
        return min(award.points, int(kept))
    share = _weighted_share(award, basis, state, lost)
    if award.block is not None:
        share *= _whole_block_correction(award, basis, value, award.block)
    return min(award.points, int(award.points * share))


def _weighted_share(
    award: AwardBasis,
    basis: OrderBasis,
    state: Mapping[str, _LineState],
    lost: Sequence[MultiplierBasis],
) -> Fraction:
    """The share of a per-amount (value) or per-unit award that remains, each line weighted
    by the multipliers that raised it, less those whose minimum is lost."""
    original = {line.line_id: line for line in basis.lines}
    by_value = award.measure is Measure.VALUE
    whole = left = Fraction(0)
    for line_id in award.line_ids:
        line = original[line_id]
        earned = Fraction(line.paid) if by_value else Fraction(line.quantity)
        remains = state[line_id].paid if by_value else Fraction(state[line_id].quantity)
        factors = [m for m in award.multipliers if m.multiplies is None or line_id in m.multiplies]
        weight = _product(m.factor for m in factors)
        whole += earned * weight
        left += remains * weight / _product(m.factor for m in factors if m in lost)
    return left / whole if whole else Fraction(0)


def _whole_block_correction(
    award: AwardBasis, basis: OrderBasis, value: Fraction, block: Decimal
) -> Fraction:
    """Earned per full block: what remains keeps the points of the full blocks it still holds
    (25 earned two blocks of 10; refunded to 20 it still holds two), not a pro-rata share."""
    paid = {line.line_id: Fraction(line.paid) for line in basis.lines}
    whole_value = sum((paid[i] for i in award.line_ids), Fraction(0))
    blocks_earned = int(whole_value // Fraction(block))
    if blocks_earned == 0 or value == 0:
        return Fraction(0)
    return Fraction(int(value // Fraction(block)), blocks_earned) * whole_value / value


def _below_minimum(
    multiplier: MultiplierBasis, basis: OrderBasis, state: Mapping[str, _LineState]
) -> bool:
    """True when what remains no longer meets a minimum the multiplier needed."""
    value, units = _left(multiplier.line_ids, state)
    if _below(multiplier.min_amount, multiplier.min_quantity, value, units):
        return True
    order_value, order_units = _left(basis.earning_line_ids, state)
    return _below(
        multiplier.order_min_amount, multiplier.order_min_quantity, order_value, order_units
    )


def _product(factors: Iterable[Decimal]) -> Fraction:
    result = Fraction(1)
    for factor in factors:
        result *= Fraction(factor)
    return result


def _left(line_ids: Iterable[str], state: Mapping[str, _LineState]) -> tuple[Fraction, int]:
    value, units = Fraction(0), 0
    for line_id in line_ids:
        value += state[line_id].paid
        units += state[line_id].quantity
    return value, units


def _below(
    min_amount: Decimal | None, min_quantity: int | None, value: Fraction, units: int
) -> bool:
    return (min_amount is not None and value < Fraction(min_amount)) or (
        min_quantity is not None and units < min_quantity
    )


def points_kept(basis: OrderBasis, refunds: Sequence[Refund]) -> int:
    """Points the order keeps after all `refunds`: never negative, never above `earned`."""
    state = _remaining(basis, refunds)
    return sum(_kept(award, basis, state) for award in basis.awards)


def take_back(basis: OrderBasis, refund: Refund, *, earlier: Sequence[Refund] = ()) -> TakeBack:
    """Points to reverse now for `refund`, given the order's `basis` and `earlier` refunds.

    Computed as (kept before) - (kept after) from the cumulative refunds, so repeated partial
    refunds add up to exactly what one equal refund would take back, and together they can
    never take back more than the order earned or leave it with negative points.
    """
    before = _remaining(basis, earlier)
    after = _remaining(basis, (*earlier, refund))
    parts = []
    for award in basis.awards:
        kept_before = _kept(award, basis, before)
        kept_after = min(kept_before, _kept(award, basis, after))
        parts.append(_award_take_back(award, basis, kept_before - kept_after, kept_after))
    kept = sum(part.kept for part in parts)
    return TakeBack(
        refund_id=refund.refund_id,
        order_id=basis.order_id,
        points=sum(part.points for part in parts),
        kept=kept,
        taken_back=basis.earned - kept,
        earned=basis.earned,
        awards=tuple(parts),
    )


def _award_take_back(award: AwardBasis, basis: OrderBasis, points: int, kept: int) -> AwardTakeBack:
    if award.measure is Measure.WHOLE and kept == 0:
        key = "take_back.threshold" if award.has_minimum else "take_back.fixed"
    else:
        key = "take_back.award"
    explanation = Explanation.of(
        key, rule=award.rule_name, points=points, points_name=basis.points_name, kept=kept
    )
    return AwardTakeBack(award.rule_id, points, kept, explanation)
