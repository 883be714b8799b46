"""term_key: the key variants of a term share; it converts to simplified only texts that need it."""

from __future__ import annotations

import pytest

from kb.store import normalize
from kb.store.normalize import term_key


@pytest.mark.parametrize("text, key", [
    ("資金池", "资金池"),
    ("资金池", "资金池"),
    ("Ｐ２Ｐ", "p2p"),
    ("P2P", "p2p"),
    ("小额 支付\u3000系统", "小额支付系统"),
    ("備付金", "备付金"),
    ("T+0", "t+0"),
    ("乾隆", "乾隆"),        # a phrase of the dictionary: 乾 stays 乾 here
    ("乾燥", "干燥"),
])
def test_term_key(text, key):
    assert term_key(text) == key


@pytest.mark.parametrize("text", ["资金池", "小额支付系统", "T+0清算", "備付金和资金池", "網聯", "支付清算協會",
                                  "乾隆年间的錢", "ｍＰＯＳ机", "the 95516 hotline", ""])
def test_skipping_the_conversion_changes_nothing(text):
    """Texts without any character of the dictionaries' keys skip OpenCC; the key is what it would give."""
    import unicodedata

    normalize.term_key.cache_clear()
    nfkc = unicodedata.normalize("NFKC", text)
    full = normalize._SPACES.sub("", normalize._TO_SIMPLIFIED.convert(nfkc)).lower()
    assert term_key(text) == full
    assert normalize._CONVERTIBLE, "the OpenCC dictionaries' characters were found"


def test_characters_outside_the_dictionaries_convert_to_themselves():
    sample = [chr(c) for c in range(0x4E00, 0x9FFF, 7) if chr(c) not in normalize._CONVERTIBLE]
    text = "".join(sample)
    assert len(sample) > 2000
    assert normalize._TO_SIMPLIFIED.convert(text) == text
