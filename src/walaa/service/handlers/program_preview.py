"""The program editor's live preview: what a sample cart earns under a draft of the program.

The draft is the form as it stands, not yet saved; the answer comes from `preview_cart`, the
same evaluation a real order gets, so the editor can never promise what an order would not
give ("this cart earns 37 Dew Drops").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from walaa.domain.earning import OrderLine, preview_cart
from walaa.domain.errors import ValidationFailed
from walaa.domain.program import Channel, Program

#: The preview form's fields, as the editor sends them.
PREVIEW_FIELDS = (
    "preview.amount",
    "preview.quantity",
    "preview.category",
    "preview.product",
    "preview.channel",
    "preview.day",
)
_MAX_AMOUNT = Decimal(10) ** 9


@dataclass(frozen=True, slots=True)
class SampleCart:
    amount: Decimal
    quantity: int = 1
    category: str | None = None
    product_id: str | None = None
    channel: Channel = Channel.ONLINE
    #: the store's local day the cart is ordered on (bonus days depend on it)
    day: date | None = None


@dataclass(frozen=True, slots=True)
class DraftPreview:
    points: int
    points_name: str
    #: one sentence per rule that gave (or was held back), in the reader's language
    explanation: tuple[str, ...]


def sample_cart(fields: Mapping[str, str], today: date) -> SampleCart:
    """The preview form's sample cart; ValidationFailed names the field that is wrong."""
    amount = _decimal(fields.get("preview.amount", "").strip() or "100", "preview.amount")
    quantity = _whole(fields.get("preview.quantity", "").strip() or "1", "preview.quantity")
    channel_text = fields.get("preview.channel", "").strip() or Channel.ONLINE.value
    if channel_text not in {c.value for c in Channel}:
        raise ValidationFailed("preview.channel", "must be online, app or in_store")
    day_text = fields.get("preview.day", "").strip()
    try:
        day = date.fromisoformat(day_text) if day_text else today
    except ValueError:
        raise ValidationFailed("preview.day", "use YYYY-MM-DD") from None
    return SampleCart(
        amount=amount,
        quantity=quantity,
        category=fields.get("preview.category", "").strip() or None,
        product_id=fields.get("preview.product", "").strip() or None,
        channel=Channel(channel_text),
        day=day,
    )


def _ascii_digits(text: str) -> str:
    return "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text).replace("٫", ".")


def _decimal(text: str, name: str) -> Decimal:
    try:
        value = Decimal(_ascii_digits(text))
    except InvalidOperation:
        raise ValidationFailed(name, "must be a number") from None
    if not value.is_finite() or not 0 < value < _MAX_AMOUNT:
        raise ValidationFailed(name, "must be more than 0")
    return value


def _whole(text: str, name: str) -> int:
    try:
        value = int(_ascii_digits(text))
    except ValueError:
        raise ValidationFailed(name, "must be a whole number") from None
    if not 1 <= value <= 10_000:
        raise ValidationFailed(name, "must be between 1 and 10000")
    return value


def preview_draft(program: Program, cart: SampleCart, locale: str, now: datetime) -> DraftPreview:
    """What ``cart`` earns under ``program``, ordered at noon of its day in the store's zone."""
    day = cart.day or now.astimezone(ZoneInfo(program.timezone)).date()
    as_of = datetime.combine(day, time(12), ZoneInfo(program.timezone)).astimezone(UTC)
    line = OrderLine(
        line_id="preview",
        paid=cart.amount,
        quantity=cart.quantity,
        product_id=cart.product_id,
        categories=frozenset({cart.category}) if cart.category else frozenset(),
    )
    evaluation = preview_cart(program, (line,), as_of=as_of, channel=cart.channel)
    return DraftPreview(
        evaluation.total, program.name_of_points(locale), evaluation.explain(locale)
    )
