"""`walaa serve` and `walaa worker` killed with SIGKILL at random moments, on both databases.

The server runs as a subprocess under a bounded stream of orders, refunds, redemptions, holds,
captures and releases from several clients at once. A killer thread SIGKILLs it at random
points of the stream; a replacement, started ahead because a cold start takes seconds on a
loaded machine, takes over on the same database. Each client retries every request with its
own `Idempotency-Key` and the same body bytes until it gets an answer (connection errors, 5xx
and `409 idempotency-in-progress` are retried). Each client keeps a model of its customer's
balances built from nothing but the answers it got, and predicts what each request should
answer (an order earns its paid amount, a redemption or hold the balance cannot pay is
refused). Afterwards every answer is checked against the books read through the API -- each
order earned once, each redemption, hold, capture and release written once, the balances the
sum of the answers -- and `walaa audit` must pass.

The worker is killed the same way in the middle of its batches over due work (holds past
their timeout, pending points that ripened, lots past their expiry) and run again until a pass
completes; then every due lot is expired exactly once and the balances are what was kept.

Kill points and the stream are random but seeded: `WALAA_CRASH_SEED=N` replays a run's
choices (thread timing still varies), and every failure message names the seed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests.api.live_server import free_port
from tests.conftest import NO_POSTGRES, POSTGRES_URL, fresh_schema
from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import make_engine, normalise_url
from walaa.bootstrap import App, FixedClock
from walaa.config import Settings
from walaa.entrypoints.cli import app as cli
from walaa.entrypoints.http.app import create_app
from walaa.service.commands import Earn, PlaceHold
from walaa.service.handlers import ledger as h

runner = CliRunner()
DAY = timedelta(days=1)
SEED = int(os.environ.get("WALAA_CRASH_SEED") or random.SystemRandom().randrange(10**6))

# A program whose answers a client can predict: 1 point per 1 USD paid, available at once,
# nothing expires, any part of the balance may pay at checkout.
PROGRAM = {
    "points_name": {"en": "Points"},
    "currency": "USD",
    "timezone": "UTC",
    "earn_rate": {"points": 1, "per": 1},
    "point_value": {"points": 100, "worth": 1},
    "rounding": "down",
    "return_window_days": 0,
    "rules": [{"id": "spend", "name": {"en": "Spend"}, "effect": {"type": "per_amount"}}],
    "checkout": {"min_points": 1, "max_order_share": 1, "step": 1},
}
REWARD_COST = 30
CLIENTS = 4  # customers, one client thread each
OPERATIONS = 150  # over all clients
SERVER_KILLS = 5
WORKER_KILLS = 3
DEADLINE = 300  # seconds a test may take before it fails rather than hangs


def walaa(*args: str, url: str) -> tuple[int, str]:
    result = runner.invoke(cli, [*args, "--database-url", url], env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database: a SQLite file, or a PostgreSQL schema of its own
    (named in the URL's `options`, so the CLI and the subprocesses all work in it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
        assert walaa("migrate", url=url)[0] == 0
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_schema("walaa_crash") as schema:
        url = (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        code, out = walaa("migrate", url=url)
        assert code == 0, out
        yield url


def store_with_key(url: str) -> tuple[str, str]:
    code, out = walaa("stores", "create", "Dewy Skincare", "--currency", "USD", url=url)
    assert code == 0, out
    store_id = out.strip()
    code, out = walaa("keys", "create", "--store", store_id, "--scopes", "admin", url=url)
    assert code == 0, out
    return store_id, out.strip().splitlines()[-1]


def audit_passes(url: str) -> None:
    code, out = walaa("audit", url=url)
    assert code == 0, f"seed {SEED}: walaa audit failed\n{out}"


# -- a process to kill -----------------------------------------------------------------------


@dataclass
class Killable:
    """A `walaa` subprocess that is SIGKILLed and started again; its output goes to a log."""

    args: list[str]
    url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "WALAA_REDIS_URL"}
        env.update(
            WALAA_DATABASE_URL=self.url,
            WALAA_RATE_LIMIT_PER_SECOND="100000",
            WALAA_RATE_LIMIT_BURST="100000",
            COLUMNS="200",
        )
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "walaa", *self.args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# -- the server under a stream of writes -----------------------------------------------------


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    attempts: int
    seconds: float  # from the first attempt to the answer
    stored: bool  # a replay of the key's stored answer (the `Idempotent-Replayed` header)


@dataclass
class Order:
    id: str
    l1: int
    l2: int
    points: int
    refunded: bool = False
    paid_by_hold: bool = False


@dataclass
class Customer:
    """One client's customer and what its answers say the books must hold."""

    id: str
    available: int = 0
    on_hold: int = 0
    orders: list[Order] = field(default_factory=list)
    refunds: dict[str, tuple[int, int]] = field(default_factory=dict)  # id: (taken, returned)
    redemptions: dict[str, int] = field(default_factory=dict)  # id: points
    refused: Counter[str] = field(default_factory=Counter)
    holds: dict[int, int] = field(default_factory=dict)  # hold id: points
    open_holds: list[int] = field(default_factory=list)
    captured: set[int] = field(default_factory=set)
    released: set[int] = field(default_factory=set)
    transactions: dict[int, str] = field(default_factory=dict)  # id: kind the answer implies
    retried: int = 0  # requests answered only after a retry
    longest_wait: float = 0.0  # seconds, over the requests answered after a retry
    #: retries answered by an effect that committed before a kill, its answer never stored
    found_committed: int = 0

    def answered(self, answer: Answer) -> None:
        if answer.attempts > 1:
            self.retried += 1
            self.longest_wait = max(self.longest_wait, answer.seconds)
            self.found_committed += answer.body.get("replayed") is True and not answer.stored


