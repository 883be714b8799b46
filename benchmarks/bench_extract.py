"""Benchmark of term extraction against its floor, pkuseg segmentation of every message text.

Usage: .venv/bin/python benchmarks/bench_extract.py --db sqlite:////tmp/corpus.sqlite
(the database must hold the ingested corpus; its segmentation cache is cleared first).
Prints wall and CPU seconds of: the floor (pkuseg model load + segmenting every distinct
message text), a cold `extract_terms` (nothing cached) and a warm one (segmentations cached).
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

from kb.extract.run import extract_terms
from kb.extract.terms import load_messages
from kb.nlp.segment import DICT_SETTING, Segmenter
from kb.rules.terms import load_term_rules
from kb.store import open_db
from kb.store.models import Segment, Setting


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args()
    engine = open_db(args.db)
    rules = load_term_rules()
    messages = load_messages(engine, rules.stop.question_cues)
    texts = sorted({m.text for m in messages if m.text.strip()})
    chars = sum(len(t) for t in texts)
    print(f"{len(messages)} messages, {len(texts)} distinct texts, {chars} characters")
    rows = []
    if not args.skip_floor:
        def floor():
            segmenter = Segmenter()
            for text in texts:
                segmenter.cut(text)
        _, wall, cpu = timed(floor)
        rows.append(("floor: pkuseg load + segment every text", wall, cpu, ""))
    with engine.begin() as conn:
        conn.execute(sa.delete(Segment.__table__))
        conn.execute(sa.delete(Setting.__table__).where(Setting.key == DICT_SETTING))
    cold, wall, cpu = timed(lambda: extract_terms(engine, rules=rules))
    rows.append(("kb extract (terms), cold", wall, cpu, cold.timings))
    warm, wall, cpu = timed(lambda: extract_terms(engine, rules=rules))
    rows.append(("kb extract (terms), warm", wall, cpu, warm.timings))
    print("| run | wall s | CPU s | stages (wall s) |\n|---|---:|---:|---|")
    for name, wall, cpu, stages in rows:
        detail = ", ".join(f"{k} {v}" for k, v in stages.items()) if stages else ""
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {detail} |")
    print(f"terms stored: {warm.candidates}, mentions: {warm.mentions}, definitions: {warm.definitions}")


if __name__ == "__main__":
    main()
