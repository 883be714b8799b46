"""Reading Q&A pairs back: filters by term, date range, group and score (for kb qa)."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.errors import KbError
from kb.privacy import mask
from kb.store.models import Alias, Message, QAAnswer, QAPair, QATerm, Term
from kb.store.normalize import term_key

_DAY = r"\d{4}-\d{2}-\d{2}"
_RANGE = re.compile(rf"^\s*({_DAY})?\s*(?:\.\.|~|,)\s*({_DAY})?\s*$")


def parse_dates(text: str | None) -> tuple[dt.date | None, dt.date | None]:
    """'2017-05-23' → that day; '2017-05-01..2017-05-31' (or with ~ or ,; either end open) → a range."""
    if not text:
        return None, None

    def day(value: str | None) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise KbError(f"--date: {value!r} is not a date (YYYY-MM-DD)") from None

    if re.fullmatch(rf"\s*{_DAY}\s*", text):
        single = day(text.strip())
        return single, single
    match = _RANGE.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise KbError(f"--date: {text!r} is neither YYYY-MM-DD nor a range YYYY-MM-DD..YYYY-MM-DD")
    start, end = day(match.group(1)), day(match.group(2))
    if start and end and start > end:
        raise KbError(f"--date: the range {text!r} ends before it starts")
    return start, end


class UnknownTerm(KbError):
    """A name that is no term, canonical or alias; ``hint`` (kb qa fills it with what kb lookup
    finds) goes into the message."""

    def __init__(self, name: str, hint: str = "") -> None:
        self.name = name
        super().__init__(f"unknown term {name!r}{hint}: see kb terms for the extracted terms")


def term_ids(conn: sa.Connection, term: str) -> set[int]:
    """Ids of the terms a name stands for (canonical or alias, any variant), with terms merged into them."""
    key = term_key(term)
    ids = set(conn.execute(sa.select(Term.id).where(Term.key == key)).scalars())
    ids |= set(conn.execute(sa.select(Alias.term_id).where(Alias.key == key)).scalars())
    if not ids:
        raise UnknownTerm(term)
    resolved = set()
    for term_id in ids:  # a merged term's pairs are linked to the term it was merged into
        target = conn.execute(sa.select(Term.merged_into_id).where(Term.id == term_id)).scalar()
        resolved.add(target or term_id)
    return resolved | ids


def _message(row: Any) -> dict[str, Any]:
    return {"group": row.group, "date": row.date.isoformat() if row.date else None, "time": row.time,
            "speaker": row.speaker, "text": mask(row.text)}  # phone and card numbers, as the wiki shows them


def _filtered(conn: sa.Connection, query: sa.Select, term: str | None, start: dt.date | None, end: dt.date | None,
              group: str | None, min_score: float | None) -> sa.Select:
    """A select over qa_pairs joined to their question messages, with kb qa's filters."""
    m = Message.__table__.c
    query = query.select_from(QAPair).join(Message.__table__, m.id == QAPair.question_id)
    if term:
        ids = term_ids(conn, term)
        query = query.where(QAPair.id.in_(sa.select(QATerm.pair_id).where(QATerm.term_id.in_(ids))))
    if start:
        query = query.where(m.date >= start)
    if end:
        query = query.where(m.date <= end)
    if group:
        groups = set(conn.execute(sa.select(m.group).distinct()).scalars())
        if group not in groups:
            raise KbError(f"unknown group {group!r}: the groups are {', '.join(sorted(groups)) or '(none yet)'}")
        query = query.where(m.group == group)
    if min_score is not None:
        query = query.where(QAPair.score >= min_score)
    return query


def count_pairs(engine: Engine, *, term: str | None = None, dates: str | None = None, group: str | None = None,
                min_score: float | None = None) -> int:
    """How many pairs list_pairs would give without a limit."""
    start, end = parse_dates(dates)
    with engine.connect() as conn:
        return conn.execute(_filtered(conn, sa.select(sa.func.count(QAPair.id)), term, start, end, group,
                                      min_score)).scalar_one()


def list_pairs(engine: Engine, *, term: str | None = None, dates: str | None = None, group: str | None = None,
               min_score: float | None = None, limit: int | None = None, sample: int | None = None,
               seed: int = 0) -> list[dict[str, Any]]:
    """Q&A pairs in chat order, each {"id", "question", "answers", "terms", "score"} (question and answers
    as {"group", "date", "time", "speaker", "text"}, the shape of the JSON export).

    ``sample``: that many pairs drawn at random among those matching (the same ones for the same
    ``seed`` and database), to judge precision by reading them; ``limit`` does not apply then.
    """
    start, end = parse_dates(dates)
    m = Message.__table__.c
    fields = (m.id, m.group, m.date, m.time, m.speaker, m.text)
    with engine.connect() as conn:
        query = _filtered(conn, sa.select(QAPair.id.label("pair_id"), QAPair.score, *fields), term, start, end,
                          group, min_score)
        query = query.order_by(m.date, m.group, m.time, m.id)
        if limit and not sample:
            query = query.limit(limit)
        pairs = conn.execute(query).all()
        if sample:
            drawn = set(random.Random(seed).sample(sorted(p.pair_id for p in pairs), min(sample, len(pairs))))
            pairs = [p for p in pairs if p.pair_id in drawn]
        if not pairs:
            return []
        wanted = [p.pair_id for p in pairs]
        answers: dict[int, list[dict[str, Any]]] = {}
        terms: dict[int, list[str]] = {}
        question_of = {p.pair_id: p.id for p in pairs}
        for chunk in range(0, len(wanted), 500):
            part = wanted[chunk:chunk + 500]
            for row in conn.execute(sa.select(QAAnswer.pair_id, QAAnswer.score.label("answer_score"), *fields)
                                    .join(Message.__table__, m.id == QAAnswer.message_id)
                                    .where(QAAnswer.pair_id.in_(part)).order_by(QAAnswer.pair_id, QAAnswer.rank)):
                answer = {**_message(row), "score": row.answer_score}
                if row.id == question_of[row.pair_id]:  # a restated 问题：… 回答：… message answers itself
                    answer["own"] = True
                answers.setdefault(row.pair_id, []).append(answer)
            for pair_id, canonical in conn.execute(
                    sa.select(QATerm.pair_id, Term.canonical).join(Term, Term.id == QATerm.term_id)
                    .where(QATerm.pair_id.in_(part)).order_by(QATerm.pair_id, Term.canonical)):
                terms.setdefault(pair_id, []).append(canonical)
    return [{"id": p.pair_id, "question": _message(p), "answers": answers.get(p.pair_id, []),
             "terms": terms.get(p.pair_id, []), "score": round(float(p.score), 3)} for p in pairs]
