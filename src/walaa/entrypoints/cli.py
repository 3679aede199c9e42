"""`walaa`: the command line for operators and newcomers.

Commands parse their arguments, call one service function each and print with Rich. Domain
errors become a one-line message and exit code 2; `walaa audit` exits 1 on any breach.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from walaa.adapters.db.audit import StoreAudit, audit_store
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, SystemClock, build
from walaa.domain.errors import ValidationFailed, WalaaError
from walaa.domain.giving import amount_text
from walaa.domain.keys import parse_scopes
from walaa.domain.program import ProgramError
from walaa.domain.staff import Role
from walaa.service.handlers import giving
from walaa.service.handlers.closing import close_account, erase_customer
from walaa.service.handlers.keys import create_key, list_keys, revoke_key
from walaa.service.handlers.program import apply_program, validate_for_store, validate_program
from walaa.service.handlers.staff import Enrolment, create_staff
from walaa.service.handlers.stores import (
    advance_test_clock,
    clock_for,
    create_store,
    list_stores,
    read_test_clock,
)
from walaa.service.ports import Clock

app = typer.Typer(
    help="Walaa: the loyalty and rewards engine for online stores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stores_app = typer.Typer(help="Create and list stores.", no_args_is_help=True)
app.add_typer(stores_app, name="stores")
program_app = typer.Typer(help="Check and apply a program's settings.", no_args_is_help=True)
app.add_typer(program_app, name="program")
keys_app = typer.Typer(help="Create, list and revoke a store's API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
customers_app = typer.Typer(
    help="Close a customer's account or erase their data.", no_args_is_help=True
)
app.add_typer(customers_app, name="customers")
clock_app = typer.Typer(help="Show and advance a test store's clock.", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
giving_app = typer.Typer(help="What a store owes the causes it gives to.", no_args_is_help=True)
app.add_typer(giving_app, name="giving")
games_app = typer.Typer(
    help="Games of chance: rotate a seed, export and verify every play.", no_args_is_help=True
)
app.add_typer(games_app, name="games")
staff_app = typer.Typer(help="The store's staff accounts for the dashboard.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")

console = Console()
err = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="WALAA_DATABASE_URL",
        help="SQLAlchemy URL; a SQLite file by default, postgresql://... in production.",
        show_default="sqlite:///walaa.db",
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ProgramError:
        raise
    except WalaaError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None


def _app(database_url: str | None) -> App:
    return build(database_url)


def _clock(walaa: App, store_id: str) -> Clock:
    """The store's time, as its API requests and worker jobs read it."""
    return clock_for(walaa.uow(), SystemClock(), store_id)


@app.command()
def migrate(database_url: DatabaseOption = None) -> None:
    """Create the schema, or upgrade it to this version of Walaa."""
    walaa = _app(database_url)
    upgrade(walaa.engine)
    console.print(f"schema is up to date on {walaa.engine.url.render_as_string()}")


@stores_app.command("create")
def stores_create(
    name: str,
    currency: Annotated[str, typer.Option(help="ISO 4217 code, e.g. USD, SAR, GBP.")] = "USD",
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Riyadh.")] = "UTC",
    mode: Annotated[
        str, typer.Option(help="live, or test for a sandbox store with test keys and a clock.")
    ] = "live",
    database_url: DatabaseOption = None,
) -> None:
    """Create a store and print its id (the id every other command and API call takes)."""
    walaa = _app(database_url)
    with _errors():
        store = create_store(walaa.uow(), SystemClock(), name, currency, timezone, mode)
    typer.echo(store.id)


@stores_app.command("list")
def stores_list(database_url: DatabaseOption = None) -> None:
    """List every store."""
    walaa = _app(database_url)
    stores = list_stores(walaa.uow())
    table = Table("name", "mode", "currency", "time zone", "created")
    # Ids are what an operator copies: never wrapped or cut, whatever the terminal's width.
    width = max((len(store.id) for store in stores), default=2)
    table.columns.insert(0, Column("id", no_wrap=True, min_width=width))
    for store in stores:
        table.add_row(
            store.id,
            store.name,
            store.mode,
            store.currency,
            store.timezone,
            f"{store.created_at:%Y-%m-%d}",
        )
    console.print(table)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {path}: {exc.strerror}")
        raise typer.Exit(2) from None


