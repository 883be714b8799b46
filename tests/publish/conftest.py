"""Fixtures of the publish tests: a small knowledge base on SQLite (and PostgreSQL)."""

from __future__ import annotations

import pytest
from publish_data import KB, fill


@pytest.fixture
def kb(db_url) -> KB:
    """The small knowledge base, on SQLite and on PostgreSQL."""
    return fill(db_url)


@pytest.fixture
def kb_sqlite(sqlite_url) -> KB:
    """The small knowledge base on SQLite only."""
    return fill(sqlite_url)