class Client:
    """Sends each write until it is answered, retrying with the same key and body bytes."""

    def __init__(self, base: Callable[[], str], secret: str, deadline: float) -> None:
        self.base = base  # asked at each attempt: the server of the moment
        self.http = httpx.Client(timeout=20)
        self.auth = {"Authorization": f"Bearer {secret}"}
        self.deadline = deadline
        self.server_errors: list[str] = []

    def post(self, path: str, body: dict[str, Any], key: str) -> Answer:
        content = json.dumps(body).encode()
        headers = {**self.auth, "Idempotency-Key": key, "Content-Type": "application/json"}
        attempts = 0
        began = time.monotonic()
        while True:
            attempts += 1
            assert time.monotonic() < self.deadline, f"seed {SEED}: no answer to {path} {key}"
            try:
                r = self.http.post(self.base() + path, content=content, headers=headers)
            except httpx.TransportError:
                time.sleep(0.05)  # the server is down or died under this request
                continue
            if r.status_code >= 500:
                self.server_errors.append(f"{path} {r.status_code} {r.text[:200]}")
                time.sleep(0.05)
                continue
            answer = r.json()
            if r.status_code == 409 and answer.get("type") == "/problems/idempotency-in-progress":
                continue
            stored = r.headers.get("Idempotent-Replayed") == "true"
            return Answer(r.status_code, answer, attempts, time.monotonic() - began, stored)

    def get(self, path: str) -> dict[str, Any]:
        while True:
            assert time.monotonic() < self.deadline, f"seed {SEED}: no answer to GET {path}"
            try:
                r = self.http.get(self.base() + path, headers=self.auth)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            assert r.status_code == 200, (SEED, path, r.text)
            body: dict[str, Any] = r.json()
            return body


def ok(answer: Answer, what: str) -> dict[str, Any]:
    assert answer.status in (200, 201), (
        f"seed {SEED}: {what} answered {answer.status} {answer.body}"
    )
    return answer.body


