"""What a person reads about an award: structured explanations and their English/Arabic text.

An explanation is data — a message key and its parameters — so it can be stored with the award,
rendered later in whichever language the reader prefers, and tested without comparing prose.
`render` turns a sequence of explanations into one sentence in a locale.

The catalogs are small and live here, in the standard library only, because the domain must be
able to explain itself without the web layer's translation machinery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

from walaa.domain.entry_catalog import ENTRY_AR, ENTRY_EN
from walaa.domain.money import Money, decimal_text

DEFAULT_LOCALE = "en"


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """A text in several languages, e.g. the points' name {"en": "Flex", "ar": "فلكس"}."""

    texts: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, texts: Mapping[str, str] | str) -> LocalizedText:
        """Build from a mapping of locale to text, or one text used for every language."""
        if isinstance(texts, str):
            return cls(((DEFAULT_LOCALE, texts),))
        if not texts:
            raise ValueError("a localized text needs at least one language")
        return cls(tuple(texts.items()))

    def get(self, locale: str) -> str:
        """The text for `locale`, falling back to its language, then English, then any.

        Falling back rather than failing keeps a half-translated program usable: an Arabic
        reader sees the English rule name instead of an error.
        """
        table = dict(self.texts)
        language = locale.replace("_", "-").split("-")[0].lower()
        for candidate in (locale, language, DEFAULT_LOCALE):
            if candidate in table:
                return table[candidate]
        return self.texts[0][1]

    def as_dict(self) -> dict[str, str]:
        """The texts as a plain mapping, for storage and documents."""
        return dict(self.texts)

    def __str__(self) -> str:
        return self.get(DEFAULT_LOCALE)


@dataclass(frozen=True, slots=True)
class Label:
    """A word the catalog translates (a weekday, a period, a channel, an event type)."""

    key: str


ParamValue: TypeAlias = (
    "str | int | Decimal | Money | datetime | LocalizedText | Label | tuple[ParamValue, ...]"
)


@dataclass(frozen=True, slots=True)
class Explanation:
    """One readable statement: a catalog key and the values it mentions."""

    key: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def of(cls, key: str, **params: ParamValue) -> Explanation:
        """Build with keyword parameters: `Explanation.of("award.fixed_order", points=50)`."""
        return cls(key, tuple(params.items()))

    def param(self, name: str) -> ParamValue:
        """The value of one parameter; raises KeyError when it is absent."""
        return dict(self.params)[name]


_EN: dict[str, str] = {
    "award.per_amount": (
        "{rule}: {points} {points_name} for {amount} on {items} items"
        " at {rate_points} per {rate_per}"
    ),
    "award.per_amount.one": (
        "{rule}: {points} {points_name} for {amount} on 1 item at {rate_points} per {rate_per}"
    ),
    "award.per_unit": "{rule}: {points} {points_name} for {items} items at {unit_points} each",
    "award.per_unit.one": "{rule}: {points} {points_name} for 1 item",
    "award.fixed_order": "{rule}: {points} {points_name} on this order",
    "award.threshold": "{rule}: {points} {points_name} for spending at least {min_amount}",
    "award.threshold_quantity": (
        "{rule}: {points} {points_name} for buying at least {min_quantity} items"
    ),
    "award.action": "{rule}: {points} {points_name} for {event}",
    "multiplied.2": "doubled by {rule}",
    "multiplied.3": "tripled by {rule}",
    "multiplied": "multiplied by {factor} by {rule}",
    "multiplied.2.part": "doubled by {rule} on {items} of these items",
    "multiplied.3.part": "tripled by {rule} on {items} of these items",
    "multiplied.part": "multiplied by {factor} by {rule} on {items} of these items",
    "capped.per_order": "capped at {limit} {points_name} per order (would have been {before})",
    "capped.per_customer_points": (
        "capped at {limit} {points_name} per {period}, {used} already earned"
        " (would have been {before})"
    ),
    "capped.per_customer_points.lifetime": (
        "capped at {limit} {points_name} in total, {used} already earned (would have been {before})"
    ),
    "capped.per_customer_times": "not given: the limit of {limit} per {period} is reached",
    "capped.per_customer_times.lifetime": "not given: the limit of {limit} in total is reached",
    "capped.once_per": "not given: already rewarded for this {property}",
    "capped.action_daily": (
        "capped at {limit} {points_name} a day from actions, {used} already earned today"
        " (would have been {before})"
    ),
    "set_aside.best_of": "not added: {winner} gives more in the {group} group",
    "not_met.channel": "{rule}: only for {channels} orders",
    "not_met.window": "{rule}: not running at this time",
    "not_met.weekday": "{rule}: only on {weekdays}",
    "not_met.tier": "{rule}: only for {tiers} members",
    "not_met.tag": "{rule}: only for customers in {tags}",
    "not_met.min_amount": "{rule}: spend {missing} more on eligible items to earn it",
    "not_met.min_quantity": "{rule}: add {missing} more eligible items to earn it",
    "not_met.property": "{rule}: the {property} does not qualify",
    "not_met.order_min_amount": "{rule}: spend {missing} more on this order to earn it",
    "not_met.order_min_quantity": "{rule}: add {missing} more items to this order to earn it",
    "order_minimum.amount": "for an order of at least {amount}",
    "whole_blocks": "earned on {blocks} full blocks of {per}",
    "with_code": "with the code {code}",
    "rewards_included": "including {amount} paid with rewards",
    "discount_on_counted": "after the order's {amount} discount, taken off these items",
    "not_met.code": "{rule}: needs the code {codes}",
    "order_minimum.quantity": "for an order of at least {quantity} items",
    "not_met.items": "{rule}: no eligible items",
    "not_met.customer": "{rule}: needs a signed-in customer",
    "not_met.limit": "{rule}: its limit for you is reached",
    "not_met.best_of": "{rule}: not added, {winner} gives more in the {group} group",
    "not_met.stopped": "{rule}: not applied, {stopper} stops the rules after it",
    "stopped.later_rules": "the rules after it were not applied",
    "take_back.award": "{rule}: {points} {points_name} taken back, {kept} kept",
    "take_back.threshold": (
        "{rule}: {points} {points_name} taken back, the order no longer meets its minimum"
    ),
    "take_back.fixed": "{rule}: {points} {points_name} taken back, nothing from it remains",
    "label.online": "online",
    "label.in_store": "in-store",
    "label.app": "app",
    "label.day": "day",
    "label.week": "week",
    "label.month": "month",
    "label.year": "year",
    "label.lifetime": "lifetime",
    "label.monday": "Monday",
    "label.tuesday": "Tuesday",
    "label.wednesday": "Wednesday",
    "label.thursday": "Thursday",
    "label.friday": "Friday",
    "label.saturday": "Saturday",
    "label.sunday": "Sunday",
    "label.product_id": "product",
    "label.signup": "signing up",
    "label.newsletter": "subscribing to the newsletter",
    "label.review": "reviewing a product",
    "label.social_share": "sharing on social media",
    "label.social_follow": "following us on social media",
    "label.photo_upload": "uploading a photo",
    "label.video_upload": "uploading a video",
    "label.birthday": "your birthday",
    "label.profile_completion": "completing your profile",
}

