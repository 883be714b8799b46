"""The segmentation cache written by a process of its own while the term passes run
(kb.nlp.segment_texts(stored_apart=…)): its errors are the extraction's, and it is waited for."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kb.store.models import Segment


def test_an_error_of_the_cache_writer_is_the_extractions(examples_engine, monkeypatch):
    import multiprocessing

    from kb.errors import KbError
    from kb.extract.run import extract_terms
    from kb.nlp import segment
    from kb.store.models import Term

    monkeypatch.setattr(segment, "MIN_STORED_APART", 1)

    def broken(*args, **kwargs):
        raise KbError("disk full while writing the cache")
    monkeypatch.setattr(segment, "insert_many", broken)  # in the writer, which inherits the patch
    with pytest.raises(KbError, match="disk full"):
        extract_terms(examples_engine, workers=2)
    with examples_engine.connect() as conn:  # nothing of the extraction was stored
        assert conn.execute(sa.select(sa.func.count()).select_from(Term)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(Segment)).scalar() == 0
    assert not multiprocessing.active_children()


def test_an_error_of_the_passes_waits_for_the_cache_writer(examples_engine, monkeypatch):
    import multiprocessing

    from kb.errors import KbError
    from kb.extract import run
    from kb.nlp import segment

    monkeypatch.setattr(segment, "MIN_STORED_APART", 1)

    def broken(*args, **kwargs):
        raise KbError("counting went wrong")
    monkeypatch.setattr(run, "statistical_candidates", broken)
    with pytest.raises(KbError, match="counting went wrong"):
        run.extract_terms(examples_engine, workers=2)
    assert not multiprocessing.active_children()
    with examples_engine.connect() as conn:  # the cache it wrote is kept: the next run reads it
        assert conn.execute(sa.select(sa.func.count()).select_from(Segment)).scalar() > 0
