"""Has anything extraction reads changed since it last ran? A fingerprint of all its inputs.

Extraction's output is a function of: the ingested files (their content hashes), the
rules folder, the terms as curators left them (status, merges, names, aliases, version)
and the extraction code itself. The fingerprint is a SHA-1 over all of these, taken
when an extraction finishes (so it includes what that extraction wrote to ``terms``)
and kept in the setting ``extract.fingerprint``. ``kb extract`` and ``kb build`` skip
extraction when the fingerprint is unchanged; ``--force`` runs it anyway.

Beside it the setting keeps what an appending extraction needs (kb.extract.append): the
fingerprint of everything but the files (``base``), each file's content hash, and how many
messages the last full extraction read and how many were appended since.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.rules import DEFAULT_RULES_DIR
from kb.store.models import Alias, Decision, Message, Setting, Source, Term

SETTING = "extract.fingerprint"
CODE = ("extract", "nlp", "rules")  # packages under kb/ whose code decides the output


def _code_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1()
    for package in CODE:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _rules_hash(rules_dir: str | Path | None) -> str:
    folder = Path(rules_dir) if rules_dir else DEFAULT_RULES_DIR
    digest = hashlib.sha1(str(folder.resolve()).encode())
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(engine: Engine, rules_dir: str | Path | None = None) -> str:
    """SHA-1 of everything extraction reads: files ingested, rules, curated term state, code."""
    return _digest(engine, rules_dir, files=True)


def base(engine: Engine, rules_dir: str | Path | None = None) -> str:
    """SHA-1 of everything extraction reads but the files: rules, curated term state, code."""
    return _digest(engine, rules_dir, files=False)


def source_hashes(engine: Engine) -> dict[str, str]:
    """Each ingested file's key and content hash."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(Source.key, Source.sha256)).all())


def _digest(engine: Engine, rules_dir: str | Path | None, files: bool) -> str:
    digest = hashlib.sha1()
    digest.update(_code_hash().encode())
    digest.update(_rules_hash(rules_dir).encode())
    queries = [
        sa.select(Source.key, Source.sha256).order_by(Source.key),
        sa.select(sa.func.count(Message.id), sa.func.max(Message.id)),
    ] if files else []
    queries += [
        sa.select(Term.id, Term.key, Term.canonical, Term.status, Term.merged_into_id, Term.origin, Term.version)
        .order_by(Term.id),
        sa.select(Alias.term_id, Alias.key, Alias.alias, Alias.origin).order_by(Alias.id),
        sa.select(sa.func.count(Decision.id), sa.func.max(Decision.id)),
    ]
    with engine.connect() as conn:
        for query in queries:  # one repr of all rows: ids, strings, numbers and None print unambiguously
            digest.update(repr([tuple(row) for row in conn.execute(query)]).encode())
            digest.update(b"\x00")
    return digest.hexdigest()


def stored(engine: Engine) -> str | None:
    """The fingerprint the last extraction left, if any."""
    return stored_state(engine).get("hash")


def stored_state(engine: Engine) -> dict[str, Any]:
    """What the last extraction left: ``hash`` and, since appending exists, ``base``, ``sources``
    (key → content hash), ``messages``, ``full_messages``, ``appended_messages`` and
    ``appended_files`` (keys); {} before any."""
    with engine.connect() as conn:
        value = conn.execute(sa.select(Setting.value).where(Setting.key == SETTING)).scalar()
    return value if isinstance(value, dict) else {}


def store(engine: Engine, value: str, **state: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(Setting.__table__).where(Setting.key == SETTING))
        conn.execute(sa.insert(Setting.__table__).values(key=SETTING, value={"hash": value, **state}))
