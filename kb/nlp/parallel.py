"""Segmenting many texts on every core: a pool of worker processes, each loading pkuseg once.

pkuseg is pure CPU work per text, deterministic and independent of other texts, so
the texts can be cut in any order by any process and give exactly the tokens one
process would. The parent sends chunks of texts to the workers and receives each
chunk's tokens back in order, so a caller can write the cache as results arrive.

The model (about 800 MB in memory, most of it pkuseg's feature dictionary, and many
seconds to load) is loaded once, in this process, before the workers are forked: they
share its pages copy-on-write instead of loading their own copy (``gc.freeze`` keeps the
garbage collector from touching, and so copying, them). When this process had not
loaded the model before, it is released again once the texts are cut.

Few texts (below ``MIN_PARALLEL``) or one worker: the texts are cut in this process,
which avoids starting processes.

``started`` runs any pure function over chunks of work in forked workers that inherit
its (large, read-only) input instead of receiving it pickled, while this process goes on:
the extraction passes over all messages use it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from kb import heap

CHUNK = 1000          # texts per task sent to a worker
MIN_PARALLEL = 4000   # fewer texts than this are cut in this process
MIN_FAST = 2000       # from this many texts on, kb.nlp.fastcut cuts (its set-up costs about 0.6 s)

_worker_segmenter = None  # the Segmenter of a worker process (set by _init)
_fork_job: tuple[Callable[[Any, Any], Any], Any] | None = None  # started()'s function and input, inherited
T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """$KB_WORKERS if set, else the number of cores this process may use."""
    env = os.environ.get("KB_WORKERS")
    if env and env.strip().isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def worker_count(workers: int | None) -> int:
    """``workers`` as asked (at least 1), or default_workers() for None."""
    return default_workers() if workers is None else max(int(workers), 1)


def _init(words: list[str], fast: bool) -> None:
    global _worker_segmenter
    from kb.nlp.segment import Segmenter

    _worker_segmenter = Segmenter(words, fast=fast)
    _worker_segmenter.cut("预热")  # load the model now, not inside the first task


def _cut_chunk(texts: list[str]) -> list[list[str]]:
    cut = _worker_segmenter.cut
    return [cut(text) for text in texts]


def _context():
    """fork on Linux (workers start in milliseconds and share the parent's memory), else spawn.

    macOS has fork too, but forking a process that has used its system frameworks is unsafe
    there (Python itself defaults to spawn on macOS); without fork, started() runs in this process.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform.startswith("linux") else "spawn")


def can_fork(workers: int | None = None, background: bool = False) -> bool:
    """Whether started() would use worker processes: the fork start method, and more than one
    worker (or one, in the ``background``)."""
    return (worker_count(workers) > 1 or background) and _context().get_start_method() == "fork"


def _fork_task(chunk):
    function, shared = _fork_job
    return function(shared, chunk)


@contextlib.contextmanager
def started(function: Callable[[Any, T], R], shared: Any, chunks: Sequence[T],
            workers: int | None = None, background: bool = False) -> Iterator[Iterator[R]]:
    """Start ``function(shared, chunk)`` for each chunk in forked workers now; the body of the
    ``with`` runs in this process meanwhile and reads the results, in order, from the iterator.

    The workers inherit ``shared`` from this process as it is on entry (copy-on-write, nothing
    pickled), so it may be the whole corpus; only each chunk and each result travel.
    ``function`` must not change ``shared``. Without fork, with one worker or with one chunk,
    the iterator computes the results here as it is read: the same results. ``background``:
    work in worker processes even with one worker (so that this process is free meanwhile),
    when fork is there. Not nested.
    """
    global _fork_job
    workers = worker_count(workers)
    if not chunks or (len(chunks) < 2 and not background) or not can_fork(workers, background):
        yield (function(shared, chunk) for chunk in chunks)
        return
    if _fork_job is not None:
        raise RuntimeError("kb.nlp.parallel.started is not re-entrant")
    _fork_job = (function, shared)
    try:  # (frozen: the workers share these objects; the collector would touch, and copy, them)
        with heap.frozen(), _context().Pool(min(workers, len(chunks))) as pool:
            yield pool.imap(_fork_task, chunks)
    finally:
        _fork_job = None


