"""Extraction gives the same output in every process, whatever Python's string-hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Two written forms of one key, equally frequent, cut differently by the segmenter (two tokens and
# one): which one decides the candidate's token count and PMI must not depend on set order.
SNIPPET = r"""
import json
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
