"""`walaa serve` as a real process: whose X-Forwarded-For it believes, and how many workers answer.

uvicorn on its own rewrites the client address from X-Forwarded-For whenever the peer is
127.0.0.1, so anyone on loopback could pick the address the per-address rate limit counts.
These tests watch that limit from outside: the address bucket holds 3 requests without a key
and refills slowly, so a 4th request counted against the same address is answered 429, and
one counted against a fresh address is answered 401.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.api.live_server import free_port
from tests.e2e.test_cli import wait_until_ready, walaa

BURST = 3


@contextmanager
def served(tmp_path: Path, *args: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`walaa serve` on a free port over a migrated SQLite file; its output goes to serve.log."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("WALAA_REDIS_URL",)}
    environment.update(
        WALAA_DATABASE_URL=url,
        WALAA_ADDRESS_RATE_LIMIT_BURST=str(BURST),
        WALAA_ADDRESS_RATE_LIMIT_PER_SECOND="0.001",
        WALAA_ADDRESS_REFUSAL_DELAY_SECONDS="0",
        **env,
    )
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "walaa", "serve", "--port", str(port), *args],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def keyless(base: str, forwarded_for: str) -> int:
    """A request without a key, claiming to come from `forwarded_for`; its status code."""
    answer = httpx.get(f"{base}/v1/customers/c1", headers={"X-Forwarded-For": forwarded_for})
    return answer.status_code


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(tmp_path: Path):
    with served(tmp_path, "--workers", "1") as (base, _):
        # five "different" clients are all 127.0.0.1: the bucket of 3 runs dry
        answers = [keyless(base, f"203.0.113.{i}") for i in range(5)]
    assert answers == [401, 401, 401, 429, 429]


def test_forwarded_for_is_believed_from_a_listed_proxy(tmp_path: Path):
    trusted = {"WALAA_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1"}
    with served(tmp_path, "--workers", "1", **trusted) as (base, _):
        distinct = [keyless(base, f"203.0.113.{i}") for i in range(5)]
        # hops the proxy appended are skipped back to the first address it does not trust
        same = [keyless(base, "198.51.100.7, 10.1.2.3") for _ in range(BURST + 1)]
    assert distinct == [401] * 5
    assert same == [401] * BURST + [429]


def test_a_malformed_trusted_proxy_stops_serve_naming_the_setting(tmp_path: Path):
    environment = {**os.environ, "WALAA_TRUSTED_PROXIES": "10.0.0.0/33"}
    done = subprocess.run(
        [sys.executable, "-m", "walaa", "serve", "--port", str(free_port())],
        env=environment,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"WALAA_TRUSTED_PROXIES" in done.stderr


def test_serve_starts_one_worker_per_core_and_several_answer(tmp_path: Path):
    cores = os.cpu_count() or 1
    with served(tmp_path) as (base, server):
        log = tmp_path / "serve.log"
        # every worker imports the app on its own; on a busy machine one may be seconds late
        wait_for(lambda: log.read_text().count("Application startup complete") >= cores)
        clients: list[httpx.Client] = []
        answering: set[int] = set()
        try:
            # the kernel hands each new connection to whichever worker is waiting in accept():
            # open keep-alive connections, a few at a time, until more than one worker holds some
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(clients) < 200:
                for _ in range(8):
                    client = httpx.Client(base_url=base)
                    clients.append(client)
                    assert client.get("/healthz").status_code == 200
                ports = {client_port(client) for client in clients}
                answering = {pid for pid in connection_owners(ports) if pid != server.pid}
                if len(answering) >= min(cores, 2):
                    break
                time.sleep(0.2)
        finally:
            for client in clients:
                client.close()
        started = log.read_text()
    workers = set(re.findall(r"Started server process \[(\d+)\]", started))
    assert len(workers) == cores
    assert {str(pid) for pid in answering} <= workers
    if cores > 1:
        assert len(answering) > 1, f"only {answering} of {workers} answered"


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Wait until `condition()` holds; fail the test if it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def client_port(client: httpx.Client) -> int:
    """The local port of the client's open connection (httpx keeps it in its pool)."""
    pool = client._transport._pool  # type: ignore[attr-defined]
    connection = pool.connections[0]
    stream = connection._connection._network_stream
    return int(stream.get_extra_info("socket").getsockname()[1])


def connection_owners(client_ports: set[int]) -> set[int]:
    """The processes holding the server side of TCP connections from these loopback ports,
    read from /proc/net/tcp (socket inodes) and /proc/<pid>/fd (who holds which inode)."""
    inodes: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if remote_port in client_ports:
            inodes.add(fields[9])
    owners: set[int] = set()
    deadline = time.monotonic() + 5
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or time.monotonic() > deadline:
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            owners.add(int(entry.name))
    return owners
