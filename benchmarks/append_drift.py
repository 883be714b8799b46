"""How far an appended extraction drifts from a full one of the same messages (kb.extract.append).

Give two databases of the same ingested files: one whose last files were appended (a build, a
file added, a build again) and one extracted in full (``kb build`` into a new database, or
``kb extract --force`` on a copy). Prints, for the candidate terms, the mentions, the candidate
definitions and the Q&A pairs, how many the two share and how many only one of them has, split
into the appended files and the others.

    .venv/bin/python benchmarks/append_drift.py sqlite:///appended.sqlite sqlite:///full.sqlite

docs/build.md quotes its figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.extract.fingerprint import stored_state  # noqa: E402
from kb.store import open_db  # noqa: E402


def _where(conn) -> dict[int, tuple[str, int]]:
    """message id → (file key, seq): the same message in both databases."""
    return {mid: (key, seq) for mid, key, seq in conn.exec_driver_sql(
        "SELECT m.id, s.key, m.seq FROM messages m JOIN sources s ON s.id = m.source_id")}


def snapshot(url: str) -> dict[str, set]:
    engine = open_db(url, create_file=False)
    with engine.connect() as conn:
        where = _where(conn)
        terms = dict(conn.exec_driver_sql("SELECT id, key FROM terms").all())
        out = {
            "terms": {key for (key,) in conn.exec_driver_sql("SELECT key FROM terms")},
            "term scores": {(key, round(score, 6)) for key, score in conn.exec_driver_sql("SELECT key, score FROM terms")},
            "mentions": {(terms[t], where[m], start, end) for t, m, start, end in conn.exec_driver_sql(
                "SELECT term_id, message_id, start, \"end\" FROM mentions")},
            "definitions": {(terms[t], where[m], text) for t, m, text in conn.exec_driver_sql(
                "SELECT term_id, message_id, text FROM definitions")},
        }
        answers: dict[int, list] = {}
        for pair_id, message_id in conn.exec_driver_sql("SELECT pair_id, message_id FROM qa_answers ORDER BY pair_id, rank"):
            answers.setdefault(pair_id, []).append(where[message_id])
        out["Q&A pairs (question and answers)"] = {(where[q], tuple(answers.get(p, ()))) for p, q in conn.exec_driver_sql(
            "SELECT id, question_id FROM qa_pairs")}
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("appended", help="database whose last files were appended")
    parser.add_argument("full", help="database of the same files, extracted in full")
    args = parser.parse_args()
    state = stored_state(open_db(args.appended, create_file=False))
    a, f = snapshot(args.appended), snapshot(args.full)
    print(f"appended since the last full extraction: {state.get('appended_messages', 0):,} of "
          f"{state.get('full_messages', 0):,} messages")
    new_files = set(state.get("appended_files", []))
    print(f"{'':34} {'both':>9} {'only appended':>14} {'only full':>10}   (of which in the appended files)")
    for name in a:
        both, only_a, only_f = a[name] & f[name], a[name] - f[name], f[name] - a[name]

        def new(items):
            return sum(1 for item in items if _in(item, new_files))
        print(f"{name:34} {len(both):9,} {len(only_a):14,} {len(only_f):10,}   "
              f"({new(both):,} / {new(only_a):,} / {new(only_f):,})")


def _in(item, files: set[str]) -> bool:
    """Whether a row of a snapshot belongs to one of ``files`` (by its message's file)."""
    for part in item if isinstance(item, tuple) else (item,):
        if isinstance(part, tuple) and len(part) == 2 and part[0] in files:
            return True
        if isinstance(part, tuple) and part and isinstance(part[0], tuple) and part[0][0] in files:
            return True
    return False


if __name__ == "__main__":
    main()
