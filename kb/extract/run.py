"""extract_terms(): the term extraction stage over the whole database."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb import heap
from kb.extract import definitions as defs
from kb.extract.store import (StoreReport, add_output, add_variant_aliases, mention_keys, removed_aliases,
                              replace_output, upsert_terms)
from kb.extract.terms import KeyIndex, collect_hits, load_messages, merge, phrase_variants, rule_matches, \
    score_candidates, speaker_keys, statistical_candidates
from kb.nlp import SegmentStats, parallel, segment_texts, user_dictionary
from kb.rules.terms import TermRules, load_term_rules
from kb.store.models import Term
from kb.store.normalize import term_key

Progress = Callable[[str, int, int], None]
MIN_PARALLEL_MESSAGES = 20000  # fewer messages than this: the passes run in this process (forking costs more)


@dataclass
class TermReport:
    messages: int = 0
    segments: SegmentStats | None = None
    candidates: int = 0
    stored: StoreReport | None = None
    mentions: int = 0
    definitions: int = 0
    aliases: int | None = None  # aliases an appending run added (kb.extract.append)
    timings: dict[str, float] = field(default_factory=dict)


def extract_terms(engine: Engine, rules_dir: str | None = None, on_progress: Progress | None = None,
                  rules: TermRules | None = None, workers: int | None = None,
                  segmented: Callable[[int], None] | None = None,
                  mentions_found: Callable[[sa.Connection, list[dict]], None] | None = None) -> TermReport:
    """Find, rank and store candidate terms, their mentions and candidate definitions.

    ``workers``: processes that segment uncached texts and run the passes over all messages
    (default: every core; see kb.nlp.parallel). The output is the same with any number.
    ``segmented(number of messages)`` is called once every text is segmented (and pkuseg's
    model released), before anything is stored: kb.extract starts the Q&A extraction then.
    ``mentions_found(connection, mention rows)`` is called once the terms are written and their
    mentions found, in the transaction that then writes the mentions (and commits when this
    returns): kb.extract lets the Q&A extraction link with them meanwhile.
    """
    cache_writer: list = []  # the new tokens are written by a process of their own while the passes run
    with heap.paused_gc(), parallel.stopped_on_error(cache_writer):
        return _extract_terms(engine, rules or load_term_rules(rules_dir), on_progress, workers, segmented,
                              cache_writer, mentions_found)


def _extract_terms(engine: Engine, rules: TermRules, on_progress: Progress | None, workers: int | None,
                   segmented_hook: Callable[[int], None] | None, cache_writer: list,
                   mentions_found: Callable[[sa.Connection, list[dict]], None] | None = None) -> TermReport:
    workers = parallel.worker_count(workers)
    report = TermReport()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.timings[name] = round(now - clock, 2)
        clock = now

    messages = load_messages(engine, rules.stop.question_cues)
    report.messages = len(messages)
    lap("load")
    passes = workers if len(messages) >= MIN_PARALLEL_MESSAGES else 1  # processes for the passes below

    words = user_dictionary(engine)
    phrases = sorted({v for rule in rules.phrases for p in rule.phrases for v in phrase_variants(p)})
    seg_progress = (lambda done, total: on_progress("segment", done, total)) if on_progress else None
    segmented, report.segments = segment_texts(engine, [m.text for m in messages] + phrases, words, seg_progress,
                                               workers=workers, stored_apart=cache_writer)
    docs = [segmented.get(m.text, []) for m in messages]
    lap("segment")
    if segmented_hook is not None:
        segmented_hook(len(messages))

    exclude = speaker_keys(messages) - {term_key(w) for w in words}
    definition_matches: list = []
    # workers match the rules while this process counts (the two passes are independent): one core
    # fewer than the passes may use, as this process takes one
    with rule_matches(docs, messages, rules, {p: segmented.get(p, [p]) for p in phrases}, max(passes - 1, 1),
                      background=passes > 1) as matches:
        stat, unigrams, n_tokens = statistical_candidates(docs, messages, rules, exclude)
        lap("statistics")
        ruled = collect_hits(matches, messages, rules, on_progress, definition_matches)
    lap("rules")
    cands = merge(stat, ruled, rules, rules.settings["min_freq"], exclude - stat.keys())

    # definitions name terms: being defined somewhere is a signal
    cand_keys = {key: 0 for key in cands}
    for _message, match in definition_matches:
        found = defs.resolve_term(match.term, cand_keys)
        if found:
            cands[found[1]].defined += 1
    lap("definitions")

    cache: dict[str, list[str]] = {}

    def segment_one(text: str) -> list[str]:
        if text not in cache:
            cache[text] = segmented.get(text) or _split_like(text, unigrams)
        return cache[text]

    score_candidates(cands, messages, unigrams, n_tokens, segment_one, spread=rules.settings["spread"])
    ranked = sorted(cands.values(), key=lambda c: (-c.score, c.key))
    min_score = rules.settings["min_score"]
    keep = [c for c in ranked if c.score >= min_score][: rules.settings["keep"]]
    # terms of the glossary and the phrases the rules list are always kept, whatever their rank
    glossary = {term_key(w) for w in words}
    listed = {rule.name for rule in rules.phrases}
    keep_keys = {c.key for c in keep}
    keep += [c for c in ranked if (c.key in glossary or listed & c.rules.keys()) and c.key not in keep_keys]
    report.candidates = len(keep)
    lap("score")

    while cache_writer:  # before anything else is written (and no longer stopped on an error)
        cache_writer.pop().result()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        removed = removed_aliases(conn)  # curators' removals: neither pass adds those aliases back
        found, report.stored = upsert_terms(conn, keep, now, removed)
        keys = mention_keys(conn, found)
        # The workers fork inside this transaction and inherit its connection (a SQLite file handle
        # or a PostgreSQL socket). They never touch it, and pool workers leave by os._exit (or are
        # terminated), so no finaliser of theirs closes or rolls it back.
        spans = parallel.spans(len(messages), passes * 4 if parallel.can_fork(passes) else 1)
        mentions = []
        with parallel.started(_scan_span, (messages, docs, KeyIndex(keys)), spans, passes) as results:
            for part in results:
                mentions.extend(_mention_rows(part))
        if mentions_found is not None:
            mentions_found(conn, mentions)
        definition_rows = _definition_rows(definition_matches, keys)
        replace_output(conn, mentions, definition_rows)
        add_variant_aliases(conn, mentions, removed)
    report.mentions = len(mentions)
    report.definitions = len(definition_rows)
    lap("store")
    return report


@dataclass
class Segmented:
    """The messages of some files with their tokens (segmented_messages), for append_terms."""
    messages: list
    docs: list[list[str]]
    stats: SegmentStats
    seconds: float
    rules: TermRules


def segmented_messages(engine: Engine, source_ids: Collection[int], rules_dir: str | None = None,
                       on_progress: Progress | None = None, workers: int | None = None) -> Segmented:
    """The term extractor's messages of ``source_ids`` and their tokens (segmenting, and caching,
    those not cached yet)."""
    rules = load_term_rules(rules_dir)
    clock = time.perf_counter()
    messages = load_messages(engine, rules.stop.question_cues, source_ids)
    seg_progress = (lambda done, total: on_progress("segment", done, total)) if on_progress else None
    segmented, stats = segment_texts(engine, [m.text for m in messages], user_dictionary(engine),
                                     seg_progress, workers=workers)
    return Segmented(messages, [segmented.get(m.text, []) for m in messages], stats,
                     round(time.perf_counter() - clock, 2), rules)


def append_terms(conn: sa.Connection, new: Segmented) -> TermReport:
    """Add the mentions and candidate definitions of ``new`` (the messages of files just ingested),
    for the terms as they are: no statistics, no scores, no new candidates (kb.extract.append).
    Writes in ``conn``'s transaction."""
    rules = new.rules
    messages, docs = new.messages, new.docs
    report = TermReport(messages=len(messages), segments=new.stats, timings={"segment": new.seconds})
    clock = time.perf_counter()
    report.candidates = conn.execute(sa.select(sa.func.count(Term.id))).scalar() or 0
    removed = removed_aliases(conn)
    keys = mention_keys(conn, {})
    mentions = _mention_rows(_scan_span((messages, docs, KeyIndex(keys)), range(len(messages))))
    definition_rows = _definition_rows(
        [(m, match) for m in messages for match in defs.find_definitions(m.text, rules.definitions)], keys)
    add_output(conn, mentions, definition_rows)
    report.aliases = add_variant_aliases(conn, mentions, removed)
    report.stored = StoreReport()
    report.mentions = len(mentions)
    report.definitions = len(definition_rows)
    report.timings["store"] = round(time.perf_counter() - clock, 2)
    return report


