"""What an order's awards were based on, stored with them so refunds can be computed later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from walaa.domain.explanations import (
    LocalizedText,
)

# --- refunds ---------------------------------------------------------------------------------


class Measure(StrEnum):
    """How an award shrinks when its order is refunded."""

    VALUE = "value"
    UNITS = "units"
    WHOLE = "whole"


class LineBasis(NamedTuple):
    """A line as the awards saw it: units, effective amount paid, and whether it earned.

    `paid` is net of the line's share of any order-level discount, so a refund "by amount"
    of a discounted line is measured against what was actually paid for it.
    """

    line_id: str
    quantity: int
    paid: Decimal
    earns: bool


@dataclass(frozen=True, slots=True)
class MultiplierBasis:
    """A multiplier inside an award, kept so a refund can undo it when its minimum is lost.

    `line_ids` are the lines it counted (its minimums are tested on them); `multiplies` are
    the award's lines whose points it multiplied. None, as in bases stored before multipliers
    honoured their item filters, means the whole award.
    """

    rule_id: str
    factor: Decimal
    line_ids: tuple[str, ...]
    min_amount: Decimal | None = None
    min_quantity: int | None = None
    multiplies: tuple[str, ...] | None = None
    order_min_amount: Decimal | None = None
    order_min_quantity: int | None = None


@dataclass(frozen=True, slots=True)
class AwardBasis:
    """What one order award was based on, for taking it back in proportion.

    `order_min_amount` and `order_min_quantity` are what the whole order's earning lines had
    to reach; a refund below them takes the award back entirely. `block` is set when the
    award earned per full block of that amount, so a refund keeps what the full blocks left
    would earn.
    """

    rule_id: str
    rule_name: LocalizedText
    points: int
    measure: Measure
    line_ids: tuple[str, ...]
    min_amount: Decimal | None = None
    min_quantity: int | None = None
    multipliers: tuple[MultiplierBasis, ...] = ()
    order_min_amount: Decimal | None = None
    order_min_quantity: int | None = None
    block: Decimal | None = None

    @property
    def has_minimum(self) -> bool:
        """True when the award needed a minimum of its items or of the whole order."""
        minimums = (self.min_amount, self.min_quantity, self.order_min_amount)
        return any(m is not None for m in minimums) or self.order_min_quantity is not None


@dataclass(frozen=True, slots=True)
class OrderBasis:
    """Everything `take_back` needs about an order's earning; store it with the awards."""

    order_id: str
    program_version: int
    currency: str
    points_name: LocalizedText
    lines: tuple[LineBasis, ...]
    awards: tuple[AwardBasis, ...]

    @property
    def earning_line_ids(self) -> tuple[str, ...]:
        """The lines that earned: the whole order, as an order minimum measures it."""
        return tuple(line.line_id for line in self.lines if line.earns)

    @property
    def earned(self) -> int:
        """Points the order earned in total."""
        return sum(award.points for award in self.awards)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (decimals as strings) for storing next to the order's awards."""
        return basis_to_record(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> OrderBasis:
        """The basis back from `to_record`'s dict."""
        return basis_from_record(record)


# --- storing a basis -------------------------------------------------------------------------


def basis_to_record(basis: OrderBasis) -> dict[str, Any]:
    def optional(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "order_id": basis.order_id,
        "program_version": basis.program_version,
        "currency": basis.currency,
        "points_name": basis.points_name.as_dict(),
        "lines": [
            {
                "line_id": line.line_id,
                "quantity": line.quantity,
                "paid": str(line.paid),
                "earns": line.earns,
            }
            for line in basis.lines
        ],
        "awards": [
            {
                "rule_id": a.rule_id,
                "rule_name": a.rule_name.as_dict(),
                "points": a.points,
                "measure": a.measure.value,
                "line_ids": list(a.line_ids),
                "min_amount": optional(a.min_amount),
                "min_quantity": a.min_quantity,
                "multipliers": [
                    {
                        "rule_id": m.rule_id,
                        "factor": str(m.factor),
                        "line_ids": list(m.line_ids),
                        "min_amount": optional(m.min_amount),
                        "min_quantity": m.min_quantity,
                        "multiplies": None if m.multiplies is None else list(m.multiplies),
                        "order_min_amount": optional(m.order_min_amount),
                        "order_min_quantity": m.order_min_quantity,
                    }
                    for m in a.multipliers
                ],
                "order_min_amount": optional(a.order_min_amount),
                "order_min_quantity": a.order_min_quantity,
                "block": optional(a.block),
            }
            for a in basis.awards
        ],
    }


def _ids(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def basis_from_record(record: Mapping[str, Any]) -> OrderBasis:
    def optional(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return OrderBasis(
        order_id=record["order_id"],
        program_version=record["program_version"],
        currency=record["currency"],
        points_name=LocalizedText.of(record["points_name"]),
        lines=tuple(
            LineBasis(line["line_id"], line["quantity"], Decimal(line["paid"]), line["earns"])
            for line in record["lines"]
        ),
        awards=tuple(
            AwardBasis(
                rule_id=a["rule_id"],
                rule_name=LocalizedText.of(a["rule_name"]),
                points=a["points"],
                measure=Measure(a["measure"]),
                line_ids=tuple(a["line_ids"]),
                min_amount=optional(a["min_amount"]),
                min_quantity=a["min_quantity"],
                multipliers=tuple(
                    MultiplierBasis(
                        m["rule_id"],
                        Decimal(m["factor"]),
                        tuple(m["line_ids"]),
                        optional(m["min_amount"]),
                        m["min_quantity"],
                        _ids(m.get("multiplies")),
                        optional(m.get("order_min_amount")),
                        m.get("order_min_quantity"),
                    )
                    for m in a["multipliers"]
                ),
                order_min_amount=optional(a.get("order_min_amount")),
                order_min_quantity=a.get("order_min_quantity"),
                block=optional(a.get("block")),
            )
            for a in record["awards"]
        ),
    )
