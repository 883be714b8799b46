"""Shared fixtures: databases (SQLite always, PostgreSQL when $KB_TEST_PG_URL is set), corpus paths."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.store import open_db

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT.parent / "shared" / "corpus"

PG_URL = os.environ.get("KB_TEST_PG_URL")
REQUIRE_PG = os.environ.get("KB_REQUIRE_PG") == "1"


@pytest.fixture(scope="session", autouse=True)
def cache_folder(tmp_path_factory):
    """kb's cache folder (kb.cache) for this test session: tests never read or write the user's."""
    folder = tmp_path_factory.mktemp("kb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def workspace(tmp_path) -> tuple[Path, Path]:
    """(rules, logs): copies of the repository's rules/ and examples/logs in tmp_path, for tests that change them."""
    import shutil

    from kb.rules import DEFAULT_RULES_DIR

    rules, logs = tmp_path / "rules", tmp_path / "logs"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    shutil.copytree(EXAMPLES / "logs", logs)
    return rules, logs


@pytest.fixture(scope="session")
def pg_server_url():
    """URL of a fresh PostgreSQL database for this test session, dropped at the end."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("KB_REQUIRE_PG=1 but KB_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL not configured: set KB_TEST_PG_URL (.ci/run does)")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"kb_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    # A plain DROP waits out autovacuum; FORCE is for sessions a failed test left open.
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(statement)
            break
        except sa.exc.DBAPIError:
            continue
    admin.dispose()


def _reset_pg(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.sqlite'}"
    url = request.getfixturevalue("pg_server_url")
    _reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database URL (for tests that need no second backend)."""
    return f"sqlite:///{tmp_path / 'kb.sqlite'}"


@pytest.fixture
def engine(db_url):
    engine = open_db(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus beside the repository (tests needing it are skipped without it)."""
    if not (CORPUS / "logs").is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS
