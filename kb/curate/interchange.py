"""What the three interchange exports share: the terms to export, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from kb.store import Definition, Message, Term

EXPORTED = ("approved",)


@dataclass
class Concept:
    """One term with everything an interchange format needs."""

    id: int
    term: str
    key: str
    status: str
    english: str | None
    category: str | None
    definition: str | None
    aliases: list[tuple[str, str]]  # (written form, origin)
    related: list[str]
    notes: str | None
    score: float
    n_mentions: int
    sources: list[str] = field(default_factory=list)  # where the definition / term was seen


def concepts(engine: Engine, statuses: tuple[str, ...] = EXPORTED) -> list[Concept]:
    """Terms with the given statuses, ordered by key (stable across runs)."""
    with Session(engine) as session:
        terms = session.scalars(select(Term).where(Term.status.in_(statuses)).order_by(Term.key)
                                .options(selectinload(Term.aliases))).all()
        first_definition = {}
        rows = session.execute(
            select(Definition.term_id, Message.group, Message.date, Message.time, Message.speaker_name)
            .join(Message, Message.id == Definition.message_id)
            .where(Definition.term_id.in_([t.id for t in terms]))
            .order_by(Definition.term_id, Definition.score.desc(), Definition.id)
        ).all() if terms else []
        for term_id, group, date, time, speaker in rows:
            first_definition.setdefault(term_id, f"WeChat group {group}, {date} {time}, {speaker}")
        out = []
        for t in terms:
            sources = []
            if t.origin == "imported":
                sources.append("kb curated glossary (glossary/)")
            if t.id in first_definition and not t.definition:
                sources.append(first_definition[t.id])
            elif t.definition:
                sources.append("kb curators")
            out.append(Concept(
                id=t.id, term=t.canonical, key=t.key, status=t.status, english=t.english, category=t.category,
                definition=t.definition, aliases=sorted({(a.alias, a.origin) for a in t.aliases if a.key != t.key}),
                related=sorted(t.related or []), notes=t.notes, score=t.score or 0.0,
                n_mentions=t.n_mentions or 0, sources=list(dict.fromkeys(sources)),
            ))
        return out


def resolve_related(items: list[Concept]) -> dict[str, Concept]:
    """canonical name (and alias) → concept, to link related terms."""
    index: dict[str, Concept] = {}
    for c in items:
        for name in (c.term, *(a for a, _ in c.aliases)):
            index.setdefault(name, c)
    return index
