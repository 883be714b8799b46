"""extract() starts the Q&A extraction ahead, in a forked process, once the texts are cut
(kb.extract.qa.start_ahead): the same tables as extract_qa after the terms, on SQLite and
PostgreSQL; its progress and its errors reach the caller; no process is left behind."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import sqlalchemy as sa

from kb.errors import KbError
from kb.extract import extract, qa, run

QA_TABLES = ("SELECT id, question_id, score, signals FROM qa_pairs ORDER BY id",
             "SELECT pair_id, message_id, rank, score, signals FROM qa_answers ORDER BY pair_id, rank",
             "SELECT pair_id, term_id FROM qa_terms ORDER BY pair_id, term_id",
             "SELECT value FROM settings WHERE key = 'qa.linking'")


def qa_tables(engine) -> list[list[tuple]]:
    with engine.connect() as conn:
        return [[tuple(row) for row in conn.execute(sa.text(sql))] for sql in QA_TABLES]


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.fixture
def ahead(monkeypatch):
    """The Q&A extraction goes ahead on the examples too; the processes it started are listed."""
    monkeypatch.setattr(qa, "MIN_AHEAD_MESSAGES", 1)
    started = []
    real = qa.start_ahead

    def spy(*args, **kwargs):
        child = real(*args, **kwargs)
        started.append(child)
        return child
    monkeypatch.setattr(qa, "start_ahead", spy)
    return started


def test_ahead_extracts_the_pairs_one_process_extracts(examples_engine, ahead):
    """On a new database (no mentions of an earlier extraction to read too early), then again in one process."""
    progress = []
    two = extract(examples_engine, workers=2, on_progress=lambda *args: progress.append(args))
    assert ahead[0] is not None
    first = qa_tables(examples_engine)
    one = extract(examples_engine, workers=1)
    assert ahead[1] is None  # one worker: nothing ahead, extract_qa after the terms
    assert first[0] and first[1] and first[2] and qa_tables(examples_engine) == first
    assert two.qa["pairs"] == one.qa["pairs"] == len(first[0]) and two.qa["answers"] == one.qa["answers"]
    qa_progress = [args for args in progress if args[0] == "qa"]
    assert qa_progress and qa_progress[-1][1] == qa_progress[-1][2] > 0  # every day linked, as reported
    assert not multiprocessing.active_children()


def test_too_few_messages_or_one_core_go_without(examples_engine, monkeypatch):
    monkeypatch.setattr(qa, "MIN_AHEAD_MESSAGES", 10**6)
    assert qa.start_ahead(examples_engine, 1000, workers=2) is None
    monkeypatch.setattr(qa, "MIN_AHEAD_MESSAGES", 1)
    assert qa.start_ahead(examples_engine, 1000, workers=1) is None


def test_an_error_of_the_q_and_a_process_is_raised_after_the_terms(examples_engine, ahead, monkeypatch):
    extract(examples_engine, workers=1)
    before = qa_tables(examples_engine)

    def broken(*args, **kwargs):
        raise KbError("rules/qa.yaml: linking went wrong")
    monkeypatch.setattr(qa, "link_days", broken)  # in the forked process, which inherits the patch
    with pytest.raises(KbError, match="linking went wrong"):
        extract(examples_engine, workers=2)
    assert ahead[-1] is not None
    assert count(examples_engine, "terms") and count(examples_engine, "mentions")  # the terms were stored
    assert qa_tables(examples_engine) == before  # and the pairs left as they were
    assert not multiprocessing.active_children()


def test_a_q_and_a_process_that_dies_says_so(examples_engine, ahead, monkeypatch):
    monkeypatch.setattr(qa, "link_days", lambda *args, **kwargs: os._exit(6))
    with pytest.raises(KbError, match=r"Q&A extraction stopped \(exit status 6\) before it reported"):
        extract(examples_engine, workers=2)
    assert not multiprocessing.active_children()


def test_an_error_of_the_terms_stops_the_q_and_a_process(examples_engine, ahead, monkeypatch):
    def broken(*args, **kwargs):
        raise KbError("scoring went wrong")
    monkeypatch.setattr(run, "score_candidates", broken)
    with pytest.raises(KbError, match="scoring went wrong"):
        extract(examples_engine, workers=2)
    assert ahead and ahead[-1] is not None  # it had started, and was stopped
    assert not multiprocessing.active_children()
    assert count(examples_engine, "qa_pairs") == 0


def test_meanwhile_runs_while_the_q_and_a_process_links(examples_engine, ahead):
    called = []
    extract(examples_engine, workers=1, meanwhile=lambda: called.append("one process"))
    assert called == []  # nothing ahead: nothing to do meanwhile
    extract(examples_engine, workers=2, meanwhile=lambda: called.append(count(examples_engine, "mentions")))
    assert called and called[0] > 0  # the terms and mentions were stored by then


def test_an_error_meanwhile_is_raised_once_the_q_and_a_process_is_done(examples_engine, ahead, monkeypatch):
    import time

    real = qa.link_days

    def slow(*args, **kwargs):  # the error comes before the Q&A process reports any progress
        time.sleep(0.5)
        return real(*args, **kwargs)
    monkeypatch.setattr(qa, "link_days", slow)

    def broken():
        raise KbError("reading the wiki's data went wrong")
    with pytest.raises(KbError, match="wiki's data went wrong"):
        extract(examples_engine, workers=2, meanwhile=broken)
    assert not multiprocessing.active_children()
    # the Q&A process was not cut short (its progress had nobody to go to): the pairs of these
    # terms are stored, however soon the error came
    assert count(examples_engine, "qa_pairs") > 0


def test_the_mentions_found_give_the_terms_the_table_gives(examples_engine):
    # what go_with sends before the mentions are written resolves to what message_terms reads after
    extract(examples_engine, workers=1)
    with examples_engine.begin() as conn:
        conn.execute(sa.text("UPDATE terms SET status = 'rejected' WHERE id IN (SELECT min(term_id) FROM mentions)"))
        rows = [{"message_id": m, "term_id": t} for m, t in conn.execute(sa.text("SELECT message_id, term_id FROM mentions"))]
        stored = qa.message_terms(conn)
        _go, states, message_ids, term_ids = qa.go_with(conn, rows)
    assert stored and qa.terms_by_message(states, zip(message_ids, term_ids)) == stored
    assert len(stored) < len({row["message_id"] for row in rows})  # the rejected term's mentions count for nothing


def test_the_q_and_a_process_links_before_the_mentions_are_committed(examples_engine, ahead, monkeypatch):
    sent = []
    real = qa.go_with
    monkeypatch.setattr(qa, "go_with", lambda conn, mentions: sent.append(len(mentions)) or real(conn, mentions))
    extract(examples_engine, workers=2)
    early = qa_tables(examples_engine)
    assert sent and sent[0] == count(examples_engine, "mentions")
    extract(examples_engine, workers=1)
    assert early[0] and qa_tables(examples_engine) == early


def test_an_error_writing_the_mentions_leaves_the_pairs_unstored(examples_engine, ahead, monkeypatch):
    # told to go before the mentions are written, it stores nothing unless they are committed
    extract(examples_engine, workers=1)
    with examples_engine.begin() as conn:  # (the pairs it would store are the ones stored: none are)
        for table in ("qa_terms", "qa_answers", "qa_pairs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    before = qa_tables(examples_engine)
    real = run.add_variant_aliases

    def broken(*args, **kwargs):
        import time

        time.sleep(0.5)  # the Q&A process has linked by then
        real(*args, **kwargs)
        raise KbError("writing the aliases went wrong")
    monkeypatch.setattr(run, "add_variant_aliases", broken)
    with pytest.raises(KbError, match="aliases went wrong"):
        extract(examples_engine, workers=2)
    assert ahead[-1] is not None
    assert count(examples_engine, "qa_pairs") == 0 and qa_tables(examples_engine) == before
    assert not multiprocessing.active_children()


def test_an_error_writing_the_mentions_stops_the_linking_soon(examples_engine, ahead, monkeypatch, tmp_path):
    # the Q&A process looks at the pipe after each day it links: its parent's error (the pipe
    # closed) stops it there instead of after every day
    import time

    calls = tmp_path / "linked"
    real = qa.link_day

    def slow(*args, **kwargs):
        with open(calls, "a") as f:
            f.write("day\n")
        time.sleep(0.5)
        return real(*args, **kwargs)
    monkeypatch.setattr(qa, "link_day", slow)
    monkeypatch.setattr(run, "add_variant_aliases", lambda *a, **k: (_ for _ in ()).throw(KbError("aliases failed")))
    with pytest.raises(KbError, match="aliases failed"):
        extract(examples_engine, workers=2)
    days = len(calls.read_text().split())  # 1 (its parent had failed by then) of the 3 it would link
    with examples_engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM sources")).scalar()
    assert total >= 3 and days <= total - 2
    assert count(examples_engine, "qa_pairs") == 0
    assert not multiprocessing.active_children()


def test_the_q_and_a_seconds_leave_out_the_wait_for_the_commit(examples_engine, ahead, monkeypatch):
    import time

    real = run.add_variant_aliases

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real(*args, **kwargs)
    monkeypatch.setattr(run, "add_variant_aliases", slow)
    report = extract(examples_engine, workers=2)
    assert report.qa["pairs"] > 0 and report.qa["seconds"] < 1.5


def test_without_the_mentions_found_it_is_told_to_go_after_the_commit(examples_engine, ahead, monkeypatch):
    # (an extract_terms that never calls mentions_found: the Q&A process reads the mentions stored)
    real = run.extract_terms
    monkeypatch.setattr(run, "extract_terms", lambda *a, mentions_found=None, **k: real(*a, **k))
    extract(examples_engine, workers=2)
    two = qa_tables(examples_engine)
    extract(examples_engine, workers=1)
    assert ahead[0] is not None and two[2] and qa_tables(examples_engine) == two
