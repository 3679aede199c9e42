"""A loyalty program's settings as immutable values: what a merchant decided, nothing more.

The program says how points are named, what they are worth, how spending earns them and which
rules add more. It holds no behaviour beyond checking that it makes sense: `walaa.domain.earning`
evaluates the rules. Each saved version of the settings is a new `Program` with a new `version`;
every award records the version and the rule that produced it, so an old award can always be
explained with the settings that were in force.

A rule is a condition and an effect:

    Rule(id="weekend-double", name=LocalizedText.of("Weekend double points"),
         conditions=(OnWeekdays(frozenset({Weekday.FRIDAY, Weekday.SATURDAY})),),
         effect=Multiply(Decimal(2), rules=("spend",)))

Tiers, when the program has them, are a `TierPolicy`: tiers lowest first, the measure and
window that earn them, and how reviews move customers down (`walaa.domain.tiers` applies it).

Paths in `Problem` follow the settings document's shape (`rules[2].effect.factor`,
`tiers.levels[1].threshold`), so the document loader can report a domain problem at the place
a merchant must fix it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from walaa.domain.earning_choices import (
    DiscountSpread,
    EarnGranularity,
    OrderMinimum,
    RewardsInBase,
    WithCodes,
)
from walaa.domain.errors import ValidationFailed
from walaa.domain.expiry import ExpiryPolicy
from walaa.domain.explanations import LocalizedText
from walaa.domain.giving import GivingPolicy
from walaa.domain.milestones import Milestone, milestone_problems
from walaa.domain.money import (
    Money,
    Rounding,
    decimal_text,
    fits_minor_units,
    is_currency_code,
    minor_units,
)
from walaa.domain.referrals import ReferralPolicy
from walaa.domain.spending_choices import PointsRounding, TakeBack

if TYPE_CHECKING:  # games import Problem from here; a program only holds them
    from walaa.domain.achievements import Achievement
    from walaa.domain.games.settings import Game

ORDER = "order"
"""The trigger of purchase rules; every other trigger is a customer event type."""

ACTION_TYPES = frozenset(
    {
        "signup",
        "newsletter",
        "review",
        "social_share",
        "social_follow",
        "photo_upload",
        "video_upload",
        "birthday",
        "profile_completion",
    }
)
"""Event types Walaa knows by name. A merchant may add any other (`quiz_completed`)."""

_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ProgramError(ValidationFailed):
    """A program that does not make sense; `problems` lists every reason, each with its path.

    `field` and `reason` (from `ValidationFailed`) describe the first problem, so a caller that
    shows one error still shows a useful one; `problems` has them all.
    """

    code = "invalid-program"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems) or (Problem((), "the program is not valid"),)
        first = self.problems[0]
        super().__init__(first.where, first.reason)
        self.message = "; ".join(f"{p.where}: {p.reason}" for p in self.problems)
        self.args = (self.message,)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a program, at a path such as ("rules", 2, "effect", "factor")."""

    path: tuple[str | int, ...]
    reason: str

    @property
    def where(self) -> str:
        """The path as a merchant reads it: `rules[2].effect.factor`."""
        return format_path(self.path)


def format_path(path: Sequence[str | int]) -> str:
    """Join a path into `rules[2].effect.factor`; the empty path is the whole document."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(document)"


class Channel(StrEnum):
    """Where an order was placed; one balance is shared by all of them."""

    ONLINE = "online"
    IN_STORE = "in_store"
    APP = "app"


class LineKind(StrEnum):
    """What an order line is. Only products earn unless the program says otherwise.

    Shipping, tax and gift cards do not earn by default (a gift card earns when it is spent,
    not when it is bought); rewards and discounts never earn, because points are never earned
    on what points paid for.
    """

    PRODUCT = "product"
    SHIPPING = "shipping"
    TAX = "tax"
    GIFT_CARD = "gift_card"
    REWARD = "reward"
    DISCOUNT = "discount"


OPTIONALLY_EARNING = frozenset({LineKind.SHIPPING, LineKind.TAX, LineKind.GIFT_CARD})
"""Line kinds a merchant may choose to let earn (`earn_on`)."""


class Period(StrEnum):
    """The window a per-customer limit counts over, in the store's time zone.

    A week starts on Monday; a month and a year are calendar ones.
    """

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    LIFETIME = "lifetime"


class Weekday(IntEnum):
    """Days as `datetime.weekday()` numbers them, so a local time tests in one comparison."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def label(self) -> str:
        """The lower-case English name used in documents and catalogs (`saturday`)."""
        return self.name.lower()


