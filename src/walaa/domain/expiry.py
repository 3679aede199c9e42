"""When points expire: by their age (months or days after they became spendable), and all at
once after a customer has gone a number of days without earning or spending (inactivity).

The two kinds are independent and may be combined: a lot's age is fixed when it is earned
(``expires_at`` on the lot), while inactivity depends on the customer's latest activity, which
every order or spend may move forward. Warnings before an inactivity deadline are sent
``warn_days_before`` days ahead, the tightest one that is due when the worker looks, so a
customer is never told "30 days left" when 5 are.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: A problem with the policy: its path under ``expiry`` and the reason, as the document reads.
PolicyProblem = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    """How long earned points live.

    ``after_months`` or ``after_days`` (at most one) after they became spendable, or forever
    when neither is set; and, independently, every point of a customer after ``inactive_days``
    without earning or spending, with a warning ``warn_days_before`` days ahead of that.
    """

    after_months: int | None = None
    after_days: int | None = None
    inactive_days: int | None = None
    warn_days_before: tuple[int, ...] = ()

    @property
    def never(self) -> bool:
        """True when points never expire by their age (inactivity may still take them)."""
        return self.after_months is None and self.after_days is None

    def expires_at(self, earned_at: datetime) -> datetime | None:
        """When points earned at `earned_at` expire; the last day of a shorter month if needed.

        31 January + 1 month is 28/29 February rather than an error or 3 March, so a customer
        never loses points earlier than the policy promised.
        """
        if self.after_days is not None:
            return earned_at + timedelta(days=self.after_days)
        if self.after_months is None:
            return None
        months = earned_at.month - 1 + self.after_months
        year, month = earned_at.year + months // 12, months % 12 + 1
        day = min(earned_at.day, calendar.monthrange(year, month)[1])
        return earned_at.replace(year=year, month=month, day=day)

    def inactive_since(self, as_of: datetime) -> datetime | None:
        """Customers last active at or before this moment have lost their points by ``as_of``
        (None when the program has no inactivity expiry)."""
        if self.inactive_days is None:
            return None
        return as_of - timedelta(days=self.inactive_days)

    def warning_windows(self, as_of: datetime) -> tuple[WarningWindow, ...]:
        """For each warning, the customers it is due for at ``as_of``, by their last activity.

        Each window runs from its own warning to the next, tighter one, so at any moment a
        customer is in at most one window: the tightest warning that is due.
        """
        if self.inactive_days is None:
            return ()
        windows = []
        tighter = 0
        for days in sorted(self.warn_days_before):
            latest = as_of - timedelta(days=self.inactive_days - days)
            after = as_of - timedelta(days=self.inactive_days - tighter)
            windows.append(WarningWindow(days, after, latest))
            tighter = days
        return tuple(windows)

    def problems(self) -> list[PolicyProblem]:
        """What does not make sense, each at its path under ``expiry``."""
        found: list[PolicyProblem] = []
        if self.after_months is not None and self.after_days is not None:
            found.append(((), "give after_months or after_days, not both"))
        for name in ("after_months", "after_days", "inactive_days"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                found.append(((name,), "must be more than 0"))
        found.extend(_warning_problems(self.warn_days_before, self.inactive_days))
        return found


def _warning_problems(warnings: Sequence[int], inactive_days: int | None) -> list[PolicyProblem]:
    if warnings and inactive_days is None:
        return [(("warn_days_before",), "warnings come before inactivity: set inactive_days")]
    found: list[PolicyProblem] = []
    seen: set[int] = set()
    for index, days in enumerate(warnings):
        path: tuple[str | int, ...] = ("warn_days_before", index)
        if days <= 0:
            found.append((path, "must be more than 0"))
        elif inactive_days is not None and days >= inactive_days:
            found.append((path, f"must be fewer than inactive_days ({inactive_days})"))
        elif days in seen:
            found.append((path, f"{days} is given twice"))
        seen.add(days)
    return found


@dataclass(frozen=True, slots=True)
class WarningWindow:
    """Customers last active in (``after``, ``latest``] are due the ``days_before`` warning."""

    days_before: int
    after: datetime
    latest: datetime
