"""docs/api.md's Reference table lists exactly the operations of /openapi.json.

A store engineer reads the table to learn what exists; a path missing from it is a path
nobody finds, and a row for a path that is gone sends them to a 404.
"""

from __future__ import annotations

import re
from pathlib import Path

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|PUT|POST|PATCH|DELETE) (/[^`]*)` \|")
METHODS = {"get", "put", "post", "patch", "delete"}


def documented() -> set[tuple[str, str]]:
    text = API_DOC.read_text(encoding="utf-8")
    table = text.split("\n## Reference\n", 1)[1].split("\n## ", 1)[0]
    return {(m[1], m[2]) for m in (ROW.match(line) for line in table.splitlines()) if m}


def test_the_reference_table_lists_every_operation_and_nothing_else(api):
    spec = api.client.get("/openapi.json").json()
    served = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in METHODS
    }
    listed = documented()
    missing = sorted(served - listed)
    stale = sorted(listed - served)
    rows = "\n".join(
        f"| `{m} {p}` | {{scope}} | {spec['paths'][p][m.lower()].get('summary', '')} |"
        for m, p in missing
    )
    assert not missing, f"add to the Reference table of docs/api.md:\n{rows}"
    assert not stale, f"docs/api.md lists operations the API does not have: {stale}"
