"""Strings one of which every match of a regular expression contains: a cheap test that a text
cannot match, so the regex need not run over it.

``required_strings(re.compile("(?P<term>…)(?:是指|指的是)(?P<definition>.{4,})"))`` is
``{"是指", "指的是"}``: a message holding neither has no match in any of its sentences. The
pattern is read with the parser of Python's own ``re`` module; anything it cannot vouch for
(case-insensitive matching, an unknown node, a part that may be empty) gives None, which
means "run the regex on every text".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

try:  # the parser of the re module (sre_parse before Python 3.11)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MAX_CHARS = 64  # a character class of more characters is no useful filter

Strings = frozenset[str]


def required_strings(regex: re.Pattern[str]) -> Strings | None:
    """Strings at least one of which every match of ``regex`` contains, or None if unknown."""
    if regex.flags & re.IGNORECASE:
        return None
    try:
        parsed = _p.parse(regex.pattern, regex.flags & ~re.UNICODE)
    except Exception:  # noqa: BLE001 - a pattern re compiled but this parser does not read: no filter
        return None
    found = _sequence(list(parsed))
    return found if found and all(found) else None


def may_match(text: str, strings: Strings | None) -> bool:
    """False only when ``text`` holds none of the required strings (so the regex cannot match)."""
    return strings is None or any(s in text for s in strings)


def _sequence(items: list) -> Strings | None:
    """The best requirement of a sequence: a run of literals, or the best of its parts."""
    options: list[Strings] = []
    run = ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        found = _node(op, av)
        if found:
            options.append(found)
    if run:
        options.append(frozenset([run]))
    if not options:
        return None
    # the longest shortest string, then the fewest strings: the filter that rejects the most texts
    return max(options, key=lambda s: (min(map(len, s)), -len(s)))


def _node(op, av) -> Strings | None:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        return None if add_flags & re.IGNORECASE else _sequence(list(pattern))
    if op is _c.BRANCH:
        branches = [_sequence(list(b)) for b in av[1]]
        return None if any(b is None for b in branches) else frozenset().union(*branches)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, pattern = av
        return _sequence(list(pattern)) if low >= 1 else None
    if op is _c.IN:
        return _char_class(av)
    return None  # ANY, AT, lookarounds, categories, group references …


def _char_class(items: Iterable) -> Strings | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < MAX_CHARS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            return None
    return frozenset(chars) if 0 < len(chars) <= MAX_CHARS else None
