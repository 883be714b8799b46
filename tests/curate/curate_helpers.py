"""Helpers for curation tests: candidates with mentions found in examples/logs."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb.store import Alias, Definition, Mention, Message, Term
from kb.store.normalize import term_key

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# (canonical, score, aliases): the candidates the tests decide on
CANDIDATES = [
    ("备付金", 9.0, []),
    ("集中存管", 8.0, []),
    ("协议支付", 7.5, []),
    ("清算", 7.0, []),
    ("大家好", 6.0, []),
    ("资金池", 5.0, []),
    ("代扣", 4.0, ["委托扣款"]),
    ("清分", 3.0, []),
    ("备付金存管", 2.0, []),
]


def add_candidates(engine, candidates=CANDIDATES) -> dict[str, int]:
    """Add candidate terms with mentions found in the stored messages (as extraction would)."""
    ids = {}
    with Session(engine) as session:
        messages = list(session.scalars(select(Message)))
        for name, score, aliases in candidates:
            term = Term(canonical=name, key=term_key(name), score=score, signals={"freq": int(score), "cvalue": score},
                        aliases=[Alias(alias=a, key=term_key(a), origin="extracted") for a in aliases])
            session.add(term)
            session.flush()
            n = 0
            for m in messages:
                for match in re.finditer(re.escape(name), m.text):
                    session.add(Mention(term_id=term.id, message_id=m.id, start=match.start(), end=match.end(),
                                        surface=name))
                    n += 1
                if name == "备付金" and m.text.startswith("备付金是指"):
                    session.add(Definition(term_id=term.id, message_id=m.id, text=m.text, pattern="是指", score=1.0))
            session.execute(update(Term).where(Term.id == term.id).values(n_mentions=n))  # as extraction does
            ids[name] = term.id
        session.commit()
    return ids
