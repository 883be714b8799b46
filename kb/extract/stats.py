"""Statistics that find multi-word units and rank candidates.

Over token n-grams of the segmented messages: frequency, PMI (cohesion: the weakest
split of an n-gram), left/right branching entropy (the unit's boundaries are free),
C-value (frequency not explained by longer candidates that contain it), and domain
specificity against general Chinese (jieba's word frequency list, read as data).
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SEP = "\x1f"  # joins the tokens of an n-gram key
LATIN_SPECIFICITY = 7.0  # latin strings have no general frequency here: acronyms in Chinese chat are mostly jargon
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_ANY_WIDTH = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
_WORDISH = re.compile(r"^[\u3400-\u9fffA-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u2160-\u217f]+$")
_DIGITS = re.compile(r"^[0-9\uff10-\uff19]+$")


@lru_cache(maxsize=1)
def general_frequencies() -> tuple[dict[str, int], int]:
    """Word frequencies of general Chinese (jieba's dictionary) and their total."""
    spec = importlib.util.find_spec("jieba")
    freqs: dict[str, int] = {}
    if spec is None or spec.origin is None:
        return freqs, 1
    path = Path(spec.origin).with_name("dict.txt")
    total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ")
            if len(parts) >= 2:
                count = int(parts[1])
                freqs[parts[0]] = count
                total += count
    return freqs, max(total, 1)


def is_word_token(token: str) -> bool:
    """A token that can be part of a term: CJK or latin letters/digits, not digits only."""
    return bool(_WORDISH.match(token)) and not _DIGITS.match(token)


class WordTokens(dict):
    """token -> is_word_token(token), computed once per distinct token (the passes ask millions of times)."""

    def __missing__(self, token: str) -> bool:
        value = self[token] = is_word_token(token)
        return value


@dataclass
class NgramStats:
    """Counts over the token n-grams of a corpus."""

    n_tokens: int = 0
    unigrams: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)            # key -> frequency


def clause_spans(tokens: Sequence[str], words: WordTokens | None = None) -> list[tuple[int, int]]:
    """Runs of consecutive word tokens (punctuation, spaces, numbers end a run)."""
    words = WordTokens() if words is None else words
    spans, start = [], None
    for i, token in enumerate(tokens):
        if words[token]:
            if start is None:
                start = i
        elif start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(tokens)))
    return spans


def count_ngrams(docs: Sequence[Sequence[str]], max_n: int, max_chars: int, can_edge: set[str] | frozenset[str],
                 min_freq: int, no_inner: set[str] | frozenset[str] = frozenset()) -> NgramStats:
    """Count candidate n-grams (1..max_n tokens inside a clause whose edge tokens may start/end a term).

    ``can_edge`` holds tokens that may NOT be at an edge (stop words), ``no_inner`` tokens
    that may not be anywhere in an n-gram (的, 和). Unigrams are counted for every word
    token (PMI needs them). N-grams with latin letters are kept below ``min_freq`` so that
    their variants (p2p, P2P) can add up.
    """
    stats = NgramStats()
    for tokens in docs:
        stats.n_tokens += len(tokens)
        stats.unigrams.update(tokens)
    counts: dict[str, int] = {}
    get = counts.get
    stop = can_edge
    words = WordTokens()
    for tokens in docs:
        for start, end in clause_spans(tokens, words):
            for i in range(start, end):
                first = tokens[i]
                if first in stop:
                    continue
                chars = len(first)
                if chars > max_chars or first in no_inner:
                    continue
                if len(first) >= 2 or _LATIN.search(first):
                    counts[first] = get(first, 0) + 1
                key = first
                for j in range(i + 1, min(end, i + max_n)):
                    token = tokens[j]
                    chars += len(token)
                    if chars > max_chars or token in no_inner:
                        break
                    key = key + SEP + token
                    if token in stop:
                        continue
                    counts[key] = get(key, 0) + 1
    # keep the frequent ones only
    stats.counts = Counter({k: c for k, c in counts.items() if c >= min_freq or _LATIN_ANY_WIDTH.search(k)})
    return stats


def entropy(counts: Counter | Sequence[int], singletons: int = 0) -> float:
    """Entropy (bits) of a neighbour distribution (a Counter, or the counts of its values),
    plus ``singletons`` neighbours each seen once."""
    values = counts.values() if isinstance(counts, dict) else counts
    total = sum(values) + singletons
    if not total:
        return 0.0
    h = -sum(c / total * math.log2(c / total) for c in values)
    return h + singletons / total * math.log2(total) if singletons else h


def pmi(key: str, stats: NgramStats) -> float:
    """Cohesion of an n-gram: the smallest PMI over its binary splits (0 for one token)."""
    parts = key.split(SEP)
    if len(parts) < 2:
        return 0.0
    n = max(stats.n_tokens, 1)
    f = stats.counts.get(key, 0) or 1
    best = math.inf
    for cut in range(1, len(parts)):
        a, b = SEP.join(parts[:cut]), SEP.join(parts[cut:])
        fa = stats.counts.get(a) or stats.unigrams.get(a, 0) or 1
        fb = stats.counts.get(b) or stats.unigrams.get(b, 0) or 1
        best = min(best, math.log2(f * n / (fa * fb)))
    return best


def c_values(freqs: dict[str, int]) -> dict[str, float]:
    """Frequency of each key not explained by longer keys containing it (C-value's core, ≥ 0)."""
    nested_sum: dict[str, int] = defaultdict(int)
    nested_n: dict[str, int] = defaultdict(int)
    for key, f in freqs.items():
        parts = key.split(SEP)
        if len(parts) < 2:
            continue
        seen = set()
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                if j - i == len(parts):
                    continue
                sub = SEP.join(parts[i:j])
                if sub in freqs and sub not in seen:
                    seen.add(sub)
                    nested_sum[sub] += f
                    nested_n[sub] += 1
    out = {}
    for key, f in freqs.items():
        if nested_n.get(key):
            out[key] = max(f - nested_sum[key] / nested_n[key], 0.0)
        else:
            out[key] = float(f)
    return out


def general_probability(tokens: Sequence[str]) -> float:
    """Probability of a string in general Chinese: its own frequency when it is a dictionary word,
    else the product of its parts' (each token, or each character of an unknown token), smoothed."""
    general, total = general_frequencies()
    whole = "".join(tokens)
    if whole in general:
        return (general[whole] + 1) / total
    p = 1.0
    for token in tokens:
        if token in general or len(token) == 1:
            p *= (general.get(token, 0) + 1) / total
        else:
            for char in token:
                p *= (general.get(char, 0) + 1) / total
    return p


def specificity(tokens: Sequence[str], freq: int, n_domain: int) -> float:
    """log2 of how much more often a string occurs in the corpus than in general Chinese.

    The general probability of a string that is not a dictionary word is the product of
    its parts' probabilities (what independence predicts), so 有的 (有 × 的) scores low and
    反洗钱 (反 × 洗钱) high. Latin-only strings have no general frequency here: they get 0 plus
    their corpus frequency's share.
    """
    words = [t for t in tokens if _CJK.search(t) or _LATIN.search(t)]
    if not words:
        return 0.0
    p_dom = (freq + 1) / max(n_domain, 1)
    if not any(_CJK.search(t) for t in words):
        return LATIN_SPECIFICITY  # latin: no general reference
    return math.log2(p_dom / general_probability(words))
