"""Q&A extraction: find the questions of each day's chat and link them to their answers.

``extract_qa`` reads the messages (and the term mentions the term extractor stored),
runs kb.extract.qa_signals.link_day over each day of each group, and replaces the
qa_pairs, qa_answers and qa_terms tables with the result. Runs without NLP models.
"""

from __future__ import annotations

import math
import time as _time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb import heap
from kb.extract.append import LINKING_SETTING
from kb.extract.qa_signals import Msg, Pair, describe, find_questions, learn_aliases, link_day, why_unpaired
from kb.nlp import parallel
from kb.rules.qa import QARules, load_qa_rules
from kb.store.bulk import insert_many
from kb.store.models import Mention, Message, QAAnswer, QAPair, QATerm, Setting, Term, stored_list

ProgressFn = Callable[[int, int], None]


def message_terms(conn: sa.Connection, source_ids: Collection[int] | None = None) -> dict[int, frozenset[int]]:
    """message id → ids of the (non-rejected) terms it mentions, merged terms resolved to their target
    (only the messages of ``source_ids`` when given)."""
    query = sa.select(Mention.message_id, Mention.term_id)
    if source_ids is not None:
        query = query.join(Message, Message.id == Mention.message_id).where(Message.source_id.in_(list(source_ids)))
    return terms_by_message(term_states(conn), conn.execute(query))


def term_states(conn: sa.Connection) -> list[tuple[int, str, int | None]]:
    """(id, status, merged_into_id) of every term: what terms_by_message resolves mentions with."""
    return [tuple(row) for row in conn.execute(sa.select(Term.id, Term.status, Term.merged_into_id))]


def terms_by_message(states: Iterable[tuple[int, str, int | None]],
                     mentions: Iterable[tuple[int, int]]) -> dict[int, frozenset[int]]:
    """message id → ids of the (non-rejected) terms of its ``mentions`` ((message id, term id)
    pairs), merged terms resolved to their target, by the terms' ``states`` (term_states)."""
    terms = {term_id: (status, target) for term_id, status, target in states}

    def resolve(term_id: int) -> int | None:
        seen = set()
        while term_id in terms and term_id not in seen:
            seen.add(term_id)
            status, target = terms[term_id]
            if status == "rejected":
                return None
            if status == "merged" and target:
                term_id = target
                continue
            return term_id
        return None

    by_message: dict[int, set[int]] = defaultdict(set)
    for message_id, term_id in mentions:
        resolved = resolve(term_id)
        if resolved is not None:
            by_message[message_id].add(resolved)
    return {key: frozenset(value) for key, value in by_message.items()}


def load_days(conn: sa.Connection, terms: dict[int, frozenset[int]],
              source_ids: Collection[int] | None = None) -> dict[tuple[int, str, Any], list[Msg]]:
    """(source id, group, date) → that day's messages in order (of ``source_ids`` only, when given)."""
    m = Message.__table__.c
    # The date only groups (SQLite's Date type would parse every row's), and nine messages in ten
    # mention nobody: the stored JSON is decoded only when it is not an empty list.
    query = sa.select(m.id, m.source_id, m.group, sa.type_coerce(m.date, sa.String).label("date"), m.seq, m.time,
                      m.speaker, m.kind, m.text, m.quoted_speaker, m.quoted_text,
                      sa.type_coerce(m.mentions, sa.String).label("mentions")).order_by(m.source_id, m.seq)
    if source_ids is not None:
        query = query.where(m.source_id.in_(list(source_ids)))
    days: dict[tuple[int, str, Any], list[Msg]] = defaultdict(list)
    no_terms: frozenset[int] = frozenset()
    for row in conn.execute(query):
        days[(row.source_id, row.group, row.date)].append(Msg(
            id=row.id, seq=row.seq, time=row.time, speaker=row.speaker, kind=row.kind, text=row.text or "",
            quoted_speaker=row.quoted_speaker, quoted_text=row.quoted_text, mentions=stored_list(row.mentions),
            terms=terms.get(row.id, no_terms),
        ))
    return days


def linking_inputs(engine: Engine) -> tuple[list[list[Msg]], dict[str, float], dict[str, str]]:
    """What link_day needs besides the rules: every day's messages (in source order), the bigram
    weights over all of them, and the groups' learned @name aliases."""
    ordered, counts, aliases = _linking_inputs(engine)
    return ordered, counts.weights(), aliases


def _linking_inputs(engine: Engine, with_terms: bool = True) -> tuple[list[list[Msg]], BigramCounts, dict[str, str]]:
    """linking_inputs with the counts themselves (and, without ``with_terms``, no message's terms)."""
    with engine.connect() as conn:
        days = load_days(conn, message_terms(conn) if with_terms else {})
    ordered = [days[key] for key in sorted(days, key=lambda k: (k[0],))]
    return ordered, BigramCounts.of(ordered), learn_aliases(ordered)


