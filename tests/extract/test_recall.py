"""The recall check against a list of established terms, and the shipped list itself."""

from __future__ import annotations

from pathlib import Path

from kb.extract.recall import read_term_list, term_recall
from kb.extract.run import extract_terms

LIST = Path(__file__).parent / "data" / "payment_terms.txt"


def test_shipped_list_reads():
    entries = read_term_list(LIST)
    assert len(entries) >= 100
    assert ["人民银行", "央行", "人行", "中国人民银行"] in entries


def test_recall_on_examples(examples_engine, tmp_path):
    extract_terms(examples_engine)
    listed = tmp_path / "terms.txt"
    listed.write_text("# test\n备付金\n集中存管\nD0 | D+0\n区块链\n协议支付\n", encoding="utf-8")
    result = term_recall(examples_engine, read_term_list(listed), min_occurrences=3, top=3)
    assert result.occurrences["区块链"] == 0
    assert result.checked == 4            # 区块链 does not occur
    assert result.extracted == 4 and result.recall_all == 1.0
    assert result.in_top < result.checked  # not all four rank in the top 3
    assert result.missing == []
