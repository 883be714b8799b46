"""Aligning digest questions (and their answers) to the chat messages they were taken from.

A digest question is compared with every message, and every short burst of messages by one
speaker, of every group on the days around the days the digest names (its date, its title,
its image names; ± ``window`` days). Texts are compared as sets of character bigrams
(NFKC, lower case, @mentions, emoji codes and punctuation removed); the similarity is the
cosine of the two sets, |Q∩M| / sqrt(|Q|·|M|), 1.0 for the same text.

An alignment is accepted only when the best candidate reaches ``min_similarity`` and beats
the best *other* candidate (one sharing no message with it and not the same speaker within
half an hour, i.e. not a repeat of the same question) by ``margin``. Everything else is
reported as ambiguous or unmatched, never guessed.

The digest's answer is then aligned to the messages that follow the question in the same
log (up to ``ANSWER_SPAN`` messages later): a message is part of the answer when most of its
bigrams (``ANSWER_CONTAINMENT``) occur in the digest answer, which often merges several
messages.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb.errors import KbError
from kb.eval.digests import Digest, DigestQuestion
from kb.ingest import discover, parse_file

ALIGNED, AMBIGUOUS, NO_MATCH, TOO_SHORT = "aligned", "ambiguous", "no match", "too short"
MIN_SIMILARITY = 0.5
MARGIN = 0.1
WINDOW_DAYS = 3
MIN_GRAMS = 5  # a question shorter than this (in bigrams) is not aligned
MIN_SHARED = 4  # the best candidate must share at least this many bigrams with the question
BURST_MESSAGES = 3  # a burst is up to this many consecutive messages of one speaker ...
BURST_SECONDS = 180  # ... each within this many seconds of the previous one
REPEAT_SECONDS = 1800  # the same speaker within this time is the same question, not a rival
ANSWER_SPAN = 400  # answer messages are looked for up to this many messages after the question
ANSWER_CONTAINMENT = 0.6
ANSWER_MIN_GRAMS = 4
CANDIDATES = 300  # units sharing the most bigrams with a question that are scored exactly
MAX_WEIGHT = 12.0  # weight of a bigram never seen in the logs

_FILE_DATE = re.compile(r"(20\d{2})-(\d{2})-(\d{2})")
# an @mention up to the space or the "?" the export leaves for the separator U+2005 after it
# (as kb.extract.qa_signals reads them): "@某人?支付类型吧" keeps "支付类型吧"
_MENTION = re.compile(r"@[^\s\u2005?？，,。:：]+[\u2005?]?")
_EMOJI = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


@dataclass(frozen=True, slots=True)
class LogMessage:
    """One message of a log file, with what is needed to find it again in the database."""

    group: str
    file: str
    date: dt.date | None
    seq: int
    line: int
    time: str
    speaker: str
    text: str
    speaker_name: str = ""  # the name part of the nickname (the export sometimes drops the rest)

    @property
    def source_key(self) -> str:
        """The key of its file in the sources table (``group/file name``, as kb ingest stores it)."""
        return f"{self.group}/{self.file}"

    @property
    def where(self) -> str:
        return f"{self.source_key}:{self.line}"


@dataclass(slots=True)
class Alignment:
    """Where one digest question was found (or why not)."""

    digest: str
    question: DigestQuestion
    status: str
    similarity: float = 0.0
    runner_up: float = 0.0
    messages: tuple[LogMessage, ...] = ()  # the question as asked (one message or a burst)
    # other messages of the same speaker, within half an hour, that fit nearly as well: the question
    # asked again, another part of a question the digest merged, or the export writing it twice
    repeats: tuple[LogMessage, ...] = ()
    answer_messages: list[LogMessage] = field(default_factory=list)

    @property
    def aligned(self) -> bool:
        return self.status == ALIGNED


@dataclass(slots=True)
class AlignmentReport:
    alignments: list[Alignment]
    window: int
    shift: int
    log_files: int
    log_messages: int

    @property
    def aligned(self) -> list[Alignment]:
        return [a for a in self.alignments if a.aligned]


def normalize(text: str) -> str:
    """Text as compared: NFKC, lower case, without @mentions, emoji codes and punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _NOT_WORD.sub("", _EMOJI.sub("", _MENTION.sub(" ", text)))


