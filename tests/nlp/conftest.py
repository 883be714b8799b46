"""Texts the segmentation tests cut: pkuseg's special cases, the example logs, and corpus lines."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES, CORPUS = ROOT / "examples", ROOT.parent / "shared" / "corpus"

# what pkuseg treats specially: digits and letters (normalised to **Num / **Letter, full-width too),
# its keyword characters -._,|/*:, spaces (it cuts at them), emoji, one character, words of its list
TRICKY = ["  12.5元 ABC def 支付宝 T+0 ", "资金池/备付金|*:- 测试_a,b", "[微笑]😀 ok", "a", "资", "１２３４％ ＡＢＣ",
          "代扣和协议支付有什么区别？", "网联2018年6月30日前切量，断直连", "备付金集中存管 100% 交存人行"]


def _lines(paths) -> list[str]:
    return [line.strip() for path in paths for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(">")]


@pytest.fixture(scope="session")
def tricky() -> list[str]:
    return list(TRICKY)


@pytest.fixture(scope="session")
def example_lines() -> list[str]:
    """The text lines of the example logs."""
    return _lines(sorted((EXAMPLES / "logs").rglob("*.markdown")))


@pytest.fixture(scope="session")
def corpus_lines() -> list[str]:
    """Every 60th text line of the corpus (about 2,000), when ../shared/corpus is there (else none)."""
    if not (CORPUS / "logs").is_dir():
        return []
    lines = _lines(sorted((CORPUS / "logs").rglob("*.markdown")))
    return lines[::max(1, len(lines) // 2000)][:2000]
