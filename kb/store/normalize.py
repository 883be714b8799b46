"""The normalised key that variants of a term share.

Full-width and half-width forms, upper and lower case, traditional and
simplified characters, and spacing all map to one key: ``Ｐ２Ｐ``, ``p2p``
and ``P2P`` share ``p2p``; ``資金池`` and ``资金池`` share ``资金池``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_SPACES = re.compile(r"[\s\u2005\u3000]+")
_TO_SIMPLIFIED = OpenCC("t2s")
# every character of a key of its dictionaries (opencc-python-reimplemented keeps them in
# dict_cache): a text with none of them converts to itself, so it is not converted
_CONVERTIBLE = frozenset(char for _longest, _shortest, table in getattr(_TO_SIMPLIFIED, "dict_cache", {}).values()
                         for key in table for char in key) or None


@lru_cache(maxsize=200_000)
def term_key(text: str) -> str:
    """The key of a term: NFKC (full width → half width), simplified, lower case, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    if _CONVERTIBLE is None or not _CONVERTIBLE.isdisjoint(text):
        text = _TO_SIMPLIFIED.convert(text)
    return _SPACES.sub("", text).lower()
