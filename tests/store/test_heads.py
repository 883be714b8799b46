"""kb.store.heads reads the same heads from the migration scripts as Alembic does."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from kb.store.db import alembic_config
from kb.store.heads import script_heads


def test_script_heads_match_alembic() -> None:
    assert script_heads() == set(ScriptDirectory.from_config(alembic_config()).get_heads())
