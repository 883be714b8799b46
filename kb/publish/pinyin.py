"""Pinyin of term names: full (``zi jin chi``) and initials (``zjc``), for search and A–Z order.

pypinyin takes ~0.5 s to import, too slow for ``kb lookup``; so the pinyin of
every term is also kept in the settings table (key ``publish.pinyin``, name →
[full, initials]) whenever the wiki is rendered or a lookup meets a new term, and
lookups read it from there. For the same reason the readings of single characters
(every reading of each hanzi of the term names and of the messages, key
``publish.pinyin.chars``) are kept too: a lookup of a homophone typo (资金吃 for 资金池)
compares sounds without importing pypinyin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SETTING_KEY = "publish.pinyin"
CHARS_KEY = "publish.pinyin.chars"
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]+")
_OTHER = "\x00"  # marks what pypinyin could not turn into pinyin


def pinyin(text: str) -> tuple[str, str]:
    """(full pinyin with spaces, initials) of a text; Latin letters and digits are kept as one lower-case syllable."""
    from pypinyin import Style, lazy_pinyin

    text = unicodedata.normalize("NFKC", text)
    syllables: list[str] = []
    initials: list[str] = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL, errors=lambda other: _OTHER + other):
        if chunk.startswith(_OTHER):  # not hanzi: Latin words and digits are kept whole
            words = _LATIN.findall(chunk.lower())
            syllables.extend(words)
            initials.extend(words)
        elif chunk.strip():
            syllables.append(chunk.strip().lower())
            initials.append(chunk.strip()[0].lower())
    return " ".join(syllables), "".join(initials)


def fill(cache: dict[str, list[str]], names: Iterable[str]) -> bool:
    """Add the pinyin of each name missing from the cache; True when something was added."""
    missing = [name for name in sorted(set(names)) if name not in cache]  # (in order: the same setting in every process)
    for name in missing:
        cache[name] = list(pinyin(name))
    return bool(missing)


def letter(full: str) -> str:
    """The A–Z group of a pinyin string: its first letter upper-cased, or "#"."""
    first = full[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def compact(full: str) -> str:
    """Pinyin without spaces: "zi jin chi" → "zijinchi"."""
    return full.replace(" ", "")


def hanzi(text: str) -> set[str]:
    """The hanzi of a text (its distinct characters are tested, not every one: texts are megabytes)."""
    return {char for char in set(text) if _HANZI.match(char)}


def all_hanzi(text: str) -> bool:
    """True when every character of a (non-empty) text is a hanzi."""
    return bool(text) and all(_HANZI.fullmatch(char) for char in text)


def fill_chars(table: dict[str, list[str]], chars: Iterable[str]) -> bool:
    """Add every reading of each character missing from the table; True when something was added."""
    missing = sorted(set(chars) - table.keys())
    if not missing:
        return False
    from pypinyin import Style
    from pypinyin import pinyin as readings

    for char in missing:
        table[char] = sorted({r.lower() for r in readings(char, style=Style.NORMAL, heteronym=True)[0]})
    return True


def sounds_like(query: str, full: str, table: dict[str, list[str]]) -> bool:
    """True when the hanzi query can be read as the pinyin ``full`` (one syllable per character)."""
    syllables = full.split()
    return len(syllables) == len(query) and all(s in table.get(c, ()) for c, s in zip(query, syllables))
