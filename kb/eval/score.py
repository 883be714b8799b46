"""Scoring what the database holds against the aligned digests.

- qa_recall: the share of aligned digest questions whose message is the question of an
  extracted Q&A pair. The pair's question may also be another message of the same short
  burst by the same speaker (same log, at most ``BURST_MESSAGES`` messages and
  ``BURST_SECONDS`` seconds away): people split a question over two or three lines; or the
  same speaker asking it again (Alignment.repeats).
- answer_agreement: among recalled questions whose digest gives an answer, the share where
  one of the pair's answer messages is a message the digest answer was aligned to, or is
  mostly (``ANSWER_CONTAINMENT`` of its bigrams) contained in the digest answer.
- keyword_recall: the share of digest keywords whose term key (kb.store.normalize.term_key)
  is the key, or an alias key, of a term that is not rejected.

Aligned messages are found in the database by source key (``group/file name``) and line,
else by date, time and speaker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from kb.eval.align import (
    ANSWER_CONTAINMENT,
    ANSWER_MIN_GRAMS,
    MARGIN,
    MIN_SIMILARITY,
    WINDOW_DAYS,
    Alignment,
    AlignmentReport,
    LogMessage,
    align_folders,
    grams,
    normalize,
)
from kb.eval.digests import Digest, read_digests
from kb.store.models import Alias, Message, QAAnswer, QAPair, Source, Term
from kb.store.normalize import term_key

Explain = Callable[[list[int]], dict[int, str]]  # message ids -> why each is no pair's question

_YES_NO = frozenset("是的 对的 可以 不可以 没有 不是 不行 不能 不会 好的 有的 是啊 对啊 嗯嗯 可以的 不用".split())
# a question restated with its answer: 问题：… 回答：…, or …？ 答：…
_RESTATED = re.compile(r"^\s*问题?[:：].*?回答[:：]|^.{4,}?[？?吗呢么]\s*答\s*[:：]", re.S)

BURST_MESSAGES = 3
BURST_SECONDS = 180
NEAR_PAIR_MESSAGES = 20  # a miss shows the nearest extracted question within this many messages


@dataclass(slots=True)
class Miss:
    """An aligned digest question the extractor did not find, with where to look."""

    digest: str
    label: str
    question: str
    where: str  # group/file:line of the aligned message
    message: str  # its text; for an answer miss, the extracted answers
    similarity: float
    reason: str  # "not in database" | "no pair: <why>" (see _explain_no_pair) | "answer differs"
    nearest_pair: str | None = None  # the closest extracted question in that log, if any


@dataclass
class EvalReport:
    digests: int
    questions: int
    aligned_questions: int
    ambiguous: int
    unmatched: int
    too_short: int
    by_form: dict[str, dict[str, int]]
    window: int
    shift: int
    log_files: int
    log_messages: int
    matched_in_db: int  # aligned questions whose message is in the database
    pairs_in_db: int
    qa_recalled: int
    answers_expected: int  # recalled questions whose digest gives an answer
    answers_agreed: int
    keywords: int
    keywords_found: int
    terms_in_db: int
    misses: list[Miss] = field(default_factory=list)
    answer_misses: list[Miss] = field(default_factory=list)
    missed_keywords: list[str] = field(default_factory=list)

    @property
    def alignment_rate(self) -> float:
        return _share(self.aligned_questions, self.questions)

    @property
    def qa_recall(self) -> float:
        return _share(self.qa_recalled, self.aligned_questions)

    @property
    def answer_agreement(self) -> float:
        return _share(self.answers_agreed, self.answers_expected)

    @property
    def keyword_recall(self) -> float:
        return _share(self.keywords_found, self.keywords)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(alignment_rate=self.alignment_rate, qa_recall=self.qa_recall,
                    answer_agreement=self.answer_agreement, keyword_recall=self.keyword_recall)
        return data


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def evaluate(
    engine: Engine,
    digests_folder: str | Path,
    logs_folder: str | Path,
    *,
    window: int = WINDOW_DAYS,
    shift: int = 0,
    min_similarity: float = MIN_SIMILARITY,
    margin: float = MARGIN,
    explain: Explain | None = None,
) -> EvalReport:
    """Read the digests, align them to the logs, and score the database against them.

    ``explain(message_ids)`` says why each aligned message is no pair's question (kb eval passes the
    Q&A extractor's reading, kb.extract.qa.explain_unpaired); without it the reason is just "no pair".
    """
    digests = read_digests(digests_folder)
    report = align_folders(digests, logs_folder, window=window, shift=shift, min_similarity=min_similarity,
                           margin=margin)
    return score(engine, digests, report, explain)


def score(engine: Engine, digests: list[Digest], report: AlignmentReport, explain: Explain | None = None) -> EvalReport:
    """Score the database's Q&A pairs and terms against aligned digests."""
    aligned = report.aligned
    by_form: dict[str, dict[str, int]] = defaultdict(lambda: {"questions": 0, "aligned": 0})
    for a in report.alignments:
        by_form[a.question.form]["questions"] += 1
        by_form[a.question.form]["aligned"] += a.aligned
    statuses = [a.status for a in report.alignments]
    result = EvalReport(
        digests=len(digests), questions=len(report.alignments), aligned_questions=len(aligned),
        ambiguous=statuses.count("ambiguous"), unmatched=statuses.count("no match"),
        too_short=statuses.count("too short"), by_form=dict(by_form), window=report.window, shift=report.shift,
        log_files=report.log_files, log_messages=report.log_messages, matched_in_db=0, pairs_in_db=0,
        qa_recalled=0, answers_expected=0, answers_agreed=0, keywords=0, keywords_found=0, terms_in_db=0,
    )
    _score_qa(engine, aligned, result, explain)
    _score_keywords(engine, digests, result)
    return result


