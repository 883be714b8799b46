"""kb.nlp.fastcut cuts exactly as pkuseg does: the same feature lists, post-processing and tokens."""

from __future__ import annotations

import numpy as np
import pytest

from kb.nlp import parallel
from kb.nlp.fastcut import LETTER, NUM, FastCut
from kb.nlp.segment import Segmenter, _base_model, _fast_cut, release_model

WORDS = ["协议支付", "备付金集中存管", "断直连", "T+0", "资金池"]


def test_the_feature_lists_are_pkusegs(tricky, example_lines, corpus_lines):
    """The same features in the same order, but for the zero-weight feature standing for those missing;
    and so the same node scores, to the last bit."""
    from pkuseg import inference

    fast, model = _fast_cut(), _base_model()
    extractor, inner, zero = model.feature_extractor, model.model, fast.zero_feature(model)
    pieces = sorted({piece for text in tricky + example_lines + corpus_lines for piece in text.split()})
    differ, padded, scores_differ = [], 0, []
    for piece in pieces:
        nodes = list(extractor.normalize_text(piece))
        pkusegs = [extractor.get_node_features_idx(i, nodes) for i in range(len(nodes))]
        got = fast.feature_lists(piece)
        if [[f for f in features if f != zero] for features in got] != \
                [[f for f in features if f != zero] for features in pkusegs]:
            differ.append(piece)
        padded += got != pkusegs
        scores = [inference.getLogYY(lists, inner.n_tag, inner.n_feature * inner.n_tag, inner.w, 1.0)[0]
                  for lists in (got, pkusegs)]
        if not np.array_equal(*scores):
            scores_differ.append(piece)
    assert not differ and not scores_differ and len(pieces) > 100
    assert padded > len(pieces) / 10  # the zero feature did stand in


def test_the_zero_feature_weighs_nothing():
    model = _base_model()
    zero, inner = FastCut.zero_feature(model), model.model
    assert zero is not None and not np.asarray(inner.w)[zero * inner.n_tag:(zero + 1) * inner.n_tag].any()


def test_a_model_without_a_zero_feature_is_cut_by_pkuseg(monkeypatch):
    monkeypatch.setattr(FastCut, "zero_feature", staticmethod(lambda model: None))
    assert not FastCut.supports(_base_model())


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
