"""The document's settings about a customer's points over time: when they expire (by age or
by inactivity, with warnings) and which balances are milestones worth a notice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from walaa.domain.expiry import ExpiryPolicy
from walaa.domain.explanations import LocalizedText
from walaa.domain.milestones import Milestone
from walaa.program_document.fields import Count, DocModel, LocalizedField


class ExpiryDoc(DocModel):
    """Points expire `after_months` or `after_days` after they become spendable (leave both
    out for never), and all of a customer's points after `inactive_days` without earning or
    spending, with a notice `warn_days_before` days ahead."""

    after_months: Count | None = Field(
        default=None, description="Months after points become spendable that they expire"
    )
    after_days: Count | None = Field(
        default=None, description="Days after points become spendable that they expire"
    )
    inactive_days: Count | None = Field(
        default=None,
        description="Days without earning or spending after which all of a customer's points"
        " expire",
    )
    warn_days_before: list[Count] = Field(
        default=[],
        description="Days before the inactivity deadline that the customer is warned",
    )


def expiry_from_doc(doc: ExpiryDoc) -> ExpiryPolicy:
    return ExpiryPolicy(
        doc.after_months, doc.after_days, doc.inactive_days, tuple(doc.warn_days_before)
    )


class MilestoneDoc(DocModel):
    """A balance worth a notice the first time a customer reaches it: {points: 1000, name: ...}."""

    points: Count
    name: LocalizedField | None = None


def _threshold(value: Any) -> Any:
    """A bare number is a milestone without a name: `500` reads as {points: 500}."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"points": value}
    if isinstance(value, Mapping):
        return value
    raise ValueError("give a balance in points (500) or {points: 500, name: {en: ..., ar: ...}}")


MilestoneField = Annotated[
    MilestoneDoc,
    BeforeValidator(_threshold),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "exclusiveMinimum": 0},
                MilestoneDoc.model_json_schema(),
            ],
            "description": "A balance in points, or {points: 1000, name: {en: ..., ar: ...}}",
        }
    ),
]


def milestones_from_doc(docs: list[MilestoneDoc]) -> tuple[Milestone, ...]:
    return tuple(
        Milestone(doc.points, LocalizedText.of(doc.name) if doc.name else None) for doc in docs
    )