def run_client(
    client: Client,
    customer: Customer,
    rng: random.Random,
    steps: int,
    before_each: Callable[[], None],
) -> None:
    """A seeded stream of writes for one customer, each answer checked against the model."""
    c = customer
    for n in range(steps):
        before_each()
        key = f"{c.id}-{n}"
        choice = rng.choices(["order", "refund", "redeem", "hold", "resolve"], [4, 2, 2, 2, 2])[0]
        choice = choice if c.orders else "order"  # the first order makes the customer
        unrefunded = [o for o in c.orders if not o.refunded]
        if choice == "refund" and unrefunded:
            refund(client, c, rng.choice(unrefunded), rng.random() < 0.5, key)
        elif choice == "redeem":
            redeem(client, c, key)
        elif choice == "hold":
            hold(client, c, rng.randint(5, 60), key)
        elif choice == "resolve" and c.open_holds:
            hold_id = c.open_holds.pop(rng.randrange(len(c.open_holds)))
            resolve(client, c, hold_id, rng.random() < 0.7, key)
        else:
            place_order(client, c, f"{c.id}-o{n}", rng.randint(10, 90), rng.randint(5, 40), key)


def _record(c: Customer, transaction_id: int | None, kind: str) -> None:
    if transaction_id is not None:
        assert transaction_id not in c.transactions, (SEED, transaction_id, c.transactions)
        c.transactions[transaction_id] = kind


def place_order(client: Client, c: Customer, order_id: str, l1: int, l2: int, key: str) -> None:
    body = {
        "id": order_id,
        "customer_id": c.id,
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": f"{l1}.00"}, {"id": "l2", "paid": f"{l2}.00"}],
    }
    answer = client.post("/v1/orders", body, key)
    c.answered(answer)
    got = ok(answer, f"order {order_id}")
    assert (got["id"], got["status"], got["points"]) == (order_id, "paid", l1 + l2), (SEED, got)
    _record(c, got["transaction_id"], "earn")
    c.orders.append(Order(order_id, l1, l2, got["points"]))
    c.available += got["points"]


def refund(client: Client, c: Customer, order: Order, whole: bool, key: str) -> None:
    refund_id = f"{order.id}-r"
    if whole:
        body: dict[str, Any] = {"id": refund_id, "whole_order": True}
    else:
        body = {"id": refund_id, "lines": [{"line_id": "l1", "quantity": 1}]}
    answer = client.post(f"/v1/orders/{order.id}/refunds", body, key)
    c.answered(answer)
    got = ok(answer, f"refund {refund_id}")
    taken, returned = got["points_taken"], got["points_returned"]
    assert taken == (order.points if whole else order.l1), (SEED, order, got)
    assert returned == 0 or order.paid_by_hold, (SEED, order, got)
    _record(c, got["transaction_id"], "reversal")
    order.refunded = True
    c.refunds[refund_id] = (taken, returned)
    c.available += returned - taken


def redeem(client: Client, c: Customer, key: str) -> None:
    answer = client.post(f"/v1/customers/{c.id}/redemptions", {"reward_id": "r30"}, key)
    c.answered(answer)
    if c.available < REWARD_COST:
        assert answer.status == 409, (SEED, c.available, answer)
        assert answer.body["type"] == "/problems/insufficient-points", (SEED, answer)
        c.refused["redemption"] += 1
        return
    got = ok(answer, f"redemption {key} with {c.available} available")
    assert got["points"] == REWARD_COST and got["status"] == "issued", (SEED, got)
    assert got["id"] not in c.redemptions, (SEED, got)
    _record(c, got["transaction_id"], "spend")
    c.redemptions[got["id"]] = got["points"]
    c.available -= got["points"]


def hold(client: Client, c: Customer, points: int, key: str) -> None:
    body = {"customer_id": c.id, "points": points, "subtotal": "500.00"}
    answer = client.post("/v1/checkout/holds", body, key)
    c.answered(answer)
    if points > c.available:
        assert answer.status == 422, (SEED, c.available, points, answer)
        assert answer.body["errors"][0]["field"] == "points", (SEED, answer)
        c.refused["hold"] += 1
        return
    got = ok(answer, f"hold {key} of {points} with {c.available} available")
    assert (got["points"], got["status"]) == (points, "open"), (SEED, got)
    assert got["hold_id"] not in c.holds, (SEED, got, c.holds)
    c.holds[got["hold_id"]] = points
    c.open_holds.append(got["hold_id"])
    c.available -= points
    c.on_hold += points


