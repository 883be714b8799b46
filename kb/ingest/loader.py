"""Storing parsed logs: one source row per file, its messages replaced together when it changes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from kb import heap
from kb.errors import InputError
from kb.ingest.cocolian import ParsedLog, parse_bytes
from kb.store.bulk import insert_many
from kb.store.models import Message, Source

NEW, REPLACED, UNCHANGED, REJECTED = "new", "replaced", "unchanged", "rejected"


@dataclass(slots=True)
class FileResult:
    path: str
    status: str
    messages: int = 0
    reason: str | None = None  # why it was rejected
    line: int | None = None  # where, when a line is to blame
    warnings: list[str] = field(default_factory=list)  # "path:line: what looks wrong" of a file stored anyway

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def messages_stored(self) -> int:
        """Messages written by this run (new and replaced files)."""
        return sum(f.messages for f in self.files if f.status in (NEW, REPLACED))

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == REJECTED]

    @property
    def warnings(self) -> list[str]:
        """What looked wrong in the files stored anyway, each "path:line: what"."""
        return [warning for f in self.files for warning in f.warnings]


def discover(paths: Iterable[str | Path], skip: Iterable[Path] = ()) -> list[Path]:
    """The files named, and every file under the folders named (recursively, hidden ones skipped).

    A path that does not exist is kept: reading it fails, and it is reported as rejected.
    A file named twice (``kb ingest logs logs/proddev``) is listed once; files whose resolved
    path is in ``skip`` are left out.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    seen: set[Path] = set(skip)
    unique = []
    for path in found:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def _database_files(engine: Engine) -> set[Path]:
    """The SQLite database file of the engine and its journal files (none for a server database)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        return set()
    main = Path(database).resolve()
    return {main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def source_key(path: Path, group: str) -> str:
    return f"{group}/{path.name}"


def ingest(
    engine: Engine,
    paths: Iterable[str | Path],
    group: str | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Ingest log files into the database; return what happened to each file.

    A file's group is ``group`` if given, else the name of its folder. Unchanged
    files are skipped; a changed file's messages are replaced in one transaction;
    a file that cannot be parsed is reported and leaves what is stored untouched.
    """
    report = IngestReport()
    files = discover(paths, skip=_database_files(engine))  # kb ingest . beside kb.sqlite: not the database
    with engine.connect() as conn:
        known = {key: (sid, sha) for key, sid, sha in conn.execute(select(Source.key, Source.id, Source.sha256))}
    with heap.paused_gc():  # the parsed messages of a batch make no cycles: nothing to look for (kb.heap)
        for result in _ingest_files(engine, files, group, known):
            report.files.append(result)
            if on_file:
                on_file(result)
    return report


BATCH_MESSAGES = 20_000  # messages written per transaction; a file never spans two


@dataclass(slots=True)
class _Parsed:
    path: Path
    key: str
    group: str
    sha: str
    previous: tuple[int, str] | None
    log: ParsedLog


def _read_and_parse(path: Path, known_sha: str | None) -> tuple[str, ParsedLog | None, InputError | None]:
    """(sha256, parsed log or None when unchanged, why it was rejected or None)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return "", None, InputError(str(path), f"cannot read: {exc.strerror or exc}")
    sha = hashlib.sha256(data).hexdigest()
    if sha == known_sha:
        return sha, None, None
    try:
        return sha, parse_bytes(data, str(path)), None
    except InputError as exc:
        return sha, None, exc


def _ingest_files(engine: Engine, files: list[Path], group: str | None,
                  known: dict[str, tuple[int, str]]) -> Iterator[FileResult]:
    batch: list[_Parsed] = []
    pending = 0
    # what earlier runs stored, by (file name, bytes): the archive itself has a few days saved in two groups
    before: dict[tuple[str, str], list[str]] = defaultdict(list)
    for stored, (_sid, stored_sha) in sorted(known.items()):
        before[(stored.rsplit("/", 1)[-1], stored_sha)].append(stored)
    seen: dict[str, Path] = {}  # key → the file that had it in this run
    for path in files:
        key = source_key(path, group or path.absolute().parent.name or "default")
        if key in seen:
            yield FileResult(str(path), REJECTED, reason=f"same group and file name as {seen[key]}; "
                             "ingest it with another --group")
            continue
        seen[key] = path
        sha, log, error = _read_and_parse(path, known[key][1] if key in known else None)
        if error is not None:
            yield FileResult(str(path), REJECTED, reason=error.reason, line=error.line)
        elif log is None:
            yield FileResult(str(path), UNCHANGED)
        else:
            log.warnings.extend(_stored_elsewhere(key, sha, before))
            batch.append(_Parsed(path, key, key.rsplit("/", 1)[0], sha, known.get(key), log))
            pending += len(log.messages)
            if pending >= BATCH_MESSAGES:
                yield from _store(engine, batch, known)
                batch, pending = [], 0
    yield from _store(engine, batch, known)


def _stored_elsewhere(key: str, sha: str, before: dict[tuple[str, str], list[str]]) -> list[tuple[int, str]]:
    """A warning when a file of the same name and bytes was stored under another group by an earlier
    run (kb ingest --group X of a folder ingested before): its messages are then there twice. Within
    one run it is no mistake to warn of: the corpus has 5 days saved, byte for byte, in two groups."""
    others = [other for other in before.get((key.rsplit("/", 1)[-1], sha), []) if other != key]
    if not others:
        return []
    return [(0, f"the same file is stored as {', '.join(others)} already: its messages are now there twice "
                f"(under groups {', '.join(o.rsplit('/', 1)[0] for o in others)} and {key.rsplit('/', 1)[0]})")]


def _store(engine: Engine, batch: list[_Parsed], known: dict[str, tuple[int, str]]) -> Iterator[FileResult]:
    """Write parsed files in one transaction; each file's old messages are replaced."""
    if not batch:
        return
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ids: list[int] = []
    with engine.begin() as conn:
        for item in batch:
            log = item.log
            values = {
                "key": item.key, "path": str(item.path), "group": item.group, "date": log.date,
                "title": log.title, "author": log.author, "sha256": item.sha, "encoding": log.encoding,
                "n_messages": len(log.messages), "ingested_at": now,
            }
            if item.previous:
                source_id = item.previous[0]
                conn.execute(delete(Message).where(Message.source_id == source_id))
                conn.execute(update(Source).where(Source.id == source_id).values(**values))
            else:
                source_id = conn.execute(insert(Source), values).inserted_primary_key[0]
            if log.messages:
                common = {"source_id": source_id, "group": item.group, "date": log.date}
                insert_many(conn, Message.__table__, log.messages, common)
            ids.append(source_id)
    for item, source_id in zip(batch, ids):
        known[item.key] = (source_id, item.sha)
        yield FileResult(str(item.path), REPLACED if item.previous else NEW, messages=len(item.log.messages),
                         warnings=[f"{item.path}{f':{line}' if line else ''}: {what}" for line, what in item.log.warnings])
