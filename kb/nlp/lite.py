"""pkuseg's default model for a few texts: only the part of it those texts can use.

pkuseg 0.0.25 loads its whole model before it cuts anything: a dict of 2.6 million feature
strings (``features.pkl``, 77 MB, about 2.5 s to unpickle) and their weights. A new day's few
hundred texts look up a few thousand of them. So kb keeps the model once more in a form that can
be read in parts — a SQLite file of the feature strings (and pkuseg's word list) with their
indexes, and the weights as a ``.npy`` file that is memory-mapped — and, for a few texts, builds
a pkuseg model whose feature dict holds only the features those texts can produce, with their
original indexes into the same weights.

The result is the same segmentation as with the whole model (tests/nlp/test_lite.py compares
them): pkuseg looks up, for each character, features built from the characters around it and
from the substrings of 2–6 characters around it that are words of its list. ``candidates`` makes
every string those lookups could ask for (a superset), so each lookup finds what it would find in
the whole dict.

The copy lives in a cache folder (``$KB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kb``, else
``~/.cache/kb``), under a name made from the model files' sizes and contents; it is written once
(about 150 MB, a few seconds) by the first run that loads the whole model to cut few texts, and
read by every later one. Without it, or if it cannot be written, the whole model is used.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kb.cache import cache_root

FORMAT = 1          # of the files below; a new format is written under a new name
MAX_TEXTS = 1000    # more texts than this: loading the whole model is about as fast
WORD_MIN, WORD_MAX = 2, 6  # pkuseg's config.wordMin and wordMax: the word features' lengths
NO_WORD = "**noWord"


def _model_dir() -> Path:
    import pkuseg

    return Path(pkuseg.__file__).resolve().parent / "models" / "default"


SAMPLE = 1 << 20  # bytes read from each end of a model file for the copy's name


def cache_dir(model_dir: Path | None = None) -> Path:
    """Where the copy of the model installed here (or in ``model_dir``) is, or would be, kept.

    Its name comes from the model files' sizes and their first and last megabyte (a zip such as
    ``weights.npz`` ends with its members' CRC-32s), not from their times: every installation of
    the same model (a new virtual environment, a fresh clone's ``make install``) shares one copy
    instead of writing 170 MB more."""
    return cache_root() / _copy_name(model_dir or _model_dir())


@functools.lru_cache(maxsize=4)
def _copy_name(folder: Path) -> str:
    """cache_dir's name for the model in ``folder`` (read once a process: 17 ms)."""
    digest = hashlib.sha1(str(FORMAT).encode())
    for name in ("features.pkl", "weights.npz"):
        with open(folder / name, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            digest.update(f"{name}:{size}:".encode())
            digest.update(f.read(SAMPLE))
            if size > SAMPLE:
                f.seek(max(SAMPLE, size - SAMPLE))
                digest.update(f.read(SAMPLE))
    return f"pkuseg-default-{digest.hexdigest()[:16]}"


def available() -> bool:
    folder = cache_dir()
    return (folder / "features.sqlite").is_file() and (folder / "weights.npy").is_file()


def write_cache(model) -> bool:
    """Write the copy of a loaded pkuseg model (``pkuseg.pkuseg``); False if the folder cannot be written."""
    import numpy as np

    folder = cache_dir()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    except OSError:
        return False
    try:
        extractor = model.feature_extractor
        with contextlib.closing(sqlite3.connect(tmp / "features.sqlite")) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("CREATE TABLE features (key TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE words (key TEXT PRIMARY KEY) WITHOUT ROWID")
            db.execute("CREATE TABLE tags (tag TEXT PRIMARY KEY, idx INTEGER NOT NULL)")
            db.executemany("INSERT INTO features VALUES (?, ?)", sorted(extractor.feature_to_idx.items()))
            db.executemany("INSERT INTO words VALUES (?)", ((w,) for w in sorted(extractor.unigram)))
            db.executemany("INSERT INTO tags VALUES (?, ?)", extractor.tag_to_idx.items())
            db.commit()
        np.save(tmp / "weights.npy", np.asarray(model.model.w, dtype=np.float64))
        try:
            tmp.rename(folder)
        except OSError:  # another process wrote it first
            shutil.rmtree(tmp, ignore_errors=True)
        return available()
    except (OSError, sqlite3.Error):
        shutil.rmtree(tmp, ignore_errors=True)
        return False


def _pieces(texts: Iterable[str]) -> Iterator[list[str]]:
    """Each run of non-space characters as pkuseg normalises it (pkuseg.cut splits at whitespace)."""
    from pkuseg.feature_extractor import FeatureExtractor

    for text in texts:
        for piece in text.split():
            yield list(FeatureExtractor.normalize_text(piece))


def _slices(nodes: list[str], i: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """The substrings pkuseg's word features read at position ``i``: ending there, starting there,
    ending just before it, starting just after it (each of 2–6 characters, where they fit)."""
    n = len(nodes)

    def cut(start: int, length: int) -> str | None:
        return "".join(nodes[start:start + length]) if 0 <= start and start + length <= n else None

    lengths = range(WORD_MAX, WORD_MIN - 1, -1)
    return tuple([s for s in (cut(start(i, l), l) for l in lengths) if s is not None]
                 for start in (lambda i, l: i - l + 1, lambda i, l: i, lambda i, l: i - l, lambda i, l: i + 1))


def candidates(pieces: list[list[str]], words: set[str] | None = None) -> set[str]:
    """Words (``words`` None) or features (given the words found) that cutting ``pieces`` may look up.

    A piece may be cut further by the user dictionary: pkuseg then sees a part of it, where a
    slice that runs past the part's end is "" (a word of pkuseg's list, oddly). So "" and
    "**noWord" stand beside every slice.
    """
    out: set[str] = {""} if words is None else set()
    for nodes in pieces:
        n = len(nodes)
        for i, c in enumerate(nodes):
            ends, starts, before, after = _slices(nodes, i)
            if words is None:
                out.update(ends)
                continue
            out.add("c." + c)
            if i > 0:
                out.update(("c-1." + nodes[i - 1], "c-1c." + nodes[i - 1] + "." + c))
            if i + 1 < n:
                out.update(("c1." + nodes[i + 1], "cc1." + c + "." + nodes[i + 1]))
            if i > 1:
                out.update(("c-2." + nodes[i - 2], "c-2c-1." + nodes[i - 2] + "." + nodes[i - 1]))
            if i + 2 < n:
                out.add("c2." + nodes[i + 2])

            def known(slices: list[str]) -> set[str]:
                return {s for s in slices if s in words} | {"", NO_WORD}

            pre_in, post_in, pre_ex, post_ex = known(ends), known(starts), known(before), known(after)
            out.update("w-1." + s for s in pre_in)
            out.update("w1." + s for s in post_in)
            out.update("ww.l." + pre + "*" + post for pre in pre_ex for post in post_in)
            out.update("ww.r." + pre + "*" + post for pre in pre_in for post in post_ex)
    return out


def _lookup(db: sqlite3.Connection, table: str, columns: str, keys: set[str]) -> list[tuple]:
    keys_ = sorted(keys)
    rows: list[tuple] = []
    for start in range(0, len(keys_), 900):
        chunk = keys_[start:start + 900]
        rows += db.execute(f"SELECT {columns} FROM {table} WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    return rows


def model_for(texts: Iterable[str]):
    """A ``pkuseg.pkuseg`` (no user dictionary) that cuts ``texts`` as the whole model does; None
    without the cache."""
    if not available():
        return None
    import numpy as np
    import pkuseg
    from pkuseg.feature_extractor import FeatureExtractor
    from pkuseg.model import Model

    folder = cache_dir()
    pieces = list(_pieces(texts))
    with contextlib.closing(sqlite3.connect(f"file:{folder / 'features.sqlite'}?mode=ro", uri=True)) as db:
        words = {key for (key,) in _lookup(db, "words", "key", candidates(pieces))}
        features = dict(_lookup(db, "features", "key, idx", candidates(pieces, words)))
        tags = dict(db.execute("SELECT tag, idx FROM tags").fetchall())
    w = np.load(folder / "weights.npy", mmap_mode="r")

    extractor = FeatureExtractor.__new__(FeatureExtractor)
    extractor.unigram, extractor.bigram, extractor.feature_to_idx, extractor.tag_to_idx = words, set(), features, tags
    model = Model.__new__(Model)
    model.n_tag = len(tags)
    model.w = w
    model.n_transition_feature = len(w)
    model.n_feature = len(w) // model.n_tag - model.n_tag
    # pkuseg's own constructor, with its two loaders answered by the parts above
    with _patched(FeatureExtractor, "load", classmethod(lambda cls, model_dir=None: extractor)), \
            _patched(Model, "load", classmethod(lambda cls, model_dir=None: model)):
        segmenter = pkuseg.pkuseg(user_dict=[])
    segmenter.n_feature = model.n_feature  # it counts its dict's features; the weights hold them all
    return segmenter


@contextlib.contextmanager
def _patched(owner, name: str, value) -> Iterator[None]:
    original = owner.__dict__[name]
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


if __name__ == "__main__":  # python -m kb.nlp.lite: write the copy now
    import pkuseg as _pkuseg

    print(cache_dir(), "written" if write_cache(_pkuseg.pkuseg(user_dict=[])) else "not writable")