_AR: dict[str, str] = {
    "award.per_amount": (
        "{rule}: {points} {points_name} مقابل {amount} على منتجات عددها {items}"
        " بمعدل {rate_points} لكل {rate_per}"
    ),
    "award.per_amount.one": (
        "{rule}: {points} {points_name} مقابل {amount} على منتج واحد"
        " بمعدل {rate_points} لكل {rate_per}"
    ),
    "award.per_unit": (
        "{rule}: {points} {points_name} على منتجات عددها {items} بواقع {unit_points} لكل قطعة"
    ),
    "award.per_unit.one": "{rule}: {points} {points_name} على منتج واحد",
    "award.fixed_order": "{rule}: {points} {points_name} على هذا الطلب",
    "award.threshold": "{rule}: {points} {points_name} لإنفاق {min_amount} على الأقل",
    "award.threshold_quantity": (
        "{rule}: {points} {points_name} لشراء {min_quantity} منتجات على الأقل"
    ),
    "award.action": "{rule}: {points} {points_name} مقابل {event}",
    "multiplied.2": "مضاعفة بفضل {rule}",
    "multiplied.3": "ثلاثة أضعاف بفضل {rule}",
    "multiplied": "×{factor} بفضل {rule}",
    "multiplied.2.part": "مضاعفة بفضل {rule} على {items} من هذه المنتجات",
    "multiplied.3.part": "ثلاثة أضعاف بفضل {rule} على {items} من هذه المنتجات",
    "multiplied.part": "×{factor} بفضل {rule} على {items} من هذه المنتجات",
    "capped.per_order": "بحد أقصى {limit} {points_name} للطلب الواحد (كانت ستبلغ {before})",
    "capped.per_customer_points": (
        "بحد أقصى {limit} {points_name} لكل {period}، وقد كُسب منها {used} (كانت ستبلغ {before})"
    ),
    "capped.per_customer_points.lifetime": (
        "بحد أقصى {limit} {points_name} إجمالًا، وقد كُسب منها {used} (كانت ستبلغ {before})"
    ),
    "capped.per_customer_times": "لم تُمنح: بلغتَ الحد وهو {limit} لكل {period}",
    "capped.per_customer_times.lifetime": "لم تُمنح: بلغتَ الحد وهو {limit} إجمالًا",
    "capped.once_per": "لم تُمنح: سبقت المكافأة على هذا {property}",
    "capped.action_daily": (
        "بحد أقصى {limit} {points_name} يوميًا من الأنشطة، وقد كُسب اليوم {used}"
        " (كانت ستبلغ {before})"
    ),
    "set_aside.best_of": "لم تُضف: {winner} يمنح أكثر ضمن مجموعة {group}",
    "not_met.channel": "{rule}: للطلبات عبر {channels} فقط",
    "not_met.window": "{rule}: العرض غير سارٍ في هذا الوقت",
    "not_met.weekday": "{rule}: أيام {weekdays} فقط",
    "not_met.tier": "{rule}: لأعضاء {tiers} فقط",
    "not_met.tag": "{rule}: للعملاء ضمن {tags} فقط",
    "not_met.min_amount": "{rule}: أنفق {missing} إضافية على المنتجات المؤهلة لتحصل عليها",
    "not_met.min_quantity": "{rule}: أضف {missing} من المنتجات المؤهلة لتحصل عليها",
    "not_met.property": "{rule}: قيمة {property} غير مؤهلة",
    "not_met.order_min_amount": "{rule}: أنفق {missing} إضافية على هذا الطلب لتحصل عليها",
    "not_met.order_min_quantity": "{rule}: أضف {missing} من المنتجات إلى هذا الطلب لتحصل عليها",
    "order_minimum.amount": "لطلب لا يقل عن {amount}",
    "whole_blocks": "محسوبة على {blocks} من وحدات {per} الكاملة",
    "with_code": "بالرمز {code}",
    "rewards_included": "منها {amount} دُفعت بالمكافآت",
    "discount_on_counted": "بعد خصم الطلب {amount} من هذه المنتجات",
    "not_met.code": "{rule}: يلزم إدخال الرمز {codes}",
    "order_minimum.quantity": "لطلب من {quantity} منتجات على الأقل",
    "not_met.items": "{rule}: لا توجد منتجات مؤهلة",
    "not_met.customer": "{rule}: يلزم تسجيل الدخول",
    "not_met.limit": "{rule}: بلغتَ الحد المسموح لهذا العرض",
    "not_met.best_of": "{rule}: لم يُضف، {winner} يمنح أكثر ضمن مجموعة {group}",
    "not_met.stopped": "{rule}: لم تُطبَّق، {stopper} يوقف القواعد التي تليها",
    "stopped.later_rules": "ولم تُطبَّق القواعد التي تليها",
    "take_back.award": "{rule}: استُرد {points} {points_name}، وبقي {kept}",
    "take_back.threshold": "{rule}: استُرد {points} {points_name} لأن الطلب لم يعد يبلغ الحد الأدنى",
    "take_back.fixed": "{rule}: استُرد {points} {points_name} إذ لم يبقَ شيء من الطلب",
    "label.online": "الإنترنت",
    "label.in_store": "المتجر",
    "label.app": "التطبيق",
    "label.day": "يوم",
    "label.week": "أسبوع",
    "label.month": "شهر",
    "label.year": "سنة",
    "label.lifetime": "العمر",
    "label.monday": "الاثنين",
    "label.tuesday": "الثلاثاء",
    "label.wednesday": "الأربعاء",
    "label.thursday": "الخميس",
    "label.friday": "الجمعة",
    "label.saturday": "السبت",
    "label.sunday": "الأحد",
    "label.product_id": "المنتج",
    "label.signup": "إنشاء الحساب",
    "label.newsletter": "الاشتراك في النشرة البريدية",
    "label.review": "تقييم منتج",
    "label.social_share": "المشاركة على وسائل التواصل",
    "label.social_follow": "متابعتنا على وسائل التواصل",
    "label.photo_upload": "رفع صورة",
    "label.video_upload": "رفع فيديو",
    "label.birthday": "عيد ميلادك",
    "label.profile_completion": "إكمال ملفك الشخصي",
}

