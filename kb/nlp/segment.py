"""pkuseg segmentation with the glossary as user dictionary, cached per message text.

The cache (table ``segments``) keys each segmented text by the SHA-1 of the text and
records the hash of the user dictionary it was segmented with. The words of the
dictionary the cache was last brought up to date with are kept in the setting
``nlp.user_dict``. When the glossary changes, only texts that contain an added or a
removed dictionary word can segment differently (pkuseg applies its user dictionary
by forward maximum matching over the text, so a text containing none of the changed
words is cut exactly as before): those are segmented again, every other cached row is
simply re-labelled with the new dictionary hash. A row made with any older dictionary
is segmented again.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb import heap
from kb.nlp import parallel
from kb.nlp.parallel import cut_many
from kb.store.bulk import insert_many
from kb.store.models import Alias, Segment, Setting, Term

DICT_SETTING = "nlp.user_dict"
GLOSSARY_ORIGINS = ("imported", "curated")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def dict_hash(words: Iterable[str]) -> str:
    return hashlib.sha1("\n".join(sorted(set(words))).encode("utf-8")).hexdigest()


def user_dictionary(engine: Engine) -> list[str]:
    """Canonical names and aliases of the glossary: approved terms, and imported or curated ones not rejected."""
    keep = sa.or_(Term.status == "approved",
                  sa.and_(Term.origin.in_(GLOSSARY_ORIGINS), Term.status.in_(("candidate", "approved"))))
    with engine.connect() as conn:
        names = conn.execute(sa.select(Term.canonical).where(keep)).scalars().all()
        aliases = conn.execute(sa.select(Alias.alias).join(Term, Alias.term_id == Term.id).where(keep)).scalars().all()
    return sorted({w.strip() for w in [*names, *aliases] if w and w.strip() and not any(c.isspace() for c in w.strip())})


@lru_cache(maxsize=1)
def _base_model():
    """pkuseg's default model, loaded once per process (a few seconds)."""
    import pkuseg

    return pkuseg.pkuseg(user_dict=[])


@lru_cache(maxsize=1)
def _fast_cut():
    """kb.nlp.fastcut over _base_model(), made once per process (about 0.6 s); None if the model
    is not what it assumes."""
    from kb.nlp.fastcut import FastCut

    model = _base_model()
    return FastCut(model) if FastCut.supports(model) else None


_early = False  # the model was loaded by load_early() for the next cut, not by a caller that keeps it


def load_early() -> None:
    """Load the whole model and kb.nlp.fastcut now, for the next cut of many texts (kb build loads
    them while it ingests): that cut releases them after, as if it had loaded them itself."""
    global _early
    if _base_model.cache_info().currsize == 0:
        _early = True
    _fast_cut()


def model_kept() -> bool:
    """Whether the whole model is loaded and kept by someone (not only by load_early())."""
    return _base_model.cache_info().currsize > 0 and not _early


def release_model() -> None:
    """Forget the whole model (and what was made from it): its 800 MB are freed."""
    global _early
    _fast_cut.cache_clear()
    _base_model.cache_clear()
    _early = False


class Segmenter:
    """pkuseg's default model with a user dictionary; the model loads on first use.

    The model is shared by all segmenters of a process; each has its own user
    dictionary (pkuseg 0.0.25 keeps it in its ``preprocesser``, a trie over the words).
    ``fast``: cut with kb.nlp.fastcut (the same tokens, sooner once past its 0.6 s set-up: for
    many texts) when the whole model is used.
    """

    def __init__(self, words: Iterable[str] = (), base=None, fast: bool = False) -> None:
        self.words = sorted(set(words))
        self._base = base  # a pkuseg model to use instead of the whole one (kb.nlp.lite)
        self._fast = fast and base is None
        self._model = None

    def cut(self, text: str) -> list[str]:
        if self._model is None:
            import pkuseg

            base = self._base or _base_model()
            model = copy.copy(base)
            model.preprocesser = pkuseg.Preprocesser(self.words)
            fast = _fast_cut() if self._fast else None
            if fast is not None and fast.model is base:  # (not one made from a model since released)
                fast.install(model)
            self._model = model
        return self._model.cut(text)


@dataclass
class SegmentStats:
    texts: int = 0
    cached: int = 0          # valid for this dictionary already
    revalidated: int = 0     # made with the previous dictionary, unaffected by its changes
    segmented: int = 0       # segmented now (new text, or containing a changed word)
    dict_words: int = 0
    dict_hash: str = ""


