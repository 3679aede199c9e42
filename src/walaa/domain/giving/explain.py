"""Why a gift was made or taken back, in English and Arabic, stored with the giving line so
the report and the order can say it without the rules that were in force."""

from __future__ import annotations

from decimal import Decimal

from walaa.domain.giving.causes import Cause
from walaa.domain.giving.rules import (
    GiftCap,
    GiftDecision,
    GivingGranularity,
    GivingPolicy,
    amount_text,
)
from walaa.domain.money import decimal_text, quantize

_RATE = {
    ("en", GivingGranularity.WHOLE_BLOCKS): "{give} for every full {per} {cur}",
    ("ar", GivingGranularity.WHOLE_BLOCKS): "{give} عن كل {per} {cur} كاملة",
    ("en", GivingGranularity.PRO_RATA): "{give} per {per} {cur}",
    ("ar", GivingGranularity.PRO_RATA): "{give} لكل {per} {cur}",
}
_GIFT = {
    "en": "{amount} {cur} to {cause}: {rate} on {spend} {cur} spent",
    "ar": "{amount} {cur} لصالح {cause}: {rate} على {spend} {cur} أُنفقت",
}
_CAP = {
    ("en", GiftCap.PER_ORDER): ", capped at {cap} {cur} per order (would have been {raw} {cur})",
    ("ar", GiftCap.PER_ORDER): "، بحد أقصى {cap} {cur} للطلب (كان سيبلغ {raw} {cur})",
    ("en", GiftCap.PER_MONTH): (
        ", capped at {cap} {cur} per customer per month (would have been {raw} {cur})"
    ),
    ("ar", GiftCap.PER_MONTH): "، بحد أقصى {cap} {cur} للعميل في الشهر (كان سيبلغ {raw} {cur})",
}
_BACK = {
    "en": "{amount} {cur} taken back from {cause}: refund {refund} of order {order}",
    "ar": "استُرد {amount} {cur} من {cause}: الاسترجاع {refund} للطلب {order}",
}
_CANCEL = {
    "en": "{amount} {cur} taken back from {cause}: order {order} was cancelled",
    "ar": "استُرد {amount} {cur} من {cause}: أُلغي الطلب {order}",
}
_POINTS = {
    "en": "{amount} {cur} to {cause}: {points} points given by the customer",
    "ar": "{amount} {cur} لصالح {cause}: {points} نقطة أهداها العميل",
}


def explain_gift(
    policy: GivingPolicy, cause: Cause, decision: GiftDecision, spend: Decimal
) -> dict[str, str]:
    """ "5.00 USD to Animal welfare: 5 for every full 100 USD on 250.00 USD spent, capped ..."."""
    cur = policy.currency
    texts = {}
    for lang in ("en", "ar"):
        rate = _RATE[(lang, policy.granularity)].format(
            give=decimal_text(policy.give), per=decimal_text(policy.per), cur=cur
        )
        text = _GIFT[lang].format(
            amount=amount_text(decision.amount, cur),
            cur=cur,
            cause=cause.name(lang),
            rate=rate,
            spend=quantize(spend, cur),
        )
        if decision.capped_by is not None:
            cap = policy.per_order if decision.capped_by is GiftCap.PER_ORDER else policy.per_month
            text += _CAP[(lang, decision.capped_by)].format(
                cap=decimal_text(cap or Decimal(0)),
                cur=cur,
                raw=amount_text(decision.uncapped, cur),
            )
        texts[lang] = text
    return texts


def explain_take_back(
    cause: Cause, amount: int, currency: str, *, order_id: str, refund_id: str, cancelled: bool
) -> dict[str, str]:
    templates = _CANCEL if cancelled else _BACK
    return _in_both(templates, cause, amount, currency, order=order_id, refund=refund_id)


def explain_points_gift(cause: Cause, amount: int, currency: str, points: int) -> dict[str, str]:
    return _in_both(_POINTS, cause, amount, currency, points=points)


def _in_both(
    templates: dict[str, str], cause: Cause, amount: int, currency: str, **params: str | int
) -> dict[str, str]:
    """A line about an amount and a cause, in each language with the cause's own name."""
    return {
        lang: templates[lang].format(
            amount=amount_text(amount, currency), cur=currency, cause=cause.name(lang), **params
        )
        for lang in ("en", "ar")
    }