def explain_unpaired(engine: Engine, message_ids: Collection[int], rules: QARules) -> dict[int, str]:
    """Why each of these messages is no pair's question, read in its day as the linker reads it
    (kb.extract.qa_signals.why_unpaired); for kb eval's misses."""
    ids = set(message_ids)
    ordered, weights, aliases = linking_inputs(engine)
    reasons = {}
    for messages in ordered:
        wanted = [i for i, m in enumerate(messages) if m.id in ids]
        if wanted:
            day = find_questions(messages, rules)
            reasons.update((messages[i].id, why_unpaired(messages, i, rules, day, weights, aliases)) for i in wanted)
    return reasons


@dataclass
class BigramCounts:
    """In how many messages each character bigram occurs (``df``), out of ``n`` messages."""
    df: Counter
    n: int

    @classmethod
    def of(cls, days: Iterable[list[Msg]]) -> BigramCounts:
        messages = [message for day in days for message in day]
        return cls(Counter(chain.from_iterable(message.grams for message in messages)), len(messages))  # one update: twice as fast

    def add(self, days: Iterable[list[Msg]]) -> None:
        more = BigramCounts.of(days)
        self.df.update(more.df)
        self.n += more.n

    def weights(self, grams: Iterable[str] | None = None) -> dict[str, float]:
        """Rarity of each bigram (of ``grams``, or all): log(N / document frequency)."""
        n, df = self.n, self.df
        return {gram: math.log((n + 1) / (df[gram] + 0.5)) for gram in (df if grams is None else grams)}


def bigram_weights(days) -> dict[str, float]:
    """Rarity of each character bigram over all messages: log(N / document frequency)."""
    return BigramCounts.of(days).weights()


MIN_PARALLEL_DAYS = 64


def _link_days(shared: tuple, indices: range) -> list[tuple[int, int, float, list[str], list[tuple[int, float, dict]], float,
                                                       float | None]]:
    """Link the days at ``indices`` (in a forked worker); pairs as positions, so little is pickled back."""
    days, rules, weights, aliases = shared
    out = []
    for index in indices:
        messages = days[index]
        position = {id(m): i for i, m in enumerate(messages)}
        for pair in link_day(messages, rules, weights, aliases):
            out.append((index, position[id(pair.question)], pair.question_score, pair.cues,
                        [(position[id(a)], score, signals) for a, score, signals in pair.answers], pair.score,
                        pair.link_score))
    return out


def find_pairs(engine: Engine, rules: QARules, on_progress: ProgressFn | None = None,
               workers: int | None = None) -> list[Pair]:
    """Every Q&A pair of the database's messages (nothing written).

    Days are linked independently, so with ``workers`` > 1 (default: every core, see
    kb.nlp.parallel.default_workers) they are linked in forked processes; the pairs and their
    order are the same as with one.
    """
    ordered, weights, aliases = linking_inputs(engine)
    return link_days(ordered, rules, weights, aliases, on_progress, workers)


def link_days(ordered: list[list[Msg]], rules: QARules, weights: dict[str, float], aliases: dict[str, str],
              on_progress: ProgressFn | None = None, workers: int | None = None) -> list[Pair]:
    """The pairs of these days (each a list of messages in order), linked as find_pairs links them."""
    total = len(ordered)
    workers = parallel.worker_count(workers)
    if total < MIN_PARALLEL_DAYS:
        workers = 1
    # several chunks a worker (days differ in size); in one process, a day at a time for the progress bar
    chunks = parallel.spans(total, workers * 8 if parallel.can_fork(workers) else total)
    shared = (ordered, rules, weights, aliases)
    pairs: list[Pair] = []
    done = 0
    with parallel.started(_link_days, shared, chunks, workers) as results:
        for chunk, found in zip(chunks, results):
            for index, q, question_score, cues, answers, score, link_score in found:
                messages = ordered[index]
                pairs.append(Pair(messages[q], question_score, cues,
                                  [(messages[a], a_score, signals) for a, a_score, signals in answers], score,
                                  link_score))
            done += len(chunk)
            if on_progress:
                on_progress(done, total)
    return pairs


def extract_qa(engine: Engine, rules_dir: str | Path | None = None,
               on_progress: ProgressFn | None = None, workers: int | None = None) -> dict[str, Any]:
    """Find Q&A pairs and replace qa_pairs, qa_answers and qa_terms with them; return counts.

    ``on_progress(done, total)`` is called as days of each group are linked; ``workers``:
    processes that link them (default: every core).
    """
    started = _time.perf_counter()
    rules = load_qa_rules(rules_dir)
    with heap.paused_gc():
        ordered, counts, aliases = _linking_inputs(engine)
        pairs = link_days(ordered, rules, counts.weights(), aliases, on_progress, workers)
        return _replace_pairs(engine, pairs, counts, aliases, started)


