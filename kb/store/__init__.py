"""Storage: SQLAlchemy models, engine and migrations. Imports no stage of kb."""

from kb.store.db import DEFAULT_URL, database_url, open_db
from kb.store.models import (
    Alias, Base, Decision, Definition, Mention, Message, QAAnswer, QAPair, QATerm, Segment, Setting, Source, Term,
)

__all__ = [
    "DEFAULT_URL", "Alias", "Base", "Decision", "Definition", "Mention", "Message", "QAAnswer", "QAPair", "QATerm",
    "Segment", "Setting", "Source", "Term", "database_url", "open_db",
]
