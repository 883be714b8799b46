"""The head revisions of the migration scripts, read from their text (no SQLAlchemy or Alembic import).

``open_db`` uses it to skip Alembic when a database is already at the heads;
``kb lookup`` uses it to read an up-to-date SQLite file through the stdlib alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$""", re.MULTILINE)


@lru_cache(maxsize=1)
def script_heads() -> frozenset[str]:
    """Revisions no other migration script names as its down_revision."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in fields:
            continue
        revisions.add(_literal(fields["revision"]))
        down = fields.get("down_revision", "None").split("#")[0].strip()
        if down.startswith(("(", "[")):
            parents.update(_literal(part) for part in down.strip("()[]").split(",") if part.strip())
        elif down != "None":
            parents.add(_literal(down))
    return frozenset(revisions - parents)


def _literal(text: str) -> str:
    return text.split("#")[0].strip().strip("'\"")
