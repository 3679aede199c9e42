"""The program in force, parsed once per settings stamp per process and reused.

Building the program an order is judged by means reading the store's latest program document
(kilobytes of YAML), parsing and validating it, reading its membership plans and turning tier and
plan multipliers into rules. It changes only when the merchant saves a program or a plan, and
every such save moves the store's *settings stamp* in the same transaction. So a process keeps,
per store, the last program it built and the stamp it was built at; an order reads the stamp in
the statement that locks its customer (a column of that SELECT) and reuses the program when the
stamp is the same. A new version therefore applies to the very next order in every process, and
no process ever judges an order by a program older than the stamp it read.

`Program` values are frozen dataclasses, so sharing one between threads is safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from walaa.domain.program import Program

#: How many stores' programs one process keeps; the least recently used is dropped first.
STORES: Final = 4096


class ProgramCache:
    """store id -> (settings stamp, the program in force with its perks, or None for none)."""

    def __init__(self, size: int = STORES) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[int, Program | None]] = OrderedDict()
        self._lock = threading.Lock()
        #: programs built because the cache had none at the stamp read (for tests and ops)
        self.builds = 0

    def get(
        self,
        store_id: str,
        stamp: int,
        build: Callable[[], tuple[Program | None, int]],
    ) -> Program | None:
        """The program at ``stamp``; on a miss ``build()`` reads it and the stamp it saw after.

        ``build`` returns the program and the stamp read *after* it: only when that equals
        ``stamp`` is the program known to be the one at ``stamp`` (a save in between would have
        moved it), and only then is it kept. Otherwise the fresher program is used for this call
        and the next call, reading the newer stamp, builds again.
        """
        with self._lock:
            found = self._items.get(store_id)
            if found is not None and found[0] == stamp:
                self._items.move_to_end(store_id)
                return found[1]
        program, after = build()
        with self._lock:
            self.builds += 1
            if after == stamp:
                self._items[store_id] = (stamp, program)
                self._items.move_to_end(store_id)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return program

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
