"""Perks that change earning: a membership's or a tier's multiplier, as ordinary rules.

A perk multiplier becomes a `Multiply` rule on every per-amount rule, conditioned on the
customer's tag (`member:<plan>`) or tier. Because it is a rule like the merchant's own, the
award explains it ("multiplied by Dewy Plus") and refunds take it back in proportion, with no
second arithmetic to keep in step.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from walaa.domain.explanations import LocalizedText
from walaa.domain.program import ForTags, ForTiers, Multiply, Program, Rule

ONE = Decimal(1)


def member_tag(plan_id: str) -> str:
    """The tag a customer carries while a membership of ``plan_id`` is active."""
    return f"member:{plan_id}"


def plan_rule(plan_id: str, names: dict[str, str], multiplier: Decimal, group: str | None) -> Rule:
    return Rule(
        id=f"member:{plan_id}",
        name=LocalizedText.of(names),
        effect=Multiply(multiplier),
        conditions=(ForTags(frozenset({member_tag(plan_id)})),),
        group=group,
    )


def tier_rule(tier_id: str, names: dict[str, str], multiplier: Decimal, group: str | None) -> Rule:
    return Rule(
        id=f"tier:{tier_id}",
        name=LocalizedText.of(names),
        effect=Multiply(multiplier),
        conditions=(ForTiers(frozenset({tier_id})),),
        group=group,
    )


def is_perk(rule: Rule) -> bool:
    """True for a tier's or a membership's multiplier: a benefit of the customer, not a rule of
    the document, so a rule that stops the rules after it does not stop it."""
    return rule.id.startswith(("member:", "tier:"))


def with_perks(program: Program, perks: tuple[Rule, ...]) -> Program:
    """The program with the perk rules added after the merchant's own."""
    useful = tuple(rule for rule in perks if _factor(rule) != ONE)
    if not useful:
        return program
    return replace(program, rules=program.rules + useful)


def _factor(rule: Rule) -> Decimal:
    return rule.effect.factor if isinstance(rule.effect, Multiply) else ONE
