"""What the wiki and reading lists read from the database, loaded once into plain objects.

Only approved and candidate terms are loaded (rejected ones never reach a page);
a merged term's name becomes an alias of the term it was merged into.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb import heap
from kb.publish import pinyin as py
from kb.store.models import (
    Alias, Definition, Setting, Source, Term, stored_list,
)

SHOWN = ("approved", "candidate")
EXAMPLES_PER_TERM = 5
DEFINITIONS_PER_TERM = 3


@dataclass
class TermInfo:
    id: int
    canonical: str
    key: str
    status: str
    score: float
    definition: str | None
    english: str | None
    category: str | None
    related: list[str]
    n_mentions: int
    aliases: list[str] = field(default_factory=list)
    pinyin: str = ""
    initials: str = ""
    candidate_definitions: list[dict[str, Any]] = field(default_factory=list)  # text, message_id, score
    examples: list[int] = field(default_factory=list)  # message ids
    days: list[tuple[int, int]] = field(default_factory=list)  # (source id, mentions), most first
    qa: list[int] = field(default_factory=list)  # qa pair ids, best first (its question names the term, then by score)

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def best_definition(self) -> tuple[str | None, bool]:
        """(definition, reviewed): the curated one, else the best candidate one (not reviewed)."""
        if self.definition:
            return self.definition, True
        if self.candidate_definitions:
            return self.candidate_definitions[0]["text"], False
        return None, False


class MessageInfo(NamedTuple):
    """A message as the pages show it (a named tuple: 120,000 of them are made per render, three
    times faster than dataclass instances)."""
    id: int
    source_id: int
    date: dt.date | str | None  # a str when read through the SQLite driver
    time: str
    seq: int
    speaker: str
    kind: str
    text: str
    quoted_speaker: str | None
    quoted_text: str | None
    links: Sequence[dict[str, str]]
    images: Sequence[dict[str, str]]


@dataclass
class SourceInfo:
    id: int
    group: str
    date: dt.date | None
    title: str | None
    n_messages: int


@dataclass
class QAInfo:
    id: int
    question_id: int
    score: float
    answer_ids: list[int]
    term_ids: list[int]


@dataclass
class Data:
    terms: list[TermInfo]  # approved first, then by score
    by_id: dict[int, TermInfo]
    sources: list[SourceInfo]
    messages: dict[int, MessageInfo]
    by_source: dict[int, list[int]]  # source id → message ids in order
    qa: dict[int, QAInfo]
    spans: dict[int, list[tuple[int, int, int]]] | None = None  # message id → stored mentions; None: none stored

    def term_by_name(self) -> dict[str, int]:
        """Every written form (canonical, aliases, keys) → term id; approved terms win a shared name."""
        names: dict[str, int] = {}
        for term in self.terms:  # approved first: they keep a name they share with a candidate
            for name in (term.canonical, term.key, *term.aliases):
                names.setdefault(name, term.id)
        return names


@heap.paused_gc()  # millions of rows, dicts and tuples: no cycles to look for (kb.heap)
def load(engine: Engine, messages: bool = True, save_pinyin: bool = True,
         focus: Callable[[Data], tuple[set[int], set[int], set[int] | None]] | None = None,
         preloaded: Preloaded | None = None) -> Data:
    """Everything the published pages show, in a handful of queries.

    With ``messages`` every message is loaded (for the day pages) and each term's
    examples and days come from the stored mentions; without, only the messages
    that definitions and Q&A quote (reading lists).

    ``focus`` (with ``messages``) is for a render that makes only some day and term pages: it is
    called with the data before any message is read (terms, definitions, Q&A, sources, and every
    stored mention) and returns (source ids, term ids) of the pages to make, and the Q&A pairs
    whose messages they show (None: every pair's); then only the messages those pages and the
    index pages quote are read, and only those terms get their examples and days (the data of the
    pages made is the same as with everything loaded). It is not called when no mention is stored.

    ``preloaded`` (with ``messages``, without ``focus``): what ``preload`` read of the same
    database before its Q&A pairs were stored; only the rest is read now.
    """
    if preloaded is not None and messages and focus is None:
        return _completed(engine, preloaded, save_pinyin)
    with Session(engine) as session:
        terms = _load_terms(session)
        by_id = {t.id: t for t in terms}
        _load_candidate_definitions(session, by_id)
        sources = _load_sources(session)
        connection = session.connection()
        spans = _load_spans(connection, by_id) if messages else None  # (the pairs' terms come from these)
        qa = _load_qa(session, by_id, spans)
        if focus is not None and spans is not None:  # (no stored mention: pages depend on each other, all are made)
            day_ids, term_ids, pair_ids = focus(Data(terms, by_id, sources, {}, {}, qa, spans))
            shown = qa if pair_ids is None else {i: qa[i] for i in pair_ids if i in qa}
            loaded = _load_focused(connection, by_id, shown, spans, day_ids, term_ids)
        elif messages:
            loaded = _load_all_messages(connection, by_id, spans)
        else:
            loaded = _load_messages(connection, _needed_messages(by_id, qa))
        _attach_pinyin(session, terms, save_pinyin)
        if save_pinyin:  # (a focused render leaves the new messages' characters to kb lookup, which
            # learns a character it has no reading of when a query has it: importing pypinyin for a
            # day's few new characters would cost a render a fifth of its time)
            _save_char_readings(session, terms, {} if spans is not None and focus is not None else loaded)
    return Data(terms, by_id, sources, loaded, _by_source(loaded), qa, spans)


@dataclass
class Preloaded:
    """What a full load reads that the Q&A pairs do not change (``preload``), with the readings of
    the terms' names and of the characters as settings should keep them (``None``: unchanged)."""
    terms: list[TermInfo]
    by_id: dict[int, TermInfo]
    sources: list[SourceInfo]
    messages: dict[int, MessageInfo]
    spans: dict[int, list[tuple[int, int, int]]] | None
    readings: dict[str, dict | None]


@heap.paused_gc()
def preload(engine: Engine) -> Preloaded:
    """The part of ``load(engine)`` that does not depend on the Q&A tables (terms, definitions,
    sources, every message and mention; nothing written): kb build reads it while the Q&A pairs
    are linked (kb.extract), and hands it to ``load(preloaded=…)``, which reads the rest."""
    with Session(engine) as session:
        terms = _load_terms(session)
        by_id = {t.id: t for t in terms}
        _load_candidate_definitions(session, by_id)
        sources = _load_sources(session)
        connection = session.connection()
        spans = _load_spans(connection, by_id)
        loaded = _load_all_messages(connection, by_id, spans)
        names, new_names = _filled(session, py.SETTING_KEY, _term_readings(terms))
        _apply_pinyin(terms, names)
        chars, new_chars = _filled(session, py.CHARS_KEY, _char_readings(terms, loaded))
    return Preloaded(terms, by_id, sources, loaded, spans,
                     {py.SETTING_KEY: names if new_names else None, py.CHARS_KEY: chars if new_chars else None})


def _completed(engine: Engine, preloaded: Preloaded, save_pinyin: bool) -> Data:
    """load() from what preload() read: the Q&A pairs, and the readings saved."""
    terms, by_id, loaded = preloaded.terms, preloaded.by_id, preloaded.messages
    with Session(engine) as session:
        qa = _load_qa(session, by_id, preloaded.spans)
        for key, value in preloaded.readings.items():
            if value is not None and save_pinyin:
                _save_setting(session, key, value)
    return Data(terms, by_id, preloaded.sources, loaded, _by_source(loaded), qa, preloaded.spans)


def _load_sources(session: Session) -> list[SourceInfo]:
    return [SourceInfo(*row) for row in session.execute(
        select(Source.id, Source.group, Source.date, Source.title, Source.n_messages)
        .order_by(Source.date, Source.group, Source.id))]


def _load_all_messages(connection, by_id: dict[int, TermInfo],
                       spans: dict[int, list[tuple[int, int, int]]] | None) -> dict[int, MessageInfo]:
    """Every message; the stored mentions of the shown terms (``spans``, _load_spans) give each term
    its examples and days."""
    loaded = _load_messages(connection, None)
    _examples_from_spans(spans or {}, {m.id: (m.source_id, len(m.text)) for m in loaded.values() if m.text is not None},
                         by_id)
    return loaded


def _by_source(loaded: dict[int, MessageInfo]) -> dict[int, list[int]]:
    """source id → its message ids in order."""
    by_source: dict[int, list[int]] = defaultdict(list)
    for message in loaded.values():
        by_source[message.source_id].append(message.id)
    for ids in by_source.values():
        ids.sort(key=lambda i: loaded[i].seq)
    return dict(by_source)


def _load_focused(connection, by_id: dict[int, TermInfo], qa: dict[int, QAInfo],
                  spans: dict[int, list[tuple[int, int, int]]] | None, day_ids: set[int],
                  term_ids: set[int]) -> dict[int, MessageInfo]:
    """load(focus=…): the examples and days of ``term_ids`` (from every message that mentions them:
    its day and length, read without the rest of it), then the messages the pages to make quote
    (of the Q&A pairs, those of ``qa``)."""
    focused = {tid: by_id[tid] for tid in term_ids if tid in by_id}
    if spans and focused:
        mentioned = {mid for mid, message_spans in spans.items()
                     if any(term_id in focused for _s, _e, term_id in message_spans)}
        sizes = {mid: (source_id, length) for mid, source_id, length in _driver_rows(
            connection, "SELECT id, source_id, length(text) FROM messages WHERE text IS NOT NULL")
            if mid in mentioned}
        _examples_from_spans({mid: [s for s in spans[mid] if s[2] in focused] for mid in sizes}, sizes, focused)
    wanted = _needed_messages(focused, qa)
    for term in by_id.values():  # reading lists and candidate definitions quote these
        wanted.update(d["message_id"] for d in term.candidate_definitions)
    if day_ids:
        wanted.update(mid for (mid,) in _driver_rows(
            connection, f"SELECT id FROM messages WHERE source_id IN ({', '.join(str(int(s)) for s in sorted(day_ids))})"))
    return _load_messages(connection, wanted)


def _load_terms(session: Session) -> list[TermInfo]:
    rows = session.execute(
        select(Term.id, Term.canonical, Term.key, Term.status, Term.score, Term.definition, Term.english,
               Term.category, Term.related, Term.n_mentions)
        .where(Term.status.in_(SHOWN))
    ).all()
    terms = [TermInfo(*row[:8], related=list(row.related or []), n_mentions=row.n_mentions or 0) for row in rows]
    terms.sort(key=lambda t: (not t.approved, -(t.score or 0.0), t.canonical))
    by_id = {t.id: t for t in terms}
    for term_id, alias in session.execute(select(Alias.term_id, Alias.alias).order_by(Alias.id)):
        term = by_id.get(term_id)
        if term is not None and alias != term.canonical and alias not in term.aliases:
            term.aliases.append(alias)
    merged = session.execute(select(Term.canonical, Term.merged_into_id)
                             .where(Term.status == "merged", Term.merged_into_id.is_not(None)))
    for canonical, target_id in merged:
        term = by_id.get(target_id)
        if term is not None and canonical != term.canonical and canonical not in term.aliases:
            term.aliases.append(canonical)
    return terms


def _load_spans(connection, by_id: dict[int, TermInfo]) -> dict[int, list[tuple[int, int, int]]] | None:
    """The extractor's mentions by message (shown terms only), or None when it stored none at all."""
    rows = _driver_rows(connection, 'SELECT message_id, start, "end", term_id FROM mentions')
    if not rows:
        return None
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for message_id, start, end, term_id in rows:
        if term_id in by_id:
            spans[message_id].append((start, end, term_id))
    return dict(spans)


def _load_candidate_definitions(session: Session, by_id: dict[int, TermInfo]) -> None:
    rows = session.execute(select(Definition.term_id, Definition.text, Definition.message_id, Definition.score)
                           .order_by(Definition.term_id, Definition.score.desc(), Definition.id))
    for term_id, text, message_id, score in rows:
        term = by_id.get(term_id)
        if term is not None and len(term.candidate_definitions) < DEFINITIONS_PER_TERM:
            term.candidate_definitions.append({"text": text, "message_id": message_id, "score": score})


def _examples_from_spans(spans: dict[int, list[tuple[int, int, int]]], sizes: dict[int, tuple[int, int]],
                         by_id: dict[int, TermInfo]) -> None:
    """Each term's example messages (longer ones first: they say more) and the days it was discussed on.

    ``sizes``: message id → (source id, length of its text)."""
    by_term: dict[int, set[int]] = defaultdict(set)
    days: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for message_id, message_spans in spans.items():
        size = sizes.get(message_id)
        if size is None:
            continue
        for _, _, term_id in message_spans:
            by_term[term_id].add(message_id)
            days[term_id][size[0]] += 1
    for term_id, message_ids in by_term.items():
        term = by_id[term_id]
        term.examples = heapq.nsmallest(EXAMPLES_PER_TERM, message_ids, key=lambda i: _example_rank(sizes[i][1], i))
        term.days = sorted(days[term_id].items(), key=lambda day: (-day[1], day[0]))


def _example_rank(size: int, message_id: int) -> tuple:
    """Messages of 20 to 160 characters first (a sentence or two that say something), longer ones first."""
    return (not 20 <= size <= 160, -size if size <= 160 else size, message_id)


def _load_qa(session: Session, by_id: dict[int, TermInfo],
             spans: dict[int, list[tuple[int, int, int]]] | None = None) -> dict[int, QAInfo]:
    """The pairs, each term's pairs in the order its page shows them. ``spans``: the mentions of the
    shown terms by message (_load_spans), when read already: which terms each question names is
    taken from them instead of a join of qa_pairs with mentions (0.27 s on the corpus)."""
    connection = session.connection()
    pairs = {pair_id: QAInfo(pair_id, question_id, score or 0.0, [], []) for pair_id, question_id, score in
             _driver_rows(connection, "SELECT id, question_id, score FROM qa_pairs")}
    for pair_id, message_id in _driver_rows(connection, "SELECT pair_id, message_id FROM qa_answers ORDER BY pair_id, rank, id"):
        if pair_id in pairs and message_id != pairs[pair_id].question_id:  # a restated 问题：… 回答：… message
            pairs[pair_id].answer_ids.append(message_id)                    # is shown once, as the question
    for pair_id, term_id in _driver_rows(connection, "SELECT pair_id, term_id FROM qa_terms ORDER BY pair_id, term_id"):
        if pair_id in pairs and term_id in by_id:
            pairs[pair_id].term_ids.append(term_id)
            by_id[term_id].qa.append(pair_id)
    # a term's best pairs are those whose question names it (备付金和资金池有什么区别？ on 备付金's page,
    # not a question about 在途资金 whose answer mentions 备付金), then the better scored
    if spans is not None:
        no_spans: list = []
        asked_about = {(term_id, pair.id) for pair in pairs.values()
                       for _start, _end, term_id in spans.get(pair.question_id, no_spans)}
    else:
        asked_about = set(connection.exec_driver_sql(
            "SELECT DISTINCT mentions.term_id, qa_pairs.id FROM qa_pairs JOIN mentions ON mentions.message_id = qa_pairs.question_id"))
    for term in by_id.values():
        term.qa.sort(key=lambda pair_id: ((term.id, pair_id) not in asked_about, -pairs[pair_id].score, pair_id))
    return pairs


def _needed_messages(by_id: dict[int, TermInfo], qa: dict[int, QAInfo]) -> set[int]:
    ids: set[int] = set()
    for term in by_id.values():
        ids.update(term.examples)
        ids.update(d["message_id"] for d in term.candidate_definitions)
    for pair in qa.values():
        ids.add(pair.question_id)
        ids.update(pair.answer_ids)
    return ids


_MESSAGES = ('SELECT id, source_id, date, time, seq, speaker, kind, text, quoted_speaker, quoted_text, links, images '
             "FROM messages")


def _load_messages(connection, ids: set[int] | None) -> dict[int, MessageInfo]:
    """Messages through the driver's own cursor (the ORM's per-row work costs seconds over 120,000
    messages, and even SQLAlchemy's result rows a third of the time)."""
    if ids is None:
        rows = _driver_rows(connection, _MESSAGES)
    else:
        rows, wanted = [], sorted(ids)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows.extend(_driver_rows(connection, f"{_MESSAGES} WHERE id IN ({', '.join(str(int(n)) for n in chunk)})"))
    none = (None, "", "[]", [])  # what most messages have: no links, no images (SQLite gives text, psycopg lists)
    return {row[0]: MessageInfo(*row[:10], () if row[10] in none else stored_list(row[10]),
                                () if row[11] in none else stored_list(row[11])) for row in rows}


def _driver_rows(connection, sql: str) -> list[tuple]:
    """The rows of a query (no parameters) from the DBAPI connection under ``connection``, in its transaction."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _attach_pinyin(session: Session, terms: list[TermInfo], save: bool) -> None:
    _apply_pinyin(terms, _filled_setting(session, py.SETTING_KEY, _term_readings(terms), save))


def _term_readings(terms: list[TermInfo]) -> Callable[[dict], bool]:
    return lambda cache: py.fill(cache, (t.canonical for t in terms))


def _apply_pinyin(terms: list[TermInfo], cache: dict) -> None:
    for term in terms:
        term.pinyin, term.initials = cache[term.canonical]


def _save_char_readings(session: Session, terms: list[TermInfo], messages: dict[int, "MessageInfo"]) -> None:
    """Readings of every hanzi of the term names and the loaded messages, for kb lookup (kb.publish.pinyin)."""
    _filled_setting(session, py.CHARS_KEY, _char_readings(terms, messages), save=True)


def _char_readings(terms: list[TermInfo], messages: dict[int, "MessageInfo"]) -> Callable[[dict], bool]:
    chars = py.hanzi("".join(t.canonical + "".join(t.aliases) for t in terms))
    chars |= py.hanzi("".join(m.text or "" for m in messages.values()))
    return lambda table: py.fill_chars(table, chars)


def _filled_setting(session: Session, key: str, fill: Callable[[dict], bool], save: bool) -> dict:
    """The dict kept in settings under key, completed by fill (True when it added something), saved if so."""
    value, changed = _filled(session, key, fill)
    if changed and save:
        _save_setting(session, key, value)
    return value


def _filled(session: Session, key: str, fill: Callable[[dict], bool]) -> tuple[dict, bool]:
    """The dict kept in settings under key completed by fill, and whether fill added something."""
    setting = session.get(Setting, key)
    value: dict = dict(setting.value) if setting is not None and isinstance(setting.value, dict) else {}
    return value, fill(value)


def _save_setting(session: Session, key: str, value: dict) -> None:
    setting = session.get(Setting, key)
    if setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value
    session.commit()
