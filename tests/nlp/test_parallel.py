"""Segmentation, the term passes and Q&A linking in worker processes give exactly what one process
gives: tokens, and a whole build."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.extract import qa, run
from kb.nlp import Segmenter, parallel
from kb.publish import data as data_module
from kb.publish import render
from kb.store import open_db

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["小额支付系统的清算时间是几点", "我们做了快捷支付断直连改造", "网联清算平台已经上线",
         "他们用收单外包服务机构做拓展", "T+0 结算 和D0有区别", "备付金集中存管以后怎么对账？", "好的", "ok"] * 3


def count_pools(monkeypatch, on_pool) -> None:
    """Make kb.nlp.parallel call ``on_pool(processes)`` for each worker pool it starts."""
    real = parallel._context

    def counting():
        context = real()
        original = context.Pool

        class Ctx:
            def get_start_method(self):
                return context.get_start_method()

            def Pool(self, processes, **kwargs):  # noqa: N802 - multiprocessing's name
                on_pool(processes)
                return original(processes, **kwargs)
        return Ctx()

    monkeypatch.setattr(parallel, "_context", counting)


@pytest.fixture
def pools(monkeypatch):
    """Counts the worker pools started (so a test knows its texts really went to processes)."""
    started = []
    count_pools(monkeypatch, started.append)
    return started


@pytest.mark.parametrize("words", [[], ["断直连", "备付金集中存管"]])
def test_workers_cut_like_one_process(pools, words):
    one = Segmenter(words)
    got = list(parallel.cut_many(TEXTS, words, workers=2, min_parallel=1, chunk=3))
    assert pools == [2]
    assert got == [(text, one.cut(text)) for text in TEXTS]


@pytest.mark.parametrize("workers, n_texts, min_parallel, pooled", [
    (1, 30, 1, False),     # one worker: this process
    (2, 5, 10, False),     # too few texts: this process
    (2, 30, 10, True),
])
def test_when_workers_are_used(pools, workers, n_texts, min_parallel, pooled):
    texts = [f"第{i}笔代付交易" for i in range(n_texts)]
    done = []
    out = list(parallel.cut_many(texts, workers=workers, min_parallel=min_parallel, chunk=4,
                                 on_progress=lambda d, t: done.append((d, t))))
    assert [t for t, _ in out] == texts
    assert bool(pools) is pooled
    assert done[-1] == (n_texts, n_texts)


def test_default_workers_reads_the_environment(monkeypatch):
    monkeypatch.setenv("KB_WORKERS", "3")
    assert parallel.default_workers() == 3
    monkeypatch.delenv("KB_WORKERS")
    assert parallel.default_workers() >= 1


TABLES = {
    "terms": "SELECT key, canonical, status, score, signals, n_mentions FROM terms ORDER BY key",
    "aliases": "SELECT t.key, a.alias, a.origin FROM aliases a JOIN terms t ON t.id = a.term_id ORDER BY 1, 2",
    "mentions": "SELECT t.key, m.message_id, m.start, m.\"end\", m.surface FROM mentions m "
                "JOIN terms t ON t.id = m.term_id ORDER BY 2, 3, 1",
    "definitions": "SELECT t.key, d.message_id, d.text, d.pattern, d.score FROM definitions d "
                   "JOIN terms t ON t.id = d.term_id ORDER BY 2, 1, 4",
    "segments": "SELECT text_hash, dict_hash, tokens FROM segments ORDER BY text_hash",
    "qa": "SELECT p.question_id, p.score, p.signals, a.message_id, a.rank, a.score FROM qa_pairs p "
          "LEFT JOIN qa_answers a ON a.pair_id = p.id ORDER BY 1, 5",
    "qa_terms": "SELECT p.question_id, t.key FROM qa_terms q JOIN qa_pairs p ON p.id = q.pair_id "
                "JOIN terms t ON t.id = q.term_id ORDER BY 1, 2",
}


def dump(url: str) -> dict[str, list]:
    engine = open_db(url)
    with engine.connect() as conn:
        out = {name: [tuple(row) for row in conn.execute(sa.text(sql))] for name, sql in TABLES.items()}
    engine.dispose()
    return out


def site_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_examples_with_one_and_two_workers(tmp_path: Path) -> dict[int, tuple[dict, dict]]:
    """kb build of examples/logs with --workers 1 and 2: workers → (its tables, its site's files)."""
    results = {}
    for workers in (1, 2):
        url = f"sqlite:///{tmp_path / f'kb{workers}.sqlite'}"
        site = tmp_path / f"site{workers}"
        result = CliRunner().invoke(main, ["build", str(ROOT / "examples" / "logs"), "--out", str(site),
                                           "--workers", str(workers), "--db", url])
        assert result.exit_code == 0, result.output
        results[workers] = dump(url), site_files(site)
    return results


def test_parallel_build_equals_one_process_build(tmp_path, pools, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "CHUNK", 7)
    monkeypatch.setattr(qa, "MIN_PARALLEL_DAYS", 1)  # the 4 example days are linked in 2 processes too
    monkeypatch.setattr(run, "MIN_PARALLEL_MESSAGES", 1)  # and the term passes run in 2 processes
    results = build_examples_with_one_and_two_workers(tmp_path)
    # only the second build used processes: to segment; to match the rules (one worker, while this
    # process counts n-grams); to scan for mentions; to link Q&A days
    assert pools == [2, 1, 2, 2]
    one, two = results[1][0], results[2][0]
    assert one["terms"] and one["mentions"] and one["segments"] and one["qa"]
    for name in TABLES:
        assert two[name] == one[name], name
    assert results[2][1] == results[1][1]


def test_a_build_linking_q_and_a_ahead_equals_one_process_build(tmp_path, monkeypatch):
    """The Q&A extraction started ahead, in a process of its own beside the term passes
    (kb.extract.qa.start_ahead), which links the days in two processes of its own."""
    record = tmp_path / "pools"  # the Q&A process's pools are started there, not here

    def recording(processes: int) -> None:
        with record.open("a") as file:
            file.write(f"{os.getpid()} {processes}\n")
    count_pools(monkeypatch, recording)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(qa, "MIN_PARALLEL_DAYS", 1)
    monkeypatch.setattr(run, "MIN_PARALLEL_MESSAGES", 1)
    monkeypatch.setattr(qa, "MIN_AHEAD_MESSAGES", 1)
    preloads = []  # kb build reads the wiki's data meanwhile (kb.publish.data.preload)
    real_preload = data_module.preload
    monkeypatch.setattr(data_module, "preload", lambda engine: preloads.append(1) or real_preload(engine))
    frozen = []  # whether the collector leaves the data alone while the wiki is rendered (kb.heap)
    real_render = render.render_wiki
    monkeypatch.setattr(render, "render_wiki", lambda *args, **kwargs: frozen.append(gc.get_freeze_count() > 0)
                        or real_render(*args, **kwargs))
    results = build_examples_with_one_and_two_workers(tmp_path)
    assert frozen == [False, True]  # the preloaded data of the second build only; released after it:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    started = [line.split() for line in record.read_text().splitlines()]
    # this process: segmenting, the rules, the mention scan; the Q&A process: linking the days
    assert [n for pid, n in started if int(pid) == os.getpid()] == ["2", "1", "2"]
    assert [n for pid, n in started if int(pid) != os.getpid()] == ["2"]
    assert preloads == [1]  # the second build only
    one, two = results[1][0], results[2][0]
    assert one["qa"] and one["qa_terms"]
    for name in TABLES:
        assert two[name] == one[name], name
    assert results[2][1] == results[1][1]


def _echo(channel, first, second):
    channel.send(("got", first))
    told = channel.recv()
    channel.send(("told", told))
    return first + second, os.getpid()


def _fail(channel, message):
    from kb.errors import KbError

    raise KbError(message)


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no pickling")


def _fail_unpicklably(channel):
    raise _Unpicklable("lost on the way")


def _die(channel):
    os._exit(4)


def _fail_unrebuildably(channel):
    from kb.errors import KbError

    class Located(KbError):  # like kb.errors.InputError: pickled, it cannot be made again from its message
        def __init__(self, path, message):
            super().__init__(f"{path}: {message}")
    raise Located("logs/a.md:3", "not a chat log")


def _talk_to_nobody(channel, done):
    import time

    time.sleep(0.3)  # the parent has closed its end by now
    channel.send("progress nobody reads")
    done.write_text("done anyway")


def _wait(channel):
    return channel.recv()


def test_forked_returns_its_value_and_relays_its_messages():
    child = parallel.Forked(_echo, [1, 2], [3])
    child.send("go")
    messages = []
    value, pid = child.result(on_message=messages.append)
    assert value == [1, 2, 3] and pid != os.getpid()
    assert messages == [("got", [1, 2]), ("told", "go")]


def test_forked_raises_what_its_target_raised_naming_it():
    from kb.errors import KbError

    with pytest.raises(KbError, match="rules/qa.yaml:3: bad"):
        parallel.Forked(_fail, "rules/qa.yaml:3: bad").result()
    with pytest.raises(KbError, match=r"Q&A extraction failed: _Unpicklable\('lost on the way'\)"):
        parallel.Forked(_fail_unpicklably, name="Q&A extraction").result()
    with pytest.raises(KbError, match=r"Q&A extraction stopped \(exit status 4\) before it reported"):
        parallel.Forked(_die, name="Q&A extraction").result()
    with pytest.raises(KbError, match=r"^logs/a.md:3: not a chat log$"):
        parallel.Forked(_fail_unrebuildably, name="ingest").result()


def test_a_forked_process_whose_parent_stopped_listening_finishes(tmp_path):
    import multiprocessing

    child = parallel.Forked(_talk_to_nobody, tmp_path / "done")
    child.stop()  # closes the pipe and waits: the child's message is dropped, its work done
    assert (tmp_path / "done").read_text() == "done anyway" and not multiprocessing.active_children()


def test_a_stopped_forked_process_leaves():
    import multiprocessing

    child = parallel.Forked(_wait)
    child.stop()  # it was waiting for a message: it reads the end of the pipe and leaves
    assert not multiprocessing.active_children()


def _sum_share(shared, span):
    return [shared[i] * 2 for i in span], len(shared)


@pytest.mark.parametrize("workers, pooled", [(1, False), (2, True)])
def test_started_runs_chunks_in_order_on_the_inherited_input(pools, workers, pooled):
    data = list(range(1000))
    chunks = parallel.spans(len(data), 7)
    with parallel.started(_sum_share, data, chunks, workers) as results:
        got = list(results)
    assert [x for part, _n in got for x in part] == [x * 2 for x in data]
    assert {n for _part, n in got} == {1000}
    assert bool(pools) is pooled


@pytest.mark.parametrize("total, pieces", [(10, 3), (3, 8), (0, 4), (9, 1)])
def test_spans_cover_the_range_once(total, pieces):
    got = parallel.spans(total, pieces)
    assert [i for span in got for i in span] == list(range(total))
    assert len(got) <= max(pieces, 1)


def test_started_works_in_the_background_while_this_process_goes_on(pools):
    data = list(range(100))
    chunks = parallel.spans(len(data), 1)
    with parallel.started(_sum_share, data, chunks, workers=1, background=True) as results:
        mine = sum(data)  # this process's own work, meanwhile
        got = list(results)
    assert pools == [1]
    assert mine == 4950 and got == [([x * 2 for x in data], 100)]


def test_started_is_not_reentrant():
    chunks = parallel.spans(10, 2)
    with parallel.started(_sum_share, list(range(10)), chunks, workers=2) as results:
        with pytest.raises(RuntimeError):
            with parallel.started(_sum_share, [], chunks, workers=2):
                pass
        assert len(list(results)) == 2
