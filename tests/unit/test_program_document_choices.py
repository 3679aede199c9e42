"""The earning choices in the settings document: each is read into the program, and a wrong
value is refused at its path with a reason, as `walaa program validate` shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from walaa.entrypoints.cli import app
from walaa.program_document import ProgramDocumentError, load_program

HEADER = """
points_name: Flex
currency: USD
timezone: Asia/Riyadh
earn_rate: {points: 1, per: 1}
point_value: {points: 500, worth: 5}
"""


def document(rules: str = "", settings: str = "") -> str:
    return HEADER + settings + ("rules:\n" + rules if rules else "")


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ProgramDocumentError) as refused:
        load_program(text)
    return [(problem.where, problem.reason) for problem in refused.value.problems]


def validate(tmp_path: Path, text: str) -> tuple[int, str]:
    """`walaa program validate FILE`, as a merchant runs it."""
    path = tmp_path / "program.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["program", "validate", str(path)], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def rule(extra: str) -> str:
    return f"  - id: tv-deal\n    name: TV deal\n    effect: {{type: fixed, points: 50}}\n{extra}"


# --- 13. stop ---------------------------------------------------------------------------------


def test_stop_is_read_and_off_unless_asked_for() -> None:
    program = load_program(document(rule("    stop: true\n") + rule("").replace("tv-", "tv2-")))
    assert [r.stop for r in program.rules] == [True, False]


def test_a_stop_that_is_not_true_or_false_is_explained(tmp_path: Path) -> None:
    bad = document(rule("    stop: sometimes\n"))
    assert problems_of(bad) == [("rules[0].stop", "must be true or false")]
    code, out = validate(tmp_path, bad)
    assert code == 1 and "rules[0].stop: must be true or false" in out


def test_the_schema_documents_stop() -> None:
    schema = yaml.safe_load((Path(__file__).parents[2] / "docs/program.schema.json").read_text())
    assert schema["$defs"]["RuleDoc"]["properties"]["stop"]["type"] == "boolean"