@dataclass(slots=True)
class _Row:
    id: int
    source_id: int
    seq: int
    time: str
    speaker: str
    text: str


class _Messages:
    """The database messages of the logs the alignments point into."""

    def __init__(self, engine: Engine, alignments: list[Alignment]) -> None:
        refs = [m for a in alignments for m in (*a.messages, *a.answer_messages)]
        keys = {m.source_key for m in refs}
        dates = {m.date for m in refs if m.date}
        self.by_line: dict[tuple[str, int], _Row] = {}
        self.by_when: dict[tuple[dt.date | None, str, str], _Row | None] = {}
        self.by_seq: dict[tuple[int, int], _Row] = {}
        with engine.connect() as conn:
            sources = conn.execute(
                select(Source.id, Source.key, Source.date).where(Source.key.in_(keys) | Source.date.in_(dates))
            ).all()
            source_key = {s.id: s.key for s in sources}
            source_date = {s.id: s.date for s in sources}
            ids = list(source_key)
            for chunk in range(0, len(ids), 500):
                for r in conn.execute(
                    select(Message.id, Message.source_id, Message.seq, Message.line, Message.time, Message.speaker,
                           Message.text).where(Message.source_id.in_(ids[chunk:chunk + 500]))
                ):
                    row = _Row(r.id, r.source_id, r.seq, r.time, r.speaker, r.text)
                    self.by_line[(source_key[r.source_id], r.line)] = row
                    self.by_seq[(r.source_id, r.seq)] = row
                    when = (source_date[r.source_id], r.time, r.speaker)
                    self.by_when[when] = None if when in self.by_when else row  # ambiguous -> None

    def find(self, m: LogMessage) -> _Row | None:
        return self.by_line.get((m.source_key, m.line)) or self.by_when.get((m.date, m.time, m.speaker))

    def burst(self, row: _Row) -> list[_Row]:
        """The row and the messages of the same speaker right around it."""
        found = [row]
        for delta in range(-BURST_MESSAGES, BURST_MESSAGES + 1):
            other = self.by_seq.get((row.source_id, row.seq + delta))
            if other is not None and delta and other.speaker == row.speaker \
                    and abs(_seconds(row.time) - _seconds(other.time)) <= BURST_SECONDS:
                found.append(other)
        return found


