"""pkuseg segmentation: glossary terms kept whole, Docs from tokens, and the segmentation cache."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kb.nlp import Segmenter, make_doc, new_vocab, segment_texts, token_offsets, user_dictionary
from kb.store.models import Alias, Segment, Term


@pytest.fixture(scope="session")
def plain():
    return Segmenter()


# (text, glossary words, the word that must come out as one token)
KEEP_WHOLE = [
    ("小额支付系统的清算时间是几点", ["小额支付系统"], "小额支付系统"),
    ("我们做了快捷支付断直连改造", ["断直连"], "断直连"),
    ("网联清算平台已经上线", ["网联清算平台"], "网联清算平台"),
    ("他们用收单外包服务机构做拓展", ["收单外包服务机构"], "收单外包服务机构"),
]


@pytest.mark.parametrize("text, words, whole", KEEP_WHOLE)
def test_glossary_terms_are_kept_whole(plain, text, words, whole):
    assert whole not in plain.cut(text)  # the model alone splits it ...
    assert whole in Segmenter(words).cut(text)  # ... the user dictionary keeps it whole


def test_doc_from_tokens_and_offsets():
    text = "T+0 结算 和D0有区别"
    tokens = ["T+0", "结算", "和", "D0", "有", "区别"]
    doc = make_doc(new_vocab(), tokens)
    assert [t.text for t in doc] == tokens
    assert doc.text == "".join(tokens)
    assert token_offsets(text, tokens) == [(0, 3), (4, 6), (7, 8), (8, 10), (10, 11), (11, 13)]
    assert doc[0].lower_ == "t+0"


class CountingSegmenter:
    def __init__(self, words=()):
        self.inner = Segmenter(words)
        self.seen: list[str] = []

    def cut(self, text):
        self.seen.append(text)
        return self.inner.cut(text)


def test_cache_reuses_and_resegments_only_texts_with_changed_words(engine):
    texts = ["小额支付系统的清算时间", "聚合支付的费率是多少", "断直连之后怎么对账"]
    first = CountingSegmenter()
    tokens, stats = segment_texts(engine, texts, [], segmenter=first)
    assert sorted(first.seen) == sorted(texts) and stats.segmented == 3
    assert "小额支付系统" not in tokens[texts[0]]

    again = CountingSegmenter()
    tokens2, stats = segment_texts(engine, texts, [], segmenter=again)
    assert again.seen == [] and stats.cached == 3 and tokens2 == tokens

    # a glossary word is added: only the text containing it is segmented again
    words = ["小额支付系统"]
    changed = CountingSegmenter(words)
    tokens3, stats = segment_texts(engine, texts, words, segmenter=changed)
    assert changed.seen == [texts[0]]
    assert stats.revalidated == 2 and stats.segmented == 1
    assert "小额支付系统" in tokens3[texts[0]]

    # the cache is now valid for the new dictionary
    after = CountingSegmenter(words)
    _tokens, stats = segment_texts(engine, texts, words, segmenter=after)
    assert after.seen == [] and stats.cached == 3

    # the word is removed again: that text is segmented again, without it
    removed = CountingSegmenter()
    tokens5, stats = segment_texts(engine, texts, [], segmenter=removed)
    assert removed.seen == [texts[0]]
    assert tokens5[texts[0]] == tokens[texts[0]]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Segment)).scalar() == 3


def test_user_dictionary_is_the_glossary(engine):
    now = dt.datetime(2024, 1, 1)
    with engine.begin() as conn:
        rows = [
            ("断直连", "approved", "extracted"), ("收单外包", "candidate", "imported"),
            ("聚合支付", "candidate", "curated"), ("哈哈", "rejected", "imported"), ("大家", "candidate", "extracted"),
        ]
        for canonical, status, origin in rows:
            conn.execute(sa.insert(Term).values(canonical=canonical, key=canonical, status=status, origin=origin,
                                                score=0, signals={}, n_mentions=0, related=[], version=1,
                                                extracted_at=now))
        term_id = conn.execute(sa.select(Term.id).where(Term.key == "断直连")).scalar()
        conn.execute(sa.insert(Alias).values(term_id=term_id, alias="断开直连", key="断开直连", origin="curated"))
    assert user_dictionary(engine) == sorted(["断直连", "断开直连", "收单外包", "聚合支付"])


def cache_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(Segment.text_hash, Segment.dict_hash, Segment.tokens).order_by(Segment.text_hash))]


def test_the_cache_written_apart_is_the_cache_written_here(engine, monkeypatch):
    """segment_texts(stored_apart=…) with many new texts: a forked process writes the cache
    while the caller goes on, and it is what segment_texts writes itself."""
    import multiprocessing

    from kb.nlp import segment

    texts = ["小额支付系统的清算时间", "聚合支付的费率是多少", "断直连之后怎么对账"]
    words = ["小额支付系统"]
    monkeypatch.setattr(segment, "MIN_STORED_APART", 1)
    apart: list = []
    tokens, stats = segment_texts(engine, texts, words, segmenter=CountingSegmenter(words), workers=2,
                                  stored_apart=apart)
    assert len(apart) == 1 and stats.segmented == 3
    apart[0].result()
    assert cache_rows(engine) == sorted((segment.text_hash(t), segment.dict_hash(words), tokens[t]) for t in texts)
    assert user_dictionary(engine) == [] and not multiprocessing.active_children()
    again = CountingSegmenter(words)
    assert segment_texts(engine, texts, words, segmenter=again)[1].cached == 3 and again.seen == []
    # one worker: written here, before segment_texts returns
    one: list = []
    segment_texts(engine, ["网联清算平台已经上线"], words, segmenter=CountingSegmenter(words), workers=1, stored_apart=one)
    assert one == [] and len(cache_rows(engine)) == 4
