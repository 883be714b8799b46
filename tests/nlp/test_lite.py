"""The part of pkuseg's model a few texts use cuts them exactly as the whole model does (kb.nlp.lite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kb.nlp import lite, parallel
from kb.nlp.segment import Segmenter, _base_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES, CORPUS = ROOT / "examples", ROOT.parent / "shared" / "corpus"

# what pkuseg treats specially: digits and letters (normalised to **Num / **Letter, full-width too),
# its keyword characters -._,|/*:, spaces (it cuts at them), emoji, one character, words of its list
TRICKY = ["  12.5元 ABC def 支付宝 T+0 ", "资金池/备付金|*:- 测试_a,b", "[微笑]😀 ok", "a", "资", "１２３４％ ＡＢＣ",
          "代扣和协议支付有什么区别？", "网联2018年6月30日前切量，断直连", "备付金集中存管 100% 交存人行"]


def example_texts() -> list[str]:
    texts = []
    for path in sorted((EXAMPLES / "logs").rglob("*.markdown")):
        texts += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith(">")]
    return texts


def corpus_texts(n: int = 2000) -> list[str]:
    """Every 60th text line of the corpus (about 2,000), when ../shared/corpus is there."""
    if not (CORPUS / "logs").is_dir():
        return []
    lines = [line.strip() for path in sorted((CORPUS / "logs").rglob("*.markdown"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith(">")]
    return lines[::max(1, len(lines) // n)][:n]


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


def test_the_copy_cuts_as_the_whole_model(in_cache):
    texts = TRICKY + example_texts() + corpus_texts()
    part = lite.model_for(texts)
    whole = _base_model()
    assert len(part.feature_extractor.feature_to_idx) < len(whole.feature_extractor.feature_to_idx) / 10
    differ = [t for t in texts if part.cut(t) != whole.cut(t)]
    assert not differ and len(texts) > 50


def test_with_a_user_dictionary_too(in_cache):
    words = ["协议支付", "备付金集中存管", "断直连", "T+0", "资金池"]  # pkuseg cuts the text around them
    texts = TRICKY + example_texts()
    part = Segmenter(words, base=lite.model_for(texts))
    whole = Segmenter(words)
    assert [part.cut(t) for t in texts] == [whole.cut(t) for t in texts]
    assert "备付金集中存管" in part.cut("备付金集中存管 100% 交存人行")


def test_few_texts_are_cut_without_the_whole_model(in_cache, monkeypatch):
    texts = TRICKY + example_texts()
    expected = [_base_model().cut(t) for t in texts]
    _base_model.cache_clear()
    used = []
    model_for = lite.model_for
    monkeypatch.setattr(lite, "model_for", lambda texts_: used.append(len(texts_)) or model_for(texts_))
    cut = list(parallel.cut_many(texts, workers=1))
    assert used == [len(texts)] and _base_model.cache_info().currsize == 0  # the whole model never loaded
    assert [tokens for _text, tokens in cut] == expected


def test_without_the_copy_the_whole_model_cuts_and_the_copy_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    _base_model.cache_clear()
    texts = TRICKY
    cut = dict(parallel.cut_many(texts, workers=1))
    assert lite.available()  # written for the next few texts
    assert _base_model.cache_info().currsize == 0  # and the whole model released again
    assert cut == {t: lite.model_for(texts).cut(t) for t in texts}
    with sqlite3.connect(lite.cache_dir() / "features.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM features").fetchone()[0] > 2_000_000


def test_many_texts_do_not_use_the_copy(in_cache, monkeypatch):
    monkeypatch.setattr(lite, "MAX_TEXTS", 3)
    monkeypatch.setattr(lite, "model_for", lambda texts: pytest.fail("the copy was used for many texts"))
    assert len(list(parallel.cut_many(TRICKY, workers=1))) == len(TRICKY)


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "cache"))
    assert not lite.available()
    assert lite.write_cache(_base_model()) is False
    assert lite.model_for(TRICKY) is None
    assert [t for _text, t in parallel.cut_many(TRICKY[:2], workers=1)] == [_base_model().cut(t) for t in TRICKY[:2]]
