"""The audit log of curator decisions: append-only rows in ``decisions``.

Every change a curator makes to a term is one Decision row holding who, when,
what, and the term's state before and after (a :func:`snapshot`). Rows are
never updated or deleted; an undo is a new row pointing at the one it reverts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.store import Alias, Decision, Term

ACTIONS = ("approve", "reject", "edit", "merge", "alias", "unalias", "skip", "undo", "import")
CURATED_FIELDS = ("definition", "english", "category", "related", "notes")


def now() -> dt.datetime:
    """The time stamp of a decision: UTC, without tzinfo (the column is naive), to the second."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def snapshot(session: Session, term: Term) -> dict[str, Any]:
    """The curated state of a term as plain JSON data (what `before`/`after` hold)."""
    merged_into = session.get(Term, term.merged_into_id) if term.merged_into_id else None
    return {
        "canonical": term.canonical,
        "status": term.status,
        "merged_into": merged_into.canonical if merged_into else None,
        "merged_into_id": term.merged_into_id,
        "definition": term.definition,
        "english": term.english,
        "category": term.category,
        "related": list(term.related or []),
        "notes": term.notes,
        "aliases": sorted(({"alias": a.alias, "origin": a.origin} for a in term.aliases),
                          key=lambda a: (a["alias"], a["origin"])),
        "version": term.version,
    }


def record(session: Session, term: Term | None, curator: str, action: str, before: dict[str, Any],
           after: dict[str, Any], *, name: str | None = None, undoes: Decision | None = None) -> Decision:
    """Append one decision to the log (flushed, so it has its id)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown decision action {action!r}")
    decision = Decision(
        term_id=term.id if term is not None else None,
        term=name or (term.canonical if term is not None else ""),
        curator=curator, at=now(), action=action, before=before, after=after,
        undoes_id=undoes.id if undoes is not None else None,
    )
    session.add(decision)
    session.flush()
    return decision


def undone_ids(session: Session) -> set[int]:
    """Ids of the decisions some undo has reverted."""
    return set(session.scalars(select(Decision.undoes_id).where(Decision.undoes_id.is_not(None))))


def last_undoable(session: Session, curator: str) -> Decision | None:
    """The curator's newest decision that is not an undo and has not been undone."""
    undone = undone_ids(session)
    for decision in session.scalars(
        select(Decision).where(Decision.curator == curator, Decision.action != "undo")
        .order_by(Decision.id.desc())
    ):
        if decision.id not in undone:
            return decision
    return None


def history(session: Session, term: Term) -> list[Decision]:
    """Decisions about a term, oldest first."""
    return list(session.scalars(select(Decision).where(Decision.term_id == term.id).order_by(Decision.id)))


def merges_into(session: Session, term: Term) -> list[Decision]:
    """The merges of other terms into this one, and their undos, oldest first (they are decisions about
    the variants, but they changed this term: its aliases, mentions and version)."""
    merges = [d for d in session.scalars(select(Decision).where(Decision.action == "merge", Decision.term_id != term.id))
              if (d.after or {}).get("merged_into_id") == term.id]
    ids = [d.id for d in merges]
    undos = list(session.scalars(select(Decision).where(Decision.undoes_id.in_(ids)))) if ids else []
    return sorted(merges + undos, key=lambda d: d.id)


def last_change(session: Session, term: Term) -> Decision | None:
    """The newest decision that changed the term (skips are not changes)."""
    return session.scalars(
        select(Decision).where(Decision.term_id == term.id, Decision.action != "skip")
        .order_by(Decision.id.desc()).limit(1)
    ).first()


def alias_keys(session: Session) -> dict[str, int]:
    """alias key → term id, for every alias."""
    return {key: term_id for key, term_id in session.execute(select(Alias.key, Alias.term_id))}
