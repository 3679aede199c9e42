"""The program in force, parsed once per settings stamp per process and reused.

Building the program an order is judged by means reading the store's latest program document
(kilobytes of YAML), parsing and validating it, reading its membership plans and turning tier and
plan multipliers into rules. It changes only when the merchant saves a program or a plan, and
every such save moves the store's *settings stamp* in the same transaction. So a process keeps,
per store, the last program it built and the stamp it was built at; an order reads the stamp in
the statement that locks its customer (a column of that SELECT) and reuses the program when the
stamp is the same. A new version therefore applies to the very next order in every process, and
no process ever judges an order by a program older than the stamp it read.

What is kept per store is a `Settings`: the program as the merchant saved it (for what shows
the document's own rules: the storefront, the program page, the dashboard), the same program
with the store's perks as rules (what orders, refunds, redemptions and checkout are judged by)
and the store's membership plans (member-only rewards, a plan's granted tier), all read in the
one build. `Program` and `Plan` values are frozen dataclasses, so sharing one between threads is
safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from walaa.domain.memberships import Plan
from walaa.domain.program import Program

#: How many stores' programs one process keeps; the least recently used is dropped first.
STORES: Final = 4096


@dataclass(frozen=True, slots=True)
class Settings:
    """A store's settings in force at one stamp, built together and never changed."""

    #: the latest program version as saved, or None before any was
    document: Program | None
    #: ``document`` with the tier and membership multipliers as rules of its own
    program: Program | None
    #: every membership plan of the store, in the order they were created
    plans: tuple[Plan, ...] = ()

    def plan(self, plan_id: str) -> Plan | None:
        return next((plan for plan in self.plans if plan.id == plan_id), None)


class ProgramCache:
    """store id -> (settings stamp, the store's `Settings` at that stamp)."""

    def __init__(self, size: int = STORES) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[int, Settings]] = OrderedDict()
        self._lock = threading.Lock()
        #: programs built because the cache had none at the stamp read (for tests and ops)
        self.builds = 0

    def get(
        self,
        store_id: str,
        stamp: int,
        build: Callable[[], tuple[Settings, int]],
    ) -> Settings:
        """The settings at ``stamp``; on a miss ``build()`` reads them and the stamp it saw
        after.

        ``build`` returns the settings and the stamp read *after* them: only when that equals
        ``stamp`` are they known to be the ones at ``stamp`` (a save in between would have
        moved it), and only then are they kept. Otherwise the fresher ones are used for this call
        and the next call, reading the newer stamp, builds again.
        """
        with self._lock:
            found = self._items.get(store_id)
            if found is not None and found[0] == stamp:
                self._items.move_to_end(store_id)
                return found[1]
        settings, after = build()
        with self._lock:
            self.builds += 1
            if after == stamp:
                self._items[store_id] = (stamp, settings)
                self._items.move_to_end(store_id)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return settings

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
