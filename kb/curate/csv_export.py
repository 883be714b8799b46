"""CSV export: one row per approved term, for spreadsheets (UTF-8, comma-separated, header row)."""

from __future__ import annotations

import csv
import io

from sqlalchemy.engine import Engine

from kb.curate.interchange import EXPORTED, concepts

COLUMNS = ("id", "term", "english", "category", "status", "definition", "aliases", "related", "notes",
           "score", "mentions")
LIST_SEPARATOR = "|"


def export_csv(engine: Engine, statuses: tuple[str, ...] = EXPORTED) -> str:
    """The glossary as CSV text; list fields (aliases, related) are joined with '|'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in concepts(engine, statuses):
        writer.writerow([
            c.id, c.term, c.english or "", c.category or "", c.status, c.definition or "",
            LIST_SEPARATOR.join(a for a, _ in c.aliases), LIST_SEPARATOR.join(c.related), c.notes or "",
            f"{c.score:.3f}", c.n_mentions,
        ])
    return out.getvalue()