def spans(total: int, pieces: int) -> list[range]:
    """0..total cut into at most ``pieces`` consecutive ranges of nearly equal length."""
    pieces = max(1, min(pieces, total))
    step = -(-total // pieces) if total else 1
    return [range(start, min(start + step, total)) for start in range(0, total, step)]


def cut_many(texts: Sequence[str], words: Sequence[str] = (), workers: int | None = None,
             segmenter=None, on_progress: Callable[[int, int], None] | None = None,
             min_parallel: int | None = None, chunk: int | None = None,
             fast: bool | None = None) -> Iterator[tuple[str, list[str]]]:
    """(text, tokens) for every text, in the order given, cut by ``workers`` processes.

    ``workers`` defaults to default_workers(); fewer than ``min_parallel`` texts (default
    MIN_PARALLEL) are cut here. A ``segmenter`` given (anything with ``cut``) means: cut here,
    with it. Workers use a Segmenter(words) and get ``chunk`` texts (default CHUNK) per task.
    ``fast``: whether kb.nlp.fastcut cuts (the same tokens); by default from MIN_FAST texts on.
    """
    total = len(texts)
    fast = total >= MIN_FAST if fast is None else fast
    workers = worker_count(workers)
    min_parallel = MIN_PARALLEL if min_parallel is None else min_parallel
    chunk = CHUNK if chunk is None else chunk
    done = 0
    if workers == 1 or total < max(min_parallel, 1) or segmenter is not None:
        from kb.nlp import lite
        from kb.nlp.segment import Segmenter, _base_model, model_kept, release_model

        had_model = model_kept()  # else it is released when the texts are cut
        few = 0 < total <= lite.MAX_TEXTS and _base_model.cache_info().currsize == 0 and segmenter is None
        if few:  # a new day's texts: the part of the model they use, if its copy is kept
            segmenter = Segmenter(words, base=lite.model_for(texts)) if lite.available() else None
        segmenter = segmenter or Segmenter(words, fast=fast)
        for text in texts:
            yield text, segmenter.cut(text)
            done += 1
            if on_progress and (done % 500 == 0 or done == total):
                on_progress(done, total)
        if few and _base_model.cache_info().currsize > 0:  # the whole model was loaded for few texts:
            lite.write_cache(_base_model())  # keep the copy the next few texts will be cut with
        if not had_model:  # loaded for these texts only: free its 800 MB for the stages after
            release_model()
        return
    chunk = max(1, min(chunk, -(-total // (workers * 4))))  # at least 4 tasks a worker: even load
    pieces = [list(texts[i:i + chunk]) for i in range(0, total, chunk)]
    context = _context()
    from kb.nlp.segment import _base_model, _fast_cut, model_kept, release_model

    had_model = model_kept()  # else it is released when the texts are cut
    if on_progress:
        on_progress(0, total)  # the model loads first: show the stage at once
    shared = contextlib.nullcontext()
    if context.get_start_method() == "fork":
        _fast_cut() if fast else _base_model()  # made once here; the forked workers share it
        shared = heap.frozen()
    try:
        with shared, context.Pool(min(workers, len(pieces)), initializer=_init, initargs=(list(words), fast)) as pool:
            for piece, tokens in zip(pieces, pool.imap(_cut_chunk, pieces)):
                yield from zip(piece, tokens)
                done += len(piece)
                if on_progress:
                    on_progress(done, total)
    finally:
        if not had_model:
            release_model()


class Forked:
    """``target(channel, *args)`` run in a forked process, which this one talks to over a pipe.

    The child inherits this process's memory as it is now (nothing pickled on the way in). What
    ``target`` returns, or the exception it raises, comes back to ``result``; before that it may
    ``channel.send`` messages of its own (progress) and ``channel.recv`` what this process
    ``send``s (a message to a parent that no longer listens is dropped: the work goes on). The
    child leaves by ``os._exit``: nothing of this process's (consoles, pools,
    atexit handlers, database connections) is closed or run there; ``name`` is what the errors
    call it. It is no daemon, so it may
    start workers of its own; it stops when this process's end of the pipe closes, if it waits
    on it then. Linux's fork only: the caller checks ``can_fork``.
    """

    def __init__(self, target: Callable[..., Any], *args: Any, name: str = "a worker process") -> None:
        context = multiprocessing.get_context("fork")
        self._name = name  # what the errors call it
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_forked_main, args=(child_end, self._conn, target, args, name))
        self._process.start()
        child_end.close()

    def send(self, message: Any) -> None:
        """Send to the child (it reads with ``channel.recv``); nothing if it has left already."""
        try:
            self._conn.send(message)
        except OSError:
            pass

    def result(self, on_message: Callable[[Any], None] | None = None) -> Any:
        """Wait for the child: what ``target`` returned, or its exception raised here. The
        messages it sent before go to ``on_message``."""
        from kb.errors import KbError

        try:
            while True:
                try:
                    kind, value = self._conn.recv()
                except (EOFError, ConnectionResetError):  # (reset: it left with a message of ours unread)
                    self._process.join()
                    raise KbError(f"{self._name} stopped (exit status {self._process.exitcode}) "
                                  "before it reported") from None
                except Exception as exc:  # what it sent could not be read back
                    self._process.join()
                    raise KbError(f"{self._name} failed: its report could not be read ({exc!r})") from None
                if kind == "message":
                    if on_message is not None:
                        on_message(value)
                    continue
                self._process.join()
                if kind == "error":
                    raise value
                return value
        finally:
            self._conn.close()

    def stop(self) -> None:
        """Close the pipe and wait for the child (which leaves when it next waits on the pipe)."""
        self._conn.close()
        self._process.join()


@contextlib.contextmanager
def stopped_on_error(children: list[Forked]) -> Iterator[None]:
    """On an error inside, stop the Forked processes of ``children`` (those there by then) before
    it goes on: none is left waiting on a pipe nobody reads."""
    try:
        yield
    except BaseException:
        for child in children:
            child.stop()
        raise


class _Channel:
    """The child's end of a Forked pipe, as ``target`` sees it."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def send(self, message: Any) -> None:
        """Send a message (progress) to the parent; nothing if it no longer listens: the work goes on."""
        try:
            self._conn.send(("message", message))
        except OSError:
            pass

    def recv(self) -> Any:
        """What the parent sent; EOFError once it closed its end."""
        return self._conn.recv()

    def poll(self) -> bool:
        """Whether recv would return at once: the parent sent something, or closed its end."""
        return self._conn.poll()


def _forked_main(conn, parent_end, target: Callable[..., Any], args: tuple, name: str) -> None:
    """In the forked process: run target, send ("ok", value) or ("error", exception), and leave."""
    from kb.errors import KbError

    global _fork_job
    _fork_job = None  # started() of the parent's, if any, is not this process's
    parent_end.close()
    try:
        result = ("ok", target(_Channel(conn), *args))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        result = ("error", exc)
    try:
        try:
            pickle.loads(pickle.dumps(result))  # what the parent will rebuild (some errors pickle, not back)
        except Exception as exc:  # a value or an exception that does not travel
            value = result[1]
            result = ("error", KbError(str(value) if isinstance(value, KbError) else f"{name} failed: {value!r} ({exc})"))
        conn.send(result)
        conn.close()
    except OSError:
        pass  # the parent is gone
    finally:
        os._exit(0)
