"""Extraction: terms (statistics and rules), variants, mentions, definitions; then Q&A.

``extract()`` runs the whole stage; each part is a library function returning data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine


@dataclass
class ExtractReport:
    terms: Any            # kb.extract.run.TermReport (None when skipped)
    qa: dict | None       # what extract_qa returned (None when the Q&A extractor is absent)
    skipped: bool = False  # nothing extraction reads had changed since it last ran (skip_unchanged)
    appended: Any = None   # kb.extract.append.Plan when only new files were extracted (appended)


def extract(engine: Engine, rules_dir: str | None = None,
            on_progress: Callable[[str, int, int], None] | None = None, workers: int | None = None,
            skip_unchanged: bool = False, append_limit: float | None = None,
            meanwhile: Callable[[], None] | None = None) -> ExtractReport:
    """Run term extraction, then the Q&A extractor, over every message in the database.

    ``on_progress(stage, done, total)`` is called as each stage advances. ``workers``: processes
    that segment uncached texts and link Q&A days (default: every core).

    Re-runnable: only extraction output changes; curator decisions are never touched.
    With ``skip_unchanged``, nothing runs when no input changed since the last extraction
    (kb.extract.fingerprint: files ingested, rules, curated terms, code), and when the only
    change is new files, they are appended to the last extraction (kb.extract.append) unless
    the messages appended since the last full extraction would exceed ``append_limit`` of it
    (default kb.extract.append.APPEND_LIMIT; 0 never appends).

    The Q&A extraction of a full extraction of many messages runs in a process of its own, started
    once the texts are cut (kb.extract.qa.start_ahead): ``meanwhile()`` is then called here once the
    terms are stored, while it links (kb build reads the wiki's data then); not otherwise.
    """
    from kb.extract import append as ap
    from kb.extract import fingerprint as fp
    from kb.extract.run import extract_terms

    state = fp.stored_state(engine)
    if skip_unchanged:
        if state.get("hash") == fp.fingerprint(engine, rules_dir):
            return ExtractReport(None, None, skipped=True)
        new = ap.plan(engine, rules_dir, state, ap.APPEND_LIMIT if append_limit is None else append_limit)
        if new is not None:
            return ap.append(engine, new, rules_dir, on_progress, workers)  # the state stored with it
    report = _extract(engine, rules_dir, on_progress, workers, extract_terms, meanwhile)
    fp.store(engine, fp.fingerprint(engine, rules_dir), **ap.state_after(engine, rules_dir, None))
    return report


def load_early() -> None:
    """Load now what a full extraction reads before anything else: pkuseg's model with
    kb.nlp.fastcut (kb.nlp.segment.load_early: released after the cut, as if loaded for it) and
    jieba's word frequencies (0.6 s). kb build calls it while a first build ingests."""
    from kb.extract.stats import general_frequencies
    from kb.nlp import segment

    segment.load_early()
    general_frequencies()


def _extract(engine, rules_dir, on_progress, workers, extract_terms, meanwhile=None) -> ExtractReport:
    import threading

    from kb import heap
    from kb.nlp import parallel

    try:
        from kb.extract import qa
    except ModuleNotFoundError as exc:  # the Q&A extractor is written separately
        if exc.name != "kb.extract.qa":
            raise
        return ExtractReport(extract_terms(engine, rules_dir=rules_dir, on_progress=on_progress, workers=workers), None)
    # extract_qa reports progress as (done, total)
    qa_progress = (lambda done, total: on_progress("qa", done, total)) if on_progress else None
    ahead: list = []  # the Q&A process, once started

    def segmented(messages: int) -> None:
        """Once the texts are cut, the Q&A extraction reads what it can ahead, in a process of its own."""
        child = qa.start_ahead(engine, messages, rules_dir, workers)
        if child is not None:
            ahead.append(child)

    told: list = []  # the thread sending the mentions found

    def mentions_found(conn, mentions: list[dict]) -> None:
        """The Q&A process links with the mentions found while they are written (it stores its pairs
        once they are committed). Sent by a thread: the message (4 MB on the corpus) waits in the
        pipe until that process is ready for it, which the transaction should not."""
        if ahead:
            sender = threading.Thread(target=ahead[0].send, args=(qa.go_with(conn, mentions),),
                                      name="kb: the Q&A process's mentions", daemon=True)
            sender.start()
            told.append(sender)

    with parallel.stopped_on_error(ahead):  # (stopped once it has stored its pairs, if it was told to go)
        try:
            terms = extract_terms(engine, rules_dir=rules_dir, on_progress=on_progress, workers=workers,
                                  segmented=segmented, mentions_found=mentions_found)
        finally:  # (sent, or failed, before the pipe is closed on an error)
            for sender in told:
                sender.join()
        if not ahead:
            return ExtractReport(terms, qa.extract_qa(engine, rules_dir=rules_dir, on_progress=qa_progress,
                                                      workers=workers))
        ahead[0].send("stored" if told else "go")
        # what the term passes freed here is mostly copies of pages the Q&A process still shares: give
        # them back while it links (about 150 MiB less at the peak of a first build of the corpus)
        heap.trim_heap()
        if meanwhile is not None:
            meanwhile()
        return ExtractReport(terms, ahead[0].result(on_message=(lambda done_total: qa_progress(*done_total))
                                                    if qa_progress else None))
