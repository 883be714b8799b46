"""spaCy Docs from pkuseg tokens, and token character offsets.

spaCy is imported when a Doc is first made (importing it takes about a second, which a run that
only appends a day's mentions does not need).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab


def new_vocab() -> Vocab:
    """A spaCy vocabulary with the language-independent lexical attributes (LOWER, LENGTH, IS_PUNCT ...).

    No language data and no download: Docs are built from pkuseg's tokens.
    """
    from spacy.lang.lex_attrs import LEX_ATTRS
    from spacy.vocab import Vocab

    return Vocab(lex_attr_getters=dict(LEX_ATTRS))


def make_doc(vocab: Vocab, tokens: Sequence[str]) -> Doc:
    """A spaCy Doc over the given tokens, without spaces between them (Chinese)."""
    from spacy.tokens import Doc

    return Doc(vocab, words=list(tokens), spaces=[False] * len(tokens))


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Start and end character offsets of each token in text (pkuseg drops whitespace)."""
    offsets = []
    position = 0
    for token in tokens:
        start = text.find(token, position)
        if start < 0:  # should not happen; keep going from where we are
            start = position
        end = start + len(token)
        offsets.append((start, end))
        position = end
    return offsets
