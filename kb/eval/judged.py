"""Precision by reading: how the pairs judged by hand fare in the database as it is now.

A judgments file is a TSV with a header: ``group``, ``date``, ``seq`` (of the pair's question
message, the key that survives extracting again) and ``time``, then one or more verdict columns
(``verdict``, ``verdict2``, … each ``right`` or ``wrong``; other columns are ignored), as in
``benchmarks/qa_precision.tsv`` (a random sample of the output, read twice) and
``benchmarks/qa_labels.tsv`` (pairs drawn without the pair model, its training data).

For each verdict column, ``score_judgments`` counts the judged pairs whose question is still
the question of an extracted pair, and how many of those were read right: the precision of what
is extracted now, among the pairs someone read. It says nothing of pairs nobody judged (new
pairs the rules make since), and a pair whose question is kept but whose answers changed counts
with its old verdict; so it tracks a change, and new judgments measure it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.errors import KbError
from kb.store.models import Message, QAPair

Key = tuple[str, str, int]  # group, date (ISO), seq of the question message
VERDICTS = ("right", "wrong")


@dataclass(frozen=True)
class Judgments:
    path: str
    verdicts: dict[str, dict[Key, bool]]  # verdict column -> question key -> read right
    times: dict[Key, str]                 # question key -> the question's time as judged ("" when not given)


@dataclass(frozen=True)
class JudgedScore:
    path: str
    column: str
    judged: int        # pairs judged in this column
    right: int         # of them read right
    in_database: int   # judged pairs whose question message is in the database
    kept: int          # judged pairs whose question is still the question of a pair
    kept_right: int    # of those, read right
    right_dropped: int  # pairs read right, in the database, whose question is no pair's any more

    @property
    def precision(self) -> float | None:
        """Share of the judged pairs still extracted that were read right (None: none is extracted)."""
        return self.kept_right / self.kept if self.kept else None

    @property
    def right_kept(self) -> float | None:
        """Share of the pairs read right whose question is in the database that are still extracted
        (None: no such pair)."""
        right_here = self.kept_right + self.right_dropped
        return self.kept_right / right_here if right_here else None


def read_judgments(path: str | Path) -> Judgments:
    """The verdicts of a judgments file; a malformed line, or a pair judged twice in one file, is
    an error naming the file and line."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")  # a byte-order mark (a spreadsheet's export) is fine
    except OSError as exc:
        raise KbError(f"cannot read judgments {path}: {exc.strerror or exc}") from None
    with fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = reader.fieldnames or []
        missing = [name for name in ("group", "date", "seq") if name not in header]
        columns = [name for name in header if name.startswith("verdict")]
        if missing or not columns:
            need = ", ".join(missing + ([] if columns else ["verdict"]))
            raise KbError(f"{path}:1: the header lacks {need} (expected group, date, seq, time, verdict, …)")
        verdicts: dict[str, dict[Key, bool]] = {column: {} for column in columns}
        first_line: dict[Key, int] = {}
        times: dict[Key, str] = {}
        for row in reader:
            line = reader.line_num  # blank lines count too
            group, day, seq = ((row.get(name) or "").strip() for name in ("group", "date", "seq"))
            try:
                day = dt.date.fromisoformat(day).isoformat()
            except ValueError:
                day = ""
            if not group or not day or not seq.isdigit():
                raise KbError(f"{path}:{line}: expected a group, a date (YYYY-MM-DD) and a message number (seq), "
                              f"got {row.get('group')!r}, {row.get('date')!r}, {row.get('seq')!r}")
            key = (group, day, int(seq))
            if key in first_line:
                raise KbError(f"{path}:{line}: {group} {day} {seq} is judged already at line {first_line[key]}")
            first_line[key] = line
            times[key] = (row.get("time") or "").strip()
            for column in columns:
                value = (row.get(column) or "").strip()
                if value not in VERDICTS:
                    raise KbError(f"{path}:{line}: {column} must be right or wrong, not {value!r}")
                verdicts[column][key] = value == "right"
    return Judgments(str(path), verdicts, times)


def question_keys(engine: Engine) -> tuple[set[Key], set[Key]]:
    """(keys of every message in the database, keys of the questions of the extracted pairs)."""
    m = Message.__table__.c
    date = sa.type_coerce(m.date, sa.String)
    with engine.connect() as conn:
        paired = {(group, str(day), seq) for group, day, seq in conn.execute(
            sa.select(m.group, date, m.seq).join(QAPair.__table__, QAPair.question_id == m.id))}
        messages = {(group, str(day), seq) for group, day, seq in conn.execute(sa.select(m.group, date, m.seq))}
    return messages, paired


def score_judgments(engine: Engine, judgments: Judgments,
                    keys: tuple[set[Key], set[Key]] | None = None) -> list[JudgedScore]:
    """One score per verdict column of ``judgments`` against the database's pairs (``keys``:
    question_keys(engine), when already read)."""
    messages, paired = keys or question_keys(engine)
    scores = []
    for column, verdicts in judgments.verdicts.items():
        here = {key: right for key, right in verdicts.items() if key in messages}
        kept = [right for key, right in here.items() if key in paired]
        dropped_right = sum(1 for key, right in here.items() if right and key not in paired)
        scores.append(JudgedScore(judgments.path, column, len(verdicts), sum(verdicts.values()), len(here),
                                  len(kept), sum(kept), dropped_right))
    return scores
