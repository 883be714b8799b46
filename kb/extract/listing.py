"""Reading terms back: the best-scored ones with their signals and aliases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.store.models import Alias, Term


def top_terms(engine: Engine, top: int, status: str | None = None) -> list[dict]:
    """The ``top`` best-scored terms (merged ones excluded unless asked for), each as a dict."""
    query = sa.select(Term.id, Term.canonical, Term.status, Term.score, Term.signals, Term.n_mentions)
    if status:
        query = query.where(Term.status == status)
    else:
        query = query.where(Term.status != "merged")
    query = query.order_by(Term.score.desc(), Term.id).limit(top)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        ids = [r["id"] for r in rows]
        aliases: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for term_id, alias in conn.execute(sa.select(Alias.term_id, Alias.alias)
                                               .where(Alias.term_id.in_(chunk)).order_by(Alias.id)):
                aliases.setdefault(term_id, []).append(alias)
    for row in rows:
        row["aliases"] = aliases.get(row["id"], [])
        row["signals"] = row["signals"] or {}
    return rows
