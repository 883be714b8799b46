"""Extraction gives the same output in every process, whatever Python's string-hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Two written forms of one key, equally frequent, cut differently by the segmenter (two tokens and
# one): which one decides the candidate's token count and PMI must not depend on set order.
SNIPPET = r"""
import json
from collections import Counter
from kb.extract.terms import Msg, statistical_candidates
from kb.rules.terms import load_term_rules

docs = [["H5", "网页", "支付"], ["h5网页", "支付"], ["打开", "H5", "网页"], ["h5网页", "打开"]] * 3
docs += [["收银台", "页面"], ["收银台页面"], ["收银台", "页面", "跳转"], ["收银台页面", "跳转"]] * 3
messages = [Msg(i, "2024-03-04", f"s{i % 3}", "".join(d), False) for i, d in enumerate(docs)]
rules = load_term_rules(None)
rules.settings["min_freq"] = 2
cands, _, _ = statistical_candidates(docs, messages, rules, set())
print(json.dumps({k: [c.n_tokens, c.pmi, round(c.entropy, 9)] for k, c in sorted(cands.items())}))
"""


def test_statistics_do_not_depend_on_the_hash_seed():
    outputs = set()
    for seed in ("0", "1", "2", "3", "42"):
        result = subprocess.run([sys.executable, "-c", SNIPPET], capture_output=True, text=True, cwd=ROOT,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    cands = json.loads(outputs.pop())
    assert cands["h5网页"][0] in (1, 2) and "收银台页面" in cands


def test_edges_count_as_distinct_neighbours_seen_once():
    """entropy(counter, n) is the entropy with n more neighbours, each its own value seen once."""
    from collections import Counter

    from kb.extract.stats import entropy

    words = Counter({"支付": 3, "清算": 1})
    assert entropy(words, 3) == pytest.approx(entropy(Counter({**words, 1: 1, 2: 1, 3: 1})))
    assert entropy(Counter(), 4) == pytest.approx(2.0)
    assert entropy(Counter(), 0) == 0.0


def test_neighbours_match_a_brute_force_count():
    """neighbours() prunes by key prefixes; it must find what trying every n-gram at every place finds."""
    from kb.extract import stats as st
    from kb.extract.terms import neighbours

    docs = [["小额", "支付", "系统", "的", "清算", "时间"], ["清算", "时间", "，", "小额", "支付"],
            ["小额", "支付", "系统"], [], ["支付", "支付", "系统", "支付"], ["T+0", "清算", "时间", "是", "几点"]]
    keys = {"小额" + st.SEP + "支付", "小额" + st.SEP + "支付" + st.SEP + "系统", "清算" + st.SEP + "时间",
            "支付", "支付" + st.SEP + "系统"}
    where, left, right = neighbours(docs, keys, max_n=4)
    words = st.WordTokens()
    for key in keys:
        parts = key.split(st.SEP)
        n = len(parts)
        found, lefts, rights = set(), Counter(), Counter()
        for index, tokens in enumerate(docs):
            for i in range(len(tokens) - n + 1):
                if tokens[i:i + n] != parts:
                    continue
                found.add(index)
                lefts[tokens[i - 1] if i > 0 and words[tokens[i - 1]] else None] += 1
                rights[tokens[i + n] if i + n < len(tokens) and words[tokens[i + n]] else None] += 1
        assert where[key] == found, key
        for got, want in ((left[key], lefts), (right[key], rights)):
            assert sorted(got[0]) == sorted(c for w, c in want.items() if w is not None), key
            assert got[1] == want.get(None, 0), key
