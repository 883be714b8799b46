"""The whole real corpus (../shared/corpus/logs) ingests completely, and a second run adds nothing.

Once on SQLite; on PostgreSQL too when $KB_TEST_PG_URL is set (each about 20 s on a busy
2-core machine, so it is one test per database, not one per check).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.ingest import ingest
from kb.ingest.loader import NEW, UNCHANGED
from kb.store import open_db
from kb.store.models import Message, Source

pytestmark = pytest.mark.corpus

FILES = {"proddev": 375, "prodarch": 176, "devarch": 167}
MESSAGES = 123_320
# Files with front matter and not one message header: quiet days, valid logs. The corpus README
# says 37; `grep -L '^> [0-9][0-9]:'` over the logs finds 36, and so does the parser.
QUIET_DAYS = 36
KINDS = {"text": 111_974, "emoji": 7_150, "image": 3_646, "quote": 310, "empty": 240}


def test_whole_corpus_ingests_and_a_second_run_adds_none(corpus, db_url: str) -> None:
    engine = open_db(db_url)
    try:
        report = ingest(engine, [corpus / "logs"])
        assert report.rejected == []
        assert report.count(NEW) == sum(FILES.values()) == 718
        assert report.messages_stored == MESSAGES
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Message)) == MESSAGES
            assert dict(session.execute(select(Source.group, func.count()).group_by(Source.group)).all()) == FILES
            assert session.scalar(select(func.count()).where(Source.n_messages == 0)) == QUIET_DAYS
            assert session.scalar(select(func.sum(Source.n_messages))) == MESSAGES
            assert session.scalar(select(func.count()).where(Source.date.is_(None))) == 0
            assert session.scalar(select(func.count()).where(Message.line < 1)) == 0
            kinds = dict(session.execute(select(Message.kind, func.count()).group_by(Message.kind)).all())
        # the corpus has no [title](url) links: every such pair is an image; empty messages are empty there too
        assert kinds == KINDS

        again = ingest(engine, [corpus / "logs"])
        assert again.count(UNCHANGED) == 718
        assert again.messages_stored == 0
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Message)) == MESSAGES
    finally:
        engine.dispose()
