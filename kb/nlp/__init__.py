"""The Chinese NLP pipeline: pkuseg segmentation (with the glossary as user dictionary),
a segmentation cache in the database, and spaCy Docs built from the tokens.

spaCy's Chinese tokenizer is never used (it would need a model download): Docs are
built directly from pkuseg's tokens, so spaCy's Matcher and PhraseMatcher run over
real Chinese words.
"""

from kb.nlp.pipeline import make_doc, new_vocab, token_offsets
from kb.nlp.segment import Segmenter, SegmentStats, segment_texts, user_dictionary

__all__ = ["SegmentStats", "Segmenter", "make_doc", "new_vocab", "segment_texts", "token_offsets", "user_dictionary"]
