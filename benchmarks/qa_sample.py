"""Print a random sample of Q&A pairs with their context, for judging precision by reading.

Each pair shows the three messages before its question and every message from the question to
its last answer (at most --window messages; longer stretches are cut in the middle), with the
question marked Q and its answers A1, A2 … (Q=A1: a restated question that holds its answer), the pair's score and signals:

    .venv/bin/python benchmarks/qa_sample.py sqlite:////tmp/full.sqlite --n 100 --seed 1203 > sample.txt

Each pair's header starts with its key, ``group date seq time`` of the question, the first four
columns of benchmarks/qa_labels.tsv; a reader adds one line per pair to that file:
``group<TAB>date<TAB>seq<TAB>time<TAB>right|wrong<TAB>category<TAB>reader``. The key, not the
pair's id, survives extracting again. The same seed over the same database gives the same pairs; ``--skip benchmarks/qa_labels.tsv``
draws only pairs not judged yet.

To judge pairs for training the pair model, sample a database extracted without it (rules/
copied without qa_model.yaml, ``kb build --rules``), or the judgments only see the pairs the
current model keeps.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import sqlalchemy as sa

from kb.errors import KbError
from kb.eval.judged import read_judgments
from kb.store import open_db
from kb.store.models import Message, QAAnswer, QAPair


def judged_keys(path: Path) -> set[tuple[str, str, int]]:
    """(group, date, seq) of the pairs a labels file (qa_labels.tsv) has judged already."""
    try:
        return set(read_judgments(path).times)
    except KbError as exc:
        raise SystemExit(str(exc)) from None


def sample(url: str, n: int, seed: int, window: int, skip: set[tuple[str, str, int]] = frozenset()) -> str:
    engine = open_db(url)
    m = Message.__table__.c
    out: list[str] = []
    with engine.connect() as conn:
        pair_ids = sorted(pair_id for pair_id, group, date, seq in conn.execute(
            sa.select(QAPair.id, m.group, m.date, m.seq).join(Message, Message.id == QAPair.question_id))
            if (group, str(date), seq) not in skip)
        chosen = sorted(random.Random(seed).sample(pair_ids, min(n, len(pair_ids))))
        for pair_id in chosen:
            pair = conn.execute(sa.select(QAPair.__table__).where(QAPair.id == pair_id)).one()
            question = conn.execute(sa.select(Message.__table__).where(m.id == pair.question_id)).one()
            answers = conn.execute(
                sa.select(QAAnswer.message_id, QAAnswer.rank, QAAnswer.score, QAAnswer.signals)
                .where(QAAnswer.pair_id == pair_id)
                .order_by(QAAnswer.rank)
            ).all()
            mark = {a.message_id: f"A{a.rank + 1}" for a in answers}
            # a restated "问题：… 回答：…" message is its own answer
            mark[question.id] = "Q=" + mark[question.id] if question.id in mark else "Q "
            seqs = [question.seq] + [
                conn.execute(sa.select(m.seq).where(m.id == a.message_id)).scalar_one() for a in answers
            ]
            rows = conn.execute(
                sa.select(m.id, m.seq, m.time, m.speaker_name, m.text)
                .where(m.source_id == question.source_id, m.seq >= question.seq - 3, m.seq <= max(seqs))
                .order_by(m.seq)
            ).all()
            if len(rows) > window:
                keep = {r.id for r in rows[:6]} | set(mark) | {r.id for r in rows[-3:]}
                rows = [r for r in rows if r.id in keep]
            out.append(f"=== {question.group} {question.date} {question.seq} {question.time}  (pair {pair_id}, "
                       f"score {pair.score:.2f})  signals {json.dumps(pair.signals, ensure_ascii=False)}")
            last = None
            for r in rows:
                if last is not None and r.seq != last + 1:
                    out.append("      …")
                text = " ".join(r.text.split())
                out.append(f"  {mark.get(r.id, '  ')} {r.time} {r.speaker_name}: {text[:300]}")
                last = r.seq
            for a in answers:
                out.append(f"      A{a.rank + 1} score {a.score:.2f} {json.dumps(a.signals, ensure_ascii=False)}")
            out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=int, default=40)
    parser.add_argument("--skip", type=Path, metavar="LABELS",
                        help="leave out the pairs this labels file (benchmarks/qa_labels.tsv) has judged already")
    args = parser.parse_args()
    print(sample(args.url, args.n, args.seed, args.window, judged_keys(args.skip) if args.skip else frozenset()))


if __name__ == "__main__":
    main()
