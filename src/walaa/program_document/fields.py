"""Building blocks of the settings document: texts per language, amounts, counts, names, local
moments, and the base of every section (unknown fields are refused)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

# --- building blocks -------------------------------------------------------------------------


def _localized(value: Any) -> Any:
    """One text for every language, or a mapping of language to text."""
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, Mapping):
        return dict(value)
    raise ValueError("give a text, or languages and texts such as {en: Flex, ar: فلكس}")


LocalizedField = Annotated[
    dict[
        Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")],
        Annotated[str, Field(min_length=1)],
    ],
    BeforeValidator(_localized),
    Field(min_length=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                    "additionalProperties": {"type": "string", "minLength": 1},
                },
            ],
            "description": "One text, or a text per language: {en: Flex, ar: فلكس}",
        }
    ),
]

Amount = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(gt=0, strict=True)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Names = Annotated[list[Name], Field(min_length=1)]


def _local_moment(value: Any) -> Any:
    """Dates and times in the document are the store's wall-clock time, without an offset."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return value


def _no_offset(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("give the store's local time without an offset; `timezone` sets it")
    return value


LocalMoment = Annotated[
    date | datetime,
    BeforeValidator(_local_moment),
    AfterValidator(_no_offset),
    WithJsonSchema(
        {
            "type": "string",
            "description": "A date (the whole day) or a date and time, in the store's time zone",
            "anyOf": [{"format": "date"}, {"format": "date-time"}],
        }
    ),
]


class DocModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
