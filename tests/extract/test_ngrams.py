"""The n-gram counts and neighbours, computed with numpy over the whole corpus at once, against
the plain loops that define them."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from kb.extract import stats as st
from kb.extract.terms import neighbours

STOP = {"的", "了", "吗"}          # may not start or end an n-gram
NO_INNER = {"，", "的"}            # may not be anywhere in one
VOCAB = ["小额", "支付", "系统", "清算", "时间", "的", "了", "吗", "，", "T+0", "p2p", "P2P", "备付金",
         "账", "是", "2018", "。", "超长的一个词语十二个字符", "D0"]


def reference_counts(docs, max_n, max_chars, stop, min_freq, no_inner):
    """count_ngrams as a loop over every clause and start: what the numpy version must equal."""
    counts: Counter = Counter()
    words = st.WordTokens()
    for tokens in docs:
        for start, end in st.clause_spans(tokens, words):
            for i in range(start, end):
                first = tokens[i]
                if first in stop or len(first) > max_chars or first in no_inner:
                    continue
                if len(first) >= 2 or st._LATIN.search(first):
                    counts[first] += 1
                key, chars = first, len(first)
                for j in range(i + 1, min(end, i + max_n)):
                    chars += len(tokens[j])
                    if chars > max_chars or tokens[j] in no_inner:
                        break
                    key += st.SEP + tokens[j]
                    if tokens[j] not in stop:
                        counts[key] += 1
    return {k: c for k, c in counts.items() if c >= min_freq or st._LATIN_ANY_WIDTH.search(k)}


def random_docs(seed: int, n_docs: int = 300) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(VOCAB) for _ in range(rng.randint(0, 14))] for _ in range(n_docs)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("max_n, max_chars, min_freq", [(4, 16, 3), (2, 6, 1), (3, 8, 2)])
def test_count_ngrams_equals_the_loop_that_defines_it(seed, max_n, max_chars, min_freq):
    docs = random_docs(seed)
    got = st.count_ngrams(docs, max_n, max_chars, STOP, min_freq, NO_INNER)
    want = reference_counts(docs, max_n, max_chars, STOP, min_freq, NO_INNER)
    assert dict(got.counts) == want
    assert got.unigrams == Counter(t for doc in docs for t in doc)
    assert got.n_tokens == sum(len(doc) for doc in docs)


@pytest.mark.parametrize("docs, key, count", [
    ([["小额", "支付", "系统"]] * 3, "小额\x1f支付\x1f系统", 3),      # a clause's n-gram
    ([["小额", "，", "支付"]] * 3, "小额\x1f，\x1f支付", None),          # punctuation ends a clause
    ([["的", "支付", "系统"]] * 3, "的\x1f支付", None),                 # a stop word does not start one
    ([["支付", "系统", "的"]] * 3, "支付\x1f系统\x1f的", None),          # nor end one
    ([["支付", "了", "系统"]] * 3, "支付\x1f了\x1f系统", 3),             # but may be inside
    ([["支付", "的", "系统"]] * 3, "支付\x1f的\x1f系统", None),          # unless it may not be anywhere
    ([["支付"], ["支付"]], "支付", None),                                # fewer than min_freq
    ([["p2p", "账"]], "p2p\x1f账", 1),                                   # latin: kept below min_freq
    ([["账"]] * 5, "账", None),                                          # one CJK character is no unigram key
    ([["超长的一个词语十二个字符", "备付金"]] * 3, "超长的一个词语十二个字符\x1f备付金", None),  # > max_chars
    ([["小额", "支付"], ["系统"]] * 3, "支付\x1f系统", None),            # n-grams do not cross messages
])
def test_count_ngrams_cases(docs, key, count):
    counts = st.count_ngrams(docs, 4, 12, STOP, 3, NO_INNER).counts
    assert counts.get(key) == count


def test_keys_come_in_the_order_they_first_occur():
    docs = [["清算", "时间"], ["小额", "支付", "系统"]] * 3
    assert list(st.count_ngrams(docs, 3, 16, STOP, 3, NO_INNER).counts) == [
        "清算", "清算\x1f时间", "时间", "小额", "小额\x1f支付", "小额\x1f支付\x1f系统", "支付", "支付\x1f系统", "系统"]


@pytest.mark.parametrize("seed", range(5))
def test_neighbours_equal_a_brute_force_count_on_random_docs(seed):
    docs = random_docs(seed)
    keys = set(st.count_ngrams(docs, 4, 16, STOP, 2, NO_INNER).counts) | {"不在" + st.SEP + "语料"}
    where, left, right = neighbours(docs, keys, max_n=4)
    words = st.WordTokens()
    for key in keys:
        parts = key.split(st.SEP)
        found, lefts, rights = set(), [], []
        for index, tokens in enumerate(docs):
            for i in range(len(tokens) - len(parts) + 1):
                if tokens[i:i + len(parts)] == parts:
                    found.add(index)
                    lefts.append(tokens[i - 1] if i > 0 and words[tokens[i - 1]] else None)
                    j = i + len(parts)
                    rights.append(tokens[j] if j < len(tokens) and words[tokens[j]] else None)
        if not found:
            assert key not in where
            continue
        assert where[key] == found, key
        for got, seen in ((left[key], lefts), (right[key], rights)):
            counts = Counter(seen)  # first seen first, as entropy sums them
            edges = counts.pop(None, 0)
            assert got == (list(counts.values()), edges), key


def test_neighbours_find_no_key_longer_than_max_n_even_with_a_longer_index():
    docs = [["小额", "支付", "系统"]] * 3
    index = st.NgramIndex(docs, 4)
    where, _left, _right = neighbours(docs, {"小额\x1f支付\x1f系统", "小额\x1f支付"}, max_n=2, index=index)
    assert set(where) == {"小额\x1f支付"}
