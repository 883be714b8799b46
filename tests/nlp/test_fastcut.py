"""kb.nlp.fastcut cuts exactly as pkuseg does: the same feature lists, post-processing and tokens."""

from __future__ import annotations

import pytest

from kb.nlp import parallel
from kb.nlp.fastcut import LETTER, NUM, FastCut
from kb.nlp.segment import Segmenter, _base_model, _fast_cut, release_model

WORDS = ["协议支付", "备付金集中存管", "断直连", "T+0", "资金池"]


def test_the_feature_lists_are_pkusegs(tricky, example_lines, corpus_lines):
    fast, extractor = _fast_cut(), _base_model().feature_extractor
    pieces = sorted({piece for text in tricky + example_lines + corpus_lines for piece in text.split()})
    differ = []
    for piece in pieces:
        nodes = list(extractor.normalize_text(piece))
        if fast.feature_lists(piece) != [extractor.get_node_features_idx(i, nodes) for i in range(len(nodes))]:
            differ.append(piece)
    assert not differ and len(pieces) > 100


@pytest.mark.parametrize("words", [[], WORDS], ids=["no dictionary", "user dictionary"])
def test_the_tokens_are_pkusegs(words, tricky, example_lines, corpus_lines):
    texts = tricky + example_lines + corpus_lines
    fast, plain = Segmenter(words, fast=True), Segmenter(words)
    assert [fast.cut(t) for t in texts] == [plain.cut(t) for t in texts]
    assert fast._model._cut.__self__ is _fast_cut()  # it did cut fast
    assert "_cut" not in plain._model.__dict__       # and the other with pkuseg's own code


def test_a_text_holding_the_stand_in_characters_is_left_to_pkuseg():
    text = f"支付{NUM}宝12 {LETTER}ab资金池"
    assert _fast_cut().feature_lists(text.split()[0]) is None
    assert Segmenter(fast=True).cut(text) == Segmenter().cut(text)


def test_post_processing_merges_as_pkusegs():
    """Sentences made of the parts of words pkuseg's dictionary lists (so that it merges them)."""
    post = _base_model().postprocesser
    listed = sorted(w for w in post.other_words if 3 <= len(w) <= 8)[::400]
    sentences = []
    for k, word in enumerate(listed):
        parts = [word[:1], word[1:2], word[2:]] if k % 2 else [word[:2], word[2:]]
        sentences.append(["我们", *parts, "的", *listed[k - 1]])  # also single characters, merged or not
    fast = _fast_cut()
    got = [fast._post_process(list(s)) for s in sentences]
    assert got == [post.post_process(list(s), check_seperated=True) for s in sentences]
    assert sum(len(g) < len(s) for g, s in zip(got, sentences)) > len(sentences) / 2  # it did merge


def test_a_model_configured_otherwise_is_cut_by_pkuseg(monkeypatch):
    from pkuseg.config import config

    release_model()
    monkeypatch.setattr(config, "wordMax", 5)
    try:
        assert not FastCut.supports(_base_model()) and _fast_cut() is None
        segmenter = Segmenter(fast=True)
        segmenter.cut("资金池")
        assert "_cut" not in segmenter._model.__dict__
    finally:
        monkeypatch.undo()
        _fast_cut.cache_clear()
    assert _fast_cut() is not None


def test_the_workers_cut_fast_and_the_same(example_lines, corpus_lines):
    texts = sorted(set(example_lines + corpus_lines))
    got = list(parallel.cut_many(texts, WORDS, workers=2, min_parallel=1, chunk=50, fast=True))
    plain = Segmenter(WORDS)
    assert got == [(t, plain.cut(t)) for t in texts]


def test_a_fastcut_of_a_model_released_since_is_not_used():
    stale = _fast_cut()
    _base_model.cache_clear()  # the model released without release_model(): the fastcut kept is of the old one
    try:
        segmenter = Segmenter(fast=True)
        segmenter.cut("资金池")
        assert _fast_cut() is stale and "_cut" not in segmenter._model.__dict__
    finally:
        release_model()
    assert Segmenter(fast=True).cut("资金池") == Segmenter().cut("资金池")
