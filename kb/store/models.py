"""SQLAlchemy models of the knowledge base.

Migrations in kb/store/migrations create these tables; the models and the
migrations are kept in step by tests/store/test_migrations.py.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def stored_list(value: Any) -> list:
    """A JSON list column read without its type (fast bulk reads): the text SQLite stores, or the
    list psycopg decoded already; the empty list, the most common value, is not decoded."""
    if not value or value == "[]":
        return []
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value if isinstance(value, list) else []


class Source(Base):
    """One ingested log file; its messages are replaced together when it changes."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)  # "group/file name"
    path: Mapped[str] = mapped_column(Text)  # as last ingested from
    group: Mapped[str] = mapped_column(String(128), index=True)
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(String(256))
    author: Mapped[str | None] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32))
    n_messages: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime)

    messages: Mapped[list[Message]] = relationship(
        back_populates="source", cascade="all, delete-orphan", passive_deletes=True
    )


class Message(Base):
    """One chat message, as it stood in its log file."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("source_id", "seq", name="uq_messages_source_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # (source_id, seq) is unique: that index also serves lookups by source.
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(128))
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    time: Mapped[str] = mapped_column(String(8))  # HH:MM:SS as exported
    seq: Mapped[int] = mapped_column(Integer)  # 0-based position in its file
    line: Mapped[int] = mapped_column(Integer)  # 1-based line of the header in its file
    speaker: Mapped[str] = mapped_column(String(256))  # nickname as written
    speaker_name: Mapped[str] = mapped_column(String(256))
    speaker_org: Mapped[str | None] = mapped_column(String(256))
    speaker_role: Mapped[str | None] = mapped_column(String(256))
    speaker_city: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # text|link|image|quote|emoji|empty
    text: Mapped[str] = mapped_column(Text)  # what the speaker wrote (for a quote: the reply)
    raw: Mapped[str] = mapped_column(Text)  # the content lines, decoded and cleaned
    quoted_speaker: Mapped[str | None] = mapped_column(String(256))
    quoted_text: Mapped[str | None] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(default=list)  # nicknames after @
    links: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "url"}]
    images: Mapped[list[Any]] = mapped_column(default=list)  # [{"alt", "url"}]
    emojis: Mapped[list[Any]] = mapped_column(default=list)  # ["强", "玫瑰"]

    source: Mapped[Source] = relationship(back_populates="messages")


class Term(Base):
    """A glossary term: extracted as a candidate, then decided on by curators.

    Extraction writes ``score``, ``signals`` and ``extracted_at`` and creates candidates;
    only curators change ``status``, ``merged_into_id`` and the curated fields.
    ``id`` is stable across re-extraction (wiki URLs use it); ``key`` is the
    normalised form (kb.extract.variants) that variants share.
    """

    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="candidate", index=True)  # candidate|approved|rejected|merged
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(16), default="extracted")  # extracted|curated|imported
    score: Mapped[float] = mapped_column(default=0.0)
    signals: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_mentions: Mapped[int] = mapped_column(Integer, default=0)
    # curated fields
    definition: Mapped[str | None] = mapped_column(Text)
    english: Mapped[str | None] = mapped_column(String(256))
    category: Mapped[str | None] = mapped_column(String(64))
    related: Mapped[list[Any]] = mapped_column(default=list)  # canonical names of related terms
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking for curators
    extracted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    aliases: Mapped[list[Alias]] = relationship(back_populates="term", cascade="all, delete-orphan",
                                                foreign_keys="Alias.term_id")

    __mapper_args__ = {"version_id_col": version}


class Alias(Base):
    """Another written form of a term: a variant, an abbreviation, a merged term's name."""

    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="extracted")  # extracted|curated|merged|imported

    term: Mapped[Term] = relationship(back_populates="aliases", foreign_keys=[term_id])


class Mention(Base):
    """One occurrence of a term in a message's text (character offsets)."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    surface: Mapped[str] = mapped_column(String(128))


class Definition(Base):
    """A candidate definition of a term: a sentence matched by a definition pattern."""

    __tablename__ = "definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    pattern: Mapped[str] = mapped_column(String(128))  # the rule that matched
    score: Mapped[float] = mapped_column(default=0.0)


class Segment(Base):
    """Cached segmentation of one message text (by hash), valid for one user dictionary."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(40), unique=True)
    dict_hash: Mapped[str] = mapped_column(String(40))
    tokens: Mapped[list[Any]] = mapped_column()


class QAPair(Base):
    """A question message and the answers linked to it."""

    __tablename__ = "qa_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    score: Mapped[float] = mapped_column(default=0.0)
    signals: Mapped[dict[str, Any]] = mapped_column(default=dict)

    answers: Mapped[list[QAAnswer]] = relationship(back_populates="pair", cascade="all, delete-orphan",
                                                   passive_deletes=True, order_by="QAAnswer.rank")


class QAAnswer(Base):
    """One answer message of a Q&A pair."""

    __tablename__ = "qa_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("qa_pairs.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(default=0.0)
    signals: Mapped[dict[str, Any]] = mapped_column(default=dict)  # which linking signals fired

    pair: Mapped[QAPair] = relationship(back_populates="answers")


class QATerm(Base):
    """A term a Q&A pair is about."""

    __tablename__ = "qa_terms"

    pair_id: Mapped[int] = mapped_column(ForeignKey("qa_pairs.id", ondelete="CASCADE"), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True, index=True)


class Decision(Base):
    """Append-only audit log of curator decisions (never updated or deleted)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id", ondelete="SET NULL"), index=True)
    term: Mapped[str] = mapped_column(String(128))  # canonical name at the time, kept if the term goes
    curator: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(32))  # approve|reject|edit|merge|alias|skip|undo|import
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))


class Setting(Base):
    """Small state a stage keeps between runs (e.g. the hash of the rules it last ran with)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
