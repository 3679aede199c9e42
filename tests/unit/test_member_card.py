"""The member card's rotating code: RFC 4226 HOTP over 30-second steps, a minute of grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from walaa.domain import member_card as mc

SECRET = mc.card_secret("server-key", "st_1", "7KQ2M9XAB3")
AT = datetime(2026, 3, 1, 9, 0, 10, tzinfo=UTC)


def test_the_code_is_rfc_4226_hotp():
    # RFC 4226, appendix D: the test secret's first codes
    secret = b"12345678901234567890"
    assert [mc._hotp(secret, n) for n in range(3)] == ["755224", "287082", "359152"]


def test_a_code_is_accepted_for_its_step_and_the_two_before_then_never_again():
    code = mc.code_at(SECRET, AT)
    assert mc.verify(SECRET, code, AT)
    assert mc.verify(SECRET, code, AT + timedelta(seconds=75))
    assert not mc.verify(SECRET, code, AT + timedelta(seconds=95))
    assert not mc.verify(SECRET, code, AT - timedelta(seconds=30))  # not before it was shown


def test_the_code_changes_every_thirty_seconds_and_differs_per_card_and_store():
    assert mc.code_at(SECRET, AT) != mc.code_at(SECRET, AT + timedelta(seconds=30))
    other_card = mc.card_secret("server-key", "st_1", "7KQ2M9XAB4")
    other_store = mc.card_secret("server-key", "st_2", "7KQ2M9XAB3")
    assert len({mc.code_at(s, AT) for s in (SECRET, other_card, other_store)}) == 3
    assert mc.valid_until(AT) == datetime(2026, 3, 1, 9, 0, 30, tzinfo=UTC)


def test_a_card_text_is_read_whatever_its_case_and_nothing_else_is():
    assert mc.parse_card(" 7kq2m9xab3.493817 ") == ("7KQ2M9XAB3", "493817")
    for bad in ("7KQ2M9XAB3", "7KQ2M9XAB3.49381", "0KQ2M9XAB3.493817", "x" * 40):
        assert mc.parse_card(bad) is None
    assert mc.parse_card(mc.card_text(mc.new_card_id(), "000001")) is not None
