"""The arithmetic of gifts: per full block or pro rata, the caps, and take-backs in proportion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from walaa.domain.errors import ValidationFailed
from walaa.domain.giving import (
    Cause,
    GiftCap,
    GivingGranularity,
    GivingPolicy,
    gift_on,
    gift_to_take_back,
)

D = Decimal
BLOCKS = GivingPolicy(D(5), D(100), "USD")
PRO_RATA = GivingPolicy(D(5), D(100), "USD", GivingGranularity.PRO_RATA)


@pytest.mark.parametrize(
    ("policy", "spend", "given", "amount", "capped_by"),
    [
        (BLOCKS, "250.00", 0, 1000, None),
        (BLOCKS, "99.99", 0, 0, None),
        (BLOCKS, "100.00", 0, 500, None),
        (PRO_RATA, "250.00", 0, 1250, None),
        (PRO_RATA, "99.99", 0, 499, None),
        (PRO_RATA, "0.19", 0, 0, None),
        (GivingPolicy(D(5), D(100), "USD", per_order=D(8)), "500", 0, 800, GiftCap.PER_ORDER),
        (GivingPolicy(D(5), D(100), "USD", per_month=D(15)), "200", 1000, 500, GiftCap.PER_MONTH),
        (GivingPolicy(D(5), D(100), "USD", per_month=D(15)), "200", 1500, 0, GiftCap.PER_MONTH),
        (GivingPolicy(D(5), D(100), "USD", per_month=D(15)), "200", 2000, 0, GiftCap.PER_MONTH),
        (GivingPolicy(D("0.250"), D(10), "KWD", GivingGranularity.PRO_RATA), "15", 0, 375, None),
        (BLOCKS, "-20", 0, 0, None),
    ],
)
def test_a_gift_follows_the_rate_then_the_caps(policy, spend, given, amount, capped_by):
    decision = gift_on(policy, D(spend), given_this_month=given)
    assert (decision.amount, decision.capped_by) == (amount, capped_by)


@pytest.mark.parametrize(
    ("refunded", "value", "so_far", "back"),
    [
        ("52.50", "210.00", 0, 250),
        ("105.00", "210.00", 250, 250),
        ("Infinity", "210.00", 500, 500),
        ("210.00", "210.00", 0, 1000),
        ("0.01", "210.00", 0, 1),  # the order keeps 999.95 cents, rounded down
        ("0", "210.00", 0, 0),
    ],
)
def test_a_refund_takes_back_the_refunded_share(refunded, value, so_far, back):
    taken = gift_to_take_back(1000, refunded=D(refunded), value=D(value), taken_back_so_far=so_far)
    assert taken == back


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("link", "http://example.org"),
        ("link", "ftp://example.org"),
        ("logo_url", "https://u:p@example.org/x.png"),
        ("logo_url", "https://example.org:port/x.png"),
        ("link", "//example.org"),
    ],
)
def test_a_cause_takes_only_https_addresses(field, url):
    with pytest.raises(ValidationFailed) as raised:
        Cause("c", {"en": "C", "ar": "ج"}, **{field: url})
    assert raised.value.field == field
