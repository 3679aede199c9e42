"""`walaa games rotate | export | verify` and `walaa program validate --store`, as an operator
(or a doubting customer with an export) runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import yaml

from tests.e2e.test_cli import walaa
from walaa.bootstrap import FixedClock, build
from walaa.domain.earning import OrderLine
from walaa.service.commands import RecordOrder
from walaa.service.handlers.earning import record_order
from walaa.service.handlers.games import play

PLACED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NAME = {"en": "Prize", "ar": "جائزة"}
PROGRAM = {
    "points_name": {"en": "Flex", "ar": "فلكس"},
    "currency": "SAR",
    "timezone": "Asia/Riyadh",
    "earn_rate": {"points": 1, "per": 1},
    "point_value": {"points": 100, "worth": 1},
    "games": [
        {
            "id": "wheel",
            "kind": "wheel",
            "name": {"en": "Spin the wheel", "ar": "عجلة الحظ"},
            "unlock": {"order_min_amount": 50},
            "prizes": [
                {"id": "twenty", "name": NAME, "points": 20, "weight": 30},
                {"id": "none", "name": NAME, "weight": 70},
            ],
        }
    ],
}


def a_store_with_plays(tmp_path: Path, plays: int) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    store_id = walaa("stores", "create", "Dewy", "--currency", "SAR", url=url)[1].strip()
    document = tmp_path / "program.yaml"
    document.write_text(yaml.safe_dump(PROGRAM, allow_unicode=True), encoding="utf-8")
    code, out = walaa("program", "apply", str(document), "--store", store_id, url=url)
    assert code == 0, out
    app = build(url)
    clock = FixedClock(PLACED)
    for n in range(plays):
        line = OrderLine("l1", Decimal("60.00"))
        order = RecordOrder(store_id, f"c-{n % 3}", f"o-{n}", PLACED, "SAR", (line,))
        record_order(app.uow(), clock, order)
        play(app.uow(), clock, store_id, f"c-{n % 3}", "wheel", client_seed=f"seed-{n}")
    app.engine.dispose()
    return url, store_id


def test_verify_recomputes_every_play_of_a_revealed_seed(tmp_path: Path):
    url, store_id = a_store_with_plays(tmp_path, 12)
    code, out = walaa("games", "verify", "--store", store_id, "--game", "wheel", url=url)
    assert code == 0 and "all 0 plays" in out and "12 wait for their seed" in out
    code, out = walaa("games", "rotate", "--store", store_id, "--game", "wheel", url=url)
    assert code == 0 and "revealed seed 1 of wheel (12 plays)" in out
    code, out = walaa("games", "verify", "--store", store_id, "--game", "wheel", url=url)
    assert code == 0 and "all 12 plays of revealed seeds match" in out, out


def test_verify_reads_an_export_and_finds_a_play_that_was_changed(tmp_path: Path):
    url, store_id = a_store_with_plays(tmp_path, 6)
    walaa("games", "rotate", "--store", store_id, "--game", "wheel", url=url)
    export = tmp_path / "plays.json"
    code, _ = walaa(
        "games", "export", "--store", store_id, "--game", "wheel", "--out", str(export), url=url
    )
    assert code == 0
    code, out = walaa("games", "verify", "--file", str(export), url=url)
    assert code == 0 and "all 6 plays" in out, out
    data = json.loads(export.read_text(encoding="utf-8"))
    data["plays"][3]["prize_id"] = "none" if data["plays"][3]["prize_id"] == "twenty" else "twenty"
    export.write_text(json.dumps(data), encoding="utf-8")
    code, out = walaa("games", "verify", "--file", str(export), url=url)
    assert code == 1 and "MISMATCH" in out and "nonce 4" in out and "1 mismatch(es) among 6" in out
    del data["plays"][0]["nonce"]
    export.write_text(json.dumps(data), encoding="utf-8")
    code, out = walaa("games", "verify", "--file", str(export), url=url)
    assert code == 2 and "lacks a field" in out


def test_validate_with_a_store_names_a_prize_missing_from_its_catalog(tmp_path: Path):
    url, store_id = a_store_with_plays(tmp_path, 0)
    ghost = {"id": "ghost", "name": NAME, "reward": "ghost", "weight": 1}
    document = {**PROGRAM, "games": [{**PROGRAM["games"][0], "prizes": [ghost]}]}
    path = tmp_path / "ghost.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, out = walaa("program", "validate", str(path), url=url)
    assert code == 0 and "1 games" in out  # alone, the document cannot know the catalog
    code, out = walaa("program", "validate", str(path), "--store", store_id, url=url)
    assert code == 1 and "games[0].prizes[0].reward: no reward 'ghost'" in out, out
