"""Masking personal numbers (mobile, landline, bank card) in chat text that kb shows or writes: the wiki, lookups, kb qa and the exports."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d{3}")  # a quick test before the full patterns
# A Chinese mobile number (11 digits from 1[3-9]), optionally grouped 3-4-4 with spaces or dashes.
_MOBILE = re.compile(r"(?<![\d])(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d])")
# A bank card: 16 to 19 digits, optionally in groups of four.
_CARD = re.compile(r"(?<![\d])(\d{4})((?:[- ]?\d){8,11})[- ]?(\d{4})(?![\d])")
# A landline with area code: 010-12345678, 0571-8888888.
_LANDLINE = re.compile(r"(?<![\d])(0\d{2,3})-(\d{3,4})(\d{4})(?![\d])")


def mask(text: str | None) -> str:
    """The text with phone and bank-card numbers masked: 13812345678 → 138****5678."""
    if not text or _DIGITS.search(text) is None:
        return text or ""
    text = _CARD.sub(lambda m: f"{m[1]} **** **** {m[3]}", text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return _LANDLINE.sub(lambda m: f"{m[1]}-****{m[3]}", text)
