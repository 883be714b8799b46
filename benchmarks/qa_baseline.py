"""The Q&A baseline of docs/evaluation.md: every message with ？/? is a question, the next three messages its answers.

Replaces the qa tables of the database given (use a copy!) so that `kb eval` scores the baseline
the same way it scores the extractor:

    cp kb.sqlite /tmp/baseline.sqlite
    .venv/bin/python benchmarks/qa_baseline.py sqlite:////tmp/baseline.sqlite
    kb eval --db sqlite:////tmp/baseline.sqlite
"""

from __future__ import annotations

import sys

import sqlalchemy as sa

from kb.store import open_db
from kb.store.bulk import insert_many
from kb.store.models import Message, QAAnswer, QAPair, QATerm


def baseline(url: str) -> int:
    engine = open_db(url)
    m = Message.__table__.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(m.id, m.source_id, m.text).order_by(m.source_id, m.seq)).all()
    pairs, answers = [], []
    for i, row in enumerate(rows):
        if "？" in row.text or "?" in row.text:
            pair_id = len(pairs) + 1
            pairs.append({"id": pair_id, "question_id": row.id, "score": 1.0, "signals": {}})
            for rank, k in enumerate(range(i + 1, min(len(rows), i + 4))):
                if rows[k].source_id == row.source_id:
                    answers.append({"pair_id": pair_id, "message_id": rows[k].id, "rank": rank, "score": 1.0,
                                    "signals": {}})
    with engine.begin() as conn:
        for model in (QATerm, QAAnswer, QAPair):
            conn.execute(sa.delete(model.__table__))
        insert_many(conn, QAPair.__table__, pairs)
        insert_many(conn, QAAnswer.__table__, answers)
    return len(pairs)


if __name__ == "__main__":
    print(f"{baseline(sys.argv[1])} baseline pairs written")
