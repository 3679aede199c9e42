"""A customer's history the limits consult, and exactly what of it the service must load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from walaa.domain.earning.inputs import CustomerEvent, Order
from walaa.domain.program import (
    OncePer,
    PerCustomer,
    Period,
    Program,
)

# --- usage history (loaded by the service) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleUsage:
    """What one rule already gave one customer in one period: awards and points."""

    times: int = 0
    points: int = 0


@dataclass(frozen=True)
class UsageSnapshot:
    """The customer's history the limits need, loaded by the service for `as_of`.

    `rules[(rule_id, period)]` covers the period that contains the order or event time;
    `rewarded[rule_id]` holds property values already rewarded by a `once_per` rule (reviewed
    product ids); `action_points_today` sums points from all action rules on the local day.
    `usage_needed` says exactly what to load.
    """

    rules: Mapping[tuple[str, Period], RuleUsage] = field(default_factory=dict)
    rewarded: Mapping[str, frozenset[str]] = field(default_factory=dict)
    action_points_today: int = 0

    def of(self, rule_id: str, period: Period) -> RuleUsage:
        """Usage of `rule_id` in `period`; nothing yet when absent."""
        return self.rules.get((rule_id, period), _UNUSED)

    def already_rewarded(self, rule_id: str, value: str) -> bool:
        """True when `rule_id` already rewarded this property value (this product's review)."""
        return value in self.rewarded.get(rule_id, frozenset())


_UNUSED = RuleUsage()
NO_USAGE = UsageSnapshot()
"""No history: a new customer, or a preview without a customer."""


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """Sum the awards (count and points) of `rule_id` for the customer in [starts, ends).

    Bounds are UTC; `None` means open (a lifetime limit has neither).
    """

    rule_id: str
    period: Period
    starts: datetime | None
    ends: datetime | None


@dataclass(frozen=True, slots=True)
class SubjectCheck:
    """Has `rule_id` already rewarded this customer for `value` of `property`?"""

    rule_id: str
    property: str
    value: str


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """What the service must load to build a `UsageSnapshot` for one order or event."""

    windows: tuple[UsageWindow, ...]
    subjects: tuple[SubjectCheck, ...]
    action_day: tuple[datetime, datetime] | None


def period_bounds(
    period: Period, as_of: datetime, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds of the local `period` containing `as_of` (weeks start on Monday).

    Computed in the store's zone because "one per day" means the shop's day: an order at
    01:00 Riyadh time on Saturday is Saturday's, although it is still Friday in UTC.
    """
    if period is Period.LIFETIME:
        return None, None
    local = as_of.astimezone(tz)
    day = local.date()
    if period is Period.DAY:
        start, end = day, day + timedelta(days=1)
    elif period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    elif period is Period.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        start, end = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    return _local_midnight(start.isoformat(), tz), _local_midnight(end.isoformat(), tz)


def _local_midnight(iso_day: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso_day).replace(tzinfo=tz).astimezone(UTC)


def usage_needed(program: Program, source: Order | CustomerEvent) -> UsageQuery:
    """Exactly the history the limits of the rules `source` can trigger will consult."""
    if isinstance(source, Order):
        rules, as_of, properties = program.order_rules, source.placed_at, {}
    else:
        rules = program.rules_for_event(source.type)
        as_of, properties = source.occurred_at, dict(source.properties)
    windows: list[UsageWindow] = []
    subjects: list[SubjectCheck] = []
    for rule in rules:
        for limit in rule.limits:
            if isinstance(limit, PerCustomer):
                starts, ends = period_bounds(limit.period, as_of, program.tz)
                windows.append(UsageWindow(rule.id, limit.period, starts, ends))
            elif isinstance(limit, OncePer) and limit.property in properties:
                value = str(properties[limit.property])
                subjects.append(SubjectCheck(rule.id, limit.property, value))
    action_day = None
    if isinstance(source, CustomerEvent) and program.action_daily_cap is not None:
        starts, ends = period_bounds(Period.DAY, as_of, program.tz)
        assert starts is not None and ends is not None
        action_day = (starts, ends)
    return UsageQuery(tuple(windows), tuple(subjects), action_day)
