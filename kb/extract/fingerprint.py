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

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.rules import DEFAULT_RULES_DIR
from kb.store.models import Alias, Decision, Message, Setting, Source, Term

SETTING = "extract.fingerprint"
CODE = ("extract", "nlp", "rules")  # packages under kb/ whose code decides the output
MODULES = ("store/normalize.py", "store/nickname.py")  # and the modules of kb.store they use
LIBRARIES = ("pkuseg", "spacy")  # whose versions decide it too


@functools.lru_cache(maxsize=1)  # the code does not change while a process runs; a build takes five fingerprints
def _code_hash() -> str:
    from importlib.metadata import PackageNotFoundError, version

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha1()
    paths = [path for package in CODE for path in sorted((root / package).rglob("*.py"))]
    for path in paths + [root / name for name in MODULES]:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library} {version(library)}".encode())
        except PackageNotFoundError:
            digest.update(f"{library} -".encode())
    return digest.hexdigest()


def _rules_hash(rules_dir: str | Path | None) -> str:
    folder = Path(rules_dir) if rules_dir else DEFAULT_RULES_DIR
    digest = hashlib.sha1(str(folder.resolve()).encode())
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


Bind = Engine | sa.Connection  # a Connection: inside its transaction (an append writes all it does in one)


@contextlib.contextmanager
def connected(bind: Bind) -> Iterator[sa.Connection]:
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def fingerprint(engine: Bind, rules_dir: str | Path | None = None) -> str:
    """SHA-1 of everything extraction reads: files ingested, rules, curated term state, code."""
    return _digest(engine, rules_dir, files=True)


def base(engine: Bind, rules_dir: str | Path | None = None) -> str:
    """SHA-1 of everything extraction reads but the files: rules, curated term state, code."""
    return _digest(engine, rules_dir, files=False)


def source_hashes(engine: Bind) -> dict[str, str]:
    """Each ingested file's key → its content hash and when it was ingested (a file changed and
    changed back has its old hash but not its old messages: ingest stored them again)."""
    with connected(engine) as conn:
        return {key: f"{sha} {ingested_at}" for key, sha, ingested_at in
                conn.execute(sa.select(Source.key, Source.sha256, Source.ingested_at))}


def _digest(engine: Bind, rules_dir: str | Path | None, files: bool) -> str:
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
    with connected(engine) as conn:
        for query in queries:  # one repr of all rows: ids, strings, numbers and None print unambiguously
            digest.update(repr([tuple(row) for row in conn.execute(query)]).encode())
            digest.update(b"\x00")
    return digest.hexdigest()


def stored(engine: Bind) -> str | None:
    """The fingerprint the last extraction left, if any."""
    return stored_state(engine).get("hash")


def stored_state(engine: Bind) -> dict[str, Any]:
    """What the last extraction left: ``hash`` and, since appending exists, ``run`` (the number of
    the extraction in this database), ``base``, ``sources`` (key → content hash and time ingested), ``messages``,
    ``full_messages``, ``appended_messages``, ``appended_files`` (keys) and ``steps`` (the
    appends since the last full extraction); {} before any."""
    with connected(engine) as conn:
        value = conn.execute(sa.select(Setting.value).where(Setting.key == SETTING)).scalar()
    return value if isinstance(value, dict) else {}


def version(state: dict[str, Any]) -> str | None:
    """Which extraction left the database as it is: its fingerprint and its run id. Two runs may
    end with the same fingerprint (it is of the inputs, and an append changes none of them) but
    not with the same version."""
    return f"{state['hash']}/{state['run']}" if state.get("hash") and state.get("run") else None


def store(engine: Bind, value: str, **state: Any) -> None:
    if isinstance(engine, sa.Connection):
        _store(engine, value, state)
    else:
        with engine.begin() as conn:
            _store(conn, value, state)


def _store(conn: sa.Connection, value: str, state: dict[str, Any]) -> None:
    conn.execute(sa.delete(Setting.__table__).where(Setting.key == SETTING))
    conn.execute(sa.insert(Setting.__table__).values(key=SETTING, value={"hash": value, **state}))
