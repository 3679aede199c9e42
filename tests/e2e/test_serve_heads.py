"""`walaa serve` bounds a request head still arriving, with either HTTP parser.

httptools (the default, in C) would read any head; Walaa's protocol counts what arrives while a
head is incomplete and refuses it past `WALAA_MAX_HEADER_BYTES` as h11 does: a 400 and the
connection closed. A head that is complete, with its body in the same read, is never refused.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_serve import served

BOUND = 4096
PARSERS = ["httptools", "h11"]


def connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=20)


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or 20 s pass)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


@pytest.mark.parametrize("parser", PARSERS)
def test_a_head_still_arriving_past_the_bound_is_refused_with_400(tmp_path: Path, parser: str):
    bound = {"WALAA_MAX_HEADER_BYTES": str(BOUND)}
    with (
        served(tmp_path, "--workers", "1", "--http", parser, **bound) as (base, _),
        connect(base) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: walaa\r\n")
        try:
            for _ in range(2 * BOUND // 100):  # a header line at a time, never the end
                sock.sendall(b"X-Padding: " + b"a" * 87 + b"\r\n")
                time.sleep(0.002)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed before the client was done
        refused = answer(sock)
    assert refused.startswith(b"HTTP/1.1 400"), refused[:200]
    assert b"Invalid HTTP request received." in refused


@pytest.mark.parametrize("parser", PARSERS)
def test_a_complete_head_with_a_large_body_is_not_counted_as_head(tmp_path: Path, parser: str):
    bound = {"WALAA_MAX_HEADER_BYTES": str(BOUND)}
    body = b'{"padding": "' + b"a" * (8 * BOUND) + b'"}'
    head = (
        b"POST /healthz HTTP/1.1\r\nHost: walaa\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with (
        served(tmp_path, "--workers", "1", "--http", parser, **bound) as (base, _),
        connect(base) as sock,
    ):
        sock.sendall(head + body)  # one write: the head and the body's first bytes together
        answered = answer(sock)
    assert answered.startswith(b"HTTP/1.1 405"), answered[:200]  # /healthz is GET only
