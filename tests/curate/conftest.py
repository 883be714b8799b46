"""Fixtures for curation tests: a database with candidates, some of them mentioned in examples/logs."""

from __future__ import annotations

import pytest
from curate_helpers import EXAMPLES, add_candidates

from kb.ingest import discover, ingest
from kb.store import open_db


@pytest.fixture
def examples_db(db_url):
    """examples/logs ingested, plus the CANDIDATES with their mentions (SQLite and PostgreSQL)."""
    engine = open_db(db_url)
    ingest(engine, discover([EXAMPLES / "logs"]))
    add_candidates(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def examples_sqlite(sqlite_url):
    """The same as examples_db, on SQLite only (for tests that need no second backend)."""
    engine = open_db(sqlite_url)
    ingest(engine, discover([EXAMPLES / "logs"]))
    add_candidates(engine)
    yield engine
    engine.dispose()
