"""`walaa storefront ...`: a store's origins, branding, widget secret and publishable keys."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from walaa.bootstrap import App, SystemClock
from walaa.domain.program_sentences import program_sentences
from walaa.domain.storefront import Branding
from walaa.entrypoints.cli import DatabaseOption, _app, _errors, app, console, err
from walaa.service.handlers.keys import create_publishable_key
from walaa.service.handlers.program import get_program
from walaa.service.handlers.storefront import (
    rotate_widget_secret,
    storefront_settings,
    update_storefront,
)

storefront_app = typer.Typer(
    help="The storefront: allowed origins, branding, widget secret, publishable keys.",
    no_args_is_help=True,
)
app.add_typer(storefront_app, name="storefront")
StoreOption = Annotated[str, typer.Option(help="The store's id, st_...")]


@storefront_app.command("show")
def show(store: StoreOption, database_url: DatabaseOption = None) -> None:
    """The store's allowed origins, branding, and whether it has a widget secret."""
    walaa = _app(database_url)
    with _errors():
        s = storefront_settings(walaa.uow(), store)
    console.print(f"origins: {', '.join(s.allowed_origins) or '(none: browsers are refused)'}")
    b = s.branding
    console.print(f"logo: {b.logo_url or '-'}  colours: {b.primary_colour} {b.accent_colour}")
    console.print(f"widget secret: {'yes' if s.widget_salt else 'not yet'}")


@storefront_app.command("origins")
def origins(
    store: StoreOption,
    origin: Annotated[list[str], typer.Option(help="https://shop.example (repeat for more).")],
    database_url: DatabaseOption = None,
) -> None:
    """Set the browser origins the storefront routes answer (replacing the list)."""
    walaa = _app(database_url)
    with _errors():
        s = update_storefront(walaa.uow(), SystemClock(), store, allowed_origins=origin)
    console.print(f"origins: {', '.join(s.allowed_origins)}")


@storefront_app.command("brand")
def brand(
    store: StoreOption,
    logo_url: Annotated[str | None, typer.Option(help="An https:// image.")] = None,
    primary: Annotated[str, typer.Option(help="The main colour, #0f766e.")] = "#0f766e",
    accent: Annotated[str, typer.Option(help="The accent colour, #f59e0b.")] = "#f59e0b",
    database_url: DatabaseOption = None,
) -> None:
    """Set the logo and colours the program page and the widget use."""
    walaa = _app(database_url)
    with _errors():
        update_storefront(
            walaa.uow(), SystemClock(), store, branding=Branding(logo_url, primary, accent)
        )
    console.print("branding saved")


@storefront_app.command("widget-secret")
def widget_secret(store: StoreOption, database_url: DatabaseOption = None) -> None:
    """Create or rotate the widget secret your backend signs shopper tokens with. Printed
    once; the previous one still verifies for 10 minutes."""
    walaa = _app(database_url)
    with _errors():
        secret = rotate_widget_secret(walaa.uow(), SystemClock(), store, walaa.secret_key)
    err.print("widget secret below is shown only once; keep it on your server:")
    typer.echo(secret)


@storefront_app.command("publishable-key")
def publishable_key(
    store: StoreOption,
    name: Annotated[str, typer.Option(help="Where it is used, e.g. 'theme'.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create a publishable key (wk_pub_...) for the storefront's HTML. Revoke it with
    `walaa keys revoke`."""
    walaa = _app(database_url)
    with _errors():
        issued = create_publishable_key(walaa.uow(), SystemClock(), store, name=name)
    err.print(f"publishable key {issued.key.id}; shown only once (safe to put in your HTML):")
    typer.echo(issued.secret)


def demo_program_sentences(walaa: App, store_id: str) -> str:
    """What the demo store's program page says about earning, for `walaa demo`."""
    program = get_program(walaa.uow(), store_id).program
    lines = [f"  - {s.name}: {s.sentence}" for s in program_sentences(program, "en")]
    return "How to earn, as the program page and the widget say it:\n" + "\n".join(lines)


def demo_storefront(walaa: App, store_id: str, base: str) -> str:
    """Set the demo store's storefront up (a server key for this run if none is set, the
    sample shop's origin, a publishable key, a widget secret) and say how to try it."""
    if not walaa.secret_key:
        walaa.secret_key = secrets.token_hex(32)  # demo only: set WALAA_SECRET_KEY for real
    clock = SystemClock()
    shop = "http://127.0.0.1:8080"
    update_storefront(walaa.uow(), clock, store_id, allowed_origins=[shop])
    key = create_publishable_key(walaa.uow(), clock, store_id, name="demo storefront").secret
    secret = rotate_widget_secret(walaa.uow(), clock, store_id, walaa.secret_key)
    return (
        f"  Program page: {base}/p/{store_id}  (Arabic: {base}/p/{store_id}/ar)\n"
        f"  Storefront widget ({shop}):\n"
        f"    WALAA_URL={base} WALAA_STORE_ID={store_id} \\\n"
        f"    WALAA_PUBLISHABLE_KEY={key} \\\n"
        f"    WALAA_WIDGET_SECRET={secret} python examples/storefront/server.py\n"
    )
