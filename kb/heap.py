"""Python's cyclic garbage collector around the large, long-lived heaps of a build.

A build holds millions of objects that live until it ends (messages, tokens, the wiki's
data). Every full collection walks all of them, and the collector runs one each time the
objects that survived since grow by a quarter: while a pass loads or makes millions of objects
that is several walks of the whole heap, for no garbage (rows, tuples and dicts make no
cycles). In a forked worker a walk is worse: it writes to every object's header, so the
worker copies pages it would otherwise share with its parent.

``paused_gc`` stops collections while such a pass runs; ``frozen`` moves every object there is
into the collector's permanent generation (``gc.freeze``), so that workers forked inside walk only
what they make themselves. Neither outlives its block: what a paused block left as garbage is
collected at the next collection after it (unless a ``frozen`` block began inside it: then once that
one ends).
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (restored after, also when nested)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_frozen_blocks = 0     # frozen() blocks open in this process
_release_after = False  # whether the last of them releases the freeze (nobody else had frozen before)


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Every object there is now left alone by the collector inside (``gc.freeze``): fork the
    workers that share them here. Released once the last open block ends, whatever the order they
    end in (generators), unless something else had frozen objects before the first began: that
    freeze, and what the blocks added to it, stays its owner's to release."""
    global _frozen_blocks, _release_after
    if _frozen_blocks == 0:
        _release_after = gc.get_freeze_count() == 0
    _frozen_blocks += 1
    gc.freeze()
    try:
        yield
    finally:
        _frozen_blocks -= 1
        if _frozen_blocks == 0 and _release_after:
            gc.unfreeze()


def trim_heap() -> None:
    """Give the memory this process has freed back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Python keeps freed memory for reuse, so pages a forked child shares and this
    process has since copied (by touching their objects) and freed would otherwise stay counted
    twice."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)  # the C library this process already runs on
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