def _print_problems(path: Path, exc: ProgramError) -> None:
    err.print(f"[red]{path}: {len(exc.problems)} problem(s)[/red]")
    for problem in exc.problems:
        err.print(f"  {problem.where}: {problem.reason}")


@program_app.command("validate")
def program_validate(
    path: Path,
    store: Annotated[
        str | None,
        typer.Option(help="Also check it against this store (game prizes in its catalog)."),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Check a settings file (YAML or JSON) and list every problem at once."""
    try:
        if store is None:
            program = validate_program(_read(path))
        else:
            with _errors():
                program = validate_for_store(_app(database_url).uow(), store, _read(path))
    except ProgramError as exc:
        _print_problems(path, exc)
        raise typer.Exit(1) from None
    rules = ", ".join(rule.id for rule in program.rules) or "none"
    games = f", {len(program.games)} games" if program.games else ""
    console.print(
        f"[green]{path} is valid[/green]: {program.name_of_points('en')} in {program.currency}, "
        f"{len(program.rules)} rules ({rules}){games}"
    )


@program_app.command("apply")
def program_apply(
    path: Path,
    store: Annotated[str, typer.Option(help="The store whose program this is.")],
    database_url: DatabaseOption = None,
) -> None:
    """Save a settings file as the store's next program version."""
    walaa = _app(database_url)
    source = _read(path)
    try:
        with _errors():
            saved = apply_program(walaa.uow(), _clock(walaa, store), store, source)
    except ProgramError as exc:
        _print_problems(path, exc)
        raise typer.Exit(1) from None
    console.print(f"store {store} now runs program version {saved.program.version}")


StoreOption = Annotated[str, typer.Option(help="The store the customer belongs to.")]


@customers_app.command("close")
def customers_close(
    store: StoreOption,
    customer: Annotated[str, typer.Argument(help="The store's own customer id.")],
    reason: Annotated[str, typer.Option(help="Why the account closes; kept in the ledger.")],
    database_url: DatabaseOption = None,
) -> None:
    """Close an account: open holds are released and every point left is forfeited."""
    walaa = _app(database_url)
    with _errors():
        closure = close_account(walaa.uow(), _clock(walaa, store), store, customer, reason)
    already = " (it was already closed)" if closure.already_closed else ""
    typer.echo(
        f"closed {customer}{already}: {closure.points_forfeited} points forfeited, "
        f"reason: {closure.reason}"
    )


@customers_app.command("erase")
def customers_erase(
    store: StoreOption,
    customer: Annotated[str, typer.Argument(help="The store's own customer id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Erase a customer's personal data; their books stay under a pseudonymous id."""
    if not yes:
        typer.confirm(f"Erase {customer}'s personal data? This cannot be undone", abort=True)
    walaa = _app(database_url)
    with _errors():
        erasure = erase_customer(walaa.uow(), _clock(walaa, store), store, customer)
    typer.echo(
        f"erased {customer}: their books are kept as {erasure.pseudonym}, "
        f"{erasure.closure.points_forfeited} points forfeited"
    )


@keys_app.command("create")
def keys_create(
    store: Annotated[str, typer.Option(help="The store the key acts for.")],
    scopes: Annotated[
        list[str], typer.Option("--scopes", help="read, write, admin (repeat or comma-separate).")
    ],
    mode: Annotated[
        str | None, typer.Option(help="live or test; the store's mode by default.")
    ] = None,
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'till 3'.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create an API key. The secret is printed once, on stdout; keep it safe."""
    walaa = _app(database_url)
    with _errors():
        issued = create_key(
            walaa.uow(), SystemClock(), store, parse_scopes(scopes), mode=mode, name=name
        )
    err.print(
        f"key {issued.key.id} for store {store}, scopes "
        f"{', '.join(sorted(issued.key.scopes))}. The secret below is shown only once:"
    )
    typer.echo(issued.secret)


@keys_app.command("list")
def keys_list(
    store: Annotated[str, typer.Option(help="The store whose keys to list.")],
    database_url: DatabaseOption = None,
) -> None:
    """List a store's keys (never their secrets)."""
    walaa = _app(database_url)
    table = Table()
    for column in ("id", "name", "mode", "scopes", "prefix", "created", "revoked"):
        # ids are copied from here into `walaa keys revoke`: never cut or wrap them
        table.add_column(column, no_wrap=column in ("id", "prefix"), min_width=4)
    for key in list_keys(walaa.uow(), store):
        table.add_row(
            key.id,
            key.name,
            key.mode,
            ",".join(sorted(key.scopes)),
            f"wk_{key.mode}_{key.lookup}_...",
            f"{key.created_at:%Y-%m-%d}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, database_url: DatabaseOption = None) -> None:
    """Revoke a key at once: the next request with it is refused."""
    walaa = _app(database_url)
    with _errors():
        key = revoke_key(walaa.uow(), SystemClock(), key_id)
    console.print(f"revoked {key.id} ({key.name}) of store {key.store_id}")


def _moment(text: str) -> datetime:
    """``2027-01-01`` (the start of that day, UTC) or an ISO 8601 time with its offset."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("to", f"{text!r} is not a date such as 2027-01-01") from None
    if moment.tzinfo is None:
        raise ValidationFailed("to", "give the time's offset, e.g. 2027-01-01T09:00:00+03:00")
    return moment


@clock_app.command("advance")
def clock_advance(
    store: Annotated[str, typer.Option(help="The test store whose clock to move.")],
    to: Annotated[str, typer.Option(help="The store's new time: 2027-01-01 or ISO 8601.")],
    database_url: DatabaseOption = None,
) -> None:
    """Move a test store's clock forward; then `walaa worker --once` does what fell due."""
    walaa = _app(database_url)
    with _errors():
        moved = advance_test_clock(walaa.uow(), SystemClock(), store, _moment(to))
    console.print(f"store {store} now runs as of {moved.frozen_time.isoformat()}")


@clock_app.command("show")
def clock_show(
    store: Annotated[str, typer.Option(help="The store whose time to show.")],
    database_url: DatabaseOption = None,
) -> None:
    """Print the store's time: its test clock's if it has one, else the wall clock's."""
    walaa = _app(database_url)
    with _errors():
        found, test_clock = read_test_clock(walaa.uow(), store)
    how = "test clock" if test_clock else "wall clock"
    typer.echo(f"{_clock(walaa, store).now().isoformat()} ({found.mode} store, {how})")


GameOption = Annotated[str, typer.Option(help="The game's id in the store's program.")]


@games_app.command("rotate")
def games_rotate(store: StoreOption, game: GameOption, database_url: DatabaseOption = None) -> None:
    """Reveal the seed in use, so its plays can be checked, and commit to a new one."""
    from walaa.service.handlers.game_fairness import rotate_seed

    walaa = _app(database_url)
    with _errors():
        revealed, fresh = rotate_seed(walaa.uow(), _clock(walaa, store), store, game)
    console.print(
        f"revealed seed {revealed.seed_no} of {game} ({revealed.plays} plays): "
        f"{revealed.server_seed}\nnow committed to seed {fresh.seed_no}: {fresh.commitment}"
    )


@games_app.command("export")
def games_export(
    store: StoreOption,
    game: GameOption,
    out: Annotated[Path | None, typer.Option(help="Write to this file (stdout otherwise).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write every seed and play of a game as JSON, for anyone to verify."""
    import json

    from walaa.service.handlers.game_fairness import export_plays

    with _errors():
        data = export_plays(_app(database_url).uow(), store, game)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        err.print(f"{len(data['plays'])} plays written to {out}")


@games_app.command("verify")
def games_verify(
    store: Annotated[str | None, typer.Option(help="The store whose plays to check.")] = None,
    game: Annotated[str | None, typer.Option(help="The game's id.")] = None,
    file: Annotated[
        Path | None, typer.Option(help="Check an export (`walaa games export`) instead.")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Recompute every play of each revealed seed; exits 1 if any does not match."""
    import json

    from walaa.service.handlers.game_fairness import verify_export, verify_game

    with _errors():
        if file is not None:
            try:
                data = json.loads(_read(file))
            except ValueError as exc:
                raise ValidationFailed("file", f"not JSON: {exc}") from None
            report = verify_export(data)
        elif store is not None and game is not None:
            report = verify_game(_app(database_url).uow(), store, game)
        else:
            raise ValidationFailed("store", "give --store and --game, or --file")
    for mismatch in report.mismatches:
        err.print(f"[red]MISMATCH[/red] {mismatch}")
    waiting = (
        f"; {report.unrevealed} wait for their seed to be revealed" if report.unrevealed else ""
    )
    if not report.ok:
        err.print(f"[red]{len(report.mismatches)} mismatch(es) among {report.checked} plays[/red]")
        raise typer.Exit(1)
    console.print(f"[green]all {report.checked} plays of revealed seeds match[/green]{waiting}")


@staff_app.command("create")
def staff_create(
    store: Annotated[str, typer.Option(help="The store's id.")],
    email: Annotated[str, typer.Option(help="The staff member's e-mail: their sign-in name.")],
    role: Annotated[Role, typer.Option(help="owner, manager, support or viewer.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    language: Annotated[str, typer.Option(help="en or ar: the dashboard's language.")] = "en",
    two_factor: Annotated[
        bool, typer.Option(help="Enrol TOTP for support or viewer too (always for owner/manager).")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a staff member. Owners and managers get TOTP two-step sign-in: the secret, its QR
    code and ten recovery codes are printed once, here, and never shown again."""
    import sys

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    walaa = _app(database_url)
    with _errors():
        enrolment = create_staff(
            walaa.uow(), SystemClock(), store, email, role, password,
            language=language, two_factor=two_factor,
        )  # fmt: skip
    console.print(
        f"created {enrolment.member.role} {enrolment.member.email} ({enrolment.member.id})"
    )
    if enrolment.totp_uri:
        print_enrolment(enrolment)


def print_enrolment(enrolment: Enrolment) -> None:
    """The TOTP secret as a QR code to scan and as text, and the recovery codes."""
    import segno

    assert enrolment.totp_uri and enrolment.totp_secret
    console.print("\n[bold]Two-step sign-in[/bold]: scan this with an authenticator app")
    segno.make(enrolment.totp_uri, error="m").terminal(compact=True)
    console.print(f"  or enter the secret: {enrolment.totp_secret}")
    console.print(f"  ({enrolment.totp_uri})")
    console.print("\n[bold]Recovery codes[/bold], each good once; keep them somewhere safe:")
    for code in enrolment.recovery_codes:
        console.print(f"  {code}")
    console.print("[yellow]These are shown only now.[/yellow]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes (default: one per core); share limits via Redis."),
    ] = None,
    database_url: DatabaseOption = None,
    http: Annotated[
        str,
        typer.Option(
            help="HTTP parser: httptools (C, the faster) or h11 (pure Python); with either, a "
            "request head still arriving past WALAA_MAX_HEADER_BYTES is refused."
        ),
    ] = "httptools",
) -> None:
    """Serve the HTTP API (and, as later work lands, the admin and storefront pages)."""
    import uvicorn

    if database_url:
        os.environ["WALAA_DATABASE_URL"] = database_url
    uvicorn.run(
        "walaa.entrypoints.http.asgi:app",
        host=host,
        port=port,
        workers=workers or default_workers(),
        log_level="info",
        access_log=False,
        **server_limits(http),
        **forwarded_headers(),
    )


def default_workers() -> int:
    """One process per core: each runs one event loop, and the handlers spend their time in
    Python (parsing, rules) as much as waiting on the database, so one per core keeps every
    core busy without processes fighting over one."""
    return os.cpu_count() or 1


def forwarded_headers() -> dict[str, Any]:
    """uvicorn's X-Forwarded-For/-Proto handling, believed only from WALAA_TRUSTED_PROXIES.

    uvicorn on its own believes those headers from 127.0.0.1, so anyone who can reach the port
    from loopback (or through a proxy that passes the header on) would choose the client
    address the per-address rate limit counts. Empty (the default) turns the rewriting off:
    the client is the socket's peer.
    """
    from walaa.config import Settings
    from walaa.entrypoints.http.guard import trusted_networks

    setting = Settings().trusted_proxies
    try:
        networks = trusted_networks(setting)
    except ValueError as exc:
        raise typer.BadParameter(
            f"WALAA_TRUSTED_PROXIES: {exc}", param_hint="WALAA_TRUSTED_PROXIES"
        ) from exc
    if not networks:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": [str(n) for n in networks]}


#: `--http` choices: uvicorn's h11, and httptools with h11's bound on an incomplete head.
HTTP_PARSERS = {
    "httptools": "walaa.entrypoints.http.head_bound:BoundedHttpToolsProtocol",
    "h11": "h11",
}


def server_limits(http: str = "httptools") -> dict[str, Any]:
    """uvicorn's own bounds on what one connection may make it hold or wait for."""
    from walaa.config import Settings

    if http not in HTTP_PARSERS:
        raise typer.BadParameter("must be httptools or h11", param_hint="--http")
    return {
        "http": HTTP_PARSERS[http],
        # Both parsers refuse (400) a request head that grows past this before it is complete.
        "h11_max_incomplete_event_size": Settings().max_header_bytes,
        # an idle keep-alive connection is closed after this many seconds
        "timeout_keep_alive": 5,
    }


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run one pass over every store, then exit.")
    ] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between passes.")] = 60.0,
    warn_days: Annotated[
        int,
        typer.Option(
            min=0,
            envvar="WALAA_WORKER_WARN_DAYS",
            help="Warn this many days before points expire (0: never).",
        ),
    ] = 14,
    batch_lots: Annotated[
        int, typer.Option(min=1, help="Due lots per database transaction.")
    ] = 10_000,
    store: Annotated[
        list[str] | None, typer.Option("--store", help="Only this store (repeat for more).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run the scheduled jobs of every store: mature points, release timed-out holds, expire
    points, warn before they expire, purge old idempotency records. Stops on SIGTERM/Ctrl+C."""
    from walaa.entrypoints.worker import run_worker
    from walaa.service.handlers.jobs import WorkerSettings

    settings = WorkerSettings(warn_days=warn_days, batch_lots=batch_lots)
    code = run_worker(
        _app(database_url),
        once=once,
        interval=interval,
        settings=settings,
        stores=store or None,
        out=typer.echo,
    )
    raise typer.Exit(code)


def print_audit(report: StoreAudit) -> None:
    table = Table(title=f"store {report.store_id}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    for check in report.checks:
        if check.ok:
            table.add_row(check.promise, "[green]ok[/green]")
        else:
            shown = "; ".join(f"{subject}: {detail}" for subject, detail in check.breaches)
            table.add_row(check.promise, f"[red]BREACH[/red] {shown}")
    console.print(table)
    totals = ", ".join(f"{account} {amount:,}" for account, amount in report.totals.items())
    console.print(f"  accounts: {totals or 'no postings yet'}")


@app.command()
def audit(
    database_url: DatabaseOption = None,
    store: Annotated[str | None, typer.Option(help="Audit one store only.")] = None,
) -> None:
    """Verify the books of every store; exits 1 if any rule is broken."""
    walaa = _app(database_url)
    ids = [store] if store else [s.id for s in list_stores(walaa.uow())]
    failed = 0
    with walaa.engine.connect() as conn:
        for store_id in ids:
            report = audit_store(conn, store_id)
            print_audit(report)
            failed += not report.ok
    if failed:
        err.print(f"[red]{failed} of {len(ids)} stores have books that do not balance[/red]")
        raise typer.Exit(1)
    console.print(f"[green]books balance in all {len(ids)} stores[/green]")


@app.command()
def demo(
    path: Annotated[Path, typer.Option(help="SQLite file to build the demo store in.")] = Path(
        "walaa-demo.db"
    ),
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo store after building it.")
    ] = True,
    customers: Annotated[int, typer.Option(min=1, max=5000)] = 40,
    seed: Annotated[int, typer.Option(help="Same seed, same store.")] = 7,
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Build a demo store from nothing (a year of activity) and show what it holds."""
    from walaa.demo import build_demo, print_summary

    result = build_demo(path, customers=customers, seed=seed)
    print_summary(console, result)
    console.print(
        storefront_cli.demo_program_sentences(build(f"sqlite:///{path}"), result.store.id)
    )
    if serve:
        _serve_demo(result.path, result.store.id, host, port)


def code_command(secret: str) -> str:
    """A one-line command printing the current TOTP code, for the demo's owner."""
    return f"python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""


def _serve_demo(path: Path, store_id: str, host: str, port: int) -> None:
    import secrets

    import uvicorn

    from walaa.config import Settings
    from walaa.entrypoints.http.app import create_app

    walaa = build(f"sqlite:///{path}")
    issued = create_key(
        walaa.uow(), SystemClock(), store_id, parse_scopes(["admin"]), mode="test", name="demo"
    )
    password = secrets.token_urlsafe(12)
    email = f"owner-{secrets.token_hex(3)}@demo.walaa.example"
    owner = create_staff(walaa.uow(), SystemClock(), store_id, email, Role.OWNER, password)
    base = f"http://{host}:{port}"
    console.print(
        f"\n[bold]Serving the demo store at {base}[/bold] (Ctrl+C to stop)\n"
        f"  Dashboard: {base}/admin\n"
        f"    e-mail:      {email}\n"
        f"    password:    {password}\n"
        f"    TOTP secret: {owner.totp_secret} (demo only: add it to an authenticator app,\n"
        f"      or run: {code_command(owner.totp_secret or '')})\n"
        f"{storefront_cli.demo_storefront(walaa, store_id, base)}"
        f"  API docs:  {base}/docs\n"
        f"  API key:   {issued.secret}\n"
        f"  try:       curl -H 'Authorization: Bearer {issued.secret}' "
        f"{base}/v1/customers/customer-001\n"
    )
    # the session cookie drops Secure only for plain http to 127.0.0.1 / localhost
    settings = Settings(database_url=f"sqlite:///{path}", cookie_secure=False)
    uvicorn.run(create_app(walaa, settings), host=host, port=port, log_level="warning")


@giving_app.command("report")
def giving_report(
    store: Annotated[str, typer.Option(help="The store whose gifts to report.")],
    start: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD.")
    ],
    end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (included).")
    ],
    cause: Annotated[str | None, typer.Option(help="One cause's id; every cause without.")] = None,
    locale: Annotated[str, typer.Option(help="en or ar: the language of cause names.")] = "en",
    database_url: DatabaseOption = None,
) -> None:
    """What the store owes each cause for the days given (in the store's time zone): the sum
    of its gifts, less what refunds took back, plus the points customers gave."""
    walaa = _app(database_url)
    with _errors():
        found = giving.report(walaa.uow(), store, start.date(), end.date(), cause)
    table = Table("cause", "orders", "taken back", "points", "total", "lines")
    for row in giving.report_rows(found, locale):
        table.add_row(*row)
    console.print(table)
    owed = f"{amount_text(found.total, found.currency)} {found.currency}"
    console.print(f"total owed {found.start} to {found.end}: {owed}")


def main() -> None:
    app()


# Registers `walaa storefront ...` and `walaa referrals ...` on `app`; imported last, as they
# import this module.
from walaa.entrypoints import referrals_cli, storefront_cli  # noqa: E402, F401
