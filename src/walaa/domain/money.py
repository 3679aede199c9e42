"""Money and points arithmetic: `Decimal` amounts with their currency, `int` points.

Two decisions live here so that nothing else has to make them:

* how an amount is cut to its currency's minor units (`quantize`), and
* how a fractional number of points becomes a whole number (`round_points`), following the
  program's `Rounding` setting. Every award passes through `round_points` exactly once, so a
  merchant who switches from "down" to "half_up" changes one behaviour, everywhere.

Floats never enter: `Money` refuses them, because 0.1 + 0.2 is not 0.3 and a customer's balance
must add up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
)
from enum import StrEnum
from fractions import Fraction
from typing import TypeAlias

from walaa.domain.errors import ValidationFailed

Points: TypeAlias = int
"""A number of points. Always a whole number; fractions exist only inside a calculation."""

#: The most points one credit may give and one customer may have (available and pending):
#: 10^15, a thousand times what any real program gives, and far enough below the 9.2 * 10^18
#: a BIGINT column holds that no sum of one customer's postings can overflow it.
MAX_POINTS: Points = 10**15

ZERO = Decimal(0)
ONE = Decimal(1)

# ISO 4217 currencies whose minor unit is not the usual two digits.
_MINOR_UNITS: dict[str, int] = {
    code: digits
    for codes, digits in (
        ("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF", 0),
        ("BHD IQD JOD KWD LYD OMR TND", 3),
        ("CLF UYW", 4),
    )
    for code in codes.split()
}


class CurrencyMismatch(ValidationFailed):
    """Two amounts in different currencies met in one calculation; Walaa never converts."""

    code = "currency-mismatch"

    def __init__(self, reason: str) -> None:
        super().__init__("currency", reason)


class Rounding(StrEnum):
    """How a fractional number of points becomes whole. A program setting; `down` by default.

    `down` never gives a point that was not fully earned, which is why it is the default.
    """

    DOWN = "down"
    HALF_UP = "half_up"
    UP = "up"
    HALF_EVEN = "half_even"


# Points are never negative inside a calculation, so floor/ceiling equal down/up; using
# floor/ceiling keeps the meaning right even if a negative adjustment is ever rounded.
_DECIMAL_MODE: dict[Rounding, str] = {
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.UP: ROUND_CEILING,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.HALF_EVEN: ROUND_HALF_EVEN,
}


def is_currency_code(code: str) -> bool:
    """True for a three-letter upper-case ISO 4217 style code such as `USD` or `SAR`."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


def minor_units(currency: str) -> int:
    """Digits after the decimal point for `currency` (USD 2, JPY 0, KWD 3)."""
    return _MINOR_UNITS.get(currency, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Cut `amount` to `currency`'s minor units, half up, as a till would print it."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def fits_minor_units(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than `currency` allows (5.005 USD does not)."""
    return quantize(amount, currency) == amount


def round_points(
    amount: Decimal | Fraction | int, rounding: Rounding, *, per: Decimal | int = ONE
) -> Points:
    """Return `amount / per` as whole points, rounded the program's way.

    This is the one place where points are rounded. The division happens here, last, so that
    a quotient which is exact (120 * 1 / 1, 45 * 4 / 1) is computed exactly and rounding only
    ever sees a true fraction.
    """
    if isinstance(amount, Fraction):
        return _round_fraction(amount / Fraction(per), rounding)
    if isinstance(amount, int):
        amount = Decimal(amount)
    quotient = amount / per if per != ONE else amount
    return int(quotient.to_integral_value(rounding=_DECIMAL_MODE[rounding]))


def _round_fraction(value: Fraction, rounding: Rounding) -> Points:
    """Round an exact rational with integer arithmetic, so no precision is ever lost."""
    floor = value.numerator // value.denominator
    remainder = value - floor
    if remainder == 0:
        return floor
    if rounding is Rounding.DOWN:
        return floor
    if rounding is Rounding.UP:
        return floor + 1
    half = Fraction(1, 2)
    if remainder != half:
        return floor + 1 if remainder > half else floor
    if rounding is Rounding.HALF_UP:
        return floor + 1
    return floor if floor % 2 == 0 else floor + 1


def decimal_text(value: Decimal) -> str:
    """Show a setting's number the way a person writes it: 20 not 20.00, 0.5 not 0.50."""
    if value == value.to_integral_value():
        return str(value.quantize(ONE))
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency. Arithmetic across currencies raises `CurrencyMismatch`."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if not is_currency_code(self.currency):
            raise ValueError(f"{self.currency!r} is not a three-letter currency code")

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a Decimal, an int or a decimal string ("19.99"); never a float."""
        if isinstance(amount, float):
            raise TypeError("Money never takes a float; pass a string such as '19.99'")
        return cls(Decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in `currency`: the start of a sum."""
        return cls(ZERO, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money is never multiplied by a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def quantized(self) -> Money:
        """This amount cut to the currency's minor units."""
        return Money(quantize(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency)} {self.currency}"