MIN_AHEAD_MESSAGES = 20000  # from this many messages on (and with fork and several cores) start_ahead starts


def start_ahead(engine: Engine, messages: int, rules_dir: str | Path | None = None,
                workers: int | None = None) -> parallel.Forked | None:
    """extract_qa started early, in a forked process, while the term extraction goes on.

    It reads the days, counts their bigrams, learns the @name aliases, cleans the texts and reads
    their question cues (none of which depends on the terms) on the core the term passes leave
    free, then waits. Send it "go" once the terms and their mentions are stored (anything else,
    or closing it, stops it); or, sooner, ``go_with(connection, mention rows)`` once the terms are
    written and their mentions found, in the transaction that writes them: it then links with
    those, and stores its pairs once it is sent "stored" (after the commit). Its ``result`` is then
    extract_qa's report, and its messages are (done, total) as extract_qa's ``on_progress`` has
    them. The pairs are those extract_qa would find. None when it would not gain: fewer than MIN_AHEAD_MESSAGES ``messages``, one worker,
    or no fork.
    """
    if messages < MIN_AHEAD_MESSAGES or not parallel.can_fork(workers):
        return None
    return parallel.Forked(_ahead, engine, rules_dir, workers, name="Q&A extraction")


def go_with(conn: sa.Connection, mentions: list[dict]) -> tuple:
    """What to send the process start_ahead started, in the transaction that has just written the
    terms and is about to write these ``mentions`` (rows of ``mentions``): it links with them
    meanwhile (send "stored" once they are committed)."""
    from array import array

    return ("go", term_states(conn), array("q", [row["message_id"] for row in mentions]),
            array("q", [row["term_id"] for row in mentions]))


class _Stopped(Exception):
    """The parent of _ahead's process sent what was not expected, or left: nothing is stored."""


_left: list = []  # what _ahead read, left for its process's end (os._exit) to drop at once


def _ahead(channel, engine: Engine, rules_dir: str | Path | None, workers: int | None) -> dict[str, Any] | None:
    """start_ahead's process."""
    started = _time.perf_counter()
    engine.dispose(close=False)  # the parent's pooled connections are the parent's: open new ones
    rules = load_qa_rules(rules_dir)
    with heap.paused_gc():
        ordered, counts, aliases = _linking_inputs(engine, with_terms=False)
        for messages in ordered:
            for message in messages:
                if message.kind in ("text", "quote", "link"):
                    message.asking(rules)  # cleaned and read for cues here, not in the linking workers
        df = counts_text(counts)
        ready = _time.perf_counter()
        told = channel.recv()
        resumed = _time.perf_counter()
        if told == "go":
            with engine.connect() as conn:
                terms = message_terms(conn)
        elif isinstance(told, tuple) and told[0] == "go":  # go_with: the mentions before they are written
            _go, states, message_ids, term_ids = told
            terms = terms_by_message(states, zip(message_ids, term_ids))
        else:
            return None
        no_terms: frozenset[int] = frozenset()
        for messages in ordered:
            for message in messages:
                message.terms = terms.get(message.id, no_terms)
        stored = told == "go"  # told with go_with: the mentions are committed once it is sent "stored"

        def progress(done: int, total: int) -> None:
            nonlocal stored
            channel.send((done, total))
            if not stored and channel.poll():  # "stored" already, or the parent gone (its error)
                if channel.recv() != "stored":
                    raise _Stopped
                stored = True
        try:
            pairs = link_days(ordered, rules, counts.weights(), aliases, progress, workers)
            linked = _time.perf_counter()
            if not stored and channel.recv() != "stored":
                raise _Stopped
        except (_Stopped, EOFError):
            return None  # the terms were not stored: neither are the pairs
        # the time of its own work, not of the waits
        waits = (resumed - ready) + (_time.perf_counter() - linked)
        report = _replace_pairs(engine, pairs, counts, aliases, started + waits, df)
        # freeing the days' 123,000 messages one by one would keep the parent waiting 0.3 s more
        _left.append((ordered, counts, aliases, terms, pairs))
        return report


def _replace_pairs(engine: Engine, pairs: list[Pair], counts: BigramCounts, aliases: dict[str, str],
                   started: float, df: str | None = None) -> dict[str, Any]:
    """Replace qa_pairs, qa_answers and qa_terms with ``pairs`` (and keep the linking state)."""
    pair_rows, answer_rows, term_rows = pair_tables(pairs, first_id=1)
    with engine.begin() as conn:
        conn.execute(sa.delete(QATerm.__table__))
        conn.execute(sa.delete(QAAnswer.__table__))
        conn.execute(sa.delete(QAPair.__table__))
        _insert(conn, pair_rows, answer_rows, term_rows)
        store_linking_state(conn, counts, aliases, df)
    return _report(pairs, pair_rows, answer_rows, term_rows, started)


