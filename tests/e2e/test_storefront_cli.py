"""`walaa storefront ...`: origins, branding, a widget secret shown once, a publishable key."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from walaa.entrypoints.cli import app

runner = CliRunner()


def walaa(*args: str, url: str, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", url], env={"COLUMNS": "200", **env})
    return result.exit_code, result.output


def _store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    code, out = walaa("stores", "create", "Dewy Skincare", "--currency", "USD", url=url)
    assert code == 0
    return url, out.strip()


def test_a_store_sets_up_its_storefront_from_the_command_line(tmp_path: Path):
    url, store = _store(tmp_path)
    code, out = walaa(
        "storefront",
        "origins",
        "--store",
        store,
        "--origin",
        "https://Shop.Example/",
        "--origin",
        "https://m.shop.example",
        url=url,
    )
    assert code == 0 and "https://shop.example, https://m.shop.example" in out
    code, _ = walaa("storefront", "brand", "--store", store, "--primary", "#7C3AED", url=url)
    assert code == 0
    code, out = walaa(
        "storefront",
        "widget-secret",
        "--store",
        store,
        url=url,
        WALAA_SECRET_KEY="cli-test-server-key",
    )
    assert code == 0 and out.strip().splitlines()[-1].startswith("wws_")
    code, out = walaa("storefront", "publishable-key", "--store", store, url=url)
    assert code == 0 and out.strip().splitlines()[-1].startswith("wk_pub_")
    code, out = walaa("storefront", "show", "--store", store, url=url)
    assert code == 0 and "#7c3aed" in out and "widget secret: yes" in out
    code, listing = walaa("keys", "list", "--store", store, url=url)
    assert "wk_pub_" in listing and "public" in listing


def test_a_bad_origin_and_a_missing_server_key_are_clear_errors(tmp_path: Path):
    url, store = _store(tmp_path)
    code, out = walaa(
        "storefront", "origins", "--store", store, "--origin", "shop.example", url=url
    )
    assert code == 2 and "allowed_origins" in out
    code, out = walaa("storefront", "widget-secret", "--store", store, url=url, WALAA_SECRET_KEY="")
    assert code == 2 and "WALAA_SECRET_KEY" in out