class PropertyOp(StrEnum):
    """How a condition tests a customer event's property (a review's `rating`, say)."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    ONE_OF = "one_of"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    EXISTS = "exists"


PropertyValue: TypeAlias = str | int | Decimal | bool


# --- rates and policies ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EarnRate:
    """Points per amount spent: 1 per 1 USD, 4 per 1 GBP, 1 per 20 USD."""

    points: int
    per: Money

    def __post_init__(self) -> None:
        if self.points <= 0 or self.per.amount <= 0:
            raise ProgramError([Problem((), "an earn rate needs positive points and amount")])


@dataclass(frozen=True, slots=True)
class PointValue:
    """What points are worth when spent: 500 points = 5 USD."""

    points: int
    worth: Money

    def __post_init__(self) -> None:
        if self.points <= 0 or self.worth.amount <= 0:
            raise ProgramError([Problem((), "a point value needs positive points and amount")])

    def value_of(self, points: int) -> Money:
        """The money `points` are worth, cut to minor units (rounded half up)."""
        return Money(self.worth.amount * points / self.points, self.worth.currency).quantized()


@dataclass(frozen=True, slots=True)
class CheckoutPolicy:
    """How points pay at checkout: at least `min_points`, at most `max_share` of the order,
    in steps of `step` points (500 when rewards come in 5 USD blocks), the points for an amount
    counted as `round_points` says."""

    min_points: int = 1
    max_share: Decimal = Decimal(1)
    step: int = 1
    round_points: PointsRounding = PointsRounding.DOWN


# --- which items a rule counts ---------------------------------------------------------------


class _Identified(Protocol):
    """What an item filter looks at: an order line's product, SKU, categories and tags."""

    @property
    def product_id(self) -> str | None: ...
    @property
    def sku(self) -> str | None: ...
    @property
    def categories(self) -> frozenset[str]: ...
    @property
    def tags(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Items matching ANY of the listed products, SKUs, categories or tags."""

    product_ids: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """True when nothing is listed (an empty filter would match nothing)."""
        return not (self.product_ids or self.skus or self.categories or self.tags)

    def matches_line(self, line: _Identified) -> bool:
        """True when an order line (anything with the four identities) is one of those listed."""
        return (
            (line.product_id is not None and line.product_id in self.product_ids)
            or (line.sku is not None and line.sku in self.skus)
            or not self.categories.isdisjoint(line.categories)
            or not self.tags.isdisjoint(line.tags)
        )

    def matches(
        self,
        product_id: str | None,
        sku: str | None,
        categories: frozenset[str],
        tags: frozenset[str],
    ) -> bool:
        """True when the item is one of those listed, by any of its identities."""
        return (
            (product_id is not None and product_id in self.product_ids)
            or (sku is not None and sku in self.skus)
            or not self.categories.isdisjoint(categories)
            or not self.tags.isdisjoint(tags)
        )


# --- conditions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnChannels:
    """Only orders (or events) from these channels."""

    channels: frozenset[Channel]


@dataclass(frozen=True, slots=True)
class InWindow:
    """Only between `starts` (inclusive) and `ends` (exclusive), in the store's local time.

    Naive datetimes on purpose: a merchant means "Friday 00:00 in my shop", whatever the
    server's clock says. `None` leaves that side open.
    """

    starts: datetime | None = None
    ends: datetime | None = None


@dataclass(frozen=True, slots=True)
class OnWeekdays:
    """Only on these days of the week, in the store's local time."""

    days: frozenset[Weekday]


@dataclass(frozen=True, slots=True)
class ForTiers:
    """Only for customers in one of these tiers."""

    tiers: frozenset[str]


@dataclass(frozen=True, slots=True)
class ForTags:
    """Only for customers with one of these tags (a segment is a tag the service resolves)."""

    tags: frozenset[str]


@dataclass(frozen=True, slots=True)
class MinAmount:
    """Only when the items the rule counts were paid at least this much (net, eligible)."""

    amount: Decimal


@dataclass(frozen=True, slots=True)
class MinQuantity:
    """Only when the rule counts at least this many eligible units."""

    quantity: int


@dataclass(frozen=True, slots=True)
class PropertyTest:
    """A test of one property of a customer event: `rating at_least 4`."""

    name: str
    op: PropertyOp
    value: PropertyValue | tuple[PropertyValue, ...] | None = None


Condition: TypeAlias = (
    OnChannels
    | InWindow
    | OnWeekdays
    | ForTiers
    | ForTags
    | MinAmount
    | MinQuantity
    | OrderMinimum
    | WithCodes
    | PropertyTest
)

# --- effects ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PerAmount:
    """Points per amount paid for the counted items; `rate=None` uses the program's earn rate."""

    rate: EarnRate | None = None


@dataclass(frozen=True, slots=True)
class PerUnit:
    """Fixed points for every counted unit."""

    points: int


@dataclass(frozen=True, slots=True)
class FixedPoints:
    """Fixed points once: per order for purchase rules, per event for actions."""

    points: int


@dataclass(frozen=True, slots=True)
class Multiply:
    """Multiply the awards of `rules` (all per-amount rules when empty) by `factor`.

    A multiplier has no points of its own: it changes another rule's award, whose explanation
    then says "doubled by Weekend double points". Several multipliers that apply together
    multiply each other (2 x 1.5 = 3); put them in one group to keep only the largest.
    """

    factor: Decimal
    rules: tuple[str, ...] = ()


Effect: TypeAlias = PerAmount | PerUnit | FixedPoints | Multiply

# --- limits ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PerCustomer:
    """At most `times` awards and/or `points` points per customer from this rule per period."""

    period: Period
    times: int | None = None
    points: int | None = None


@dataclass(frozen=True, slots=True)
class PerOrder:
    """At most `points` from this rule on one order."""

    points: int


@dataclass(frozen=True, slots=True)
class OncePer:
    """One award per distinct value of an event property: one review reward per `product_id`."""

    property: str


@dataclass(frozen=True, slots=True)
class DailyActionCap:
    """The program-wide cap on points from actions per customer per local day."""

    points: int


Limit: TypeAlias = PerCustomer | PerOrder | OncePer
CapSource: TypeAlias = PerCustomer | PerOrder | OncePer | DailyActionCap

# --- tiers -----------------------------------------------------------------------------------


class TierMeasure(StrEnum):
    """What a tier is earned with, over the tier window.

    `spend` is eligible spend in the program's currency; `points` are points EARNED (never the
    balance, which spending lowers); `orders` counts orders. A fully refunded order stops
    counting; a partial refund takes back its spend and points but the order still counts.
    """

    SPEND = "spend"
    POINTS = "points"
    ORDERS = "orders"


class TierDowngrade(StrEnum):
    """How far a review moves a customer who no longer qualifies for their tier."""

    ONE_STEP = "one_step"
    TO_QUALIFYING = "to_qualifying"


class MultiplierCombination(StrEnum):
    """How a tier's earning multiplier meets the multipliers of the rules on one award.

    `multiply`: on top of them (Gold 1.5x on a double-points weekend earns 3x). `best`: the
    larger of the tier's factor and the rules' combined factor (2x), never both.
    """

    MULTIPLY = "multiply"
    BEST = "best"


@dataclass(frozen=True, slots=True)
class RollingMonths:
    """The last `months` months up to the moment, in UTC (31 March less one month is the last
    day of February)."""

    months: int


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """The calendar year, from 1 January at midnight in the store's time zone."""


TierWindow: TypeAlias = RollingMonths | CalendarYear


@dataclass(frozen=True, slots=True)
class EveryMonths:
    """A customer is reviewed `months` after reaching their tier, and every `months` after."""

    months: int


@dataclass(frozen=True, slots=True)
class YearlyOn:
    """Every customer is reviewed once a year on this local date, at midnight in the store's
    time zone (29 February falls on 28 February in other years)."""

    month: int
    day: int


TierReview: TypeAlias = EveryMonths | YearlyOn


@dataclass(frozen=True, slots=True)
class Perk:
    """A named benefit of a tier the store reads and shows (`birthday-gift`, `invitations`)."""

    id: str
    name: LocalizedText


@dataclass(frozen=True, slots=True, kw_only=True)
class TierLevel:
    """One tier: reached when the measure over the window is at least `threshold`.

    `threshold` is in the measure's unit: an amount of the program's currency for spend, a
    whole number for points and orders. `multiplier` multiplies what the customer earns (see
    `MultiplierCombination`); `free_shipping` and `early_access` are flags the store reads.
    """

    id: str
    name: LocalizedText
    threshold: Decimal
    multiplier: Decimal = Decimal(1)
    free_shipping: bool = False
    early_access: bool = False
    perks: tuple[Perk, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TierPolicy:
    """The tiers of a program, lowest first, and how customers move between them.

    Building one checks it (`ProgramError`): the first tier starts at 0, so every customer has
    a tier; thresholds rise strictly; ids are unique. `walaa.domain.tiers` applies it.
    """

    measure: TierMeasure
    window: TierWindow
    levels: tuple[TierLevel, ...]
    downgrade: TierDowngrade = TierDowngrade.ONE_STEP
    grace_days: int = 0
    review: TierReview = EveryMonths(12)
    multiplier_combines: MultiplierCombination = MultiplierCombination.MULTIPLY

    def __post_init__(self) -> None:
        problems = tier_problems(self)
        if problems:
            raise ProgramError(problems)

    @cached_property
    def _ranks(self) -> Mapping[str, int]:
        return {level.id: rank for rank, level in enumerate(self.levels)}

    @property
    def first(self) -> TierLevel:
        """The lowest tier, where every customer starts."""
        return self.levels[0]

    def rank(self, level_id: str) -> int:
        """0 for the lowest tier, 1 for the next ...; -1 for an id the program no longer has."""
        return self._ranks.get(level_id, -1)

    def level(self, level_id: str) -> TierLevel:
        """The tier with this id; KeyError when there is none."""
        rank = self.rank(level_id)
        if rank < 0:
            raise KeyError(level_id)
        return self.levels[rank]

    def above(self, level: TierLevel) -> TierLevel | None:
        """The next tier up, or None at the top."""
        rank = self.rank(level.id)
        return self.levels[rank + 1] if 0 <= rank < len(self.levels) - 1 else None

    def reaches(self, level_id: str | None, minimum: str) -> bool:
        """True when a customer in `level_id` is at `minimum` or higher (a tier-only reward)."""
        return level_id is not None and self.rank(level_id) >= self.rank(minimum) >= 0


# --- rules and the program -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A condition and an effect. `on` is `order` or a customer event type.

    Rules sharing a `group` are best-of: only the one giving the most points (or, for
    multipliers, the largest factor) applies. Rules without a group stack. A rule with `stop`
    that applies ends the evaluation: the rules after it, in document order, are not tried.
    """

    id: str
    name: LocalizedText
    effect: Effect
    on: str = ORDER
    conditions: tuple[Condition, ...] = ()
    items: ItemFilter | None = None
    exclude_items: ItemFilter | None = None
    limits: tuple[Limit, ...] = ()
    group: str | None = None
    enabled: bool = True
    stop: bool = False

    @property
    def is_order_rule(self) -> bool:
        """True for purchase rules and promotions; False for action rules."""
        return self.on == ORDER

    @property
    def is_multiplier(self) -> bool:
        """True when the rule multiplies other awards instead of giving points."""
        return isinstance(self.effect, Multiply)

    def condition(self, kind: type[Condition]) -> Condition | None:
        """The rule's condition of one kind, if it has one (each kind appears at most once)."""
        for condition in self.conditions:
            if isinstance(condition, kind):
                return condition
        return None

    # Derived once per rule and kept: a program is evaluated for many orders.

    @cached_property
    def min_amount(self) -> Decimal | None:
        """The minimum net paid amount of the counted items, if the rule asks for one."""
        condition = self.condition(MinAmount)
        return condition.amount if isinstance(condition, MinAmount) else None

    @cached_property
    def min_quantity(self) -> int | None:
        """The minimum number of counted units, if the rule asks for one."""
        condition = self.condition(MinQuantity)
        return condition.quantity if isinstance(condition, MinQuantity) else None

    @cached_property
    def order_minimum(self) -> OrderMinimum | None:
        """What the whole order must reach, if the rule asks for it."""
        condition = self.condition(OrderMinimum)
        return condition if isinstance(condition, OrderMinimum) else None

    @cached_property
    def context_conditions(self) -> tuple[Condition, ...]:
        """Conditions about the moment, the channel, the customer or the event: those that can
        be tested before counting items."""
        minimums = MinAmount | MinQuantity | OrderMinimum
        return tuple(c for c in self.conditions if not isinstance(c, minimums))


@dataclass(frozen=True, kw_only=True)
class Program:
    """One version of a store's program settings. Building one checks it; see `ProgramError`."""

    version: int
    currency: str
    points_name: LocalizedText
    timezone: str
    earn_rate: EarnRate
    point_value: PointValue
    rounding: Rounding = Rounding.DOWN
    return_window_days: int = 0
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    earn_on: frozenset[LineKind] = frozenset()
    action_daily_cap: int | None = None
    rules: tuple[Rule, ...] = ()
    checkout: CheckoutPolicy = field(default_factory=CheckoutPolicy)
    tiers: TierPolicy | None = None
    earn_granularity: EarnGranularity = EarnGranularity.PRO_RATA
    rewards_in_base: RewardsInBase = RewardsInBase.EXCLUDED
    discount_spread: DiscountSpread = DiscountSpread.ALL_LINES
    #: money given to causes for what customers spend (`walaa.domain.giving`); None: no giving
    giving: GivingPolicy | None = None
    #: games of chance a qualifying order or event unlocks (`walaa.domain.games`)
    games: tuple[Game, ...] = ()
    take_back: TakeBack = TakeBack.DEBT
    #: balances worth a notice the first time a customer reaches them, lowest first
    milestones: tuple[Milestone, ...] = ()
    #: friends bring friends (`walaa.domain.referrals`); None: no referral program
    referrals: ReferralPolicy | None = None
    #: badges and milestones customers earn by what they do (`walaa.domain.achievements`)
    achievements: tuple[Achievement, ...] = ()

    def __post_init__(self) -> None:
        problems = program_problems(self)
        if problems:
            raise ProgramError(problems)

    @cached_property
    def tz(self) -> ZoneInfo:
        """The store's time zone, in which weekdays, windows and limit periods are read."""
        return ZoneInfo(self.timezone)

    @cached_property
    def earning_kinds(self) -> frozenset[LineKind]:
        """Line kinds whose net paid amount earns: products, plus what `earn_on` adds."""
        return frozenset({LineKind.PRODUCT}) | self.earn_on

    @cached_property
    def order_rules(self) -> tuple[Rule, ...]:
        """Enabled purchase rules and promotions, in document order."""
        return tuple(rule for rule in self.rules if rule.enabled and rule.is_order_rule)

    @cached_property
    def _event_rules(self) -> Mapping[str, tuple[Rule, ...]]:
        table: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if rule.enabled and not rule.is_order_rule:
                table.setdefault(rule.on, []).append(rule)
        return {on: tuple(rules) for on, rules in table.items()}

    def rules_for_event(self, event_type: str) -> tuple[Rule, ...]:
        """Enabled action rules triggered by `event_type`, in document order."""
        return self._event_rules.get(event_type, ())

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def name_of_points(self, locale: str) -> str:
        """What the customer calls the points in `locale` ("Flex", "فلكس")."""
        return self.points_name.get(locale)


# --- checks ----------------------------------------------------------------------------------


def program_problems(program: Program) -> list[Problem]:
    """Everything wrong with `program`, each at its document path; empty when it is sound."""
    problems: list[Problem] = []
    if program.version < 1:
        problems.append(Problem(("version",), "must be 1 or more"))
    if not is_currency_code(program.currency):
        problems.append(Problem(("currency",), "must be a three-letter code such as USD"))
    if not timezone_exists(program.timezone):
        problems.append(Problem(("timezone",), f"unknown time zone {program.timezone!r}"))
    for path, money in (
        (("earn_rate", "per"), program.earn_rate.per),
        (("point_value", "worth"), program.point_value.worth),
    ):
        problems.extend(_money_problems(path, money, program.currency))
    if program.return_window_days < 0:
        problems.append(Problem(("return_window_days",), "cannot be negative"))
    if program.action_daily_cap is not None and program.action_daily_cap <= 0:
        problems.append(Problem(("action_daily_cap",), "must be more than 0"))
    problems.extend(Problem(("expiry", *path), why) for path, why in program.expiry.problems())
    problems.extend(
        Problem(("milestones", *path), why) for path, why in milestone_problems(program.milestones)
    )
    if not program.earn_on <= OPTIONALLY_EARNING:
        problems.append(Problem(("earn_on",), "only shipping, tax and gift cards may be added"))
    problems.extend(rule_problems(program.rules, currency=program.currency))
    if program.tiers is not None:
        problems.extend(tier_problems(program.tiers, currency=program.currency))
        tier_ids = frozenset(level.id for level in program.tiers.levels)
        problems.extend(tier_reference_problems(program.rules, tier_ids))
    if program.giving is not None and is_currency_code(program.currency):
        problems.extend(_giving_problems(program.giving, program.currency))
    return problems


def _giving_problems(policy: GivingPolicy, currency: str) -> list[Problem]:
    """Giving amounts in the program's currency, with no more decimals than it has."""
    amounts: tuple[tuple[tuple[str | int, ...], Decimal | None], ...] = (
        (("giving", "rate", "give"), policy.give),
        (("giving", "rate", "per"), policy.per),
        (("giving", "caps", "per_order"), policy.per_order),
        (("giving", "caps", "per_month"), policy.per_month),
    )
    problems = []
    for path, amount in amounts:
        if amount is not None:
            problems.extend(_money_problems(path, Money(amount, policy.currency), currency))
    return problems


def timezone_exists(name: str) -> bool:
    """True for an IANA time zone name this system knows (`Asia/Riyadh`)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _money_problems(path: tuple[str | int, ...], money: Money, currency: str) -> list[Problem]:
    if is_currency_code(currency) and money.currency != currency:
        return [Problem(path, f"must be in the program's currency {currency}")]
    if not fits_minor_units(money.amount, money.currency):
        places = minor_units(money.currency)
        return [Problem(path, f"{money.currency} amounts have {places} decimal places")]
    return []


def rule_problems(
    rules: Sequence[Rule],
    *,
    currency: str | None,
    positions: Sequence[int] | None = None,
) -> list[Problem]:
    """Problems within and between rules. `positions` are the rules' indexes in the document.

    The document loader passes only the rules that parsed, with their original indexes, so
    a merchant sees a duplicate id or a dangling multiplier target even while another rule
    still has a typo.
    """
    where = list(positions) if positions is not None else list(range(len(rules)))
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, rule in zip(where, rules, strict=True):
        if rule.id in seen:
            problems.append(
                Problem(
                    ("rules", index, "id"), f"{rule.id!r} is already used by rules[{seen[rule.id]}]"
                )
            )
        seen.setdefault(rule.id, index)
        problems.extend(_one_rule_problems(("rules", index), rule, currency))
    by_id = {rule.id: rule for rule in rules}
    for index, rule in zip(where, rules, strict=True):
        if isinstance(rule.effect, Multiply):
            problems.extend(_target_problems(("rules", index, "effect"), rule.effect, by_id))
    problems.extend(_group_problems(rules, where))
    return problems


def _one_rule_problems(
    path: tuple[str | int, ...], rule: Rule, currency: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    if not rule.is_order_rule and not _EVENT_NAME.match(rule.on):
        problems.append(Problem((*path, "on"), "an event type is lower_case_with_underscores"))
    if not rule.is_order_rule:
        problems.extend(_action_rule_problems(path, rule))
    problems.extend(_effect_problems((*path, "effect"), rule.effect, currency))
    problems.extend(_condition_problems((*path, "when"), rule, currency))
    for number, limit in enumerate(rule.limits):
        problems.extend(_limit_problems((*path, "limits", number), limit, rule))
    for name, item_filter in (("items", rule.items), ("exclude_items", rule.exclude_items)):
        if item_filter is not None and item_filter.empty:
            problems.append(
                Problem((*path, name), "list at least one product, SKU, category or tag")
            )
    return problems


def _action_rule_problems(path: tuple[str | int, ...], rule: Rule) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(rule.effect, FixedPoints):
        problems.append(Problem((*path, "effect"), "an action rule gives fixed points"))
    if rule.items is not None or rule.exclude_items is not None:
        problems.append(Problem((*path, "items"), "only order rules count items"))
    for condition in rule.conditions:
        if isinstance(condition, MinAmount | MinQuantity):
            field_name = "min_amount" if isinstance(condition, MinAmount) else "min_quantity"
            problems.append(Problem((*path, "when", field_name), "only order rules have items"))
        if isinstance(condition, WithCodes):
            problems.append(Problem((*path, "when", "codes"), "only orders carry promo codes"))
    return problems


def _effect_problems(
    path: tuple[str | int, ...], effect: Effect, currency: str | None
) -> list[Problem]:
    if isinstance(effect, PerUnit | FixedPoints) and effect.points <= 0:
        return [Problem((*path, "points"), "must be more than 0")]
    if isinstance(effect, Multiply) and effect.factor <= 0:
        return [Problem((*path, "factor"), "must be more than 0")]
    if isinstance(effect, PerAmount) and effect.rate is not None and currency is not None:
        return _money_problems((*path, "per"), effect.rate.per, currency)
    return []


def _condition_problems(
    path: tuple[str | int, ...], rule: Rule, currency: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    for condition in rule.conditions:
        if isinstance(condition, InWindow):
            if condition.starts and condition.ends and condition.starts >= condition.ends:
                problems.append(Problem((*path, "ends"), "must be after starts"))
        elif isinstance(condition, MinAmount):
            if condition.amount <= 0:
                problems.append(Problem((*path, "min_amount"), "must be more than 0"))
            elif currency is not None and is_currency_code(currency):
                money = Money(condition.amount, currency)
                problems.extend(_money_problems((*path, "min_amount"), money, currency))
        elif isinstance(condition, OrderMinimum):
            problems.extend(_order_minimum_problems(path[:-1], condition, rule, currency))
        elif isinstance(condition, PropertyTest) and rule.is_order_rule:
            problems.append(Problem((*path, "properties"), "only event rules test properties"))
    return problems


def _order_minimum_problems(
    path: tuple[str | int, ...], minimum: OrderMinimum, rule: Rule, currency: str | None
) -> list[Problem]:
    if not rule.is_order_rule:
        name = "order_min_amount" if minimum.amount is not None else "order_min_quantity"
        return [Problem((*path, "when", name), "only order rules have orders")]

    def places(amount: Decimal) -> list[str]:
        if currency is None or not is_currency_code(currency):
            return []
        return [p.reason for p in _money_problems((), Money(amount, currency), currency)]

    return [Problem((*path, *where), reason) for where, reason in minimum.findings(places)]


def _limit_problems(path: tuple[str | int, ...], limit: Limit, rule: Rule) -> list[Problem]:
    if isinstance(limit, PerCustomer):
        if limit.times is None and limit.points is None:
            return [Problem(path, "give times, points or both")]
        if any(value is not None and value <= 0 for value in (limit.times, limit.points)):
            return [Problem(path, "times and points must be more than 0")]
        if rule.is_multiplier and limit.points is not None:
            return [Problem((*path, "points"), _MULTIPLIER_CAP)]
        return []
    if isinstance(limit, PerOrder):
        if not rule.is_order_rule:
            return [Problem(path, "a per-order limit applies to order rules")]
        if rule.is_multiplier:
            return [Problem(path, _MULTIPLIER_CAP)]
        return [Problem((*path, "points"), "must be more than 0")] if limit.points <= 0 else []
    if rule.is_order_rule:
        return [Problem(path, "once_per applies to event rules, which have properties")]
    return []


_MULTIPLIER_CAP = "a multiplier has no points of its own; cap the rule it multiplies"


def _target_problems(
    path: tuple[str | int, ...], effect: Multiply, by_id: Mapping[str, Rule]
) -> list[Problem]:
    problems: list[Problem] = []
    for number, target_id in enumerate(effect.rules):
        target = by_id.get(target_id)
        if target is None:
            problems.append(Problem((*path, "rules", number), f"no rule has the id {target_id!r}"))
        elif not target.is_order_rule or not isinstance(target.effect, PerAmount | PerUnit):
            problems.append(
                Problem(
                    (*path, "rules", number), f"{target_id!r} is not a per_amount or per_unit rule"
                )
            )
    return problems


def _group_problems(rules: Sequence[Rule], where: Sequence[int]) -> list[Problem]:
    """A best-of group compares like with like: points with points, factors with factors."""
    first: dict[str, Rule] = {}
    problems: list[Problem] = []
    for index, rule in zip(where, rules, strict=True):
        if rule.group is None:
            continue
        leader = first.setdefault(rule.group, rule)
        if leader.is_multiplier != rule.is_multiplier or leader.on != rule.on:
            problems.append(
                Problem(
                    ("rules", index, "group"),
                    f"group {rule.group!r} mixes rules that cannot be compared with {leader.id!r}"
                    " (a group holds either multipliers or point rules, with one trigger)",
                )
            )
    return problems


# --- tier checks -----------------------------------------------------------------------------


def tier_problems(policy: TierPolicy, *, currency: str | None = None) -> list[Problem]:
    """Everything wrong with a tier policy, at paths under `tiers`; empty when it is sound.

    With the program's `currency`, spend thresholds are also checked against its minor units.
    """
    problems: list[Problem] = []
    if isinstance(policy.window, RollingMonths) and policy.window.months <= 0:
        problems.append(Problem(("tiers", "window", "rolling_months"), "must be more than 0"))
    if isinstance(policy.review, EveryMonths) and policy.review.months <= 0:
        problems.append(Problem(("tiers", "review", "every_months"), "must be more than 0"))
    if isinstance(policy.review, YearlyOn) and not is_day_of_year(
        policy.review.month, policy.review.day
    ):
        problems.append(Problem(("tiers", "review", "every_year_on"), "is not a day of the year"))
    if policy.grace_days < 0:
        problems.append(Problem(("tiers", "grace_days"), "cannot be negative"))
    if not policy.levels:
        problems.append(Problem(("tiers", "levels"), "list at least one tier"))
    problems.extend(tier_level_problems(policy.levels, measure=policy.measure, currency=currency))
    return problems


def is_day_of_year(month: int, day: int) -> bool:
    """True for a month and day that some year has (29 February included)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]


def tier_level_problems(
    levels: Sequence[TierLevel],
    *,
    measure: TierMeasure | None,
    currency: str | None,
    positions: Sequence[int] | None = None,
) -> list[Problem]:
    """Problems within and between tiers. `positions` are the tiers' indexes in the document.

    As with rules, the document loader passes only the tiers that parsed, with their indexes,
    so a duplicate id or a falling threshold is reported while another tier still has a typo.
    """
    where = list(positions) if positions is not None else list(range(len(levels)))
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    previous: tuple[int, TierLevel] | None = None
    for index, level in zip(where, levels, strict=True):
        path: tuple[str | int, ...] = ("tiers", "levels", index)
        if level.id in seen:
            reason = f"{level.id!r} is already used by tiers.levels[{seen[level.id]}]"
            problems.append(Problem((*path, "id"), reason))
        seen.setdefault(level.id, index)
        problems.extend(_threshold_problems(path, level, previous, measure, currency))
        if not level.multiplier.is_finite() or level.multiplier <= 0:
            problems.append(Problem((*path, "multiplier"), "must be more than 0"))
        problems.extend(_perk_problems(path, level.perks))
        previous = (index, level)
    return problems


def _threshold_problems(
    path: tuple[str | int, ...],
    level: TierLevel,
    previous: tuple[int, TierLevel] | None,
    measure: TierMeasure | None,
    currency: str | None,
) -> list[Problem]:
    where, threshold = (*path, "threshold"), level.threshold
    if not threshold.is_finite() or threshold < 0:
        return [Problem(where, "must be a number of 0 or more")]
    problems: list[Problem] = []
    if path[-1] == 0 and threshold != 0:
        problems.append(Problem(where, "the first tier starts at 0, so every customer has a tier"))
    if previous is not None and threshold <= previous[1].threshold:
        before = f"tiers.levels[{previous[0]}] ({decimal_text(previous[1].threshold)})"
        problems.append(Problem(where, f"must be more than the threshold of {before}"))
    if measure in (TierMeasure.POINTS, TierMeasure.ORDERS):
        if threshold != threshold.to_integral_value():
            problems.append(Problem(where, f"{measure.value} are counted in whole numbers"))
    elif measure is TierMeasure.SPEND and currency is not None and is_currency_code(currency):
        problems.extend(_money_problems(where, Money(threshold, currency), currency))
    return problems


def _perk_problems(path: tuple[str | int, ...], perks: Sequence[Perk]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, perk in enumerate(perks):
        if perk.id in seen:
            reason = f"{perk.id!r} is already a perk of this tier (perks[{seen[perk.id]}])"
            problems.append(Problem((*path, "perks", number, "id"), reason))
        seen.setdefault(perk.id, number)
    return problems


def tier_reference_problems(
    rules: Sequence[Rule], tier_ids: frozenset[str], positions: Sequence[int] | None = None
) -> list[Problem]:
    """Rules that name a tier the program does not have (a typo would silently never apply)."""
    where = list(positions) if positions is not None else list(range(len(rules)))
    problems: list[Problem] = []
    for index, rule in zip(where, rules, strict=True):
        condition = rule.condition(ForTiers)
        if isinstance(condition, ForTiers):
            problems.extend(
                Problem(("rules", index, "when", "tiers"), f"no tier has the id {tier!r}")
                for tier in sorted(condition.tiers - tier_ids)
            )
    return problems
