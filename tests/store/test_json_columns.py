"""JSON columns are written as readable UTF-8 (Chinese as is, not \\uXXXX), an empty list as []."""

from __future__ import annotations

import sqlalchemy as sa

from kb.store import open_db
from kb.store.db import _json_dumps


def test_json_is_written_as_is():
    assert _json_dumps([]) == "[]"
    assert _json_dumps({"overlap": ["备付金"], "score": 0.5}) == '{"overlap": ["备付金"], "score": 0.5}'
    assert _json_dumps(["a", "b"]) == '["a", "b"]' and _json_dumps({}) == "{}"


def test_a_json_column_holds_the_text(tmp_path):
    from kb.store.models import QAAnswer

    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    column = QAAnswer.__table__.c.signals
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.literal({"overlap": ["资金池"]}, column.type).label("v"))).scalar()
        raw = conn.execute(sa.select(sa.cast(sa.literal({"overlap": ["资金池"]}, column.type), sa.String))).scalar()
    assert stored == {"overlap": ["资金池"]} and "资金池" in raw
    engine.dispose()
