"""The program settings document (YAML or JSON): its schema, and loading it into a `Program`.

A merchant writes the document; `load_program` checks it and returns the domain's immutable
`Program`. A bad document is refused with EVERY problem at once, each at its path in the
document (`rules[2].effect.factor`) with a plain reason, so one round of fixes is enough:

* the Pydantic models catch shape errors (a missing field, a typo, a negative factor): the
  building blocks are in `fields`, the rules in `rules`, the tiers in `tiers`, the whole
  document here;
* the domain's own checks (`walaa.domain.program.rule_problems`) catch what needs several
  fields at once (a duplicate rule id, a multiplier naming a rule that does not exist, an
  amount with more decimals than the currency has). They run on every rule that parsed, even
  while other rules still have errors; `tier_level_problems` does the same for the tiers
  (a repeated id, thresholds that do not rise), and rules naming a missing tier are reported.

Numbers are read as `Decimal` straight from the text, never through a float. The published JSON
Schema (`docs/program.schema.json`) is `program_json_schema()`; a test keeps them equal.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import ErrorDetails

from walaa.domain.earning_choices import DiscountSpread, EarnGranularity, RewardsInBase
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money, Rounding, fits_minor_units, minor_units
from walaa.domain.program import (
    CheckoutPolicy,
    EarnRate,
    LineKind,
    PointValue,
    Problem,
    Program,
    ProgramError,
    Rule,
    TierLevel,
    TierMeasure,
    format_path,
    rule_problems,
    tier_level_problems,
    tier_reference_problems,
    timezone_exists,
)
from walaa.domain.spending_choices import PointsRounding, TakeBack
from walaa.program_document.achievements import (
    ACHIEVEMENT_MODELS,
    AchievementDoc,
    achievement_section_problems,
    achievements_from_docs,
)
from walaa.program_document.fields import (
    Amount,
    Count,
    DocModel,
    LocalizedField,
)
from walaa.program_document.games import (
    GAME_MODELS,
    GameDoc,
    game_from_doc,
    game_section_problems,
)
from walaa.program_document.giving import (
    GivingCapsDoc,
    GivingDoc,
    GivingRateDoc,
    giving_from_doc,
    giving_problems,
)
from walaa.program_document.lifecycle import (
    ExpiryDoc,
    MilestoneDoc,
    MilestoneField,
    expiry_from_doc,
    milestones_from_doc,
)
from walaa.program_document.referrals import (
    REFERRAL_MODELS,
    ReferralsDoc,
    referrals_from_doc,
    referrals_problems,
)
from walaa.program_document.rules import (
    FixedDoc,
    ItemsDoc,
    MultiplyDoc,
    OncePerDoc,
    PerAmountDoc,
    PerCustomerDoc,
    PerOrderDoc,
    PerUnitDoc,
    PropertyDoc,
    RuleDoc,
    WhenDoc,
    rule_from_doc,
)
from walaa.program_document.tiers import (
    PerkDoc,
    TierLevelDoc,
    TierReviewDoc,
    TiersDoc,
    TierWindowDoc,
    tier_level_from_doc,
    tiers_from_doc,
)

__all__ = [
    "SCHEMA_ID",
    "ProgramDocument",
    "ProgramDocumentError",
    "describe_problems",
    "load_program",
    "program_json_schema",
    "read_document",
]

SCHEMA_ID = "https://walaa.dev/schemas/program.schema.json"


class ProgramDocumentError(ProgramError):
    """A settings document that cannot become a program. `problems` holds every error."""

    code = "invalid-program-document"

    def __str__(self) -> str:
        return "\n".join(f"{problem.where}: {problem.reason}" for problem in self.problems)


# --- the document ----------------------------------------------------------------------------


class RateDoc(DocModel):
    """Points per amount: {points: 1, per: 20} is 1 point per 20 of the currency."""

    points: Count
    per: Amount


class PointValueDoc(DocModel):
    """What points are worth: {points: 500, worth: 5} is 500 points = 5 of the currency."""

    points: Count
    worth: Amount


class CheckoutDoc(DocModel):
    """Points as money at checkout: {min_points: 500, max_order_share: 0.5, step: 100}."""

    min_points: Count = Field(default=1, description="Fewest points a customer may use")
    max_order_share: Annotated[Decimal, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        default=Decimal(1), description="Largest share of an order points may pay (0 to 1)"
    )
    step: Count = Field(default=1, description="Points are used in multiples of this")
    round_points: Literal["down", "up"] = Field(
        default="down",
        description="Points for a money amount: down (never worth more than it) or up (enough"
        " to cover it exactly)",
    )


class RefundsDoc(DocModel):
    """What a refund does with points the customer already spent: {take_back: debt}."""

    take_back: Literal["debt", "cap_at_balance"] = Field(
        default="debt",
        description="debt: the balance may go below zero, later earnings repay it;"
        " cap_at_balance: take back at most what the customer has, forgive the rest",
    )


class EarnOnDoc(DocModel):
    """Line kinds that earn besides products. All off by default."""

    shipping: bool = False
    tax: bool = False
    gift_cards: bool = False


class ProgramDocument(DocModel):
    """Walaa program settings: one document per store, one new version per save."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="Walaa program settings",
    )

    schema_: str | None = Field(
        default=None, alias="$schema", description="The schema this document follows (optional)"
    )
    points_name: LocalizedField = Field(description="What customers call the points")
    currency: Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})] = Field(
        description="The store's ISO 4217 currency code; every amount is in it"
    )
    timezone: str = Field(
        description="IANA time zone of the store (Asia/Riyadh): weekdays, dates and limit"
        " periods are read in it"
    )
    earn_rate: RateDoc = Field(description="The default points per amount spent")
    point_value: PointValueDoc = Field(description="What points are worth when spent")
    rounding: Literal["down", "half_up", "up", "half_even"] = Field(
        default="down", description="How fractional points become whole"
    )
    return_window_days: Annotated[int, Field(ge=0, le=3650, strict=True)] = Field(
        default=0, description="Days order points stay pending (returns are still possible)"
    )
    expiry: ExpiryDoc = Field(
        default=ExpiryDoc(), description="When earned points expire: by age, by inactivity"
    )
    earn_on: EarnOnDoc = Field(
        default=EarnOnDoc(), description="Line kinds that earn besides products"
    )
    action_daily_cap: Count | None = Field(
        default=None, description="Most points a customer earns from actions in one local day"
    )
    rules: list[RuleDoc] = Field(default=[], description="Earning rules, in order")
    checkout: CheckoutDoc = Field(
        default=CheckoutDoc(), description="How points may pay at checkout"
    )
    refunds: RefundsDoc = Field(
        default=RefundsDoc(), description="What a refund does with points already spent"
    )
    tiers: TiersDoc | None = Field(
        default=None, description="Tiers earned by spend, points or orders over a window"
    )
    rewards_in_base: Literal["excluded", "included"] = Field(
        default="excluded",
        description="Whether what the program's own rewards paid (points, redeemed rewards) earns",
    )
    discount_spread: Literal["all_lines", "named_lines", "counted_lines"] = Field(
        default="all_lines",
        description="Which earning lines an order-level discount line comes off",
    )
    earn_granularity: Literal["pro_rata", "whole_blocks"] = Field(
        default="pro_rata",
        description="Per-amount rates earn on every cent (pro_rata) or per full `per` spent",
    )
    giving: GivingDoc | None = Field(
        default=None, description="Money given to a cause for what customers spend"
    )
    games: list[GameDoc] = Field(
        default=[], description="Games of chance (wheel, scratch card, mystery box)"
    )
    milestones: list[MilestoneField] = Field(
        default=[],
        description="Balances, lowest first, that earn a customer a notice the first time they"
        " reach one; with any, a customer's joining is noticed too",
    )
    referrals: ReferralsDoc | None = Field(
        default=None, description="Friends bring friends: rewards both sides, with fraud rules"
    )
    achievements: list[AchievementDoc] = Field(
        default=[],
        description="Badges and milestones: orders, spend, events or an event property counted"
        " over all time, the last N days or a streak, granting points, a reward or the badge",
    )

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not value.isascii() or not value.isupper():
            raise ValueError("use a three-letter currency code such as USD or SAR")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not timezone_exists(value):
            raise ValueError(f"unknown time zone {value!r}; use a name such as Asia/Riyadh")
        return value


