import gc

import pytest

from kb import heap


@pytest.fixture(autouse=True)
def collector_as_found():
    assert gc.isenabled() and gc.get_freeze_count() == 0
    yield
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_paused_gc_restores_the_collector():
    with heap.paused_gc():
        assert not gc.isenabled()
        with heap.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_restores_the_collector_after_an_error():
    with pytest.raises(KeyError), heap.paused_gc():
        raise KeyError


def test_paused_gc_as_a_decorator_pauses_each_call():
    @heap.paused_gc()
    def inside():
        return gc.isenabled()

    assert inside() is False
    assert gc.isenabled()
    assert inside() is False  # a second call: a new pause, not a used-up one


def test_frozen_leaves_the_objects_of_now_to_the_collector_of_later():
    kept = [[] for _ in range(1000)]
    with heap.frozen():
        assert gc.get_freeze_count() >= len(kept)  # in the permanent generation: no collection walks them
        with heap.frozen():  # nested: only the outermost releases
            pass
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_frozen_releases_after_an_error():
    with pytest.raises(ValueError), heap.frozen():
        raise ValueError


def test_a_cycle_made_while_paused_is_collected_by_the_collector_after():
    import weakref

    class Node:
        pass

    with heap.paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
        made = [[] for _ in range(5 * gc.get_threshold()[0])]  # enough to start a collection, if enabled
        assert alive() is not None
    del made
    for _ in range(100):  # no gc.collect(): the collector's own next collections
        [[] for _ in range(gc.get_threshold()[0])]
        if alive() is None:
            break
    assert alive() is None


def test_frozen_blocks_ending_out_of_order_release_once_the_last_ends():
    first, second = heap.frozen(), heap.frozen()  # (as two generators holding one each would)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() > 0  # the second still counts on it
    second.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_someone_else_is_left_to_them():
    gc.freeze()
    try:
        with heap.frozen():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_trim_heap_runs_anywhere():
    heap.trim_heap()  # glibc's malloc_trim on Linux, nothing elsewhere; never raises
