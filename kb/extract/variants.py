"""Variants of one term: full/half width, case, traditional/simplified, spacing, known abbreviations.

Variants share ``kb.store.normalize.term_key``; the canonical form of a group is its
most frequent surface (ties: the one with more upper-case latin letters, then the shorter).
Abbreviation rules (rules/terms.yaml) make other keys aliases of a term.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kb.store.normalize import term_key


def canonical_form(surfaces: Counter) -> str:
    """The surface a group of variants is shown as."""
    return max(surfaces.items(), key=lambda item: (item[1], sum(c.isupper() for c in item[0]), -len(item[0])))[0]


def group_variants(surfaces: Iterable[tuple[str, int]]) -> dict[str, Counter]:
    """Surfaces (with counts) grouped by their normalised key."""
    groups: dict[str, Counter] = {}
    for surface, count in surfaces:
        groups.setdefault(term_key(surface), Counter())[surface] += count
    return groups


def alias_map(abbreviations) -> dict[str, str]:
    """alias key -> key of the term it abbreviates (from the abbreviation rules)."""
    out = {}
    for rule in abbreviations:
        target = term_key(rule.term)
        for alias in rule.aliases:
            key = term_key(alias)
            if key != target:
                out[key] = target
    return out