def _program(doc: ProgramDocument, rules: tuple[Rule, ...], version: int) -> Program:
    currency = doc.currency
    earn_on = {
        LineKind.SHIPPING: doc.earn_on.shipping,
        LineKind.TAX: doc.earn_on.tax,
        LineKind.GIFT_CARD: doc.earn_on.gift_cards,
    }
    return Program(
        version=version,
        currency=currency,
        points_name=LocalizedText.of(doc.points_name),
        timezone=doc.timezone,
        earn_rate=EarnRate(doc.earn_rate.points, Money(doc.earn_rate.per, currency)),
        point_value=PointValue(doc.point_value.points, Money(doc.point_value.worth, currency)),
        rounding=Rounding(doc.rounding),
        return_window_days=doc.return_window_days,
        expiry=expiry_from_doc(doc.expiry),
        earn_on=frozenset(kind for kind, on in earn_on.items() if on),
        action_daily_cap=doc.action_daily_cap,
        rules=rules,
        checkout=CheckoutPolicy(
            doc.checkout.min_points,
            doc.checkout.max_order_share,
            doc.checkout.step,
            PointsRounding(doc.checkout.round_points),
        ),
        take_back=TakeBack(doc.refunds.take_back),
        tiers=tiers_from_doc(doc.tiers),
        earn_granularity=EarnGranularity(doc.earn_granularity),
        rewards_in_base=RewardsInBase(doc.rewards_in_base),
        discount_spread=DiscountSpread(doc.discount_spread),
        giving=giving_from_doc(doc.giving, currency),
        games=tuple(game_from_doc(game) for game in doc.games),
        milestones=milestones_from_doc(doc.milestones),
        referrals=referrals_from_doc(doc.referrals),
        achievements=achievements_from_docs(doc.achievements),
    )