_EN.update(ENTRY_EN)
_AR.update(ENTRY_AR)

CATALOGS: dict[str, dict[str, str]] = {"en": _EN, "ar": _AR}
"""Message templates per language. Every key in English must exist in Arabic (a test checks)."""

_SEPARATORS = {"en": ", ", "ar": "، "}


def _catalog(locale: str) -> dict[str, str]:
    language = locale.replace("_", "-").split("-")[0].lower()
    return CATALOGS.get(language, _EN)


def _separator(locale: str) -> str:
    return _SEPARATORS.get(locale.replace("_", "-").split("-")[0].lower(), ", ")


def format_value(value: ParamValue, locale: str) -> str:
    """One parameter as text: thousands in points, minor units in money, names translated."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, LocalizedText):
        return value.get(locale)
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, Label):
        key = f"label.{value.key}"
        return _catalog(locale).get(key) or _EN.get(key) or value.key.replace("_", " ")
    if isinstance(value, tuple):
        return _separator(locale).join(format_value(item, locale) for item in value)
    return value


def render_one(explanation: Explanation, locale: str = DEFAULT_LOCALE) -> str:
    """One explanation as text in `locale`; an unknown key falls back to English, then the key.

    Never raising here matters: an explanation stored by an older version must still render.
    """
    template = _catalog(locale).get(explanation.key) or _EN.get(explanation.key)
    if template is None:
        return explanation.key
    values = {name: format_value(value, locale) for name, value in explanation.params}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return explanation.key


def render(explanations: Iterable[Explanation], locale: str = DEFAULT_LOCALE) -> str:
    """Several explanations joined into one sentence, with the language's own comma."""
    return _separator(locale).join(render_one(item, locale) for item in explanations)
