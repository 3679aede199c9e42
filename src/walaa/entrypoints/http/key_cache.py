"""API keys that authenticated a moment ago, so a busy client's requests skip the key lookup.

Every `/v1` request presents its secret; looking it up and checking its digest costs a database
round trip, and a store's checkout sends many requests a second with the same key. So each
process remembers a key that authenticated for at most ``ttl`` seconds
(`WALAA_VERIFIED_KEY_CACHE_SECONDS`, 5 at most): a key revoked anywhere stops working in every
process within that bound, because an entry is never refreshed by being used, only by a new
lookup after it expired.

An entry is found by the key's lookup part and holds a SHA-256 of the whole secret, compared
with `hmac.compare_digest`: a request that sends a cached key's lookup part with another secret
is not let in by the cache, it goes to the database like any other and is refused there.
"""

from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable

from walaa.domain.keys import ApiKey

#: The longest a revoked key may keep working in a process that saw it a moment before.
MAX_SECONDS = 5.0


class VerifiedKeys:
    """lookup part -> (SHA-256 of the secret, the key, when it was verified), oldest out first.

    ``now`` is the application's clock in seconds (`App.clock`: the wall clock in production,
    a fixed one in tests). An entry counts only while ``verified <= now < verified + ttl``, so
    a clock set back does not stretch it either.
    """

    def __init__(self, ttl: float, size: int, now: Callable[[], float]) -> None:
        self.ttl, self.size, self._now = min(ttl, MAX_SECONDS), size, now
        self._items: OrderedDict[str, tuple[bytes, ApiKey, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, lookup: str, fingerprint: bytes) -> ApiKey | None:
        """The key, if ``fingerprint`` is the secret that authenticated under ``lookup`` less
        than ``ttl`` seconds ago."""
        with self._lock:
            found = self._items.get(lookup)
            if found is None:
                return None
            if not found[2] <= self._now() < found[2] + self.ttl:
                del self._items[lookup]
                return None
        return found[1] if hmac.compare_digest(found[0], fingerprint) else None

    def add(self, lookup: str, fingerprint: bytes, key: ApiKey) -> None:
        """Remember a key the database just said is valid (not when it is merely used)."""
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[lookup] = (fingerprint, key, self._now())
            self._items.move_to_end(lookup)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, key_id: str) -> None:
        """Drop a key revoked through this process at once (other processes wait the bound)."""
        with self._lock:
            for lookup in [k for k, (_, key, _) in self._items.items() if key.id == key_id]:
                del self._items[lookup]
