"""The API's JSON shapes. They are not database tables and not domain objects: they are a
contract with store engineers, so they change only by adding fields."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

import pydantic
from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from walaa.domain.earning.inputs import EARLIEST_YEAR, LATEST_YEAR
from walaa.service.handlers.closing import Closure, Erasure
from walaa.service.handlers.customers import (
    CustomerView,
    LedgerPage,
    explanation_text,
    refers_to,
)

#: Marks a field of a strict model that is parsed from its JSON text: datetimes, dates and
#: enums arrive as strings, which strict mode alone would refuse.
FromText = pydantic.Strict(False)


def _on_the_calendar(moment: datetime) -> datetime:
    """Periods, windows and expiry dates are computed around a moment; far-off years overflow
    the calendar (9999-12-31T23:00-05:00 is year 10000 in UTC), and no store needs them."""
    supported = range(EARLIEST_YEAR, LATEST_YEAR + 1)
    # The local year first: converting year 9999 to UTC may itself overflow.
    if moment.year not in supported or moment.astimezone(UTC).year not in supported:
        raise _out_of_range(EARLIEST_YEAR)
    return moment


def _out_of_range(earliest: int) -> PydanticCustomError:
    return PydanticCustomError("out_of_range", f"must be between {earliest} and {LATEST_YEAR}")


def _written(value: Any) -> Any:
    """Dates are ISO 8601 text: lax parsing alone would also take 1772355600 as a moment
    (seconds since 1970, or milliseconds past a size) and 20260301 as a day."""
    if not isinstance(value, str | datetime | date):
        raise PydanticCustomError("date_type", "must be ISO 8601 text, e.g. 2026-03-01T09:00Z")
    return value


#: Every date and time the API takes: with a time zone offset, within the supported years.
Moment = Annotated[
    AwareDatetime, FromText, BeforeValidator(_written), AfterValidator(_on_the_calendar)
]


def _plausible_day(day: date) -> date:
    if not 1900 <= day.year <= LATEST_YEAR:
        raise _out_of_range(1900)
    return day


#: A calendar day without a time (a birthday).
Day = Annotated[date, FromText, BeforeValidator(_written), AfterValidator(_plausible_day)]


#: What an id the store gives (a customer, an order, a line, an event) or Walaa gives (a
#: redemption, a membership) may be, in a body or in a path: ASCII letters and digits first,
#: then also `. _ : @ -`. No spaces, slashes, quotes or control characters, so an id is
#: never a path, markup or SQL, whatever a client does with it.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$"


def path_id(description: str, max_length: int = 128, pattern: str = ID_PATTERN) -> Any:
    """A path parameter held to the same rule as ids in bodies: a 422 naming it otherwise."""
    return Path(min_length=1, max_length=max_length, pattern=pattern, description=description)


class Strict(BaseModel):
    """Every request body inherits this. Unknown fields are errors; types are strict, so
    `"100"`, `100.0`, `1e2` and `true` are not the integer 100 or 1 and `1` is not `true`
    (mark a field parsed from text, such as an enum, with `FromText`; dates use `Moment`).
    Text holding a NUL or a control character never reaches a model: the route class
    (body.py) refuses it, with duplicated keys and the like, for every body."""

    model_config = ConfigDict(extra="forbid", strict=True)


Tag = Annotated[str, Field(min_length=1, max_length=64)]


class CustomerIn(Strict):
    email: str | None = Field(None, max_length=320, examples=["amal@example.com"])
    name: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[^<>]*$",
        examples=["Amal Saleh"],
        description="Plain text: `<` and `>` are refused, so a name is never markup in an "
        "email or a page that forgets to escape it",
    )
    birthday: Day | None = None
    locale: str = Field("en", pattern="^(en|ar)$", description="Language of messages: en or ar")
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    alert_threshold: int | None = Field(
        None,
        ge=0,
        le=10**12,
        description="Alert the customer when a redemption or points payment exceeds this.",
    )
    phone: str | None = Field(
        None,
        max_length=40,
        examples=["+966 50 123 4567"],
        description="6 to 15 digits, optionally after a +; spaces, dashes, dots and brackets "
        "are dropped and Arabic-Indic digits read as digits. What the dashboard searches by",
    )


class BalancesOut(BaseModel):
    balance: int = Field(
        description="The signed balance of spendable points; negative is a debt left by a "
        "refund of points already spent, repaid by the next points earned"
    )
    spendable: int = Field(description="What can be spent now: the balance, never below zero")
    debt: int = Field(description="What the next points earned repay first (0 without a debt)")
    available: int = Field(
        description="Deprecated: the same as `balance`, kept for existing integrations",
        deprecated=True,
    )
    pending: int = Field(description="Earned, waiting out the return window")
    on_hold: int = Field(description="Reserved for checkouts in progress")
    lifetime_earned: int = Field(
        description="Every point earned, net of what refunds and cancellations took back"
    )
    lifetime_earned_gross: int = Field(description="Every point ever earned, before refunds")
    expiring_soon: int = Field(description="Points that expire before `expiring_before`")
    expiring_before: datetime
    next_expiry: datetime | None = Field(
        description="The first date any of the customer's points expire, however far ahead"
    )
    inactivity_expiry: datetime | None = Field(
        None,
        description="When every point left expires unless the customer earns or spends before"
        " (the program's expiry.inactive_days after `last_activity_at`); null without",
    )


class CustomerOut(BaseModel):
    id: str
    email: str | None
    name: str | None
    birthday: date | None
    locale: str
    tags: list[str]
    alert_threshold: int | None
    phone: str | None = Field(None, description="As stored: digits after an optional +")
    created_at: datetime
    balances: BalancesOut
    closed_at: datetime | None = Field(
        None, description="When the account was closed; a closed account takes no new points"
    )
    closed_reason: str | None = None
    last_activity_at: datetime | None = Field(
        None,
        description="When the customer last earned or spent points, dated by the order or "
        "action; what inactivity expiry counts from",
    )
    tier: dict[str, Any] | None = Field(
        None,
        description="Tier, since when, what counts toward the next, what is still needed and "
        "the next review (as GET /v1/customers/{id}/tier); null when the program has no tiers",
    )
    achievements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each badge with the customer's progress and the times earned (as GET "
        "/v1/customers/{id}/achievements); empty when the program has none",
    )

    @classmethod
    def of(cls, view: CustomerView) -> CustomerOut:
        r, p = view.record, view.record.profile
        return cls(
            id=r.id,
            email=p.email,
            name=p.name,
            birthday=p.birthday,
            locale=p.locale,
            tags=list(p.tags),
            alert_threshold=p.alert_threshold,
            phone=p.phone,
            created_at=r.created_at,
            closed_at=r.closed_at,
            closed_reason=r.closed_reason,
            last_activity_at=r.last_activity_at,
            tier=None,
            balances=BalancesOut(
                balance=r.balances.available,
                spendable=max(r.balances.available, 0),
                debt=max(-r.balances.available, 0),
                available=r.balances.available,
                pending=r.balances.pending,
                on_hold=r.balances.held,
                lifetime_earned=r.lifetime_earned,
                lifetime_earned_gross=r.lifetime_earned_gross,
                expiring_soon=view.expiring.points,
                expiring_before=view.expiring_until,
                next_expiry=view.expiring.first_at,
                inactivity_expiry=view.inactive_expiry,
            ),
        )


class LotChangeOut(BaseModel):
    lot_id: int
    earned_at: datetime = Field(description="When the lot's points were earned")
    points: int = Field(description="Taken from the lot (negative) or given back (positive)")
    source: str | None = Field(description="What earned the lot: an order or event id")


class LedgerEntryOut(BaseModel):
    transaction_id: int
    kind: str
    points: int
    available_change: int
    pending_change: int
    on_hold_change: int
    occurred_at: datetime
    reason: str | None
    reference: str | None
    reverses: int | None
    refers_to: dict[str, str] = Field(
        default_factory=dict,
        description="What the entry refers to, by kind: order, refund, redemption, reward, "
        "hold, membership, event, transaction (the one it reverses)",
        examples=[{"order": "ord-5001", "hold": "12"}],
    )
    explanation: list[str] = Field(default_factory=list)
    lots: list[LotChangeOut] = Field(
        default_factory=list,
        description="The lots the entry moved, oldest first: a spend or expiry shows FIFO",
    )
    details: dict[str, Any] | None = None


class LedgerPageOut(BaseModel):
    data: list[LedgerEntryOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null at end")

    @classmethod
    def of(cls, page: LedgerPage, locale: str) -> LedgerPageOut:
        entries = []
        for line in page.lines:
            details = line.details or {}
            entries.append(
                LedgerEntryOut(
                    transaction_id=line.transaction_id,
                    kind=line.kind.value,
                    points=line.amount,
                    available_change=line.available_change,
                    pending_change=line.pending_change,
                    on_hold_change=line.held_change,
                    occurred_at=line.occurred_at,
                    reason=line.reason,
                    reference=line.reference,
                    reverses=line.reverses_id,
                    refers_to=refers_to(line),
                    explanation=explanation_text(line, locale),
                    lots=[LotChangeOut(**asdict(lot)) for lot in line.lots],
                    details={k: v for k, v in details.items() if k not in _SHOWN} or None,
                )
            )
        return cls(data=entries, next_cursor=page.next_cursor)


#: Details shown as fields of their own rather than inside `details`.
_SHOWN = frozenset({"explanations", "refers_to"})


class AdjustmentIn(Strict):
    points: int = Field(
        description="Positive to give, negative to take back", ge=-(10**9), le=10**9
    )
    reason: str = Field(min_length=1, max_length=500)
    expires_at: Moment | None = None


class ClosureIn(Strict):
    reason: str = Field(
        min_length=1, max_length=200, description="Why the account closes; kept in the ledger"
    )


class ClosureOut(BaseModel):
    customer_id: str
    closed_at: datetime
    reason: str
    points_forfeited: int = Field(
        description="Points given up, those released from open checkout holds included"
    )
    already_closed: bool = Field(description="The account was closed before this request")

    @classmethod
    def of(cls, closure: Closure) -> ClosureOut:
        return cls(
            customer_id=closure.customer_id,
            closed_at=closure.closed_at,
            reason=closure.reason,
            points_forfeited=closure.points_forfeited,
            already_closed=closure.already_closed,
        )


class ErasureOut(BaseModel):
    pseudonym: str = Field(description="The id the customer's books are kept under from now on")
    erased_at: datetime
    points_forfeited: int

    @classmethod
    def of(cls, erasure: Erasure) -> ErasureOut:
        return cls(
            pseudonym=erasure.pseudonym,
            erased_at=erasure.erased_at,
            points_forfeited=erasure.closure.points_forfeited,
        )


class TransactionOut(BaseModel):
    transaction_id: int
    kind: str
    customer_id: str
    points: int
    replayed: bool


class FieldProblem(BaseModel):
    field: str = Field(examples=["lines[2].paid"])
    reason: str = Field(examples=["String should match pattern"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/insufficient-points"])
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


class Readiness(BaseModel):
    status: str = Field(
        description="`ready`, or `degraded` while Redis does not answer (limits are then "
        "per process)",
        examples=["ready"],
    )
    checks: dict[str, str] = Field(
        description="Each dependency: `database` (`ok`), `redis` (`ok`, `not configured`, "
        "`unavailable (fail-open)`)",
        examples=[{"database": "ok", "redis": "not configured"}],
    )


def problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


#: The errors every /v1 operation may answer with, documented once.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_response("The request cannot be handled as sent"),
    401: problem_response("Missing, unknown or revoked API key"),
    403: problem_response("The key lacks the scope this needs"),
    404: problem_response("No such resource in this store"),
    409: problem_response("Conflicts with the current state or an earlier request"),
    422: problem_response("A field is not valid; `errors` names each one"),
    413: problem_response("The body is over WALAA_MAX_BODY_BYTES; `max_body_bytes` says it"),
    415: problem_response("A body sent as another media type than application/json"),
    429: problem_response("Rate limit reached, for the key or the address; see Retry-After"),
    431: problem_response("Too many header lines or bytes of headers"),
    503: problem_response("The database does not answer; nothing was written; see Retry-After"),
}
