"""Milestones a customer reaches: joining the program, and each balance the program names.

A notice is what the store tells the customer (by e-mail, in the widget ...); its key makes
each one happen once ever: ``joined:<customer>`` and ``milestone:<customer>:<points>``. The
balance test is arithmetic on the balances the ledger write already locked, so an order pays
for a notice query only on the rare order that crosses a threshold.
"""

from __future__ import annotations

from datetime import datetime

from walaa.domain.milestones import crossed, may_cross
from walaa.domain.program import Program
from walaa.service.ports import UnitOfWork

MILESTONE_REACHED = "milestone_reached"
CUSTOMER_JOINED = "customer_joined"


def notice_joined(
    uow: UnitOfWork,
    program: Program | None,
    store_id: str,
    customer_id: str,
    created: bool,
    now: datetime,
) -> None:
    """Record that a customer joined, when this unit of work ``created`` them and the program
    celebrates milestones."""
    if program is not None and program.milestones and created:
        joined(uow, store_id, customer_id, now)


def joined(uow: UnitOfWork, store_id: str, customer_id: str, now: datetime) -> None:
    """The join notice itself, once per customer (a second one for them is not recorded)."""
    payload = {"customer_id": customer_id, "joined_at": now.isoformat()}
    key = f"joined:{customer_id}"
    uow.notices.add(store_id, customer_id, CUSTOMER_JOINED, key, payload, now, wait=True)


def notice_milestone(
    uow: UnitOfWork,
    program: Program | None,
    store_id: str,
    customer_id: str,
    balance: tuple[int, int],
    now: datetime,
) -> bool:
    """Record the highest milestone a write took the balance (``before``, ``after``) across,
    unless the customer was already told of one as high."""
    before, after = balance
    if program is None or not may_cross(program.milestones, before, after):
        return False
    told = _highest_told(uow, store_id, customer_id)
    milestone = crossed(program.milestones, before, after, told=told)
    if milestone is None:
        return False
    payload = {**milestone.payload(), "balance": after}
    key = f"milestone:{customer_id}:{milestone.points}"
    return uow.notices.add(store_id, customer_id, MILESTONE_REACHED, key, payload, now)


def _highest_told(uow: UnitOfWork, store_id: str, customer_id: str) -> int | None:
    keys = uow.notices.keys_of(store_id, customer_id, MILESTONE_REACHED)
    told = [int(key.rsplit(":", 1)[1]) for key in keys]
    return max(told, default=None)
