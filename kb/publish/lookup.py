"""Term lookup: by hanzi, pinyin, initials, alias or close spelling, with definition, Q&A and where discussed.

Built for speed (``kb lookup`` answers in a fraction of a second): an SQLite
file already at the newest schema is read through the stdlib ``sqlite3`` module,
without importing SQLAlchemy; other databases go through ``kb.store.open_db``.
Pinyin comes from the cache the wiki keeps in the settings table; only names
missing from it make pypinyin load.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import KbError, NoDatabase
from kb.publish import pinyin as py
from kb.privacy import mask

SHOWN = ("approved", "candidate")
MATCH_KINDS = ("exact", "alias", "english", "pinyin", "initials", "prefix", "contains", "close")


@dataclass
class Match:
    id: int
    term: str
    status: str
    score: float
    matched: str  # one of MATCH_KINDS
    via: str  # the name or pinyin that matched
    pinyin: str = ""

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass
class Answer:
    term: str
    id: int
    status: str
    reviewed: bool  # False for a candidate term (not yet reviewed by a curator)
    pinyin: str
    english: str | None
    category: str | None
    aliases: list[str]
    definition: str | None  # the curated definition
    candidate_definitions: list[dict[str, Any]]  # text, date, speaker (not reviewed)
    qa: list[dict[str, Any]]  # question and answers: date, speaker, text
    discussed: list[dict[str, Any]]  # group, date, mentions
    mentions: int
    matched: str
    others: list[dict[str, Any]] = field(default_factory=list)  # further matches: term, status, matched

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Connection:
    """A DB-API connection with "?" placeholders whatever the driver's style; JSON columns decoded."""

    def __init__(self, connection: Any, qmark: bool, engine: Any = None) -> None:
        self.connection, self.qmark, self.engine = connection, qmark, engine

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql if self.qmark else sql.replace("?", "%s"), params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def save_setting(self, key: str, value: Any) -> None:
        """Best effort: a read-only database keeps answering, only without the cache."""
        text = json.dumps(value, ensure_ascii=False)
        try:
            cursor = self.connection.cursor()
            cursor.execute(self._sql("DELETE FROM settings WHERE key = ?"), (key,))
            cursor.execute(self._sql("INSERT INTO settings (key, value) VALUES (?, ?)"), (key, text))
            self.connection.commit()
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no error for a lookup
            self.connection.rollback()

    def _sql(self, sql: str) -> str:
        return sql if self.qmark else sql.replace("?", "%s")

    def close(self) -> None:
        self.connection.close()
        if self.engine is not None:
            self.engine.dispose()


def connect(url: str | None = None) -> _Connection:
    """A connection for lookups: stdlib sqlite3 for an up-to-date SQLite file, else through SQLAlchemy."""
    from kb.store import DEFAULT_URL

    url = url or os.environ.get("KB_DB_URL") or DEFAULT_URL
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        raise NoDatabase(path)
    if path is not None:
        connection = sqlite3.connect(str(path), timeout=10)
        if _at_heads(connection):
            return _Connection(connection, qmark=True)
        connection.close()
    from kb.store import open_db

    engine = open_db(url)
    return _Connection(engine.raw_connection(), qmark=engine.dialect.paramstyle == "qmark", engine=engine)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url[len("sqlite:///"):]
    return Path(path) if path and path != ":memory:" else None


