"""Variants merged into one term: width, case, traditional/simplified, spacing, abbreviations."""

from __future__ import annotations

from collections import Counter

import pytest

from kb.extract.variants import alias_map, canonical_form, group_variants
from kb.rules.terms import Abbreviation

VARIANTS = [
    (["P2P", "p2p", "Ｐ２Ｐ"], "p2p"),
    (["資金池", "资金池"], "资金池"),
    (["POS 机", "POS机", "pos机"], "pos机"),
    (["T + 0", "T+0", "ｔ＋０"], "t+0"),
    (["二维码 支付", "二维码支付"], "二维码支付"),
]


@pytest.mark.parametrize("surfaces, key", VARIANTS)
def test_variants_share_one_key(surfaces, key):
    groups = group_variants((s, 1) for s in surfaces)
    assert list(groups) == [key]
    assert sorted(groups[key]) == sorted(surfaces)


@pytest.mark.parametrize("counts, canonical", [
    ({"P2P": 10, "p2p": 3}, "P2P"),
    ({"p2p": 10, "P2P": 3}, "p2p"),
    ({"p2p": 5, "P2P": 5}, "P2P"),
    ({"資金池": 1, "资金池": 9}, "资金池"),
])
def test_canonical_is_the_most_frequent_surface(counts, canonical):
    assert canonical_form(Counter(counts)) == canonical


def test_abbreviations_map_to_their_term():
    rules = [Abbreviation("pboc", "中国人民银行", ("央行", "人行", "PBOC")), Abbreviation("x", "MCC", ("mcc",))]
    assert alias_map(rules) == {"央行": "中国人民银行", "人行": "中国人民银行", "pboc": "中国人民银行"}