def _changed_words_regex(words: set[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


FEW_TEXTS = 5000


MIN_STORED_APART = 20000  # segment_texts(stored_apart=…) writes this many new rows or more in a process of their own


def segment_texts(engine: Engine, texts: Iterable[str], words: Iterable[str] | None = None,
                  on_progress: Callable[[int, int], None] | None = None,
                  segmenter: Segmenter | None = None,
                  workers: int | None = None,
                  stored_apart: list | None = None) -> tuple[dict[str, list[str]], SegmentStats]:
    """Tokens of every text (cached in ``segments``), segmented with ``words`` as user dictionary.

    ``words`` defaults to user_dictionary(engine). Returns text -> tokens and what the cache did.
    With ``stored_apart`` (a list) and at least MIN_STORED_APART new texts (and fork, and more
    than one worker), the cache is written by a forked process while the caller goes on: its
    kb.nlp.parallel.Forked is appended to the list, and the caller waits for its ``result()``
    (which raises the writer's error) before it writes anything of its own.
    """
    words = sorted(set(user_dictionary(engine) if words is None else words))
    current = dict_hash(words)
    unique = {t for t in texts if t and t.strip()}
    stats = SegmentStats(texts=len(unique), dict_words=len(words), dict_hash=current)
    hashes = {text_hash(t): t for t in unique}

    with engine.connect() as conn:
        previous = conn.execute(sa.select(Setting.value).where(Setting.key == DICT_SETTING)).scalar()
        query = sa.select(Segment.text_hash, Segment.dict_hash, Segment.tokens)
        if len(hashes) <= FEW_TEXTS:  # a new day's texts: look them up rather than read the whole cache
            rows = [row for chunk in _chunks(sorted(hashes), 500)
                    for row in conn.execute(query.where(Segment.text_hash.in_(chunk)))]
        else:
            rows = conn.execute(query).all()
    previous_hash = (previous or {}).get("hash")
    changed = set(words) ^ set((previous or {}).get("words") or []) if previous_hash else set()
    changed_regex = _changed_words_regex(changed)

    result: dict[str, list[str]] = {}
    revalidate: list[str] = []
    stale: list[str] = []
    for h, row_dict, tokens in rows:
        text = hashes.get(h)
        if text is None:
            continue
        if row_dict == current:
            result[text] = tokens
            stats.cached += 1
        elif row_dict == previous_hash and (changed_regex is None or not changed_regex.search(text)):
            result[text] = tokens
            revalidate.append(h)
            stats.revalidated += 1
        else:
            stale.append(h)

    todo = sorted(t for t in unique if t not in result)
    new_rows = []
    # many texts are cut by worker processes (kb.nlp.parallel; ``workers`` defaults to every core)
    for text, tokens in cut_many(todo, words, workers=workers, segmenter=segmenter, on_progress=on_progress):
        result[text] = tokens
        new_rows.append({"text_hash": text_hash(text), "dict_hash": current, "tokens": tokens})
    stats.segmented = len(todo)

    store = (engine, stale, revalidate, new_rows, current, words, previous_hash != current or previous is None)
    if stored_apart is not None and len(new_rows) >= MIN_STORED_APART and parallel.can_fork(workers):
        stored_apart.append(parallel.Forked(_store_apart, *store, name="the segmentation cache's writer"))
    else:
        _store(*store)
    return result, stats


def _store(engine: Engine, stale: list[str], revalidate: list[str], new_rows: list[dict], current: str,
           words: list[str], new_dictionary: bool) -> None:
    """Update the cache: drop stale rows, mark the revalidated ones, add the new (and the dictionary's hash)."""
    table = Segment.__table__
    with engine.begin() as conn:
        for chunk in _chunks(stale, 500):
            conn.execute(sa.delete(table).where(table.c.text_hash.in_(chunk)))
        for chunk in _chunks(revalidate, 500):
            conn.execute(sa.update(table).where(table.c.text_hash.in_(chunk)).values(dict_hash=current))
        insert_many(conn, table, new_rows)
        if new_dictionary:
            conn.execute(sa.delete(Setting.__table__).where(Setting.key == DICT_SETTING))
            conn.execute(sa.insert(Setting.__table__).values(key=DICT_SETTING, value={"hash": current, "words": words}))


def _store_apart(_channel, engine: Engine, *store) -> None:
    """_store in a forked process (kb.nlp.parallel.Forked), on connections of its own."""
    engine.dispose(close=False)
    with heap.paused_gc():
        _store(engine, *store)


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
