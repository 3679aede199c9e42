"""What each use of a code paid: equal parts of what is unused, adding up to its points."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from walaa.domain.rewards import next_use_share, use_shares


def priced(points: int, uses: int, made: int) -> list[int]:
    """The shares ``made`` uses are priced at, one at a time, as ``use_code`` prices them."""
    shares: list[int] = []
    for left_before in range(uses, uses - made, -1):
        unused = points - sum(use_shares(points, left_before, shares))
        shares.append(next_use_share(unused, left_before))
    return shares


@given(st.integers(1, 10**6), st.integers(1, 50), st.data())
def test_uses_add_up_to_the_points_and_uses_priced_before_are_reconstructed(points, uses, data):
    made = data.draw(st.integers(0, uses))
    shares = priced(points, uses, made)
    # the uses that are left hold the rest: all of a code's uses add up to exactly its points
    assert sum(priced(points, uses, uses)) == points
    assert sum(shares) <= points and all(share >= 0 for share in shares)
    # uses recorded before they were priced come out at the same points
    assert use_shares(points, uses - made, [None] * made) == shares


def test_a_3_use_code_of_1000_points_pays_333_333_334():
    assert priced(1000, 3, 3) == [333, 333, 334]
    assert priced(500, 1, 1) == [500]
