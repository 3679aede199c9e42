"""uvicorn's httptools parser with the bound on an incomplete request head that h11 has.

`walaa serve` used h11, a pure-Python parser, for one reason: it refuses (400) a request head
still arriving past ``h11_max_incomplete_event_size`` bytes, so a client cannot make a worker
hold an endless head. httptools (llhttp, in C) parses a request several times faster but keeps
reading any head. This protocol counts the bytes received while a head is incomplete and answers
as h11 does past the same bound: a 400 and the connection closed. The `431` check on a complete
head (the Guard's, `WALAA_MAX_HEADER_LINES` and `WALAA_MAX_HEADER_BYTES`) applies as before.

A read is counted after it is parsed, and only if it was all head (it neither completed a head
nor ended a request): a head is cut within one socket read of the bound, and a read that
carries a complete head and body bytes after it is never refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

#: h11's own bound, for a config that names none (`walaa serve` always names one).
DEFAULT_HEAD_BOUND = 16 * 1024
#: What uvicorn answers for a head h11 would not finish reading.
REFUSAL = "Invalid HTTP request received."


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol`, refusing a head that grows past the configured bound."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        bound = config.h11_max_incomplete_event_size
        self.head_bound = DEFAULT_HEAD_BOUND if bound is None else bound
        self.in_head, self.head_bytes, self.finished_one = True, 0, False

    def data_received(self, data: bytes) -> None:
        self.finished_one = False
        super().data_received(data)
        # Counted once parsed, and only a read that is all head: one that completes a head, or
        # ends a request (and may start the next head), is not counted.
        if self.in_head and not self.finished_one and not self.transport.is_closing():
            self.head_bytes += len(data)
            if self.head_bytes > self.head_bound:
                self.logger.warning(REFUSAL)
                self.send_400_response(REFUSAL)

    def on_headers_complete(self) -> None:
        self.in_head, self.finished_one = False, True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.in_head, self.head_bytes, self.finished_one = True, 0, True
        super().on_message_complete()
