"""Finding the msgids the pages use, so a test can hold the catalogs to them.

A msgid is the literal first argument of ``_(...)`` in a template, or of ``N_(...)`` /
``f.gettext(...)`` in this package's Python. Text built at run time cannot be checked here:
pass literals.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from walaa.entrypoints.web.i18n import po_path

PACKAGE = Path(__file__).parent
#: Modules outside this package whose N_() texts the pages show: the program form's labels.
ELSEWHERE = (PACKAGE.parents[1] / "program_document" / "form_fields.py",)
_LITERAL = r"""\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
IN_TEMPLATES = re.compile(r"(?<![\w.])_" + _LITERAL)
IN_PYTHON = re.compile(r"(?:(?<![\w.])N_|\.gettext)" + _LITERAL)


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.html"):
        found |= _matches(IN_TEMPLATES, path.read_text(encoding="utf-8"))
    for path in [*PACKAGE.rglob("*.py"), *ELSEWHERE]:
        found |= _matches(IN_PYTHON, path.read_text(encoding="utf-8"))
    return found


def _matches(pattern: re.Pattern[str], text: str) -> set[str]:
    return {(a or b).replace("\\'", "'").replace('\\"', '"') for a, b in pattern.findall(text)}


def catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def update_catalogs() -> dict[str, int]:
    """Add every used msgid missing from a catalog (empty msgstr: the test then names it for
    a translator); nothing is removed or reworded. Returns how many were added per language."""
    from babel.messages.pofile import write_po

    added: dict[str, int] = {}
    used = used_msgids()
    for language in ("en", "ar"):
        found = catalog(language)
        missing = sorted(m for m in used if m not in found)
        for msgid in missing:
            found.add(msgid, "")
        found.fuzzy = False
        with po_path(language).open("wb") as out:
            write_po(out, found, width=100, sort_output=True, omit_header=False)
        added[language] = len(missing)
    return added


if __name__ == "__main__":
    print(update_catalogs())
