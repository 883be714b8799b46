"""The part of pkuseg's model a few texts use cuts them exactly as the whole model does (kb.nlp.lite)."""

from __future__ import annotations

import sqlite3

import pytest

from kb.nlp import lite, parallel
from kb.nlp.segment import Segmenter, _base_model, release_model

@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A copy of the model written into a folder of this module's own."""
    folder = tmp_path_factory.mktemp("kbcache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_CACHE_DIR", str(folder))
        assert not lite.available()
        assert lite.write_cache(_base_model())
        assert lite.available() and lite.cache_dir().parent == folder
        yield folder


@pytest.fixture
def in_cache(cache, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(cache))
    return cache


def test_the_copy_cuts_as_the_whole_model(in_cache, tricky, example_lines, corpus_lines):
    texts = tricky + example_lines + corpus_lines
    part = lite.model_for(texts)
    whole = _base_model()
    assert len(part.feature_extractor.feature_to_idx) < len(whole.feature_extractor.feature_to_idx) / 10
    differ = [t for t in texts if part.cut(t) != whole.cut(t)]
    assert not differ and len(texts) > 50


def test_with_a_user_dictionary_too(in_cache, tricky, example_lines):
    words = ["协议支付", "备付金集中存管", "断直连", "T+0", "资金池"]  # pkuseg cuts the text around them
    texts = tricky + example_lines
    part = Segmenter(words, base=lite.model_for(texts))
    whole = Segmenter(words)
    assert [part.cut(t) for t in texts] == [whole.cut(t) for t in texts]
    assert "备付金集中存管" in part.cut("备付金集中存管 100% 交存人行")


def test_few_texts_are_cut_without_the_whole_model(in_cache, monkeypatch, tricky, example_lines):
    texts = tricky + example_lines
    expected = [_base_model().cut(t) for t in texts]
    release_model()
    used = []
    model_for = lite.model_for
    monkeypatch.setattr(lite, "model_for", lambda texts_: used.append(len(texts_)) or model_for(texts_))
    cut = list(parallel.cut_many(texts, workers=1))
    assert used == [len(texts)] and _base_model.cache_info().currsize == 0  # the whole model never loaded
    assert [tokens for _text, tokens in cut] == expected


def test_without_the_copy_the_whole_model_cuts_and_the_copy_is_written(tmp_path, monkeypatch, tricky):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    release_model()
    texts = tricky
    cut = dict(parallel.cut_many(texts, workers=1))
    assert lite.available()  # written for the next few texts
    assert _base_model.cache_info().currsize == 0  # and the whole model released again
    assert cut == {t: lite.model_for(texts).cut(t) for t in texts}
    with sqlite3.connect(lite.cache_dir() / "features.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM features").fetchone()[0] > 2_000_000


def test_many_texts_do_not_use_the_copy(in_cache, monkeypatch, tricky):
    monkeypatch.setattr(lite, "MAX_TEXTS", 3)
    monkeypatch.setattr(lite, "model_for", lambda texts: pytest.fail("the copy was used for many texts"))
    assert len(list(parallel.cut_many(tricky, workers=1))) == len(tricky)


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch, tricky):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "cache"))
    assert not lite.available()
    assert lite.write_cache(_base_model()) is False
    assert lite.model_for(tricky) is None
    assert [t for _text, t in parallel.cut_many(tricky[:2], workers=1)] == [_base_model().cut(t) for t in tricky[:2]]


def test_the_copy_is_named_by_the_model_not_by_where_or_when_it_was_installed(tmp_path):
    import os
    import shutil

    model = lite._model_dir()
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        for name in ("features.pkl", "weights.npz"):
            shutil.copyfile(model / name, folder / name)  # new files, new times: a fresh installation
    os.utime(two / "weights.npz", (1, 1))
    assert lite.cache_dir(one) == lite.cache_dir(two) == lite.cache_dir()
    with open(two / "weights.npz", "r+b") as f:  # one byte of the weights' end (a zip's CRCs) changed
        f.seek(-30, os.SEEK_END)
        byte = f.read(1)
        f.seek(-30, os.SEEK_END)
        f.write(bytes([byte[0] ^ 1]))
    lite._copy_name.cache_clear()  # (read once a process)
    assert lite.cache_dir(two) != lite.cache_dir(one)