# --- reading the text ------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with exact decimals and no silently repeated keys."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark
            )
        keys.add(key)
    return dict(loader.construct_pairs(node))


def _yaml_12_booleans() -> None:
    """Only true/false are booleans, as in YAML 1.2: `on: review` must stay the text "on"."""
    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


_yaml_12_booleans()
_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parse(source: str | bytes | Mapping[str, Any]) -> Any:
    if isinstance(source, Mapping):
        return source
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise _unreadable(f"not valid JSON: line {error.lineno}: {error.msg}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        raise _unreadable(f"not valid YAML: {line}{reason}") from None


def read_document(source: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The document's data as written (numbers as `Decimal`), unchecked: what the dashboard's
    form and the version history read. Raises `ProgramDocumentError` if it is not a mapping."""
    data = _parse(source)
    if not isinstance(data, Mapping):
        raise _unreadable("the document must be a mapping of settings (currency: USD ...)")
    return dict(data)


def _unreadable(reason: str) -> ProgramDocumentError:
    return ProgramDocumentError([Problem((), reason)])


# --- errors a merchant can read --------------------------------------------------------------

_TAGS = {
    "effect": ("per_amount", "per_unit", "fixed", "multiply"),
    "limits": ("per_customer", "per_order", "once_per"),
}
_REASONS = {
    "missing": "required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of names to values",
    "model_attributes_type": "must be a mapping of names to values",
}


def _known_fields() -> list[str]:
    names: set[str] = set()
    models: list[type[BaseModel]] = [ProgramDocument, RuleDoc, WhenDoc, ItemsDoc, PropertyDoc]
    models += [PerAmountDoc, PerUnitDoc, FixedDoc, MultiplyDoc, PerCustomerDoc, PerOrderDoc]
    models += [OncePerDoc, RateDoc, PointValueDoc, ExpiryDoc, EarnOnDoc, CheckoutDoc, RefundsDoc]
    models += [MilestoneDoc]
    models += [TiersDoc, TierLevelDoc, TierWindowDoc, TierReviewDoc, PerkDoc, *GAME_MODELS]
    models += [GivingDoc, GivingRateDoc, GivingCapsDoc, *REFERRAL_MODELS]
    models += [GivingDoc, GivingRateDoc, GivingCapsDoc, *ACHIEVEMENT_MODELS]
    for model in models:
        names.update(model.model_fields)
    return sorted(names)


def _path(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Drop Pydantic's union-member labels: the merchant wrote `effect.factor`, not
    `effect.multiply.factor`."""
    path: list[str | int] = []
    for part in loc:
        container = path[-2] if len(path) >= 2 and isinstance(path[-1], int) else None
        owner = path[-1] if path else None
        if isinstance(part, str) and (
            part in _TAGS.get(str(owner), ()) or part in _TAGS.get(str(container), ())
        ):
            continue
        path.append(part)
    return tuple(path)


def _reason(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        # A field of another section is no suggestion for itself (`multiplier` is a tier's).
        others = [field for field in _known_fields() if field != name]
        close = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
        return f"unknown field{'; did you mean ' + repr(close[0]) + '?' if close else ''}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ", ".join(_TAGS.get(_owner(error["loc"]), ()))
        if "tag" in ctx:
            return f"unknown type {ctx['tag']!r}; use one of {expected}"
        return f"needs a type: one of {expected}"
    if kind in ("greater_than", "greater_than_equal"):
        word = "more than" if kind == "greater_than" else "at least"
        return f"must be {word} {ctx.get('gt', ctx.get('ge'))}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return _pattern_reason(error["loc"])
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _REASONS.get(kind, error["msg"])


def _owner(loc: Sequence[str | int]) -> str:
    parts = [part for part in loc if isinstance(part, str)]
    return "limits" if parts and parts[-1] == "limits" else "effect"


def _pattern_reason(loc: Sequence[str | int]) -> str:
    last = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if last in ("id", "rules", "cause", "reward"):
        return "use lower-case letters, digits, - and _ (up to 64), starting with a letter or digit"
    if last == "on":
        return "use `order` or an event type in lower_case_with_underscores"
    if last == "event":
        return "use an event type in lower_case_with_underscores"
    return "use a language code such as en, ar or ar-SA"


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    return [Problem(_path(detail["loc"]), _reason(detail)) for detail in error.errors()]


# --- the public functions --------------------------------------------------------------------

_RULE = TypeAdapter(RuleDoc)


def load_program(source: str | bytes | Mapping[str, Any], *, version: int = 1) -> Program:
    """Read a settings document (YAML or JSON text, or a parsed mapping) into a `Program`.

    `version` is the number the caller gives this save (the service layer counts them).
    Raises `ProgramDocumentError` with every problem found, each at its path.
    """
    data = _parse(source)
    if not isinstance(data, Mapping):
        raise _unreadable("the document must be a mapping of settings (currency: USD ...)")
    problems: list[Problem] = []
    try:
        document: ProgramDocument | None = ProgramDocument.model_validate(data)
    except ValidationError as error:
        document = None
        problems.extend(_pydantic_problems(error))
    currency = _usable_currency(data)
    problems.extend(_header_problems(data, version))
    rules, positions = _parsed_rules(data.get("rules"), currency or "XXX")
    problems.extend(_duplicate_ids(data.get("rules")))
    problems.extend(rule_problems(rules, currency=currency, positions=positions))
    problems.extend(_tier_problems(data.get("tiers"), currency))
    problems.extend(giving_problems(data.get("giving"), currency))
    problems.extend(referrals_problems(data.get("referrals"), currency))
    problems.extend(game_section_problems(data.get("games"), currency))
    problems.extend(achievement_section_problems(data.get("achievements"), currency))
    tier_ids = _tier_ids(data.get("tiers"))
    if tier_ids is not None:
        problems.extend(tier_reference_problems(rules, tier_ids, positions))
    if problems or document is None:
        raise ProgramDocumentError(_in_document_order(problems))
    try:
        return _program(document, tuple(rules), version)
    except ProgramError as error:
        raise ProgramDocumentError(error.problems) from None


def _usable_currency(data: Mapping[str, Any]) -> str | None:
    currency = data.get("currency")
    if (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isupper()
    ):
        return currency
    return None


def _header_problems(data: Mapping[str, Any], version: int) -> list[Problem]:
    """Domain checks of the settings outside the rules, run even when others have errors."""
    problems = _amount_places(data)
    try:
        header = ProgramDocument.model_validate({**data, "rules": []})
        _program(header, (), version)
    except ValidationError:
        pass
    except ProgramError as error:
        problems.extend(error.problems)
    return problems


def _amount_places(data: Mapping[str, Any]) -> list[Problem]:
    """Amounts with more decimals than the currency has (5.001 USD), in the same words as the
    domain uses, so a document with other errors still hears about them."""
    currency = _usable_currency(data)
    if currency is None:
        return []
    problems = []
    for section, name in (("earn_rate", "per"), ("point_value", "worth")):
        part = data.get(section)
        value = part.get(name) if isinstance(part, Mapping) else None
        if (
            isinstance(value, Decimal)
            and value.is_finite()
            and not fits_minor_units(value, currency)
        ):
            places = minor_units(currency)
            reason = f"{currency} amounts have {places} decimal places"
            problems.append(Problem((section, name), reason))
    return problems


def _parsed_rules(raw: Any, currency: str) -> tuple[list[Rule], list[int]]:
    """Each rule that parses on its own, with its index, so cross-rule checks can run."""
    if not isinstance(raw, list):
        return [], []
    rules: list[Rule] = []
    positions: list[int] = []
    for index, item in enumerate(raw):
        rule = _rule_or_nothing(item, currency)
        if rule is not None:
            rules.append(rule)
            positions.append(index)
    return rules, positions


# Leaving these out of a rule cannot create a problem that was not there, so a rule with an
# error in one of them is still checked, without it, against the other rules.
_OPTIONAL_PARTS = frozenset(
    {"when", "items", "exclude_items", "limits", "group", "enabled", "stop"}
)


def _rule_or_nothing(item: Any, currency: str) -> Rule | None:
    try:
        return rule_from_doc(_RULE.validate_python(item), currency)
    except (ValueError, ProgramError) as error:
        if not isinstance(error, ValidationError) or not isinstance(item, Mapping):
            return None
        broken = {detail["loc"][0] for detail in error.errors() if detail["loc"]}
        if not broken <= _OPTIONAL_PARTS | (set(item) - set(RuleDoc.model_fields)):
            return None
        try:
            kept = {key: value for key, value in item.items() if key not in broken}
            return rule_from_doc(_RULE.validate_python(kept), currency)
        except (ValueError, ProgramError):
            return None


def _duplicate_ids(raw: Any) -> list[Problem]:
    """Repeated rule ids, found even among rules with other errors (same words as the domain)."""
    if not isinstance(raw, list):
        return []
    seen: dict[str, int] = {}
    problems = []
    for index, item in enumerate(raw):
        rule_id = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            reason = f"{rule_id!r} is already used by rules[{seen[rule_id]}]"
            problems.append(Problem(("rules", index, "id"), reason))
        seen.setdefault(rule_id, index)
    return problems


# --- tiers, checked level by level -----------------------------------------------------------

_LEVEL = TypeAdapter(TierLevelDoc)

# As with rules: leaving these out of a tier cannot hide a problem between tiers.
_OPTIONAL_LEVEL_PARTS = frozenset({"multiplier", "free_shipping", "early_access", "perks"})


def _tier_problems(raw: Any, currency: str | None) -> list[Problem]:
    """Problems between tiers (a repeated id, a threshold that does not rise ...) among the
    tiers that parse, even while another tier or setting has an error."""
    levels_raw = raw.get("levels") if isinstance(raw, Mapping) else None
    if not isinstance(raw, Mapping) or not isinstance(levels_raw, list):
        return []
    measure = raw.get("measure")
    known = measure if measure in tuple(TierMeasure) else None
    levels: list[TierLevel] = []
    positions: list[int] = []
    for index, item in enumerate(levels_raw):
        level = _level_or_nothing(item)
        if level is not None:
            levels.append(level)
            positions.append(index)
    return tier_level_problems(
        levels,
        measure=TierMeasure(known) if known is not None else None,
        currency=currency,
        positions=positions,
    )


def _level_or_nothing(item: Any) -> TierLevel | None:
    try:
        return tier_level_from_doc(_LEVEL.validate_python(item))
    except ValidationError as error:
        if not isinstance(item, Mapping):
            return None
        broken = {detail["loc"][0] for detail in error.errors() if detail["loc"]}
        if not broken <= _OPTIONAL_LEVEL_PARTS | (set(item) - set(TierLevelDoc.model_fields)):
            return None
        try:
            kept = {key: value for key, value in item.items() if key not in broken}
            return tier_level_from_doc(_LEVEL.validate_python(kept))
        except ValidationError:
            return None


def _tier_ids(raw: Any) -> frozenset[str] | None:
    """The tier ids the document gives (even of tiers with errors), or None without tiers."""
    levels = raw.get("levels") if isinstance(raw, Mapping) else None
    if not isinstance(levels, list):
        return None
    return frozenset(
        item["id"]
        for item in levels
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    )


def _in_document_order(problems: Sequence[Problem]) -> list[Problem]:
    """Each problem once; the settings first, then the tiers tier by tier, then rule by rule,
    then the games and the achievements, as the merchant reads them."""

    def position(problem: Problem) -> tuple[int, int]:
        path = problem.path
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            return 2, path[1]
        if len(path) >= 2 and path[0] == "games" and isinstance(path[1], int):
            return 3, path[1]
        if len(path) >= 2 and path[0] == "achievements" and isinstance(path[1], int):
            return 4, path[1]
        if path and path[0] == "tiers":
            level = path[2] if len(path) >= 3 and path[1] == "levels" else -1
            return 1, level if isinstance(level, int) else -1
        return 0, 0

    return sorted(dict.fromkeys(problems), key=position)


def program_json_schema() -> dict[str, Any]:
    """The JSON Schema of the settings document, as published in `docs/program.schema.json`."""
    schema = ProgramDocument.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def describe_problems(problems: Sequence[Problem]) -> str:
    """Problems as lines a merchant reads: `rules[2].effect.factor: must be more than 0`."""
    return "\n".join(f"{format_path(problem.path)}: {problem.reason}" for problem in problems)
