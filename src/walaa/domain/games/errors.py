"""What can stop a play."""

from __future__ import annotations

from walaa.domain.errors import Conflict


class NoPlayAvailable(Conflict):
    """The customer has no unplayed unlock for this game (and no free entry left)."""

    code = "no-play-available"
