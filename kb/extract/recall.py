"""Recall of extracted terms against a list of established terms (docs/evaluation.md, "Terms")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.store.models import Alias, Message, Term
from kb.store.normalize import term_key

_SPACES = re.compile(r"\s+")


def read_term_list(path: str | Path) -> list[list[str]]:
    """Entries of a term list file: one term a line, "a | b" for written forms of one term, # comments."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append([form.strip() for form in line.split("|") if form.strip()])
    return entries


def _flat(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


@dataclass
class Recall:
    checked: int = 0                                   # entries occurring ≥ min_occurrences times
    extracted: int = 0                                 # ... that are among the extracted terms
    in_top: int = 0                                    # ... that are among the `top` best scored
    top: int = 500
    missing: list[str] = field(default_factory=list)   # occurring but not extracted
    below_top: list[tuple[str, int]] = field(default_factory=list)  # extracted, rank past `top`
    occurrences: dict[str, int] = field(default_factory=dict)

    @property
    def recall_all(self) -> float:
        return self.extracted / self.checked if self.checked else 0.0

    @property
    def recall_top(self) -> float:
        return self.in_top / self.checked if self.checked else 0.0


def term_recall(engine: Engine, entries: list[list[str]], min_occurrences: int = 3, top: int = 500) -> Recall:
    """How many listed terms occurring ≥ min_occurrences times are extracted, and how many rank in the top."""
    with engine.connect() as conn:
        texts = [_flat(t) for t in conn.execute(sa.select(Message.text).where(Message.kind.in_(("text", "quote"))))
                 .scalars() if t]
        ranked = conn.execute(sa.select(Term.id, Term.key).where(Term.status.in_(("candidate", "approved")))
                              .order_by(Term.score.desc(), Term.id)).all()
        alias_rows = conn.execute(sa.select(Alias.key, Alias.term_id)).all()
    rank = {tid: i for i, (tid, _key) in enumerate(ranked, 1)}
    owner = {key: tid for tid, key in ranked}
    for key, tid in alias_rows:
        if tid in rank:
            owner.setdefault(key, tid)
    corpus = "\n".join(texts)
    result = Recall(top=top)
    for forms in entries:
        count = sum(corpus.count(_flat(form)) for form in forms)
        result.occurrences[forms[0]] = count
        if count < min_occurrences:
            continue
        result.checked += 1
        ranks = [rank[owner[term_key(form)]] for form in forms if term_key(form) in owner]
        if not ranks:
            result.missing.append(forms[0])
            continue
        result.extracted += 1
        if min(ranks) <= top:
            result.in_top += 1
        else:
            result.below_top.append((forms[0], min(ranks)))
    return result
