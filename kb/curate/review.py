"""The review queue: which candidate to show next, and what to show about it.

The queue is every candidate, best score first; terms the curator skipped go
to the end (a skip is a logged decision, so a new session resumes where the
last one stopped). A :class:`Card` holds everything one review screen shows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kb.curate import audit
from kb.store import Decision, Definition, Mention, Message, Term

N_EXAMPLES = 5
N_DEFINITIONS = 3
N_VARIANTS = 6


@dataclass
class Example:
    """One message that mentions the term, with the spans to highlight."""

    message_id: int
    date: dt.date | None
    time: str
    speaker: str
    group: str
    text: str
    spans: list[tuple[int, int]]


@dataclass
class Card:
    """What one review screen shows about a term."""

    term_id: int
    canonical: str
    version: int
    status: str
    score: float
    signals: dict[str, Any]
    n_mentions: int
    definition: str | None
    english: str | None
    category: str | None
    aliases: list[str]
    related: list[str] = field(default_factory=list)
    notes: str | None = None
    examples: list[Example] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)


@dataclass
class Progress:
    """How far the curators are: extracted terms decided, candidates left (glossary imports not counted)."""

    decided: int
    candidates: int
    skipped: int

    @property
    def total(self) -> int:
        return self.decided + self.candidates


def skipped_ids(session: Session, curator: str) -> set[int]:
    """Terms the curator skipped (and did not undo the skip of)."""
    undone = audit.undone_ids(session)
    return {term_id for decision_id, term_id in session.execute(
        select(Decision.id, Decision.term_id).where(Decision.action == "skip", Decision.curator == curator))
        if decision_id not in undone and term_id is not None}


def queue(session: Session, curator: str, *, exclude: set[int] | frozenset[int] = frozenset(),
          limit: int | None = None) -> list[int]:
    """Ids of candidates in review order: not skipped by the curator first, each part by score, best first."""
    rows = session.execute(select(Term.id).where(Term.status == "candidate")
                           .order_by(Term.score.desc(), Term.n_mentions.desc(), Term.id)).scalars().all()
    skipped = skipped_ids(session, curator)
    ordered = [i for i in rows if i not in skipped] + [i for i in rows if i in skipped]
    ordered = [i for i in ordered if i not in exclude]
    return ordered[:limit] if limit is not None else ordered


def progress(session: Session, curator: str) -> Progress:
    """Counts for the progress line."""
    counts = dict(session.execute(select(Term.status, func.count()).where(Term.origin == "extracted")
                                  .group_by(Term.status)).all())
    candidates = session.scalar(select(func.count()).select_from(Term).where(Term.status == "candidate")) or 0
    decided = sum(counts.get(s, 0) for s in ("approved", "rejected", "merged"))
    skipped = len(skipped_ids(session, curator) & set(
        session.scalars(select(Term.id).where(Term.status == "candidate"))))
    return Progress(decided=decided, candidates=candidates, skipped=skipped)


def _spans(text: str, forms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for form in sorted({f for f in forms if f}, key=len, reverse=True):
        for match in re.finditer(re.escape(form.lower()), lowered):
            span = match.span()
            if not any(s < span[1] and span[0] < e for s, e in spans):
                spans.append(span)
    return sorted(spans)


def examples(session: Session, term: Term, n: int = N_EXAMPLES) -> list[Example]:
    """Up to n real messages mentioning the term, from as many different days as possible."""
    forms = [term.canonical, *(a.alias for a in term.aliases)]
    ids = list(session.scalars(select(Mention.message_id).where(Mention.term_id == term.id)
                               .group_by(Mention.message_id).order_by(Mention.message_id).limit(400)))
    if ids:
        messages = list(session.scalars(select(Message).where(Message.id.in_(ids))))
    else:  # not extracted yet (or an imported term): find it in the text
        messages = list(session.scalars(select(Message).where(
            or_(*(Message.text.contains(f, autoescape=True) for f in forms[:8]))).order_by(Message.id).limit(400)))
    picked: list[Message] = []
    seen_days: set[Any] = set()
    # prefer messages of a readable length, one per day, then fill up
    ranked = sorted(messages, key=lambda m: (not 12 <= len(m.text) <= 200, m.date or dt.date.min, m.id))
    for m in ranked:
        if (m.group, m.date) not in seen_days and len(picked) < n:
            picked.append(m)
            seen_days.add((m.group, m.date))
    for m in ranked:
        if len(picked) >= n:
            break
        if m not in picked:
            picked.append(m)
    picked.sort(key=lambda m: (m.date or dt.date.min, m.time, m.id))
    return [Example(message_id=m.id, date=m.date, time=m.time, speaker=m.speaker_name or m.speaker,
                    group=m.group, text=m.text, spans=_spans(m.text, forms)) for m in picked]


def candidate_definitions(session: Session, term: Term, n: int = N_DEFINITIONS) -> list[str]:
    """The best extracted definition sentences of the term."""
    texts = session.scalars(select(Definition.text).where(Definition.term_id == term.id)
                            .order_by(Definition.score.desc(), Definition.id).limit(n * 3))
    return list(dict.fromkeys(texts))[:n]


def likely_variants(session: Session, term: Term, n: int = N_VARIANTS) -> list[str]:
    """Other undecided or approved terms that look like another form of this one.

    The extractor's own variant signal first, then terms whose key contains this
    key or is contained in it, differing by at most two characters.
    """
    found: list[str] = [str(v) for v in (term.signals or {}).get("variants", []) if v != term.canonical]
    key = term.key
    if len(key) >= 2:
        pieces = {key[i:j] for i in range(len(key)) for j in range(i + 2, len(key) + 1)} - {key}
        shorter = select(Term.canonical).where(Term.key.in_(pieces)) if pieces else None
        longer = (select(Term.canonical).where(Term.key.contains(key, autoescape=True), Term.key != key,
                                                func.length(Term.key) <= len(key) + 2))
        for query in (q for q in (shorter, longer) if q is not None):
            found += list(session.scalars(query.where(Term.status.in_(("candidate", "approved")))
                                          .order_by(Term.score.desc()).limit(n)))
    aliases = {a.alias for a in term.aliases}
    return [v for v in dict.fromkeys(found) if v not in aliases][:n]


def card(session: Session, term: Term) -> Card:
    """Everything the review screen shows about one term."""
    return Card(
        term_id=term.id, canonical=term.canonical, version=term.version, status=term.status,
        score=term.score or 0.0, signals=dict(term.signals or {}), n_mentions=term.n_mentions or 0,
        definition=term.definition, english=term.english, category=term.category,
        aliases=sorted(a.alias for a in term.aliases), related=list(term.related or []), notes=term.notes,
        examples=examples(session, term), definitions=candidate_definitions(session, term),
        variants=likely_variants(session, term),
    )
