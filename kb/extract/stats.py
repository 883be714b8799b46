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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

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
    index: NgramIndex | None = None                             # the corpus as arrays (count_ngrams)


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


class NgramIndex:
    """Every token n-gram (1..max_n tokens) of a corpus as integers, to count and locate them in bulk.

    The docs are laid end to end, a separator (no token) after each. ``ids[p]`` is the id of the
    token at position ``p``; ``grams[n - 1][p]`` the id of the n tokens starting there (equal ids,
    equal token sequences). The id of n tokens is the rank of the pair (id of its first n - 1
    tokens, id of its last) among the pairs that occur, kept sorted in ``pairs[n - 1]``, so a key
    is found by walking its tokens. Built with numpy: the passes over 1.3 M tokens are sorts and
    counts of arrays, not Python loops.
    """

    def __init__(self, docs: Sequence[Sequence[str]], max_n: int) -> None:
        flat: list[str | None] = []
        for tokens in docs:
            flat.extend(tokens)
            flat.append(None)
        self.tokens: list[str | None] = list(dict.fromkeys(flat))  # id -> token, first seen first
        self.vocab = {token: i for i, token in enumerate(self.tokens)}
        self.ids = np.fromiter(map(self.vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        self.doc = np.repeat(np.arange(len(docs), dtype=np.int64), [len(tokens) + 1 for tokens in docs])
        self.n_tokens = len(flat) - len(docs)
        self.grams = [self.ids]
        self.pairs: list[np.ndarray] = [np.arange(len(self.tokens), dtype=np.int64)]
        size = len(self.tokens)
        for n in range(2, max_n + 1):
            prefix = self.grams[-1][: len(flat) - n + 1]
            pairs, inverse = np.unique(prefix * size + self.ids[n - 1:], return_inverse=True)
            self.pairs.append(pairs)
            self.grams.append(inverse.reshape(-1))

    @cached_property
    def words(self) -> np.ndarray:
        """is_word_token of every token id (count_ngrams and the neighbours pass both need it)."""
        return self.token_flags(is_word_token)

    def token_flags(self, test: Callable[[str], object]) -> np.ndarray:
        """``test(token)`` for every token id, as a boolean array (False for the separator)."""
        return np.fromiter((t is not None and bool(test(t)) for t in self.tokens), dtype=bool, count=len(self.tokens))

    def key_id(self, key: str) -> tuple[int, int] | None:
        """(n, id) of a key (tokens joined by SEP), or None when it never occurs."""
        parts = key.split(SEP)
        if len(parts) > len(self.grams) or any(p not in self.vocab for p in parts):
            return None
        gram = self.vocab[parts[0]]
        for n, part in enumerate(parts[1:], start=2):
            value = gram * len(self.tokens) + self.vocab[part]
            pairs = self.pairs[n - 1]
            at = int(np.searchsorted(pairs, value))
            if at == len(pairs) or pairs[at] != value:
                return None
            gram = at
        return len(parts), gram

    def key(self, n: int, position: int) -> str:
        return SEP.join(self.tokens[int(i)] for i in self.ids[position:position + n])


def count_ngrams(docs: Sequence[Sequence[str]], max_n: int, max_chars: int, can_edge: set[str] | frozenset[str],
                 min_freq: int, no_inner: set[str] | frozenset[str] = frozenset(),
                 index: NgramIndex | None = None) -> NgramStats:
    """Count candidate n-grams (1..max_n tokens inside a clause whose edge tokens may start/end a term).

    ``can_edge`` holds tokens that may NOT be at an edge (stop words), ``no_inner`` tokens
    that may not be anywhere in an n-gram (的, 和). A clause is a run of word tokens
    (clause_spans). An n-gram is counted where its first token is not a stop word, its last is
    not one (a single token: two characters or latin), none of its tokens is in ``no_inner``
    and it has at most ``max_chars`` characters. Unigrams are counted for every token (PMI
    needs them). N-grams with latin letters are kept below ``min_freq`` so that their variants
    (p2p, P2P) can add up. Keys come in the order they first occur (shorter first at a place).
    """
    index = index or NgramIndex(docs, max_n)
    stats = NgramStats(n_tokens=index.n_tokens)
    every = np.bincount(index.ids, minlength=len(index.tokens))
    stats.unigrams = Counter({t: int(c) for t, c in zip(index.tokens, every.tolist()) if t is not None})
    word = index.words
    stop = index.token_flags(lambda t: t in can_edge)
    inner = index.token_flags(lambda t: t in no_inner)
    single = index.token_flags(lambda t: len(t) >= 2 or _LATIN.search(t))
    latin = index.token_flags(_LATIN_ANY_WIDTH.search)
    chars = np.fromiter((len(t or "") for t in index.tokens), dtype=np.int64, count=len(index.tokens))
    ids = index.ids
    found: list[tuple[int, int, str, int]] = []  # (first position, n, key, count)
    for n in range(1, max_n + 1):
        m = len(ids) - n + 1
        last = ids[n - 1:]
        if n == 1:
            alive = word[ids] & ~stop[ids] & ~inner[ids]
            length = chars[ids]
            has_latin = latin[ids]
        else:
            alive = alive[:m] & word[last] & ~inner[last]
            length = length[:m] + chars[last]
            has_latin = has_latin[:m] | latin[last]
        alive &= length <= max_chars
        counted = alive & (single[ids] if n == 1 else ~stop[last])
        grams = index.grams[n - 1][counted]
        if not len(grams):
            continue
        _distinct, first, count = np.unique(grams, return_index=True, return_counts=True)
        positions = np.flatnonzero(counted)[first]
        keep = (count >= min_freq) | has_latin[positions]
        for position, c in zip(positions[keep].tolist(), count[keep].tolist()):
            found.append((position, n, index.key(n, position), c))
    found.sort()
    stats.counts = Counter({key: c for _p, _n, key, c in found})
    stats.index = index
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