def resolve(client: Client, c: Customer, hold_id: int, capture: bool, key: str) -> None:
    points = c.holds[hold_id]
    if capture:
        payable = [o for o in c.orders if not o.refunded and not o.paid_by_hold]
        order_id = payable[-1].id if payable else f"{c.id}-elsewhere-{hold_id}"
        body = {"order_id": order_id, "order_total": "20.00"}
        answer = client.post(f"/v1/checkout/holds/{hold_id}/capture", body, key)
        c.answered(answer)
        got = ok(answer, f"capture of hold {hold_id}")
        assert (got["status"], got["points"]) == ("captured", points), (SEED, got)
        for order in payable[-1:]:
            order.paid_by_hold = True
        c.captured.add(hold_id)
    else:
        answer = client.post(f"/v1/checkout/holds/{hold_id}/release", {}, key)
        c.answered(answer)
        got = ok(answer, f"release of hold {hold_id}")
        assert (got["status"], got["points"]) == ("released", points), (SEED, got)
        c.released.add(hold_id)
        c.available += points
    c.on_hold -= points


def ledger_of(client: Client, customer_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = client.get(f"/v1/customers/{customer_id}/ledger?limit=200{cursor}")
        entries += page["data"]
        if page["next_cursor"] is None:
            return entries
        cursor = f"&cursor={page['next_cursor']}"


def check_books(client: Client, c: Customer) -> None:
    """Every answer the client got agrees with the books, and nothing else is in them."""
    why = f"seed {SEED}, customer {c.id}"
    balances = client.get(f"/v1/customers/{c.id}")["balances"]
    got = (balances["available"], balances["on_hold"], balances["pending"])
    assert got == (c.available, c.on_hold, 0), why
    entries = ledger_of(client, c.id)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_kind.setdefault(entry["kind"], []).append(entry)
    assert sum(e["available_change"] for e in entries) == c.available, why
    assert sum(e["on_hold_change"] for e in entries) == c.on_hold, why
    earned = Counter({e["refers_to"]["order"]: e["points"] for e in by_kind.get("earn", [])})
    assert len(by_kind.get("earn", [])) == len(c.orders), why  # each order earned once
    assert earned == Counter({o.id: o.points for o in c.orders}), why
    spent = {e["refers_to"]["redemption"]: e["points"] for e in by_kind.get("spend", [])}
    assert len(by_kind.get("spend", [])) == len(c.redemptions) and spent == c.redemptions, why
    for kind, holds in (
        ("hold", set(c.holds)),
        ("capture", c.captured),
        ("release", c.released),
    ):
        found = [int(e["refers_to"]["hold"]) for e in by_kind.get(kind, [])]
        assert sorted(found) == sorted(holds), (why, kind, found, holds)
    reversals: dict[str, list[int]] = {}
    for entry in by_kind.get("reversal", []):
        reversals.setdefault(entry["refers_to"]["refund"], []).append(entry["available_change"])
    assert set(reversals) == set(c.refunds), why
    for refund_id, (taken, returned) in c.refunds.items():
        changes = reversals[refund_id]
        assert sum(-x for x in changes if x < 0) == taken, (why, refund_id, changes)
        assert sum(x for x in changes if x > 0) == returned, (why, refund_id, changes)
    for transaction_id, kind in c.transactions.items():
        kinds = {e["kind"] for e in entries if e["transaction_id"] == transaction_id}
        assert kinds == {kind}, (why, transaction_id, kind, kinds)


class Servers:
    """`walaa serve` processes on one database: one answers, the others wait warm to take over.

    Python and the app take seconds to start on a loaded machine. Started before they are
    needed, the replacements let the kills fall at random moments of the stream rather than
    once per cold start, and the clients send every attempt to the server of the moment, as a
    load balancer would after a host died.
    """

    def __init__(self, url: str, logs: Path, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.processes = [
            Killable(["serve", "--port", str(port), "--workers", "1"], url, logs / f"serve-{n}.log")
            for n, port in enumerate(self.ports)
        ]
        self.current = 0
        self.begun = 0  # writes the clients have begun
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()

    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports[self.current]}"

    def wait_ready(self, n: int, deadline: float) -> None:
        process = self.processes[n]
        while time.monotonic() < deadline:
            assert process.process is not None and process.process.poll() is None, (
                f"seed {SEED}: walaa serve exited\n{process.log.read_text()[-3000:]}"
            )
            with contextlib.suppress(httpx.HTTPError):
                url = f"http://127.0.0.1:{self.ports[n]}/readyz"
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise AssertionError(f"seed {SEED}: walaa serve did not become ready")

    def kill_at_random(
        self, rng: random.Random, done: threading.Event, deadline: float
    ) -> list[int]:
        """SIGKILL the server of the moment at random points of the stream; the next one,
        started ahead, takes over. Answers the writes begun by each kill.

        A kill falls a random fraction of a second after the stream passed a random number
        of writes. If the replacement is not ready by then, new writes wait at the gate until
        it is, so that every kill falls inside the stream with requests in flight.
        """
        kills: list[int] = []
        points = sorted(rng.sample(range(OPERATIONS // 10, OPERATIONS * 9 // 10), SERVER_KILLS))
        for n, point in enumerate(points, start=1):
            while self.begun < point and not done.is_set():
                time.sleep(0.01)
            self.gate.clear()
            try:
                self.wait_ready(n, deadline)
            finally:
                self.gate.set()  # never leave the clients waiting on a failed start
            if done.wait(rng.uniform(0.05, 0.5)):
                break
            self.processes[n - 1].kill()
            kills.append(self.begun)
            self.current = n
            if n + 1 < len(self.processes):
                self.processes[n + 1].start()  # warm while this one answers
        return kills

    def next_write(self) -> None:
        """A client is about to begin a write: wait at the gate, then count it."""
        self.gate.wait()
        with self.lock:
            self.begun += 1

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def test_a_server_killed_at_random_moments_answers_every_retry_with_the_truth(
    database: str, tmp_path: Path
):
    print(f"crash seed {SEED} (WALAA_CRASH_SEED={SEED} replays its choices)")
    rng = random.Random(SEED)
    started = time.monotonic()
    deadline = started + DEADLINE
    _store_id, secret = store_with_key(database)
    servers = Servers(database, tmp_path, SERVER_KILLS + 1)
    servers.processes[0].start()
    clients: list[Client] = []
    try:
        servers.wait_ready(0, deadline)
        servers.processes[1].start()
        admin = Client(servers.base, secret, deadline)
        program = httpx.put(f"{servers.base()}/v1/program", json=PROGRAM, headers=admin.auth)
        assert program.status_code == 200, program.text
        reward = {"id": "r30", "kind": "free_shipping", "cost": REWARD_COST, "names": {"en": "r"}}
        ok(admin.post("/v1/rewards", reward, "reward"), "the reward")

        customers = [Customer(f"c{i}-{SEED}") for i in range(CLIENTS)]
        clients = [Client(servers.base, secret, deadline) for _ in customers]
        errors: list[BaseException] = []
        done = threading.Event()

        def stream(client: Client, customer: Customer, seed: int) -> None:
            try:
                run_client(
                    client, customer, random.Random(seed), OPERATIONS // CLIENTS, servers.next_write
                )
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(
                target=stream, args=(client, customer, rng.randrange(2**32)), daemon=True
            )
            for client, customer in zip(clients, customers, strict=True)
        ]
        killer_rng = random.Random(rng.randrange(2**32))
        for thread in threads:
            thread.start()

        def end_of_streams() -> None:
            for thread in threads:
                thread.join()
            done.set()

        ended = threading.Thread(target=end_of_streams)
        ended.start()
        kills = servers.kill_at_random(killer_rng, done, deadline)
        ended.join()
        if errors:
            raise errors[0]
        for client, customer in zip(clients, customers, strict=True):
            check_books(client, customer)
        retried = sum(c.retried for c in customers)
        longest = max(c.longest_wait for c in customers)
        committed = sum(c.found_committed for c in customers)
        refused = sum((c.refused for c in customers), Counter())
        server_errors = [e for c in clients for e in c.server_errors]
        print(
            f"crash seed {SEED}: {len(kills)} kills (after write {kills}), {OPERATIONS} writes "
            f"({retried} answered after a retry, {committed} of them by an effect committed "
            f"before the kill, the slowest {longest:.1f} s after it was first sent; "
            f"refused {dict(refused)}), "
            f"{len(server_errors)} 5xx answers retried, {time.monotonic() - started:.1f} s"
        )
        assert kills, f"seed {SEED}: the stream ended before the first kill"
    finally:
        servers.stop()
        for client in clients:
            client.http.close()
    audit_passes(database)


# -- the worker over due work ----------------------------------------------------------------

WORKER_CUSTOMERS = 40
WORKER_TRANSACTIONS = 3 * WORKER_CUSTOMERS  # a release, a mature and an expire each


@dataclass(frozen=True)
class DueWork:
    store_id: str
    due_lots: dict[int, tuple[str, int]]  # lot id: (customer, points)
    kept: dict[str, int]  # customer: points that must stay spendable
    ripe: dict[str, int]  # customer: pending points that ripened


def load_due_work(url: str, rng: random.Random) -> DueWork:
    """Per customer: two lots past their expiry (one partly held by a checkout that timed
    out), a pending lot that ripened, and a lot that expires next month."""
    code, out = walaa("stores", "create", "Dewy Skincare", url=url)
    assert code == 0, out
    store_id = out.strip()
    app = App(make_engine(url))
    now = datetime.now(UTC)
    clock = FixedClock(now - 40 * DAY)
    due: dict[int, tuple[str, int]] = {}
    kept: dict[str, int] = {}
    ripe: dict[str, int] = {}
    try:
        for i in range(WORKER_CUSTOMERS):
            customer = f"w{i}"
            first, second = rng.randint(10, 90), rng.randint(10, 90)
            grown, later = rng.randint(10, 90), rng.randint(10, 90)

            lot = _earn(app, clock, store_id, customer)
            due[lot(first, "a", expires_at=now - 10 * DAY)] = (customer, first)
            due[lot(second, "b", expires_at=now - 5 * DAY)] = (customer, second)
            lot(grown, "c", available_at=now - 2 * DAY)
            lot(later, "d", expires_at=now + 30 * DAY)
            held = PlaceHold(store_id, customer, f"seed:{customer}:hold", first // 2)
            h.place_hold(app.uow(), clock, held)  # 15 minutes, long past
            kept[customer] = grown + later
            ripe[customer] = grown
    finally:
        app.engine.dispose()
    return DueWork(store_id, due, kept, ripe)


def _earn(app: App, clock: FixedClock, store_id: str, customer: str) -> Callable[..., int]:
    """Earn points for the customer as the ledger does; answers the id of the lot made."""

    def lot(points: int, n: str, **when: datetime) -> int:
        command = Earn(store_id, customer, f"seed:{customer}:{n}", points, **when)
        receipt = h.earn(app.uow(), clock, command)
        lots = t.lots
        with app.engine.connect() as conn:
            made = select(lots.c.id).where(lots.c.transaction_id == receipt.transaction_id)
            return int(conn.execute(made).scalar_one())

    return lot


class Progress:
    """How many ledger transactions the worker has written so far.

    A plain engine: Walaa's SQLite engine begins every transaction IMMEDIATE, and a poller
    taking the write lock would queue with the worker instead of watching it."""

    KINDS = ("release", "mature", "expire")

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalise_url(url))

    def __call__(self) -> int:
        x = t.ledger_transactions
        with self.engine.connect() as conn:
            query = select(func.count()).where(x.c.kind.in_(self.KINDS))
            return int(conn.execute(query).scalar_one())


def test_a_worker_killed_mid_batch_expires_every_lot_exactly_once(database: str, tmp_path: Path):
    print(f"crash seed {SEED} (WALAA_CRASH_SEED={SEED} replays its choices)")
    rng = random.Random(SEED)
    started = time.monotonic()
    deadline = started + DEADLINE
    work = load_due_work(database, rng)
    progress = Progress(database)
    worker = Killable(
        ["worker", "--once", "--batch-lots", "2", "--store", work.store_id],
        database,
        tmp_path / "worker.log",
    )
    kills, runs = 0, 0
    try:
        while True:
            assert time.monotonic() < deadline, f"seed {SEED}: the worker never finished"
            before = progress()
            worker.start()
            runs += 1
            assert worker.process is not None
            if kills < WORKER_KILLS and before < WORKER_TRANSACTIONS:
                # kill it after a random number of its commits, up to half of what is left,
                # wherever in its next batch it then is
                target = before + rng.randint(1, max(1, (WORKER_TRANSACTIONS - before) // 2))
                while worker.process.poll() is None and progress() < target:
                    time.sleep(0.005)
                if worker.process.poll() is None:
                    worker.kill()
                    kills += 1
                    continue
            code = worker.process.wait(timeout=max(1, deadline - time.monotonic()))
            assert code == 0, f"seed {SEED}: worker exited {code}\n{worker.log.read_text()}"
            break
    finally:
        worker.stop()
        progress.engine.dispose()
    code, out = walaa("worker", "--once", "--store", work.store_id, url=database)
    assert code == 0, out
    assert "expired 0 points" in out and "matured 0 points" in out, (SEED, out)
    check_worker_books(database, work)
    print(
        f"crash seed {SEED}: {kills} worker kills, {runs} runs, {time.monotonic() - started:.1f} s"
    )
    assert kills, f"seed {SEED}: the worker finished before the first kill"
    audit_passes(database)


def check_worker_books(url: str, work: DueWork) -> None:
    """Through the API: each due lot expired exactly once, in one expire entry per customer;
    the ripe points matured once; each timed-out hold released once; what was kept stays."""
    why = f"seed {SEED}"
    code, out = walaa("keys", "create", "--store", work.store_id, "--scopes", "read", url=url)
    assert code == 0, out
    headers = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
    app = App(make_engine(url))
    expired: Counter[int] = Counter()
    try:
        with TestClient(create_app(app, Settings(database_url=url))) as api:
            for customer, kept in work.kept.items():
                got = api.get(f"/v1/customers/{customer}", headers=headers).json()["balances"]
                books = (got["available"], got["pending"], got["on_hold"])
                assert books == (kept, 0, 0), (why, customer, got)
                ledger = api.get(f"/v1/customers/{customer}/ledger?limit=200", headers=headers)
                entries = ledger.json()["data"]
                kinds = Counter(entry["kind"] for entry in entries)
                once = (kinds["expire"], kinds["mature"], kinds["release"])
                assert once == (1, 1, 1), (why, customer, kinds)
                for entry in entries:
                    if entry["kind"] == "mature":
                        assert entry["points"] == work.ripe[customer], (why, customer, entry)
                    if entry["kind"] != "expire":
                        continue
                    for lot in entry["lots"]:
                        expired[lot["lot_id"]] += 1
                        lot_points = (customer, -lot["points"])
                        assert work.due_lots.get(lot["lot_id"]) == lot_points, (why, entry)
    finally:
        app.engine.dispose()
    assert expired == Counter(dict.fromkeys(work.due_lots, 1)), why
