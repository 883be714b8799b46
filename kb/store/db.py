"""Opening the database: engine, migrations to the newest schema, sessions."""

from __future__ import annotations

import json
import os
import weakref
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kb.errors import DatabaseError, NoDatabase
from kb.store import DEFAULT_URL
from kb.store.heads import script_heads

MIGRATIONS = Path(__file__).with_name("migrations")
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()  # what create() made and is still alive


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else $KB_DB_URL, else kb.sqlite in the working folder."""
    return url or os.environ.get("KB_DB_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages (default 2 MiB): bulk inserts update indexes in memory
    cursor.close()


_encode = json.JSONEncoder(ensure_ascii=False).encode  # made once: json.dumps with options makes one a call


def _json_dumps(value) -> str:
    """JSON for the JSON columns; most hold an empty list, which needs no encoder."""
    if not value and isinstance(value, list):
        return "[]"
    return _encode(value)


def alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def create(url: str | None = None) -> Engine:
    """An engine for the URL, without touching the schema."""
    url = database_url(url)
    try:
        engine = sa.create_engine(url, json_serializer=_json_dumps)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _engines.add(engine)
    return engine


def dispose_all() -> None:
    """Close the pooled connections of every engine create() made that is still alive (or not
    yet collected): an SQLite file's last connection closing removes its WAL file."""
    for engine in list(_engines):
        engine.dispose()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migrations (a no-op when it is there already)."""
    if _at_heads(engine, script_heads()):
        return  # the usual case: no need to import Alembic
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        with engine.begin() as connection:
            if set(MigrationContext.configure(connection).get_current_heads()) == heads:
                return
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]  # one line, no "Background on"
        raise DatabaseError(f"cannot open {engine.url!r}: {exc.__class__.__name__}: {reason}") from None


def _at_heads(engine: Engine, heads: set[str]) -> bool:
    """Whether alembic_version already holds exactly these heads (one cheap query)."""
    try:
        with engine.connect() as connection:
            current = {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except SQLAlchemyError:
        return False
    return bool(heads) and current == heads


def _make_folder(path: Path) -> None:
    """Create the folder of a new SQLite file (``--db sqlite:///build/kb.sqlite`` in a fresh checkout),
    as ``--out`` folders are created; SQLite itself only says "unable to open database file"."""
    if path.parent.is_dir():
        return
    if path.parent.exists():
        raise DatabaseError(f"cannot create the folder of {path}: {path.parent} is a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file on the way, no permission
        raise DatabaseError(f"cannot create the folder of {path}: {exc.strerror or exc}") from None


def sqlite_file(url: str | None = None) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    parsed = sa.engine.make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def open_db(url: str | None = None, *, create_file: bool = True) -> Engine:
    """An engine for the URL with the schema migrated to the newest revision. With ``create_file``
    False, a missing SQLite file is an error instead of a new, empty database (commands that only
    read or curate what an ingest stored)."""
    try:
        path = sqlite_file(url)
    except sa.exc.ArgumentError:
        path = None  # create() says what is wrong with the URL
    if path is not None and not create_file and not path.is_file():
        raise NoDatabase(path)
    if path is not None and create_file:
        _make_folder(path)
    engine = create(url)
    upgrade(engine)
    return engine
