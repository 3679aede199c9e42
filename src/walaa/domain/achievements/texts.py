"""Progress and grants in words, in English and Arabic: "3 of 5 reviews", "120 USD to go",
"2 of 4 weeks in a row", and the ledger line of an achievement's points."""

from __future__ import annotations

from walaa.domain.achievements.definitions import Achievement, Measure, Period
from walaa.domain.achievements.progress import Standing
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import decimal_text

#: What the common event types are called when the program names no unit.
EVENT_UNITS = {
    "review": ("reviews", "مراجعات"),
    "photo": ("photos", "صور"),
    "photo_upload": ("photos", "صور"),
    "video_tutorial": ("video tutorials", "فيديوهات تعليمية"),
    "share": ("shares", "مشاركات"),
    "run": ("runs", "جولات جري"),
    "referral": ("referrals", "إحالات"),
}
PERIODS = {
    Period.DAY: ("days", "أيام"),
    Period.WEEK: ("weeks", "أسابيع"),
    Period.MONTH: ("months", "أشهر"),
}


def unit_of(achievement: Achievement, currency: str) -> LocalizedText:
    """What the target counts, in each language: the program's `unit`, or a default."""
    if achievement.unit is not None:
        return achievement.unit
    if achievement.counts is Measure.SPEND:
        return LocalizedText.of({"en": currency, "ar": currency})
    if achievement.counts is Measure.ORDERS:
        return LocalizedText.of({"en": "orders", "ar": "طلبات"})
    if achievement.counts is Measure.PROPERTY and achievement.equals is None:
        name = (achievement.property_name or "").replace("_", " ")
        return LocalizedText.of({"en": name, "ar": name})
    event = achievement.event or ""
    en, ar = EVENT_UNITS.get(event, (event.replace("_", " "), event.replace("_", " ")))
    return LocalizedText.of({"en": en, "ar": ar})


def progress_text(achievement: Achievement, standing: Standing, currency: str) -> dict[str, str]:
    """Where a customer stands, as they read it in English and Arabic."""
    unit = unit_of(achievement, currency)
    if standing.done:
        return {"en": "Earned", "ar": "حصلت عليها"}
    current, target = decimal_text(standing.current), decimal_text(standing.target)
    to_go = decimal_text(standing.remaining)
    if achievement.streak is not None:
        en_period, ar_period = PERIODS[achievement.streak.period]
        each_en = each_ar = ""
        if achievement.target != 1:  # "each with 1 orders" says nothing "in a row" does not
            each_en = f", each with {decimal_text(achievement.target)} {unit.get('en')}"
            each_ar = f"، في كل منها {decimal_text(achievement.target)} {unit.get('ar')}"
        en = f"{current} of {target} {en_period} in a row{each_en}"
        ar = f"{current} من {target} {ar_period} متتالية{each_ar}"
    elif achievement.counts is Measure.SPEND:
        en = f"{current} of {target} {currency}: {to_go} {currency} to go"
        ar = f"{current} من {target} {currency}: باقي {to_go} {currency}"
    else:
        en = f"{current} of {target} {unit.get('en')}: {to_go} to go"
        ar = f"{current} من {target} {unit.get('ar')}: باقي {to_go}"
    if achievement.last_days is not None:
        en += f" (in the last {achievement.last_days} days)"
        ar += f" (في آخر {achievement.last_days} يومًا)"
    if standing.times:
        en += f"; earned {standing.times} times" if standing.times > 1 else "; earned once"
        ar += f"؛ حصلت عليها {standing.times} مرات" if standing.times > 1 else "؛ حصلت عليها مرة"
    return {"en": en, "ar": ar}


def granted_text(
    achievement: Achievement, points: int, points_name: LocalizedText
) -> dict[str, list[str]]:
    """The ledger line of an achievement's points, in English and Arabic."""
    name, about = achievement.name, achievement.description
    return {
        "en": [f"Badge {name.get('en')} ({about.get('en')}): {points:,} {points_name.get('en')}"],
        "ar": [f"شارة {name.get('ar')} ({about.get('ar')}): {points:,} {points_name.get('ar')}"],
    }
