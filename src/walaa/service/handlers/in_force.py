"""The store's settings in force, from the process's cache (`walaa.service.program_cache`).

Every handler that judges by the program (orders, events, refunds, redemptions, checkout,
memberships, tiers, the customer's pages, the storefront, the dashboard) asks here, so the
program document is read and parsed once per settings stamp per process, not once per request.
A handler that has locked the customer passes the stamp its lock read
(`Balances.settings_stamp`): the check then costs no statement of its own. Without one the stamp
is read here, a one-row SELECT in place of reading the whole document.

This module imports no other handler, so any handler may use it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from walaa.domain.errors import NotFound
from walaa.domain.perks import plan_rule, tier_rule, with_perks
from walaa.domain.program import MultiplierCombination, Program
from walaa.service.handlers.program import NO_PROGRAM, current_program
from walaa.service.ports import UnitOfWork
from walaa.service.program_cache import Settings


def settings_in_force(uow: UnitOfWork, store_id: str, stamp: int | None = None) -> Settings:
    """The store's program (as saved and with its perks) and plans, inside an open unit of
    work. ``stamp``: the one the customer's lock read; without it, it is read here."""
    earning = uow.earning(store_id)
    if stamp is None:
        stamp = earning.settings_stamp()

    def build() -> tuple[Settings, int]:
        return _build(uow, store_id), earning.settings_stamp()

    return uow.programs.get(store_id, stamp, build)


def in_force(uow: UnitOfWork, store_id: str, stamp: int | None = None) -> Program | None:
    """The program with the store's perks (tier and membership multipliers) as rules of its
    own: what an order, a refund or a redemption is judged by. None before any program."""
    return settings_in_force(uow, store_id, stamp).program


def document_in_force(uow: UnitOfWork, store_id: str, stamp: int | None = None) -> Program | None:
    """The program as the merchant saved it, without perk rules: what shows the document's
    own rules (the storefront's sentences, the program page). None before any program."""
    return settings_in_force(uow, store_id, stamp).document


def saved_program(uow: UnitOfWork, store_id: str) -> Program:
    """The program as saved, in a unit of work of its own (the storefront's and the program
    page's reads); NotFound before the store saved one."""
    with uow:
        program = document_in_force(uow, store_id)
    if program is None:
        raise NotFound(NO_PROGRAM)
    return program


def _build(uow: UnitOfWork, store_id: str) -> Settings:
    program = current_program(uow.earning(store_id))
    plans = tuple(uow.memberships(store_id).list_plans())
    if program is None:
        return Settings(None, None, plans)
    perks = tuple((plan.id, plan.multiplier, tuple(sorted(plan.names.items()))) for plan in plans)
    return Settings(program, _perked(program, perks), plans)


@lru_cache(maxsize=256)
def _perked(
    program: Program, plans: tuple[tuple[str, Decimal, tuple[tuple[str, str], ...]], ...]
) -> Program:
    """Tier and membership multipliers as multiply rules. With `multiplier_combines: best`
    they share one best-of group, so a customer gets the larger, never both."""
    policy = program.tiers
    best = policy is not None and policy.multiplier_combines is MultiplierCombination.BEST
    group = "perks" if best else None
    rules = [plan_rule(plan_id, dict(names), factor, group) for plan_id, factor, names in plans]
    for level in policy.levels if policy else ():
        rules.append(tier_rule(level.id, dict(level.name.texts), level.multiplier, group))
    return with_perks(program, tuple(rules))
