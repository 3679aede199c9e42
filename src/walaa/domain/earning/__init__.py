"""The earning engine: how many points an order or a customer action earns, and why.

Everything here is a pure function of its arguments. Time comes in with the order
(`placed_at`) or the event (`occurred_at`); what a customer already earned comes in as a
`UsageSnapshot` the service layer loads; nothing is read from a clock or a database.

How an order is evaluated, in order:

1. Eligible value. Each line earns on its NET PAID amount, so the part of a price paid with a
   points discount never earns. Shipping, tax and gift cards earn only if the program says so;
   discount lines never earn, reward lines only if `rewards_in_base` says so. An order-level
   discount line is spread over the earning lines in proportion to what they paid, in whole
   minor units (or as `discount_spread` says: see `discounts`); the program's own rewards are
   one more discount unless they earn.
2. Rules. Each enabled `order` rule checks its conditions (channel, window and weekdays in the
   store's time zone, tier, tags) and counts its items (all eligible items, or those its filter
   matches); minimums are tested against what it counted (order minimums against the whole
   order). Rules are tried in document order; one with `stop` that applies ends the list.
   The answer is a candidate award, a multiplier, or a `NoAward` saying which condition was
   not met.
3. Multipliers multiply the raw points of the per-amount (or named) awards, only of the items
   they count; whole-block programs count full blocks; then points are rounded once.
4. Limits (per order, per customer per period) cut an award and say so in its explanation.
5. Best-of groups keep the largest award of each group; the others are withheld, explained.

Customer events follow the same path without items, then the program's daily cap on points from
actions. Refunds are computed from the `OrderBasis` an evaluation returns: see `take_back`.

The modules, split by concept (as offers split into conditions, benefits and an applicator):
`inputs` (orders, lines, customers, events), `usage` (history the limits consult), `facts`
(each line's earning value), `discounts` (which lines an order discount comes off),
`conditions` (moment, customer, items, minimums), `benefits` (draft awards and multipliers),
`limits` (caps and best-of groups), `awards` (finished, explained awards), `applicator` (the
evaluations), `results`, `basis` (what refunds need) and `refunds` (what a refund takes back).
Import from this package: the modules are its parts.
"""

from __future__ import annotations

from walaa.domain.earning.applicator import (
    evaluate_event,
    evaluate_order,
    preview_cart,
    preview_product,
)
from walaa.domain.earning.basis import AwardBasis, LineBasis, Measure, MultiplierBasis, OrderBasis
from walaa.domain.earning.facts import counts_as_spend
from walaa.domain.earning.inputs import (
    Customer,
    CustomerEvent,
    EarningError,
    InvalidOrder,
    InvalidRefund,
    Order,
    OrderLine,
)
from walaa.domain.earning.refunds import (
    AwardTakeBack,
    PlacedLine,
    Refund,
    RefundedLine,
    RefundExceedsOrder,
    TakeBack,
    check_refundable,
    points_kept,
    take_back,
)
from walaa.domain.earning.results import (
    NO_AWARD,
    AppliedMultiplier,
    Award,
    AwardKind,
    Cap,
    CountedLine,
    Evaluation,
    NoAward,
    Result,
    RuleUse,
    explain,
)
from walaa.domain.earning.usage import (
    NO_USAGE,
    RuleUsage,
    SubjectCheck,
    UsageQuery,
    UsageSnapshot,
    UsageWindow,
    period_bounds,
    usage_needed,
)

__all__ = [
    "NO_AWARD",
    "NO_USAGE",
    "AppliedMultiplier",
    "Award",
    "AwardBasis",
    "AwardKind",
    "AwardTakeBack",
    "Cap",
    "CountedLine",
    "Customer",
    "CustomerEvent",
    "EarningError",
    "Evaluation",
    "InvalidOrder",
    "InvalidRefund",
    "LineBasis",
    "Measure",
    "MultiplierBasis",
    "NoAward",
    "Order",
    "OrderBasis",
    "OrderLine",
    "PlacedLine",
    "Refund",
    "RefundExceedsOrder",
    "RefundedLine",
    "Result",
    "RuleUsage",
    "RuleUse",
    "SubjectCheck",
    "TakeBack",
    "UsageQuery",
    "UsageSnapshot",
    "UsageWindow",
    "check_refundable",
    "counts_as_spend",
    "evaluate_event",
    "evaluate_order",
    "explain",
    "period_bounds",
    "points_kept",
    "preview_cart",
    "preview_product",
    "take_back",
    "usage_needed",
]