def _score_qa(engine: Engine, aligned: list[Alignment], result: EvalReport, explain: Explain | None) -> None:
    with engine.connect() as conn:
        pairs = {question_id: pair_id for pair_id, question_id in conn.execute(select(QAPair.id, QAPair.question_id))}
        answers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pair_id, message_id, text in conn.execute(
            select(QAAnswer.pair_id, QAAnswer.message_id, Message.text).join(Message, Message.id == QAAnswer.message_id)
        ):
            answers[pair_id].append((message_id, text))
    result.pairs_in_db = len(pairs)
    if not aligned:
        return
    db = _Messages(engine, aligned)
    unpaired: list[tuple[Miss, _Row]] = []
    for a in aligned:
        rows = [row for row in (db.find(m) for m in a.messages) if row is not None]
        repeats = [row for row in (db.find(m) for m in a.repeats) if row is not None]
        first = a.messages[0]
        if not rows:
            result.misses.append(_miss(a, "not in database"))
            continue
        result.matched_in_db += 1
        candidates = {r.id: r for row in rows + repeats for r in db.burst(row)}
        pair_ids = [pairs[i] for i in candidates if i in pairs]
        if not pair_ids:
            unpaired.append((_miss(a, "no pair", _nearest_pair(db, rows[0], pairs)), rows[0]))
            result.misses.append(unpaired[-1][0])
            continue
        result.qa_recalled += 1
        if not a.question.answer_text:
            continue
        result.answers_expected += 1
        expected = {row.id for row in (db.find(m) for m in a.answer_messages) if row is not None}
        digest_answer = grams(a.question.answer_text)
        first_line = normalize(next((line for line in a.question.answer_text.splitlines() if line.strip()), ""))
        extracted = [answer for pair_id in pair_ids for answer in answers.get(pair_id, [])]
        if any(message_id in expected or _contained(text, digest_answer, first_line)
               for message_id, text in extracted):
            result.answers_agreed += 1
        else:
            shown = " / ".join(text[:60] for _, text in extracted[:3]) or "(no answer extracted)"
            said = a.question.answer_text.replace("\n", " / ")[:80]
            result.answer_misses.append(Miss(a.digest, a.question.label, a.question.text, first.where, f"→ {shown}",
                                             a.similarity, f"answer differs; the digest says: {said}"))
    if explain is not None:
        _explain_no_pair(unpaired, explain)


def _contained(text: str, digest_answer: frozenset[str], first_line: str) -> bool:
    """Whether an extracted answer is (mostly) in the digest's answer: most of its bigrams are, or,
    for a reply too short for that (都稳定, 2号令), it is the answer's first line, the direct answer
    digest editors write first, and says more than yes or no (是的, 可以 from anyone would agree).
    Of a restated "问题：… 回答：…" (or "…？ 答：…") message only the answer counts."""
    text = _RESTATED.sub("", text)
    message = grams(text)
    if len(message) < ANSWER_MIN_GRAMS:
        short = normalize(text)
        return len(short) >= 2 and short == first_line and short not in _YES_NO
    shared = len(message & digest_answer)
    return shared >= ANSWER_MIN_GRAMS and shared / len(message) >= ANSWER_CONTAINMENT


def _nearest_pair(db: _Messages, row: _Row, pairs: dict[int, int]) -> str | None:
    for distance in range(1, NEAR_PAIR_MESSAGES + 1):
        for seq in (row.seq - distance, row.seq + distance):
            other = db.by_seq.get((row.source_id, seq))
            if other is not None and other.id in pairs:
                return f"{seq - row.seq:+d} messages: {other.speaker}: {other.text[:80]}"
    return None


def _explain_no_pair(unpaired: list[tuple[Miss, _Row]], explain: Explain) -> None:
    """Say why each aligned message is no pair's question (``explain(message_ids)``)."""
    if not unpaired:
        return
    reasons = explain([row.id for _miss, row in unpaired])
    for miss, row in unpaired:
        miss.reason = f"no pair: {reasons.get(row.id, 'no reason given')}"


def _miss(a: Alignment, reason: str, nearest: str | None = None) -> Miss:
    text = " / ".join(m.text for m in a.messages)
    return Miss(a.digest, a.question.label, a.question.text, a.messages[0].where, text, a.similarity, reason, nearest)


def _score_keywords(engine: Engine, digests: list[Digest], result: EvalReport) -> None:
    with engine.connect() as conn:
        live = Term.status != "rejected"
        keys = set(conn.scalars(select(Term.key).where(live)))
        result.terms_in_db = len(keys)
        keys.update(conn.scalars(select(Alias.key).join(Term, Term.id == Alias.term_id).where(live)))
    keywords = {}
    for digest in digests:
        for keyword in digest.keywords:
            keywords.setdefault(term_key(keyword), keyword)
    result.keywords = len(keywords)
    result.keywords_found = sum(1 for key in keywords if key in keys)
    result.missed_keywords = [keyword for key, keyword in keywords.items() if key not in keys]


def _seconds(t: str) -> int:
    h, m, s = (int(x) for x in t.split(":"))
    return h * 3600 + m * 60 + s
