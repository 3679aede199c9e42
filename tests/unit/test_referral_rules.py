"""The referral domain as tables: e-mail normal forms, the edit distance, each fraud rule
firing and passing, the verdict, codes and their entropy, and every status move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walaa.domain.errors import ReferralStatusConflict
from walaa.domain.explanations import LocalizedText
from walaa.domain.fraud import (
    FraudSettings,
    Identity,
    Newness,
    Outcome,
    Velocity,
    VelocityCounts,
    edit_distance,
    judge,
    normalise_email,
    normalise_name,
    normalise_phone,
    not_new,
    self_referral,
    similarity,
    velocity,
)
from walaa.domain.referrals import (
    ALPHABET,
    MIN_BITS,
    MOVES,
    AdvocateTiming,
    Grant,
    ReferralPolicy,
    Status,
    compact,
    make_code,
    move,
    pattern_bits,
    pattern_problem,
)


@pytest.mark.parametrize(
    ("written", "mailbox"),
    [
        ("Sara.Ahmed@Gmail.com", "saraahmed@gmail.com"),
        ("sara.ahmed+shop@gmail.com", "saraahmed@gmail.com"),
        ("s.a.r.a.ahmed@googlemail.com", "saraahmed@gmail.com"),
        ("  SARA@GMAIL.COM ", "sara@gmail.com"),
        ("sara+x+y@outlook.com", "sara@outlook.com"),
        ("sara.ahmed+a@hotmail.com", "sara.ahmed@hotmail.com"),
        ("Sara.Ahmed+tag@iCloud.com", "sara.ahmed@icloud.com"),
        ("sara+news@proton.me", "sara@proton.me"),
        ("sara.ahmed+a@example.sa", "sara.ahmed+a@example.sa"),  # unknown rules: as written
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_emails_normalise_by_provider(written, mailbox):
    assert normalise_email(written) == mailbox


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("+966 55 123 4567", "551234567"),
        ("0551234567", "551234567"),
        ("00966-55-123-4567", "551234567"),
        ("+20 10 1234 5678", "012345678"),
        ("1234", "1234"),
    ],
)
def test_phones_compare_by_their_last_nine_digits(written, number):
    assert normalise_phone(written) == number


def test_names_lose_case_accents_diacritics_and_spaces():
    assert normalise_name("  José   ÁLVAREZ ") == "jose alvarez"
    assert normalise_name("مُحَمَّد") == "محمد"


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [
        ("amal", "amal", 0),
        ("sara.ahmed", "sarah.ahmed", 1),
        ("amal", "amla", 1),  # a swap of neighbours is one edit
        ("omar", "noor", 3),
        ("", "abc", 3),
        ("kitten", "sitting", 3),
    ],
)
def test_the_edit_distance(first, second, distance):
    assert edit_distance(first, second) == distance
    assert edit_distance(second, first) == distance


ADVOCATE = Identity.of(
    "amal",
    emails=["Amal.Hassan@gmail.com"],
    phones=["0551234567"],
    addresses=["addr-1"],
    payments=["card-1"],
    names=["Amal Hassan"],
)


@pytest.mark.parametrize(
    ("friend", "outcome", "says"),
    [
        (Identity.of("amal"), Outcome.REJECT, "same customer"),
        (Identity.of("f", emails=["amalhassan+x@googlemail.com"]), Outcome.REJECT, "e-mail"),
        (Identity.of("f", phones=["+966551234567"]), Outcome.REJECT, "phone"),
        (Identity.of("f", addresses=["addr-1"]), Outcome.REJECT, "shipping address"),
        (Identity.of("f", payments=["card-1"]), Outcome.REJECT, "payment"),
        (
            Identity.of("f", emails=["noor@example.com"], phones=["0559999999"]),
            Outcome.PASS,
            "not a self-referral",
        ),
    ],
)
def test_self_referral(friend, outcome, says):
    result = self_referral(ADVOCATE, friend)
    assert result.outcome is outcome and says in result.en
    assert result.ar  # explained in Arabic too


@pytest.mark.parametrize(
    ("newness", "outcome", "says"),
    [
        (Newness(had_paid_order=True), Outcome.REJECT, "already had a paid order"),
        (Newness(referred_by="omar"), Outcome.REJECT, "already referred"),
        (Newness(), Outcome.PASS, "a new customer"),
    ],
)
def test_not_new(newness, outcome, says):
    result = not_new(newness)
    assert result.outcome is outcome and says in result.en and result.ar


LIMITS = Velocity(per_ip_per_week=3, per_device_per_week=2, per_advocate_per_day=5)


@pytest.mark.parametrize(
    ("counts", "outcome", "says"),
    [
        (VelocityCounts(ip=3, device=2, advocate_day=5), Outcome.PASS, "within"),
        (VelocityCounts(ip=4), Outcome.REJECT, "4 referrals from one IP address in 7 days"),
        (VelocityCounts(device=3), Outcome.REJECT, "from one device"),
        (VelocityCounts(advocate_day=6), Outcome.REJECT, "from one advocate in 24 hours"),
    ],
)
def test_velocity(counts, outcome, says):
    result = velocity(counts, LIMITS)
    assert result.outcome is outcome and says in result.en and result.ar


def test_velocity_without_limits_never_fires():
    assert velocity(VelocityCounts(99, 99, 99), Velocity(None, None, None)).outcome is Outcome.PASS


@pytest.mark.parametrize(
    ("friend", "limit", "outcome"),
    [
        (Identity.of("f", emails=["amal.hasan@gmail.com"]), 2, Outcome.HOLD),  # 1 edit
        (Identity.of("f", names=["Amal Hasan"]), 2, Outcome.HOLD),
        (Identity.of("f", names=["Amal Hasan"]), 0, Outcome.PASS),
        (Identity.of("f", names=["Noor Saleh"]), 2, Outcome.PASS),
        # short texts collide by chance: not compared
        (Identity.of("f", emails=["amy@gmail.com"]), 2, Outcome.PASS),
        # the same mailbox is the self-referral rule's, not similarity's
        (Identity.of("f", emails=["amal.hassan@gmail.com"]), 2, Outcome.PASS),
    ],
)
def test_similarity_holds_close_names_and_emails(friend, limit, outcome):
    result = similarity(ADVOCATE, friend, limit)
    assert result.outcome is outcome and result.ar


@pytest.mark.parametrize(
    ("friend", "newness", "counts", "verdict"),
    [
        (Identity.of("f"), Newness(), VelocityCounts(1, 1, 1), Outcome.PASS),
        (Identity.of("f", names=["Amal Hasan"]), Newness(), VelocityCounts(), Outcome.HOLD),
        # a rejection outranks a hold
        (
            Identity.of("f", names=["Amal Hasan"]),
            Newness(had_paid_order=True),
            VelocityCounts(),
            Outcome.REJECT,
        ),
    ],
)
def test_the_verdict(friend, newness, counts, verdict):
    outcome, results = judge(FraudSettings(), ADVOCATE, friend, newness, counts)
    assert outcome is verdict
    assert [r.rule for r in results] == ["self_referral", "not_new", "velocity", "similarity"]


def test_rules_turned_off_do_not_run():
    settings = FraudSettings(self_referral=False, not_new=False, velocity=None, max_distance=None)
    itself = Identity.of("amal")
    outcome, results = judge(settings, ADVOCATE, itself, Newness(True), VelocityCounts())
    assert outcome is Outcome.PASS and results == ()


def test_codes_have_at_least_40_bits_and_no_ambiguous_symbols():
    for ambiguous in "0O1IL":
        assert ambiguous not in ALPHABET
    assert pattern_bits("XXXXXXXXX") >= MIN_BITS > pattern_bits("XXXXXXXX")
    assert pattern_problem("XXXXXXXX") is not None
    assert pattern_problem("DW-XXXXX-XXXXX") is None
    assert "LO" in (pattern_problem("GLOW-XXXXX-XXXXX") or "")
    code = make_code("DW-XXXXX-XXXXX")
    assert code.startswith("DW-") and len(code) == 14
    assert all(ch in ALPHABET for ch in code.replace("-", ""))
    assert compact(" dw-abcde - fghjk") == "DWABCDEFGHJK"


def test_codes_are_drawn_from_the_source_given():
    assert make_code("XXX-X", lambda n: 0) == "222-2"


NOW = datetime(2026, 3, 1, tzinfo=UTC)
POLICY = ReferralPolicy(
    name=LocalizedText.of({"en": "Refer", "ar": "أحِل"}),
    advocate=Grant(points=500),
    friend=Grant(points=200),
    min_order=Decimal(50),
    per_advocate_per_month=2,
    per_advocate=5,
)


def test_what_qualifies_and_when_the_advocate_is_paid():
    assert POLICY.qualifies(Decimal(50)) and not POLICY.qualifies(Decimal("49.99"))
    assert POLICY.advocate_available_at(NOW, 14, NOW) == NOW + timedelta(days=14)
    assert POLICY.advocate_available_at(NOW - timedelta(days=20), 14, NOW) is None
    at_once = ReferralPolicy(
        name=POLICY.name,
        advocate=POLICY.advocate,
        friend=POLICY.friend,
        advocate_timing=AdvocateTiming.AT_ORDER,
    )
    assert at_once.advocate_available_at(NOW, 14, NOW) is None
    assert POLICY.capped(this_month=2, in_all=2) and POLICY.capped(this_month=0, in_all=5)
    assert not POLICY.capped(this_month=1, in_all=4)
    assert POLICY.expired(NOW, NOW + timedelta(days=31))
    assert not POLICY.expired(NOW, NOW + timedelta(days=30))


ALLOWED = [(a, b) for a in Status for b in Status if b in MOVES[a]]
REFUSED = [(a, b) for a in Status for b in Status if b not in MOVES[a]]


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_each_allowed_status_move(current, to):
    assert move(current, to) is to


@pytest.mark.parametrize(("current", "to"), REFUSED)
def test_each_refused_status_move(current, to):
    with pytest.raises(ReferralStatusConflict):
        move(current, to)


def test_the_status_table():
    assert ALLOWED == [
        (Status.SIGNED_UP, Status.QUALIFIED),
        (Status.SIGNED_UP, Status.HELD),
        (Status.SIGNED_UP, Status.REJECTED),
        (Status.SIGNED_UP, Status.EXPIRED),
        (Status.QUALIFIED, Status.REVERSED),
        (Status.HELD, Status.APPROVED),
        (Status.HELD, Status.REJECTED),
        (Status.APPROVED, Status.REJECTED),
        (Status.APPROVED, Status.REVERSED),
        (Status.APPROVED, Status.EXPIRED),
    ]


@pytest.mark.parametrize(
    ("friend_name", "en", "ar"),
    [
        ("Amal Hasan", "is 1 edit from", "على بعد تعديل واحد من"),
        ("Amal Hasn", "is 2 edits from", "على بعد تعديلين من"),
        ("Amal Has", "is 3 edits from", "على بعد 3 تعديلات من"),
    ],
)
def test_similarity_counts_its_edits_in_each_languages_grammar(friend_name, en, ar):
    result = similarity(ADVOCATE, Identity.of("f", names=[friend_name]), 3)
    assert result.outcome is Outcome.HOLD
    assert en in result.en and ar in result.ar
