"""The standing promises on the code itself, checked with every test run.

Style (ruff), types (mypy, strict on the domain and service layers) and the import contracts
that keep the domain core pure are part of the suite, so CI fails when any of them slips.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool if (BIN / tool).exists() else shutil.which(tool)
    if exe is None:
        pytest.fail(f"{tool} is not installed: install the dev extras (pip install -e '.[dev]')")
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "tool,args",
    [
        ("ruff", ("check", "src", "tests", "bench")),
        ("ruff", ("format", "--check", "src", "tests", "bench")),
        ("mypy", ()),
        ("lint-imports", ()),
    ],
    ids=["ruff-check", "ruff-format", "mypy", "import-contracts"],
)
def test_code_is_clean(tool: str, args: tuple[str, ...]) -> None:
    result = run(tool, *args)
    assert result.returncode == 0, result.stdout + result.stderr