@lru_cache(maxsize=300_000)
def grams(text: str) -> frozenset[str]:
    """The character bigrams of a text (after normalize)."""
    text = normalize(text)
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def load_logs(folder: str | Path, days: Iterable[dt.date] | None = None) -> list[list[LogMessage]]:
    """Parse the logs under a folder (only those of ``days`` when given); one list per file.

    A file's group is its folder's name, as kb ingest stores it; files that are not chat
    logs are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise KbError(f"{folder}: log folder not found")
    wanted = set(days) if days is not None else None
    logs: list[list[LogMessage]] = []
    for path in discover([folder]):
        named = _FILE_DATE.search(path.name)
        if wanted is not None and named and _file_date(named) not in wanted:
            continue
        try:
            parsed = parse_file(path)
        except KbError:
            continue
        if wanted is not None and not named and parsed.date not in wanted:
            continue
        group = path.parent.name
        logs.append([
            LogMessage(group=group, file=path.name, date=parsed.date, seq=m["seq"], line=m["line"],
                       time=m["time"], speaker=m["speaker"], text=m["text"], speaker_name=m["speaker_name"])
            for m in parsed.messages
        ])
    return logs


def candidate_days(digest: Digest, window: int, shift: int = 0) -> set[dt.date]:
    """The days searched for a digest's questions: each day it names, ± window, shifted by ``shift``."""
    days: set[dt.date] = set()
    for hint in digest.date_hints:
        for delta in range(-window, window + 1):
            days.add(hint + dt.timedelta(days=delta + shift))
    return days


@dataclass(slots=True)
class _Unit:
    """A candidate: one message or a burst of consecutive messages by one speaker."""

    log: int  # index of the log file
    first: int  # index of the first message in its file
    last: int
    grams: frozenset[str]


class _Index:
    """Candidates of the log files, indexed by bigram one file at a time (each file once)."""

    def __init__(self, logs: list[list[LogMessage]], weights: dict[str, float]) -> None:
        self.logs = logs
        self.weights = weights
        self.units: list[_Unit] = []
        self.norms: list[float] = []
        self.postings: dict[int, dict[str, list[int]]] = {}  # log id -> bigram -> unit ids

    def _log_postings(self, log_id: int) -> dict[str, list[int]]:
        postings = self.postings.get(log_id)
        if postings is None:
            postings = self.postings[log_id] = defaultdict(list)
            messages = self.logs[log_id]
            message_grams = [grams(m.text) for m in messages]
            for i, m in enumerate(messages):
                if not message_grams[i]:
                    continue
                self._add(postings, _Unit(log_id, i, i, message_grams[i]))
                combined = message_grams[i]
                for j in range(i + 1, min(i + BURST_MESSAGES, len(messages))):
                    if messages[j].speaker != m.speaker or \
                            _seconds(messages[j - 1].time, messages[j].time) > BURST_SECONDS:
                        break
                    if not message_grams[j]:
                        continue
                    combined = combined | message_grams[j]
                    self._add(postings, _Unit(log_id, i, j, combined))
        return postings

    def _add(self, postings: dict[str, list[int]], unit: _Unit) -> None:
        unit_id = len(self.units)
        self.units.append(unit)
        self.norms.append(self.norm(unit.grams))
        for gram in unit.grams:
            postings[gram].append(unit_id)

    def norm(self, grams_: frozenset[str]) -> float:
        weights = self.weights
        return math.sqrt(sum(weights.get(g, MAX_WEIGHT) ** 2 for g in grams_))

    def ranked(self, query: frozenset[str], log_ids: list[int], limit: int = 50) -> list[tuple[float, _Unit]]:
        """The best candidates in the given logs by weighted cosine, best first.

        Only the ``CANDIDATES`` units sharing the most bigrams with the query are scored.
        """
        counts: Counter[int] = Counter()
        for log_id in log_ids:
            postings = self._log_postings(log_id)
            for gram in query:
                posting = postings.get(gram)
                if posting:
                    counts.update(posting)
        query_norm = self.norm(query)
        weights = self.weights
        scored = []
        for uid, _ in counts.most_common(CANDIDATES):
            unit = self.units[uid]
            shared = sum(weights.get(g, MAX_WEIGHT) ** 2 for g in query & unit.grams)
            scored.append((shared / (query_norm * self.norms[uid]), unit))
        scored.sort(key=lambda item: (-round(item[0], 9), item[1].log, item[1].first, item[1].last))
        return scored[:limit]


def bigram_weights(logs: list[list[LogMessage]]) -> dict[str, float]:
    """The inverse document frequency of each bigram over the messages of the logs: log(N / df)."""
    df: Counter[str] = Counter()
    n = 0
    for messages in logs:
        for m in messages:
            message_grams = grams(m.text)
            if message_grams:
                n += 1
                df.update(message_grams)
    return {g: math.log((n + 1) / (count + 0.5)) for g, count in df.items()}


