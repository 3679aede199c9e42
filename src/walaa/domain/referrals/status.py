"""The life of a referral, as a table of allowed moves.

    signed_up ──▶ qualified ──▶ reversed
        │  ╲
        │   ╲──▶ held ──▶ approved ──▶ reversed | rejected | expired
        │          ╲
        ├──────────▶ rejected
        └──▶ expired

* signed_up: the friend arrived with a code and passed the rules; waiting for the
  qualifying order (within the referral's lifetime);
* qualified: the qualifying order came and the rules passed: both sides are rewarded;
* held: a rule asked for a person to look (similarity); the review approves or rejects,
  by a staff member or automatically after the program's days;
* approved: a held referral a reviewer let through: rewarded once its order has come (an
  order too small rejects it, one past the lifetime expires it, as for a sign-up);
* rejected: a rule refused it, or a reviewer did; its reason stays with it;
* reversed: the friend's qualifying order was refunded or cancelled within the return
  window, so the advocate's pending reward was taken back;
* expired: no qualifying order within the lifetime.
"""

from __future__ import annotations

from enum import StrEnum

from walaa.domain.errors import ReferralStatusConflict


class Status(StrEnum):
    SIGNED_UP = "signed_up"
    QUALIFIED = "qualified"
    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVERSED = "reversed"
    EXPIRED = "expired"


MOVES: dict[Status, frozenset[Status]] = {
    Status.SIGNED_UP: frozenset({Status.QUALIFIED, Status.HELD, Status.REJECTED, Status.EXPIRED}),
    Status.HELD: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.QUALIFIED: frozenset({Status.REVERSED}),
    # approved before the friend ordered: the order may still be too small, or too late
    Status.APPROVED: frozenset({Status.REVERSED, Status.REJECTED, Status.EXPIRED}),
    Status.REJECTED: frozenset(),
    Status.REVERSED: frozenset(),
    Status.EXPIRED: frozenset(),
}

#: statuses whose rewards are (or will be, once the order comes) paid
REWARDING = frozenset({Status.QUALIFIED, Status.APPROVED})


def move(current: Status, to: Status) -> Status:
    """The new status, or a `Conflict` naming the move the table does not allow."""
    if to not in MOVES[current]:
        raise ReferralStatusConflict(f"a referral {current.value} cannot become {to.value}")
    return to
