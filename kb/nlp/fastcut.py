"""pkuseg's segmentation with fewer look-ups: the same tokens, in well under half the time.

pkuseg 0.0.25 spends nearly all of its cutting time (about 20 µs a character here) building
each character's feature list (``feature_extractor.__get_node_features_idx``): about 70 strings
made and looked up in its dict of 2.6 million features. Most of those cannot be found: pkuseg
pairs every 2–6-character slice that is not a word of its list with the others as "**noWord",
and no feature of the model holds "**noWord"; and the same slices are joined and looked up four
times (as the words ending at, starting at, ending before and starting after a character).

``FastCut`` builds the same list, in the same order (pkuseg sums the feature weights in list
order, so the same order gives the same floats and so the same tags), from:

- the words of each position, found once: the slices of 2–6 characters in pkuseg's word list
  starting there and ending there (a slice is only looked up when its first two characters
  begin a word), with "" for each slice that runs past an end of the text, as pkuseg has it
  ("" is in its word list);
- the character and character-pair features of each distinct character and pair, kept as they
  are met;

and hands it to pkuseg's own decoder (``inference.getLogYY`` and ``run_viterbi``, which
``decodeViterbi_fast`` calls). pkuseg's
post-processing (merging neighbouring words its dictionary lists as one) runs as pkuseg runs
it, but skips the positions where no listed word can start.

What it relies on is checked when it is made (``FastCut.supports``): pkuseg's configuration
(word features of 2–6 characters, digits and letters normalised), no feature or word holding
"**noWord" or the two private-use characters that stand for pkuseg's "**Num" and "**Letter"
here. Otherwise, and for a text holding one of those two characters, pkuseg's own code cuts.
tests/nlp/test_fastcut.py compares the two on corpus lines and on pkuseg's special characters;
benchmarks/bench_build.py on every text of the corpus.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

NUM, LETTER = "\ue000", "\ue001"  # pkuseg's "**Num" and "**Letter" as one character each
LENGTHS = (6, 5, 4, 3, 2)         # pkuseg's config.wordMax .. wordMin, in its order
NO_WORD = "**noWord"
_PAST_END = ("", "", "", "", "")   # the five slices around a position beyond either end
_NONE5 = (None,) * 5
_NONE3 = (None,) * 3


class FastCut:
    """``_cut`` and post-processing of one pkuseg model (``pkuseg.pkuseg``), computed faster.

    ``install(copy)`` makes the ``cut`` of that model (or of a copy of it with another user
    dictionary: ``kb.nlp.segment.Segmenter`` makes those) use them, on that object only; ``cut``
    then gives the tokens it gave before. Made once per process, before workers are forked.
    """

    def __init__(self, model) -> None:
        from pkuseg import inference
        from pkuseg.feature_extractor import FeatureExtractor

        extractor = model.feature_extractor
        self._model = model
        # what pkuseg's inference.decodeViterbi_fast does, with the tags kept as an array
        self._scores: Callable = inference.getLogYY
        self._viterbi: Callable = inference.run_viterbi
        self._original_cut = type(model)._cut.__get__(model)
        self._words = extractor.unigram
        self._features = extractor.feature_to_idx
        self._starts_word = {w[:2] for w in self._words if len(w) >= 2}
        self._is_begin = ["B" in model.idx_to_tag[i] for i in range(len(model.idx_to_tag))]
        self._rename = str.maketrans({ord(k): "&" for k in FeatureExtractor.keywords})
        normalise = {ord(c): NUM for c in FeatureExtractor.num}
        normalise.update({ord(c): LETTER for c in FeatureExtractor.letter})
        self._normalise = str.maketrans(normalise)
        self._token = {NUM: "**Num", LETTER: "**Letter"}
        self._chars: dict[str, tuple] = {}
        self._pairs: dict[str, tuple] = {}
        post = model.postprocesser
        self._post = post if getattr(post, "do_process", False) else None
        if self._post is not None:
            listed = post.common_words | post.other_words
            # what a merge can begin with: a listed word or the start of one
            self._merge_heads = listed | {w[:k] for w in listed for k in range(1, len(w))}

    @staticmethod
    def supports(model) -> bool:
        """Whether ``model`` (a pkuseg.pkuseg) is what this module assumes: pkuseg's configuration
        of word features and normalisation, and no word or feature holding "**noWord" or the
        characters standing for "**Num" and "**Letter", and no word holding "**Num" or "**Letter"
        (a scan of its 2.6 M features: 0.15 s)."""
        from pkuseg.config import config

        if not (config.wordFeature and config.numLetterNorm and config.wordMin == 2 and config.wordMax == 6):
            return False
        extractor = getattr(model, "feature_extractor", None)
        if extractor is None or not hasattr(model, "idx_to_tag") or not hasattr(model, "model"):
            return False
        # a word holding "**Num" or "**Letter" could be a slice of normalised nodes, which fastcut
        # never looks up as a word
        return not any(NUM in w or LETTER in w or NO_WORD in w or "**Num" in w or "**Letter" in w
                       for w in extractor.unigram) \
            and not any(NO_WORD in k for k in extractor.feature_to_idx)

    @property
    def model(self):
        """The pkuseg model this was made from."""
        return self._model

    def install(self, model) -> None:
        """Make ``model.cut`` (a pkuseg.pkuseg sharing this one's feature extractor) cut with this."""
        model._cut = self._cut
        if self._post is not None and model.postprocesser is self._post:
            model.postprocesser = self._post_process

    # -- what pkuseg.pkuseg._cut does ---------------------------------------------------------

    def _cut(self, text: str) -> list[str]:
        feature_lists = self.feature_lists(text)
        if feature_lists is None:
            return self._original_cut(text)
        model = self._model.model
        node_score, edge_score = self._scores(feature_lists, model.n_tag, model.n_feature * model.n_tag, model.w, 1.0)
        _score, tags = self._viterbi(node_score, edge_score)
        # a word begins at the first character and wherever the tag is a B tag
        is_begin, words, start = self._is_begin, [], 0
        for i, tag in enumerate(tags.tolist()):
            if i and is_begin[tag]:
                words.append(text[start:i])
                start = i
        words.append(text[start:])
        return words

    def feature_lists(self, text: str) -> list[list[int]] | None:
        """The feature indexes of each character of ``text`` (one piece: no spaces), as pkuseg's
        ``get_node_features_idx`` gives them; None for a text this module leaves to pkuseg."""
        nodes = text.translate(self._rename)
        if NUM in nodes or LETTER in nodes:
            return None
        nodes = nodes.translate(self._normalise)  # one character per pkuseg node
        n = len(nodes)
        words, starts_word = self._words, self._starts_word
        # the words starting at each position (and "" for each slice running past the end), and
        # ending at each position (with "" for each running past the start): longest first
        starts: list = [[""] * (6 - n + s) if n - s < 6 else [] for s in range(n)]
        starts.append(_PAST_END)
        ends: list = [[""] * (5 - e) if e < 5 else [] for e in range(n)]
        for s in range(n - 1):
            if nodes[s:s + 2] in starts_word:
                for length in LENGTHS:
                    e = s + length
                    if e <= n:
                        word = nodes[s:e]
                        if word in words:
                            starts[s].append(word)
                            ends[e - 1].append(word)
        chars, pairs = self._chars, self._pairs
        single = [chars.get(c) or self._char(c) for c in nodes]
        double = [pairs.get(nodes[j:j + 2]) or self._pair(nodes[j:j + 2]) for j in range(n - 1)]
        # padded by two each side, so that a neighbour beyond an end has no feature
        single[:0] = (_NONE5, _NONE5)
        single += (_NONE5, _NONE5)
        double[:0] = (_NONE3, _NONE3)
        double += (_NONE3, _NONE3)
        # pkuseg's order: $$, c, c-1, c-1c, c1, cc1, c-2, c-2c-1, c2
        lists = [[f for f in (0, single[i + 2][0], single[i + 1][1], double[i + 1][0], single[i + 3][2],
                              double[i + 2][1], single[i][3], double[i][2], single[i + 4][4]) if f is not None]
                 for i in range(n)]
        get = self._features.get
        for i in range(n):
            pre_in, post_in = ends[i], starts[i]
            if not (pre_in or post_in):
                continue
            found = lists[i]
            for word in pre_in:            # w-1: the words ending here
                f = get("w-1." + word)
                if f is not None:
                    found.append(f)
            for word in post_in:           # w1: the words starting here
                f = get("w1." + word)
                if f is not None:
                    found.append(f)
            if post_in:                    # ww.l: a word ending just before, one starting here
                for pre in (ends[i - 1] if i else _PAST_END):
                    for post in post_in:
                        f = get("ww.l." + pre + "*" + post)
                        if f is not None:
                            found.append(f)
            if pre_in:                     # ww.r: a word ending here, one starting just after
                for pre in pre_in:
                    for post in starts[i + 1]:
                        f = get("ww.r." + pre + "*" + post)
                        if f is not None:
                            found.append(f)
        return lists

    def _char(self, node: str) -> tuple:
        token, get = self._token.get(node, node), self._features.get
        found = (get("c." + token), get("c-1." + token), get("c1." + token), get("c-2." + token), get("c2." + token))
        self._chars[node] = found
        return found

    def _pair(self, nodes: str) -> tuple:
        key, get = self._token.get(nodes[0], nodes[0]) + "." + self._token.get(nodes[1], nodes[1]), self._features.get
        found = (get("c-1c." + key), get("cc1." + key), get("c-2c-1." + key))
        self._pairs[nodes] = found
        return found

    # -- what pkuseg.Postprocesser does -----------------------------------------------------------

    def _post_process(self, sent: list[str]) -> list[str]:
        """pkuseg's ``Postprocesser.post_process(sent, check_seperated=True)``, skipping the
        positions where no listed word can start: a merge of m words is listed only if the first
        two words begin (or are) a listed word."""
        common, other, heads = self._post.common_words, self._post.other_words, self._merge_heads
        if heads.isdisjoint(map(operator.add, sent, sent[1:])):
            return sent  # no merge anywhere, so the list never changes
        for m in range(7, 1, -1):
            end = len(sent) - m
            if end < 0:
                continue
            i = 0
            while i < end + 1:
                if sent[i] + sent[i + 1] in heads:
                    merged = "".join(sent[i:i + m])
                    if merged in common:
                        merge = True
                    elif merged in other:
                        merge = not all(w in common or w in other for w in sent[i:i + m])
                    else:
                        merge = False
                    if merge:
                        sent[i:i + m] = [merged]
                        end = len(sent) - m
                i += 1
        return sent