def align(
    digests: list[Digest],
    logs: list[list[LogMessage]],
    *,
    window: int = WINDOW_DAYS,
    shift: int = 0,
    min_similarity: float = MIN_SIMILARITY,
    margin: float = MARGIN,
) -> AlignmentReport:
    """Align every question of the digests to the logs; ``shift`` moves every digest date (a control)."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for log_id, messages in enumerate(logs):
        if messages and messages[0].date:
            by_day[messages[0].date].append(log_id)
    index = _Index(logs, bigram_weights(logs))
    alignments: list[Alignment] = []
    for digest in digests:
        log_ids = sorted({i for day in candidate_days(digest, window, shift) for i in by_day.get(day, ())})
        for question in digest.questions:
            alignments.append(_align_question(digest.file, question, index, log_ids, min_similarity, margin))
    return AlignmentReport(alignments=alignments, window=window, shift=shift, log_files=len(logs),
                           log_messages=sum(len(m) for m in logs))


def align_folders(
    digests: list[Digest], logs_folder: str | Path, *, window: int = WINDOW_DAYS, shift: int = 0,
    min_similarity: float = MIN_SIMILARITY, margin: float = MARGIN,
) -> AlignmentReport:
    """Load only the log files of the days the digests need, then align."""
    days = {day for digest in digests for day in candidate_days(digest, window, shift)}
    logs = load_logs(logs_folder, days)
    return align(digests, logs, window=window, shift=shift, min_similarity=min_similarity, margin=margin)


def _align_question(file: str, question: DigestQuestion, index: _Index, log_ids: list[int],
                    min_similarity: float, margin: float) -> Alignment:
    query = grams(question.text)
    if len(query) < MIN_GRAMS:
        return Alignment(file, question, TOO_SHORT)
    ranked = index.ranked(query, log_ids)
    if not ranked:
        return Alignment(file, question, NO_MATCH)
    best_score, best = ranked[0]
    runner_up = next((score for score, unit in ranked[1:] if not _same_question(index.logs, best, unit)), 0.0)
    messages = tuple(index.logs[best.log][best.first:best.last + 1])
    if best_score < min_similarity or len(query & best.grams) < MIN_SHARED:
        status = NO_MATCH
    elif best_score - runner_up < margin:
        status = AMBIGUOUS
    else:
        status = ALIGNED
    repeats = tuple(m for score, unit in ranked[1:] if score >= best_score - margin
                    and _same_question(index.logs, best, unit) and not _overlaps(best, unit)
                    for m in index.logs[unit.log][unit.first:unit.last + 1] if m not in messages)
    alignment = Alignment(file, question, status, round(best_score, 3), round(runner_up, 3), messages,
                          tuple(dict.fromkeys(repeats)))
    if status == ALIGNED and question.answer_text:
        alignment.answer_messages = _align_answer(question.answer_text, index.logs[best.log], best)
    return alignment


def _overlaps(a: _Unit, b: _Unit) -> bool:
    return a.log == b.log and a.first <= b.last and b.first <= a.last


def _same_question(logs: list[list[LogMessage]], a: _Unit, b: _Unit) -> bool:
    """True when b overlaps a, or is the same speaker asking again shortly before or after.

    Speakers are compared by name: the export sometimes writes one message twice, once with
    the full nickname (``于江宁-银联电子PM``) and once with the name alone.
    """
    if a.log != b.log:
        return False
    if _overlaps(a, b):
        return True
    first_a, first_b = logs[a.log][a.first], logs[b.log][b.first]
    same_speaker = first_a.speaker == first_b.speaker or (
        bool(first_a.speaker_name) and first_a.speaker_name == first_b.speaker_name)
    return same_speaker and abs(_seconds(first_a.time, first_b.time)) <= REPEAT_SECONDS


def _align_answer(answer_text: str, messages: list[LogMessage], question: _Unit) -> list[LogMessage]:
    answer = grams(answer_text)
    found = []
    for i in range(max(0, question.first - 3), min(len(messages), question.last + 1 + ANSWER_SPAN)):
        if question.first <= i <= question.last:
            continue
        message_grams = grams(messages[i].text)
        if len(message_grams) < ANSWER_MIN_GRAMS:
            continue
        shared = len(message_grams & answer)
        if shared >= ANSWER_MIN_GRAMS and shared / len(message_grams) >= ANSWER_CONTAINMENT:
            found.append(messages[i])
    return found


def _file_date(match: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _seconds(a: str, b: str) -> int:
    """Seconds from time a to time b (HH:MM:SS), negative when b is earlier."""
    def value(t: str) -> int:
        h, m, s = (int(x) for x in t.split(":"))
        return h * 3600 + m * 60 + s
    return value(b) - value(a)
