"""The program told in plain words: one sentence per rule, in English and in Arabic.

"2 Flex for every 1 USD on serum items, Fridays and Saturdays online". The program page, the
widget and the API all show the same sentences, generated here from the rules themselves, so
what a shopper reads is what the engine does: change a rule and its sentence follows. A
sentence is the rule's benefit, then what it counts, then when it runs, then its limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from walaa.domain.earning_choices import OrderMinimum, WithCodes
from walaa.domain.explanations import Label, format_value
from walaa.domain.money import decimal_text
from walaa.domain.program import (
    Channel,
    FixedPoints,
    ForTags,
    ForTiers,
    InWindow,
    ItemFilter,
    MinAmount,
    MinQuantity,
    Multiply,
    OncePer,
    OnChannels,
    OnWeekdays,
    PerAmount,
    PerCustomer,
    Period,
    PerOrder,
    PerUnit,
    Program,
    PropertyTest,
    Rule,
    Weekday,
)

_EN = {
    "per_amount": "{points} {name} for every {per}",
    "per_unit": "{points} {name} for every item",
    "fixed_order": "{points} {name} on an order",
    "action": "{points} {name} for {event}",
    "multiply.2": "Double {name}",
    "multiply.3": "Triple {name}",
    "multiply": "{factor}× {name}",
    "multiply.rules": "from {rules}",
    "multiply.all": "on purchases",
    "items": "on {items} items",
    "exclude": "except {items} items",
    "min_amount": "when you spend at least {amount}",
    "min_quantity": "when you buy at least {quantity} items",
    "order_min_amount": "in an order of at least {amount}",
    "order_min_quantity": "in an order of at least {quantity} items",
    "tiers": "for {tiers} members",
    "tags": "for customers tagged {tags}",
    "codes": "with the code {codes}",
    "property": "when the {property} qualifies",
    "weekday": "{day}s",
    "weekdays": "{days}",
    "weekdays.one": "{days}",
    "channel.online": "online",
    "channel.in_store": "in store",
    "channel.app": "in the app",
    "window.both": "from {starts} until {ends}",
    "window.starts": "from {starts}",
    "window.ends": "until {ends}",
    "once": "once",
    "times": "up to {times} times",
    "once.period": "once a {period}",
    "times.period": "up to {times} times a {period}",
    "points.period": "up to {points} {name} a {period}",
    "points": "up to {points} {name} in all",
    "per_order": "up to {points} {name} per order",
    "once_per": "once per {property}",
    "earn": "Earn {points} {name}",
    "value": "{points} {name} are worth {worth}",
    "expiry.months": "{name} expire {months} months after they become spendable",
    "expiry.days": "{name} expire {days} days after they become spendable",
    "expiry.never": "{name} do not expire with age",
    "expiry.inactive": "all your {name} expire after {days} days without earning or spending",
    "pending": (
        "{name} from an order become spendable {days} days after it,"
        " once it can no longer be returned"
    ),
    "tier.spend": "spend {threshold} in {window}",
    "tier.points": "earn {threshold} {name} in {window}",
    "tier.orders": "place {threshold} orders in {window}",
    "tier.start": "where every member starts",
    "tier.multiplier": "{factor}× {name} on spend",
    "tier.free_shipping": "free shipping",
    "tier.early_access": "early access",
    "window.rolling": "{months} months",
    "window.calendar": "a calendar year",
    "and": " and ",
    "or": " or ",
    "comma": ", ",
}

_AR = {
    "per_amount": "{points} {name} مقابل كل {per}",
    "per_unit": "{points} {name} مقابل كل منتج",
    "fixed_order": "{points} {name} على الطلب",
    "action": "{points} {name} مقابل {event}",
    "multiply.2": "ضعف {name}",
    "multiply.3": "ثلاثة أضعاف {name}",
    "multiply": "{name} ×{factor}",
    "multiply.rules": "من {rules}",
    "multiply.all": "على المشتريات",
    "items": "على منتجات {items}",
    "exclude": "باستثناء منتجات {items}",
    "min_amount": "عند إنفاق {amount} على الأقل",
    "min_quantity": "عند شراء {quantity} منتجات على الأقل",
    "order_min_amount": "في طلب لا يقل عن {amount}",
    "order_min_quantity": "في طلب من {quantity} منتجات على الأقل",
    "tiers": "لأعضاء {tiers}",
    "tags": "للعملاء الموسومين بـ{tags}",
    "codes": "بالرمز {codes}",
    "property": "عندما يستوفي {property} الشرط",
    "weekday": "{day}",
    "weekdays": "أيام {days}",
    "weekdays.one": "يوم {days}",
    "channel.online": "عبر الإنترنت",
    "channel.in_store": "في المتجر",
    "channel.app": "عبر التطبيق",
    "window.both": "من {starts} حتى {ends}",
    "window.starts": "ابتداءً من {starts}",
    "window.ends": "حتى {ends}",
    "once": "مرة واحدة",
    "times": "حتى {times} مرات",
    "once.period": "مرة واحدة كل {period}",
    "times.period": "حتى {times} مرات كل {period}",
    "points.period": "بحد أقصى {points} {name} كل {period}",
    "points": "بحد أقصى {points} {name} إجمالًا",
    "per_order": "بحد أقصى {points} {name} للطلب الواحد",
    "once_per": "مرة واحدة لكل {property}",
    "earn": "اكسب {points} {name}",
    "value": "{points} {name} تساوي {worth}",
    "expiry.months": "تنتهي صلاحية {name} بعد {months} أشهر من إتاحتها للاستخدام",
    "expiry.days": "تنتهي صلاحية {name} بعد {days} يومًا من إتاحتها للاستخدام",
    "expiry.never": "لا تنتهي صلاحية {name} بمرور الوقت",
    "expiry.inactive": "تنتهي صلاحية كل {name} بعد {days} يومًا دون كسب أو استخدام",
    "pending": (
        "تصبح {name} المكتسبة من طلب قابلة للاستخدام بعد {days} يومًا منه، حين لا يعود إرجاعه ممكنًا"
    ),
    "tier.spend": "أنفق {threshold} خلال {window}",
    "tier.points": "اكسب {threshold} {name} خلال {window}",
    "tier.orders": "اطلب {threshold} طلبات خلال {window}",
    "tier.start": "المستوى الذي يبدأ منه كل عضو",
    "tier.multiplier": "{name} ×{factor} على المشتريات",
    "tier.free_shipping": "شحن مجاني",
    "tier.early_access": "وصول مبكر",
    "window.rolling": "{months} شهرًا",
    "window.calendar": "سنة ميلادية",
    "and": " و",
    "or": " أو ",
    "comma": "، ",
}

PHRASES: dict[str, dict[str, str]] = {"en": _EN, "ar": _AR}
"""Phrase templates per language; a test checks both hold the same keys."""


@dataclass(frozen=True, slots=True)
class TierSentence:
    tier_id: str
    name: str
    #: how to reach it ("spend 600 USD in 12 months")
    reach: str
    #: what it gives, one phrase each
    perks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSentence:
    rule_id: str
    name: str
    sentence: str


class _Words:
    """The phrases of one language, and the few ways this module joins them."""

    def __init__(self, program: Program, locale: str) -> None:
        self.program, self.locale = program, locale
        self.table = PHRASES.get(locale.split("-")[0].lower(), _EN)
        self.name = program.name_of_points(locale)

    def say(self, key: str, **values: object) -> str:
        return self.table.get(key, _EN[key]).format(name=self.name, **values)

    def listing(self, items: Sequence[str], joiner: str = "and") -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self.table["comma"].join(items[:-1]) + self.table[joiner] + items[-1]

    def money(self, amount: Decimal) -> str:
        return f"{decimal_text(amount)} {self.program.currency}"

    def label(self, key: str) -> str:
        return format_value(Label(key), self.locale)

    def number(self, value: int | Decimal) -> str:
        return format_value(value, self.locale)


def program_sentences(program: Program, locale: str) -> list[RuleSentence]:
    """One sentence per enabled rule, in document order."""
    words = _Words(program, locale)
    return [
        RuleSentence(rule.id, rule.name.get(locale), rule_sentence(rule, words))
        for rule in program.rules
        if rule.enabled
    ]


def sentence_of(program: Program, rule: Rule, locale: str) -> str:
    return rule_sentence(rule, _Words(program, locale))


def rule_sentence(rule: Rule, words: _Words) -> str:
    what = [_benefit(rule, words), *_counted(rule, words)]
    when = _moment(rule, words)
    segments = [" ".join(what), " ".join(when), *_limits(rule, words)]
    return words.table["comma"].join(s for s in segments if s)


def _benefit(rule: Rule, words: _Words) -> str:
    effect = rule.effect
    if isinstance(effect, Multiply):
        return _multiplier(effect, words)
    if not rule.is_order_rule:
        points = effect.points if isinstance(effect, FixedPoints | PerUnit) else 0
        event = words.label(rule.on)
        return words.say("action", points=words.number(points), event=event)
    if isinstance(effect, PerAmount):
        rate = effect.rate or words.program.earn_rate
        per = words.money(rate.per.amount)
        return words.say("per_amount", points=words.number(rate.points), per=per)
    if isinstance(effect, PerUnit):
        return words.say("per_unit", points=words.number(effect.points))
    return words.say("fixed_order", points=words.number(effect.points))


def _multiplier(effect: Multiply, words: _Words) -> str:
    factor = effect.factor
    key = f"multiply.{factor}" if factor in (2, 3) else "multiply"
    head = words.say(key, factor=decimal_text(factor))
    if not effect.rules:
        return f"{head} {words.say('multiply.all')}"
    names = [_rule_name(words.program, rule_id, words.locale) for rule_id in effect.rules]
    return f"{head} {words.say('multiply.rules', rules=words.listing(names))}"


def _rule_name(program: Program, rule_id: str, locale: str) -> str:
    try:
        return program.rule(rule_id).name.get(locale)
    except KeyError:
        return rule_id


def _item_names(items: ItemFilter) -> list[str]:
    return (
        sorted(items.categories)
        + sorted(items.skus)
        + sorted(items.product_ids)
        + sorted(items.tags)
    )


def _counted(rule: Rule, words: _Words) -> list[str]:
    """What the rule counts and what it asks of the order or the customer."""
    parts: list[str] = []
    if rule.items is not None:
        parts.append(words.say("items", items=words.listing(_item_names(rule.items), "or")))
    if rule.exclude_items is not None:
        names = words.listing(_item_names(rule.exclude_items), "or")
        parts.append(words.say("exclude", items=names))
    for condition in rule.conditions:
        phrase = _condition(condition, words)
        if phrase:
            parts.append(phrase)
    return parts


def _condition(condition: object, words: _Words) -> str | None:
    if isinstance(condition, MinAmount):
        return words.say("min_amount", amount=words.money(condition.amount))
    if isinstance(condition, MinQuantity):
        return words.say("min_quantity", quantity=words.number(condition.quantity))
    if isinstance(condition, OrderMinimum):
        if condition.amount is not None:
            return words.say("order_min_amount", amount=words.money(condition.amount))
        return words.say("order_min_quantity", quantity=words.number(condition.quantity or 0))
    if isinstance(condition, ForTiers):
        names = [_tier_name(words.program, tier, words.locale) for tier in sorted(condition.tiers)]
        return words.say("tiers", tiers=words.listing(names, "or"))
    if isinstance(condition, ForTags):
        return words.say("tags", tags=words.listing(sorted(condition.tags), "or"))
    if isinstance(condition, WithCodes):
        return words.say("codes", codes=words.listing(sorted(condition.codes), "or"))
    if isinstance(condition, PropertyTest):
        return words.say("property", property=words.label(condition.name))
    return None  # the moment's conditions are said by `_moment`


def _tier_name(program: Program, tier_id: str, locale: str) -> str:
    levels = program.tiers.levels if program.tiers else ()
    return next((level.name.get(locale) for level in levels if level.id == tier_id), tier_id)


def _moment(rule: Rule, words: _Words) -> list[str]:
    """Which days, through which channel, in which window."""
    parts: list[str] = []
    days = rule.condition(OnWeekdays)
    if isinstance(days, OnWeekdays):
        parts.append(_weekdays(sorted(days.days), words))
    channels = rule.condition(OnChannels)
    if isinstance(channels, OnChannels):
        names = [words.say(f"channel.{c.value}") for c in sorted(channels.channels, key=_order)]
        parts.append(words.listing(names, "or"))
    window = rule.condition(InWindow)
    if isinstance(window, InWindow):
        parts.append(_window(window, words))
    return parts


def _order(channel: Channel) -> int:
    return list(Channel).index(channel)


def _weekdays(days: list[int], words: _Words) -> str:
    names = [words.say("weekday", day=words.label(Weekday(d).label)) for d in days]
    # Arabic says "the days of Friday and Saturday"; English just "Fridays and Saturdays"
    return words.say("weekdays.one" if len(days) == 1 else "weekdays", days=words.listing(names))


def _window(window: InWindow, words: _Words) -> str:
    starts = f"{window.starts:%Y-%m-%d}" if window.starts else None
    ends = f"{window.ends:%Y-%m-%d}" if window.ends else None
    if starts and ends:
        return words.say("window.both", starts=starts, ends=ends)
    return (
        words.say("window.starts", starts=starts) if starts else words.say("window.ends", ends=ends)
    )


def _limits(rule: Rule, words: _Words) -> list[str]:
    out: list[str] = []
    for limit in rule.limits:
        if isinstance(limit, PerCustomer):
            out.extend(_per_customer(limit, words))
        elif isinstance(limit, PerOrder):
            out.append(words.say("per_order", points=words.number(limit.points)))
        elif isinstance(limit, OncePer):
            name = words.label(limit.property)
            if words.table is _AR and name.startswith("ال"):  # "لكل منتج", not "لكل المنتج"
                name = name[2:]
            out.append(words.say("once_per", property=name))
    return out


def _per_customer(limit: PerCustomer, words: _Words) -> list[str]:
    lifetime = limit.period is Period.LIFETIME
    period = words.label(limit.period.value)
    out: list[str] = []
    if limit.times is not None:
        key = "once" if limit.times == 1 else "times"
        key += "" if lifetime else ".period"
        out.append(words.say(key, times=words.number(limit.times), period=period))
    if limit.points is not None:
        key = "points" if lifetime else "points.period"
        out.append(words.say(key, points=words.number(limit.points), period=period))
    return out


def value_sentence(program: Program, locale: str) -> str:
    """What points are worth when spent: "500 Dew Drops are worth 5 USD"."""
    words, value = _Words(program, locale), program.point_value
    return words.say(
        "value", points=words.number(value.points), worth=words.money(value.worth.amount)
    )


def expiry_sentences(program: Program, locale: str) -> list[str]:
    """When points become spendable and when they expire, one sentence each."""
    words, policy = _Words(program, locale), program.expiry
    out = []
    if program.return_window_days:
        out.append(words.say("pending", days=words.number(program.return_window_days)))
    if policy.after_months is not None:
        out.append(words.say("expiry.months", months=words.number(policy.after_months)))
    elif policy.after_days is not None:
        out.append(words.say("expiry.days", days=words.number(policy.after_days)))
    else:
        out.append(words.say("expiry.never"))
    if policy.inactive_days is not None:
        out.append(words.say("expiry.inactive", days=words.number(policy.inactive_days)))
    return [_capitalised(sentence) for sentence in out]


def _capitalised(sentence: str) -> str:
    """A sentence starts with a capital (a no-op in Arabic, which has none)."""
    return sentence[:1].upper() + sentence[1:]


def tier_sentences(program: Program, locale: str) -> list[TierSentence]:
    """Each tier: how to reach it and what it gives."""
    policy = program.tiers
    if policy is None:
        return []
    words = _Words(program, locale)
    window = policy.window
    months = getattr(window, "months", None)
    span = (
        words.say("window.rolling", months=words.number(months))
        if months is not None
        else words.say("window.calendar")
    )
    out = []
    for level in policy.levels:
        if level.threshold <= 0:
            reach = words.say("tier.start")
        else:
            threshold = (
                words.money(level.threshold)
                if policy.measure.value == "spend"
                else decimal_text(level.threshold)
            )
            reach = words.say(f"tier.{policy.measure.value}", threshold=threshold, window=span)
        reach = _capitalised(reach)
        perks = []
        if level.multiplier != 1:
            perks.append(words.say("tier.multiplier", factor=decimal_text(level.multiplier)))
        if level.free_shipping:
            perks.append(words.say("tier.free_shipping"))
        if level.early_access:
            perks.append(words.say("tier.early_access"))
        perks.extend(perk.name.get(locale) for perk in level.perks)
        perks = [_capitalised(perk) for perk in perks]
        out.append(TierSentence(level.id, level.name.get(locale), reach, tuple(perks)))
    return out


def earn_phrase(program: Program, points: int, locale: str) -> str:
    """What a product page shows: "Earn 38 Dew Drops"."""
    words = _Words(program, locale)
    return words.say("earn", points=words.number(points))
