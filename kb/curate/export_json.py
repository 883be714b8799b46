"""The JSON export: terms (best score first), Q&A pairs, and the days present (docs/export.md)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.privacy import mask
from kb.store.models import Alias, Definition, Message, QAAnswer, QAPair, QATerm, Source, Term

EXPORTED_STATUSES = ("candidate", "approved", "rejected")


def _message(row: Any) -> dict[str, Any]:
    return {"group": row.group, "date": row.date.isoformat() if row.date else None, "time": row.time,
            "speaker": row.speaker, "text": mask(row.text)}  # phone and card numbers, as the wiki shows them


def export_json(engine: Engine) -> dict[str, Any]:
    """{"terms": [...], "qa": [...], "dates": [...]} as documented in docs/export.md.

    ``dates`` are the days with a log file or a message, ``YYYY-MM-DD``, ascending.
    """
    with engine.connect() as conn:
        terms = conn.execute(
            sa.select(Term.id, Term.canonical, Term.status, Term.score, Term.definition, Term.n_mentions)
            .where(Term.status.in_(EXPORTED_STATUSES)).order_by(Term.score.desc(), Term.canonical)).all()
        aliases: dict[int, list[str]] = {}
        for term_id, alias in conn.execute(sa.select(Alias.term_id, Alias.alias).order_by(Alias.id)):
            aliases.setdefault(term_id, []).append(alias)
        best: dict[int, str] = {}
        for term_id, text in conn.execute(sa.select(Definition.term_id, Definition.text)
                                          .order_by(Definition.term_id, Definition.score.desc(), Definition.id)):
            best.setdefault(term_id, text)
        out_terms = [{"term": t.canonical, "aliases": aliases.get(t.id, []), "status": t.status,
                      "score": round(float(t.score or 0.0), 4),
                      "definition": mask(t.definition if t.definition else best.get(t.id)) or None,
                      "mentions": int(t.n_mentions or 0)} for t in terms]

        m = Message.__table__
        fields = (m.c.id, m.c.group, m.c.date, m.c.time, m.c.speaker, m.c.text)
        pairs = conn.execute(sa.select(QAPair.id, QAPair.score, *fields)
                             .join(m, m.c.id == QAPair.question_id)
                             .order_by(QAPair.score.desc(), m.c.date, m.c.time, QAPair.id)).all()
        answers: dict[int, list[dict]] = {}
        for row in conn.execute(sa.select(QAAnswer.pair_id, *fields).join(m, m.c.id == QAAnswer.message_id)
                                .order_by(QAAnswer.pair_id, QAAnswer.rank, QAAnswer.id)):
            answers.setdefault(row.pair_id, []).append(_message(row))
        qa_terms: dict[int, list[str]] = {}
        for pair_id, canonical in conn.execute(sa.select(QATerm.pair_id, Term.canonical)
                                               .join(Term, Term.id == QATerm.term_id)
                                               .order_by(QATerm.pair_id, Term.score.desc(), Term.canonical)):
            qa_terms.setdefault(pair_id, []).append(canonical)
        out_qa = [{"question": _message(p), "answers": answers.get(p.id, []), "terms": qa_terms.get(p.id, []),
                   "score": round(float(p[1] or 0.0), 4)} for p in pairs]

        days = set(conn.execute(sa.select(Message.date).where(Message.date.is_not(None)).distinct()).scalars())
        days |= set(conn.execute(sa.select(Source.date).where(Source.date.is_not(None)).distinct()).scalars())
        dates = sorted(d.isoformat() for d in days)
    return {"terms": out_terms, "qa": out_qa, "dates": dates}