def _mention_rows(found: list[tuple[int, int, int, int, str]]) -> list[dict]:
    return [{"term_id": term_id, "message_id": message_id, "start": start, "end": end, "surface": surface}
            for term_id, message_id, start, end, surface in found]


def _definition_rows(matches: list, keys: dict[str, int]) -> list[dict]:
    """Rows of ``definitions`` for the (message, DefinitionMatch) pairs whose term is one of ``keys``."""
    rows = []
    for message, match in matches:
        hit = defs.resolve_term(match.term, keys)
        if hit:
            rows.append({"term_id": hit[0], "message_id": message.id, "text": match.sentence[:2000],
                         "pattern": match.rule[:128],
                         "score": defs.score_definition(match, term_key(match.term) == hit[1])})
    return rows


def _scan_span(shared: tuple, span: range) -> list[tuple[int, int, int, int, str]]:
    """The mentions (term id, message id, start, end, surface) in the messages at ``span`` (in a forked worker)."""
    messages, docs, index = shared
    out = []
    for i in span:
        tokens = docs[i]
        if not tokens:
            continue
        message = messages[i]
        token_keys = [term_key(t) for t in tokens]
        for term_id, start, end, surface in index.scan(message.text, tokens, token_keys):
            out.append((term_id, message.id, start, end, surface[:128]))
    return out


def _split_like(text: str, unigrams) -> list[str]:
    """Greedy longest-known-token split of a string that was not segmented (for specificity only)."""
    out, i = [], 0
    while i < len(text):
        for j in range(len(text), i, -1):
            if text[i:j] in unigrams or j == i + 1:
                out.append(text[i:j])
                i = j
                break
    return out