def append_qa(conn: sa.Connection, source_ids: Collection[int], rules_dir: str | Path | None = None) -> dict[str, Any]:
    """Link the days of ``source_ids`` (files just ingested) and add their pairs; the pairs of the
    other days stay as they are (kb.extract.append).

    The bigram rarities are the full extraction's counts plus the new messages' (what a full
    extraction of all the days would weigh them by); the @name aliases are those the full
    extraction learned (kb.extract.append.plan checks that they were kept). Reads and writes in
    ``conn``'s transaction (the mentions append_terms added there are the new days' terms).
    """
    started = _time.perf_counter()
    rules = load_qa_rules(rules_dir)
    state = conn.execute(sa.select(Setting.value).where(Setting.key == LINKING_SETTING)).scalar_one()
    days = load_days(conn, message_terms(conn, source_ids), source_ids)
    first_id = (conn.execute(sa.select(sa.func.max(QAPair.id))).scalar() or 0) + 1
    ordered = [days[key] for key in sorted(days, key=lambda k: (k[0],))]
    counts = stored_counts(state)
    counts.add(ordered)
    grams = set(chain.from_iterable(message.grams for day in ordered for message in day))
    aliases = state["aliases"]
    pairs = link_days(ordered, rules, counts.weights(grams), aliases, workers=1)
    pair_rows, answer_rows, term_rows = pair_tables(pairs, first_id)
    _insert(conn, pair_rows, answer_rows, term_rows)
    store_linking_state(conn, counts, aliases)
    return _report(pairs, pair_rows, answer_rows, term_rows, started)




def store_linking_state(conn: sa.Connection, counts: BigramCounts, aliases: dict[str, str],
                        df: str | None = None) -> None:
    """Keep the bigram counts (as one text, "bigram TAB count" a line: a JSON object of 250,000 keys
    costs half a second to write) and the aliases, for append_qa. ``df``: counts_text(counts), when
    made already."""
    conn.execute(sa.delete(Setting.__table__).where(Setting.key == LINKING_SETTING))
    conn.execute(sa.insert(Setting.__table__).values(
        key=LINKING_SETTING, value={"n": counts.n, "df": counts_text(counts) if df is None else df, "aliases": aliases}))


def counts_text(counts: BigramCounts) -> str:
    """The bigram counts as store_linking_state keeps them, in bigram order (the counter's own order
    follows the sets of bigrams, which Python's hash seed orders)."""
    df = counts.df
    return "\n".join(f"{gram}\t{df[gram]}" for gram in sorted(df))  # (sorting the keys: a third of the items' time)


def stored_counts(state: dict) -> BigramCounts:
    """The BigramCounts store_linking_state kept."""
    parts = state["df"].replace("\t", "\n").split("\n") if state["df"] else []  # gram, count, gram, count, …
    return BigramCounts(Counter(dict(zip(parts[0::2], map(int, parts[1::2])))), state["n"])


def pair_tables(pairs: list[Pair], first_id: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows of qa_pairs, qa_answers and qa_terms for ``pairs``, numbered from ``first_id``."""
    pair_rows, answer_rows, term_rows = [], [], []
    for pair_id, pair in enumerate(pairs, start=first_id):
        pair_rows.append({"id": pair_id, "question_id": pair.question.id, "score": pair.score,
                          "signals": describe(pair)})
        pair_terms = set(pair.question.terms)
        for rank, (answer, score, signals) in enumerate(pair.answers):
            answer_rows.append({"pair_id": pair_id, "message_id": answer.id, "rank": rank, "score": score,
                                "signals": signals})
            pair_terms |= answer.terms
        term_rows.extend({"pair_id": pair_id, "term_id": term_id} for term_id in sorted(pair_terms))
    return pair_rows, answer_rows, term_rows


def _insert(conn: sa.Connection, pair_rows: list[dict], answer_rows: list[dict], term_rows: list[dict]) -> None:
    insert_many(conn, QAPair.__table__, pair_rows)
    insert_many(conn, QAAnswer.__table__, answer_rows)
    insert_many(conn, QATerm.__table__, term_rows)
    if conn.dialect.name == "postgresql" and pair_rows:  # the ids were given: move the sequence past them
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('qa_pairs', 'id'), %s)" % pair_rows[-1]["id"])


def _report(pairs: list[Pair], pair_rows: list[dict], answer_rows: list[dict], term_rows: list[dict],
            started: float) -> dict[str, Any]:
    return {
        "pairs": len(pair_rows),
        "answers": len(answer_rows),
        "terms": len(term_rows),
        "questions_without_term": sum(1 for p in pairs if not p.question.terms),
        "seconds": round(_time.perf_counter() - started, 2),
    }
