"""The Alembic migrations and kb.store.models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kb.store import open_db
from kb.store.db import alembic_config, upgrade
from kb.store.models import Base


def differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def current_heads(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def test_migrated_database_matches_the_models(db_url: str) -> None:
    engine = open_db(db_url)
    try:
        assert differences(engine) == []
        assert set(sa.inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(db_url: str) -> None:
    engine = open_db(db_url)
    try:
        heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
        assert current_heads(engine) == heads
        upgrade(engine)  # the quick path: already at the heads
        open_db(db_url).dispose()
        config = alembic_config(engine)
        with engine.begin() as conn:  # and Alembic itself, asked again, has nothing to do
            config.attributes["connection"] = conn
            command.upgrade(config, "heads")
        assert current_heads(engine) == heads
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_revisions_form_one_tree_from_one_base() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert len({r.revision for r in revisions}) == len(revisions)
    assert [r.revision for r in revisions if r.down_revision is None] == ["0001"]
    assert script.get_heads()
