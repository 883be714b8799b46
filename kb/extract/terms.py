"""Term extraction: candidates from statistics and rules, variants merged, ranked with readable signals.

Pipeline (each step over all messages of kind text/quote):
1. mask @mentions, links and [emoji] markers (same length, so offsets stay valid),
   segment with pkuseg (cached; the glossary is the user dictionary);
2. count token n-grams inside clauses whose edges are not stop words; keep the frequent
   ones; measure PMI, branching entropy, C-value and where they occur (days, speakers,
   questions);
3. run the rules: phrases (PhraseMatcher), token patterns (Matcher), regexes (raw text);
4. merge variants by normalised key and abbreviations into their term; score;
5. store (kb.extract.store) and find mentions and definitions.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.extract import definitions as defs
from kb.extract import stats as st
from kb.extract.variants import alias_map, canonical_form
from kb.nlp import make_doc, new_vocab, parallel, token_offsets
from kb.rules.literals import may_match
from kb.store.models import Message
from kb.store.normalize import term_key

Progress = Callable[[str, int, int], None]

# An @mention ends where the export put the separator it lost (a "?": @降峰 百度金融pm 北京?你们…), or
# else at a space or punctuation; what follows the separator is text again.
_MASK = re.compile(r"https?://\S+|www\.\S+|@[^\n@?？，。！,:：]{1,30}\?|@[^\s\u2005@，。？！,:：?]{1,40}|\[[^\[\]\s]{1,8}\]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def mask(text: str) -> str:
    """The text to segment: @mentions, links and [emoji] replaced by spaces of the same length."""
    return _MASK.sub(lambda m: " " * len(m.group()), text)


@dataclass
class Msg:
    id: int
    day: str
    speaker: str
    text: str          # masked text (offsets are those of the stored text)
    question: bool
    nickname: str = ""  # the speaker as written


@dataclass
class Candidate:
    key: str
    surfaces: Counter = field(default_factory=Counter)
    freq: int = 0
    cvalue: float = 0.0
    n_tokens: int = 1
    pmi: float | None = None
    entropy: float | None = None
    messages: set[int] = field(default_factory=set)   # indices into the message list
    rules: dict[str, float] = field(default_factory=dict)
    defined: int = 0
    aliases: set[str] = field(default_factory=set)     # declared by abbreviation rules
    signals: dict = field(default_factory=dict)
    score: float = 0.0

    @property
    def canonical(self) -> str:
        return canonical_form(self.surfaces)


def load_messages(engine: Engine, question_cues: re.Pattern[str] | None,
                  source_ids: Collection[int] | None = None) -> list[Msg]:
    """Messages whose text can hold terms (kinds text and quote), in id order (of ``source_ids`` only, when given)."""
    query = (sa.select(Message.id, Message.date, Message.speaker_name, Message.speaker, Message.text)
             .where(Message.kind.in_(("text", "quote"))).order_by(Message.id))
    if source_ids is not None:
        query = query.where(Message.source_id.in_(list(source_ids)))
    out = []
    with engine.connect() as conn:
        for mid, day, name, speaker, text in conn.execute(query):
            if not text or not text.strip():
                continue
            question = bool(question_cues.search(text)) if question_cues else ("?" in text or "？" in text)
            out.append(Msg(mid, day.isoformat() if day else "", name or speaker or "", mask(text), question,
                           speaker or ""))
    return out


def speaker_keys(messages: Sequence[Msg]) -> set[str]:
    """Keys of the speakers' names (a nickname's first part) that are not ordinary words: never terms."""
    general, _total = st.general_frequencies()
    keys = set()
    for speaker in {m.speaker for m in messages} | {m.nickname for m in messages}:
        for part in {speaker, re.split(r"[-_\s·—|/（）()]+", speaker)[0]}:  # the name, not the company
            if len(part) >= 2 and part not in general and part.lower() not in general:
                keys.add(term_key(part))
    return keys


# ---------------------------------------------------------------- statistics

def statistical_candidates(docs: list[list[str]], messages: list[Msg], rules,
                           exclude: set[str]) -> tuple[dict[str, Candidate], Counter, int]:
    """Frequent n-grams that pass the stop lists, with PMI, entropy, C-value and their messages."""
    s = rules.settings
    stop = set(rules.stop.words) | set(rules.stop.chars)
    counted = st.count_ngrams(docs, s["max_tokens"], s["max_chars"], stop, s["min_freq"], set(rules.stop.chars))
    stop_keys = {term_key(t) for t in rules.stop.terms}
    # variants add up: a key is kept when all its surfaces together are frequent enough
    norms = {key: term_key(key.replace(st.SEP, "")) for key in counted.counts}
    totals: Counter = Counter()
    for key, count in counted.counts.items():
        totals[norms[key]] += count
    keys = set()
    for key in counted.counts:
        norm = norms[key]
        if totals[norm] < s["min_freq"]:
            continue
        surface = key.replace(st.SEP, "")
        if norm in stop_keys or rules.stop.is_noise(surface):
            continue
        if norm in exclude and not _CJK.search(surface):
            continue
        if not (_CJK.search(surface) or len(re.findall(r"[A-Za-z]", surface)) >= 2):
            continue
        keys.add(key)
    # where each kept n-gram occurs, and its neighbours
    where, left, right = neighbours(docs, keys, s["max_tokens"], counted.index)
    # A speaker's name is no term, unless many people write it (all its written forms together):
    # then it is a word someone took as a nickname (支付通道, 三方支付), not a person
    writers: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        if norms[key] in exclude:
            writers[norms[key]].update(messages[i].speaker for i in where[key])
    keys = {key for key in keys if norms[key] not in writers or len(writers[norms[key]] - {""}) >= s["name_speakers"]}
    cvalues = st.c_values({k: counted.counts[k] for k in keys})
    out: dict[str, Candidate] = {}
    for key in sorted(keys):  # sorted: ties between surfaces are broken the same way in every process
        surface = key.replace(st.SEP, "")
        norm = norms[key]
        freq = counted.counts[key]
        ent = min(st.entropy(*left[key]), st.entropy(*right[key]))
        cand = out.get(norm)
        if cand is None:
            cand = out[norm] = Candidate(norm)
        cand.surfaces[surface] += freq
        if freq > cand.signals.get("_best", 0):
            cand.signals["_best"] = freq
            cand.n_tokens = key.count(st.SEP) + 1
            cand.pmi = st.pmi(key, counted) if cand.n_tokens > 1 else None
            cand.entropy = ent
        cand.freq += freq
        cand.cvalue += cvalues[key]
        cand.messages |= where[key]
    for cand in out.values():
        cand.signals.pop("_best", None)
    return out, counted.unigrams, counted.n_tokens


def neighbours(docs: Sequence[Sequence[str]], keys: set[str], max_n: int, index: st.NgramIndex | None = None) -> tuple[
        dict[str, set[int]], dict[str, tuple[list[int], int]], dict[str, tuple[list[int], int]]]:
    """Where each key occurs (doc indices) and its left and right neighbours.

    A neighbour is a word token; a doc edge or punctuation counts as a new neighbour each time.
    Neighbours come back as (counts of the distinct word neighbours, first seen first; edges),
    what st.entropy takes. ``index``: the docs' st.NgramIndex, if count_ngrams built one.
    """
    index = index or st.NgramIndex(docs, max_n)
    word = index.words
    ids, size = index.ids, len(index.tokens)
    by_length: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for key in keys:
        found = index.key_id(key)
        if found and found[0] <= max_n:  # an index built for longer n-grams finds no more than max_n
            by_length[found[0]].append((found[1], key))
    where: dict[str, set[int]] = {}
    left: dict[str, tuple[list[int], int]] = {}
    right: dict[str, tuple[list[int], int]] = {}
    for n, wanted in sorted(by_length.items()):
        wanted.sort()
        grams = np.array([g for g, _key in wanted], dtype=np.int64)
        row_of = np.full(len(index.pairs[n - 1]), -1, dtype=np.int64)
        row_of[grams] = np.arange(len(grams))
        rows = row_of[index.grams[n - 1]]
        positions = np.flatnonzero(rows >= 0)  # in corpus order
        rows = rows[positions]
        order = np.argsort(rows, kind="stable")
        bounds = np.searchsorted(rows[order], np.arange(len(grams) + 1))
        docs_at = index.doc[positions][order].tolist()
        before = np.full(len(positions), -1, dtype=np.int64)
        has = positions > 0
        before[has] = ids[positions[has] - 1]
        after = np.full(len(positions), -1, dtype=np.int64)
        has = positions + n < len(ids)
        after[has] = ids[positions[has] + n]
        sides = []
        for side in (before, after):
            side = np.where((side >= 0) & word[np.maximum(side, 0)], side, -1)
            edges = np.bincount(rows[side < 0], minlength=len(grams)).tolist()
            pairs = rows[side >= 0] * size + side[side >= 0]
            distinct, first, count = np.unique(pairs, return_index=True, return_counts=True)
            pair_rows = distinct // size
            ranked = np.lexsort((first, pair_rows))
            pair_rows, count = pair_rows[ranked], count[ranked].tolist()
            cuts = np.searchsorted(pair_rows, np.arange(len(grams) + 1)).tolist()
            sides.append((edges, count, cuts))
        bounds = bounds.tolist()
        (l_edges, l_count, l_cuts), (r_edges, r_count, r_cuts) = sides
        for row, (_gram, key) in enumerate(wanted):
            where[key] = set(docs_at[bounds[row]:bounds[row + 1]])
            left[key] = (l_count[l_cuts[row]:l_cuts[row + 1]], l_edges[row])
            right[key] = (r_count[r_cuts[row]:r_cuts[row + 1]], r_edges[row])
    return where, left, right


# ---------------------------------------------------------------- rules

def required_literals(pattern) -> set[str] | None:
    """Lower-cased token texts of which a match of this Matcher pattern must contain one, or None.

    A token dict without an ``OP`` whose ORTH/LOWER/TEXT is a string or an ``IN`` list names them.
    """
    for spec in pattern:
        if spec.get("OP") not in (None, "!", "1") or spec.get("OP") == "!":
            continue
        for attr in ("ORTH", "LOWER", "TEXT"):
            value = spec.get(attr)
            if isinstance(value, str):
                return {value.lower()}
            if isinstance(value, dict) and isinstance(value.get("IN"), list) and len(value) == 1:
                return {str(v).lower() for v in value["IN"]}
    return None


def phrase_variants(phrase: str) -> list[str]:
    """A phrase as written, in lower case and in upper case (the segmenter may cut each differently)."""
    return list(dict.fromkeys([phrase, phrase.lower(), phrase.upper()]))


@dataclass
class _Matchers:
    """The spaCy matchers of the phrase and token-pattern rules, built once and shared with forked workers."""

    vocab: object = None
    phrase_matcher: object = None
    matcher: object = None
    weights: dict[str, float] = field(default_factory=dict)
    needed: set[str] | None = None     # lower-cased tokens one of which a message must hold to be matched
    token_rules: set[str] = field(default_factory=set)
    stop: set[str] = field(default_factory=set)


def _matchers(rules, phrase_tokens: dict[str, list[str]]) -> _Matchers | None:
    from spacy.matcher import Matcher, PhraseMatcher

    if not (rules.phrases or rules.token_patterns):
        return None
    vocab = new_vocab()
    phrase_matcher = PhraseMatcher(vocab, attr="LOWER")
    weights: dict[str, float] = {}
    phrase_docs: list[tuple[str, ...]] = []
    for rule in rules.phrases:
        weights[rule.name] = rule.weight
        # a phrase and its lower/upper-case forms, each as the segmenter cuts it
        docs_ = {tuple(phrase_tokens.get(v) or [v]) for p in rule.phrases for v in phrase_variants(p)}
        phrase_docs.extend(docs_)
        phrase_matcher.add(rule.name, [make_doc(vocab, list(t)) for t in sorted(docs_)])
    matcher = Matcher(vocab)
    for rule in rules.token_patterns:
        weights[rule.name] = rule.weight
        matcher.add(rule.name, [list(p) for p in rule.patterns])
    # only messages holding a token some rule needs get a Doc (building Docs is the cost)
    needed: set[str] | None = {t.lower() for tokens_ in phrase_docs for t in tokens_[:1]}
    for rule in rules.token_patterns:
        for pattern in rule.patterns:
            literals = required_literals(pattern)
            if literals is None:
                needed = None
                break
            needed |= literals
        if needed is None:
            break
    return _Matchers(vocab, phrase_matcher, matcher, weights, needed, {rule.name for rule in rules.token_patterns},
                     set(rules.stop.words) | set(rules.stop.chars))


Hit = tuple[str, int, str, float]  # surface, message index, rule, weight


def _match_span(shared: tuple, span: range) -> tuple[list[Hit], dict[str, list[Hit]], list[tuple[int, object]]]:
    """The rules' and definition patterns' matches in the messages at ``span`` (in a forked worker).

    Returns the phrase and token-pattern hits in message order, the regex hits by rule, and
    (message index, DefinitionMatch) pairs.
    """
    docs, messages, rules, m = shared
    token_hits: list[Hit] = []
    if m is not None:
        strings = m.vocab.strings
        for index in span:
            tokens = docs[index]
            if not tokens or (m.needed is not None and not any(t.lower() in m.needed for t in tokens)):
                continue
            doc = make_doc(m.vocab, tokens)
            found = m.phrase_matcher(doc) if len(m.phrase_matcher) else []
            if len(m.matcher):
                found = [*found, *m.matcher(doc)]
            for match_id, start, end in found:
                name = strings[match_id]
                if name in m.token_rules and (doc[start].text in m.stop or doc[end - 1].text in m.stop):
                    continue  # a token pattern does not make a term of 以后备付金 or 怎么记账
                token_hits.append((doc[start:end].text, index, name, m.weights[name]))
    regex_hits = {rule.name: [(match.group(), index, rule.name, rule.weight) for index in span
                              if may_match(messages[index].text, rule.literals)
                              for match in rule.regex.finditer(messages[index].text)]
                  for rule in rules.regex}
    definitions = [(index, match) for index in span
                   for match in defs.find_definitions(messages[index].text, rules.definitions)]
    return token_hits, regex_hits, definitions


@contextlib.contextmanager
def rule_matches(docs: list[list[str]], messages: list[Msg], rules, phrase_tokens: dict[str, list[str]],
                 workers: int | None = 1, background: bool = False) -> Iterator[Iterator[tuple[range, tuple]]]:
    """Start matching the rules and definition patterns over all messages; (span, matches) in order.

    With ``workers`` > 1 (None: every core), or ``background``, forked workers match spans of
    the messages, and this process is free inside the ``with`` until it reads the iterator
    (see parallel.started); collect_hits() turns what it yields into candidates.
    """
    workers = parallel.worker_count(workers)
    forked = parallel.can_fork(workers, background)
    # in one process, spans of about 5,000 messages: the progress bar moves; the matches are the same
    spans = parallel.spans(len(docs), workers * 4 if forked else max(1, len(docs) // 5000))
    shared = (docs, messages, rules, _matchers(rules, phrase_tokens))
    with parallel.started(_match_span, shared, spans, workers, background) as results:
        yield zip(spans, results)


def collect_hits(matches: Iterator[tuple[range, tuple]], messages: list[Msg], rules,
                 on_progress: Progress | None = None, definitions: list | None = None) -> dict[str, Candidate]:
    """Candidates found by the phrase, token-pattern and regex rules, from rule_matches().

    The candidates are those of one pass over the messages, however many workers matched. A
    ``definitions`` list given receives the (message, DefinitionMatch) pairs of the definition
    patterns, in message order.
    """
    out: dict[str, Candidate] = {}

    def hit(surface: str, index: int, rule: str, weight: float) -> None:
        surface = surface.strip()
        if not surface:
            return
        key = term_key(surface)
        cand = out.get(key)
        if cand is None:
            cand = out[key] = Candidate(key)
        cand.surfaces[surface] += 1
        cand.freq += 1
        cand.messages.add(index)
        cand.rules[rule] = max(cand.rules.get(rule, 0.0), weight)

    total = len(messages)
    regex_hits: dict[str, list[Hit]] = {rule.name: [] for rule in rules.regex}
    for span, (token_hits, regex_part, found) in matches:
        for one in token_hits:
            hit(*one)
        for name, hits in regex_part.items():
            regex_hits[name].extend(hits)
        if definitions is not None:
            definitions.extend((messages[index], match) for index, match in found)
        if on_progress:
            on_progress("rules", span.stop, total)
    for rule in rules.regex:  # all messages, rule by rule: the order one pass over them gives
        for one in regex_hits[rule.name]:
            hit(*one)
    return out


def rule_hits(docs: list[list[str]], messages: list[Msg], rules, phrase_tokens: dict[str, list[str]],
              on_progress: Progress | None = None, workers: int | None = 1,
              definitions: list | None = None) -> dict[str, Candidate]:
    """Candidates found by the phrase, token-pattern and regex rules (rule_matches + collect_hits)."""
    with rule_matches(docs, messages, rules, phrase_tokens, workers) as matches:
        return collect_hits(matches, messages, rules, on_progress, definitions)


# ---------------------------------------------------------------- merging and scoring

def merge(stat: dict[str, Candidate], ruled: dict[str, Candidate], rules, min_freq: int,
          exclude: set[str] = frozenset()) -> dict[str, Candidate]:
    """One candidate per key; abbreviations folded into the term they abbreviate.

    Matches of token patterns and regexes pass the stop lists like statistical candidates;
    phrases are the user's explicit choice and always count.
    """
    out = dict(stat)
    stop_keys = {term_key(t) for t in rules.stop.terms} | set(exclude)
    phrase_names = {r.name for r in rules.phrases}
    for key, cand in ruled.items():
        phrase_rule = any(name in phrase_names for name in cand.rules)
        if not phrase_rule and (key in stop_keys or rules.stop.is_noise(cand.canonical)):
            continue
        if key in out:
            target = out[key]
            target.rules.update(cand.rules)
            target.messages |= cand.messages
            for surface, count in cand.surfaces.items():
                target.surfaces.setdefault(surface, 0)
                if surface not in stat[key].surfaces:
                    target.surfaces[surface] += count
            target.freq = max(target.freq, cand.freq)
            target.cvalue = max(target.cvalue, float(cand.freq) * 0.5)
        elif cand.freq >= min_freq or phrase_rule:
            cand.cvalue = float(cand.freq)
            out[key] = cand
    for rule in rules.abbreviations:
        target = out.get(term_key(rule.term))
        if target is not None:
            target.aliases |= set(rule.aliases)
    for alias, target_key in alias_map(rules.abbreviations).items():
        if alias not in out:
            continue
        cand = out.pop(alias)
        target = out.get(target_key)
        if target is None:
            term = next(r.term for r in rules.abbreviations if term_key(r.term) == target_key)
            aliases = {a for r in rules.abbreviations if term_key(r.term) == target_key for a in r.aliases}
            target = out[target_key] = Candidate(target_key, surfaces=Counter({term: 0}), aliases=aliases)
        target.freq += cand.freq
        target.cvalue += cand.cvalue
        target.messages |= cand.messages
        target.rules.update(cand.rules)
        target.signals.setdefault("abbreviations", Counter()).update(cand.surfaces)
        target.entropy = max(target.entropy or 0.0, cand.entropy or 0.0) if target.entropy is not None else cand.entropy
    return out


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def concentration(days: int, n_messages: int, n_days: int) -> float:
    """Days a string occurs on, over the days expected if its messages fell on days at random.

    Terms come in bursts (a day's thread on 短款 and 长款), chat words are spread evenly (看完,
    截图): with 55 messages over 718 days, 16 days gives 0.30 and 50 days 0.94. 1.0 when the
    corpus has a single day.
    """
    if n_days < 2 or n_messages == 0:
        return 1.0
    expected = n_days * (1.0 - math.exp(-n_messages / n_days))
    return days / expected


def spread_factor(concentration_: float, exponent: float) -> float:
    """(concentration / 0.5) ** -exponent, at most 1.25: evenly spread words lose up to a quarter."""
    if concentration_ <= 0 or exponent == 0:
        return 1.0
    return min((concentration_ / 0.5) ** -exponent, 1.25)


def score_candidates(cands: dict[str, Candidate], messages: list[Msg], unigrams: Counter, n_tokens: int,
                     segment: Callable[[str], list[str]], spread: float = 0.4) -> None:
    """Fill each candidate's signals and score (see docs/rules.md, "How `kb extract` works", step 6)."""
    day_of = [m.day for m in messages]  # by index: cheaper than an attribute per message and candidate
    speaker_of = [m.speaker for m in messages]
    asked = [m.question for m in messages]
    n_days = len(set(day_of))
    for cand in cands.values():
        idx = cand.messages
        days = len({day_of[i] for i in idx})
        speakers = len({speaker_of[i] for i in idx})
        questions = sum(1 for i in idx if asked[i])
        canonical = cand.canonical
        tokens = segment(canonical)
        spec = st.specificity(tokens, cand.freq, max(n_tokens, 1))
        entropy = cand.entropy if cand.entropy is not None else 2.0  # found by rules only
        pmi = cand.pmi
        base = 0.7 * math.log2(1 + cand.cvalue) + 0.5 * math.log2(1 + days) + 0.5 * math.log2(1 + speakers)
        spec_f = _clamp((spec - 2.0) / 6.0, 0.05, 1.0)
        bound_f = _clamp(entropy / 2.0, 0.15, 1.0)
        coh_f = 1.0 if pmi is None else _clamp(pmi / 5.0, 0.2, 1.0)
        q_rate = questions / max(len(idx), 1)
        q_f = 1.0 + min(q_rate, 0.5)
        rule_f = 1.0 + 0.5 * max(cand.rules.values(), default=0.0)
        def_f = 1.0 + 0.2 * min(cand.defined, 3)
        conc = concentration(days, len(idx), n_days)
        spread_f = spread_factor(conc, spread)
        cand.score = round(base * spec_f * bound_f * coh_f * q_f * rule_f * def_f * spread_f, 4)
        cand.signals.update({
            "freq": cand.freq, "cvalue": round(cand.cvalue, 1), "messages": len(idx), "days": days,
            "speakers": speakers, "questions": questions, "concentration": round(conc, 2),
            "specificity": round(spec, 2),
            "entropy": round(entropy, 2), "pmi": None if pmi is None else round(pmi, 2),
            "tokens": cand.n_tokens, "rules": sorted(cand.rules), "defined": cand.defined,
        })
        if "abbreviations" in cand.signals:
            cand.signals["abbreviations"] = dict(cand.signals["abbreviations"])


# ---------------------------------------------------------------- mentions

class KeyIndex:
    """Term keys (and alias keys) -> term id, scanned over token sequences by longest match."""

    def __init__(self, keys: dict[str, int]) -> None:
        self.keys = keys
        self.prefixes = {k[:i] for k in keys for i in range(1, len(k) + 1)}

    def scan(self, text: str, tokens: Sequence[str], token_keys: Sequence[str]) -> list[tuple[int, int, int, str]]:
        """(term id, start, end, surface) of the longest non-overlapping matches on token boundaries."""
        out = []
        offsets = None
        n = len(tokens)
        i = 0
        prefixes, keys = self.prefixes, self.keys
        while i < n:
            key = token_keys[i]
            best = -1
            j = i
            while key in prefixes:
                if key in keys:
                    best = j
                j += 1
                if j >= n:
                    break
                key = key + token_keys[j]
            if best >= 0:
                if offsets is None:
                    offsets = token_offsets(text, tokens)
                start, end = offsets[i][0], offsets[best][1]
                out.append((keys["".join(token_keys[i:best + 1])], start, end, text[start:end]))
                i = best + 1
            else:
                i += 1
        return out