def _at_heads(connection: sqlite3.Connection) -> bool:
    from kb.store.heads import script_heads

    try:
        current = {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return False
    return bool(current) and current == set(script_heads())


def lookup(query: str, url: str | None = None, limit: int = 8) -> Answer:
    """The best matching term with its details, and the next matches; KbError when nothing matches."""
    query = query.strip()
    if not query:
        raise KbError("empty query: give a term in hanzi, pinyin or initials, e.g. kb lookup zjc")
    db = connect(url)
    try:
        matches = find(db, query, limit=limit)
        if not matches:
            raise KbError(f"no term matches {query!r} (approved and candidate terms are searched)")
        answer = details(db, matches[0])
        answer.others = [{"term": m.term, "status": m.status, "matched": m.matched, "via": m.via}
                         for m in matches[1:]]
        return answer
    finally:
        db.close()


def find(db: _Connection, query: str, limit: int = 8) -> list[Match]:
    """Terms matching the query, best first: exact, alias, pinyin, initials, prefix, contains, close spelling.

    Close spellings, tried only when nothing else matches: names that sound the same (same pinyin),
    then names similar in writing (difflib), the most similar first.
    """
    from kb.store.normalize import term_key

    key = term_key(query)
    latin = key.replace(" ", "")
    terms = {row[0]: row for row in db.rows(
        "SELECT id, canonical, key, status, score, english FROM terms WHERE status IN ('approved', 'candidate')")}
    names: list[tuple[str, int, str]] = [(row[2], row[0], row[1]) for row in terms.values()]  # (key, id, shown)
    for term_id, alias, alias_key in db.rows("SELECT term_id, alias, key FROM aliases"):
        if term_id in terms:
            names.append((alias_key or term_key(alias), term_id, alias))
    for canonical, name_key, target in db.rows(
            "SELECT canonical, key, merged_into_id FROM terms WHERE status = 'merged' AND merged_into_id IS NOT NULL"):
        if target in terms:
            names.append((name_key, target, canonical))
    cache = _pinyin_cache(db, [row[1] for row in terms.values()])

    found: dict[int, tuple[int, str, str]] = {}  # term id → (kind rank, kind, via)

    def add(term_id: int, kind: str, via: str) -> None:
        rank = MATCH_KINDS.index(kind)
        if term_id not in found or rank < found[term_id][0]:
            found[term_id] = (rank, kind, via)

    for name_key, term_id, shown in names:
        if name_key == key:
            add(term_id, "exact" if shown == terms[term_id][1] else "alias", shown)
        elif len(key) >= 2 and name_key.startswith(key):
            add(term_id, "prefix", shown)
        elif len(key) >= 2 and key in name_key:
            add(term_id, "contains", shown)
    if key.isascii():  # the English name a curator gave (clearing → 清算, fund pool → 资金池)
        words = " ".join(unicodedata.normalize("NFKC", query).lower().split())
        for term_id, english in ((term_id, row[5]) for term_id, row in terms.items() if row[5]):
            if term_key(english) == key:
                add(term_id, "english", english)
            elif len(words) >= 4 and re.search(rf"\b{re.escape(words)}\b", " ".join(english.lower().split())):
                add(term_id, "contains", english)  # a word of it: clearing in NetsUnion Clearing Corporation
    if latin.isascii() and latin.isalnum():
        for term_id, row in terms.items():
            full, initials = cache.get(row[1], ("", ""))
            compact = py.compact(full)
            if compact == latin:
                add(term_id, "pinyin", full)
            elif initials == latin:
                add(term_id, "initials", initials)
            elif len(latin) >= 2 and (compact.startswith(latin) or initials.startswith(latin)):
                add(term_id, "prefix", full)
    closeness: dict[int, float] = {}
    if not found:
        if not latin.isascii():  # a homophone typo (资金吃 for 资金池) sounds the same: pinyin decides
            for term_id in _homophones(db, query, terms, cache):
                add(term_id, "close", cache[terms[term_id][1]][0])
                closeness[term_id] = 1.0
        by_key: dict[str, list[int]] = {}
        for name_key, term_id, _ in names:
            by_key.setdefault(name_key, []).append(term_id)
        if latin.isascii():
            for term_id, row in terms.items():
                by_key.setdefault(py.compact(cache.get(row[1], ("", ""))[0]), []).append(term_id)
        chars = set(key)
        similar = [name for name in by_key if not chars.isdisjoint(name)]
        for close in difflib.get_close_matches(key, similar, n=limit, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, key, close).ratio()
            for term_id in by_key[close]:
                add(term_id, "close", close)
                closeness[term_id] = max(closeness.get(term_id, 0.0), ratio)
    matches = [Match(term_id, terms[term_id][1], terms[term_id][3], terms[term_id][4] or 0.0, kind, via,
                     cache.get(terms[term_id][1], ("", ""))[0])
               for term_id, (_, kind, via) in found.items()]
    matches.sort(key=lambda m: (MATCH_KINDS.index(m.matched), -closeness.get(m.id, 0.0), not m.approved,
                                -m.score, m.term))
    return matches[:limit]


def _homophones(db: _Connection, query: str, terms: dict[int, tuple], cache: dict[str, list[str]]) -> list[int]:
    """Terms whose name sounds like the query (any reading of each of its characters)."""
    text = "".join(unicodedata.normalize("NFKC", query).split())  # 资金 吃 is 资金吃
    if not py.all_hanzi(text):  # latin or digits too (T+1接算): compare the whole pinyin (imports pypinyin)
        sound = py.compact(py.pinyin(text)[0])
        return [tid for tid, row in terms.items() if sound and py.compact(cache.get(row[1], ("", ""))[0]) == sound]
    # a character no term or message has is learnt once and kept
    table = _filled_setting(db, py.CHARS_KEY, lambda t: py.fill_chars(t, text))
    return [tid for tid, row in terms.items() if py.sounds_like(text, cache.get(row[1], ("", ""))[0], table)]


def _pinyin_cache(db: _Connection, names: list[str]) -> dict[str, list[str]]:
    return _filled_setting(db, py.SETTING_KEY, lambda cache: py.fill(cache, names))


def _filled_setting(db: _Connection, key: str, fill: Callable[[dict], bool]) -> dict:
    """The dict kept in settings under key, completed by fill (True when it added something), saved if so."""
    rows = db.rows("SELECT value FROM settings WHERE key = ?", (key,))
    value = _json(rows[0][0]) if rows else {}
    if not isinstance(value, dict):
        value = {}
    if fill(value):
        db.save_setting(key, value)
    return value


def details(db: _Connection, match: Match) -> Answer:
    """What a lookup prints about one term."""
    (row,) = db.rows("SELECT id, canonical, status, english, category, definition, n_mentions FROM terms "
                     "WHERE id = ?", (match.id,))
    term_id, canonical, status, english, category, definition, n_mentions = row
    aliases = [alias for (alias,) in db.rows("SELECT alias FROM aliases WHERE term_id = ? ORDER BY id", (term_id,))
               if alias != canonical]
    aliases += [name for (name,) in db.rows("SELECT canonical FROM terms WHERE merged_into_id = ? "
                                            "AND status = 'merged'", (term_id,)) if name not in aliases]
    candidates = []
    if not definition:
        for text, message_id in db.rows("SELECT text, message_id FROM definitions WHERE term_id = ? "
                                        "ORDER BY score DESC, id LIMIT 3", (term_id,)):
            candidates.append({"text": mask(text), **_message(db, message_id, with_text=False)})
    qa = []
    for pair_id, question_id in db.rows(
            # pairs whose question names the term first (as on its wiki page), then the better scored
            "SELECT p.id, p.question_id FROM qa_pairs p JOIN qa_terms t ON t.pair_id = p.id "
            "WHERE t.term_id = ? ORDER BY EXISTS (SELECT 1 FROM mentions m WHERE m.message_id = p.question_id "
            "AND m.term_id = t.term_id) DESC, p.score DESC, p.id LIMIT 3", (term_id,)):
        answers = [_message(db, message_id) for (message_id,) in db.rows(
            "SELECT message_id FROM qa_answers WHERE pair_id = ? ORDER BY rank, id LIMIT 2", (pair_id,))]
        qa.append({"question": _message(db, question_id), "answers": answers})
    discussed = [{"group": group, "date": str(date or ""), "mentions": count} for group, date, count in db.rows(
        'SELECT s."group", s.date, COUNT(*) FROM mentions m JOIN messages g ON g.id = m.message_id '
        "JOIN sources s ON s.id = g.source_id WHERE m.term_id = ? "
        'GROUP BY s.id, s."group", s.date ORDER BY COUNT(*) DESC, s.date DESC LIMIT 5', (term_id,))]
    (total,) = db.rows("SELECT COUNT(*) FROM mentions WHERE term_id = ?", (term_id,))[0]
    return Answer(
        term=canonical, id=term_id, status=status, reviewed=status == "approved", pinyin=match.pinyin,
        english=english, category=category, aliases=aliases, definition=mask(definition) or None,
        candidate_definitions=candidates, qa=qa, discussed=discussed, mentions=max(total, n_mentions or 0),
        matched=match.matched,
    )


def _message(db: _Connection, message_id: int, with_text: bool = True) -> dict[str, Any]:
    rows = db.rows('SELECT date, time, speaker, "group", text FROM messages WHERE id = ?', (message_id,))
    if not rows:
        return {}
    date, time, speaker, group, text = rows[0]
    message = {"date": str(date or ""), "time": time, "speaker": mask(speaker), "group": group}
    if with_text:
        message["text"] = mask(text)
    return message


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value
