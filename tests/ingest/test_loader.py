"""kb.ingest.loader on SQLite and PostgreSQL: storing, idempotency, replacement, rejection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.ingest import ingest
from kb.ingest import loader
from kb.ingest.loader import NEW, REJECTED, REPLACED, UNCHANGED
from kb.store.models import Message, Source

FRONT_MATTER = '---\ntitle:      "{date}-WeChat"\ndate:       {date} 12:00:00\nauthor:     "PaymentGroup"\n---\n'


def block(time: str, speaker: str, text: str) -> str:
    return f"> {time}  {speaker}  \n   \n{text}  \n   \n"


def write_log(folder: Path, date: str, *blocks: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date}-chat.markdown"
    path.write_bytes((FRONT_MATTER.format(date=date) + "".join(blocks)).encode(encoding))
    return path


DAY_ONE = (
    block("09:05:40", "小林-蓝海支付-产品-上海", "请问各位，备付金和资金池有什么区别？"),
    block("09:06:31", "老周-星河银行-架构师", "@小林-蓝海支付-产品-上海\u2005备付金要集中存管[强]"),
    block("09:07:02", "thq", "「 小林-蓝海支付-产品-上海: 备付金和资金池有什么区别？ 」 - - - - - - 资金池不允许"),
    block("09:08:00", "Mia-北辰金服-PM", "[网联说明](https://example.com/nucc) ![2024-03-04 09:08:00](https://example.com/a.png)"),
)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """logs/paydemo: one day of four messages, one quiet day; logs/payarch: one day of one message."""
    root = tmp_path / "logs"
    write_log(root / "paydemo", "2024-03-04", *DAY_ONE)
    write_log(root / "paydemo", "2024-03-05")
    write_log(root / "payarch", "2024-03-04", block("10:00:00", "阿杰-云付科技-开发-杭州", "协议支付和代扣是一回事吗？"),
              encoding="utf-16")
    return root


def messages(engine) -> list[tuple]:
    with Session(engine) as session:
        return session.execute(
            select(Source.key, Message.seq, Message.line, Message.group, Message.date, Message.time, Message.speaker,
                   Message.kind, Message.text).join(Source).order_by(Source.key, Message.seq)
        ).all()


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def by_status(report) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for file in report.files:
        result.setdefault(file.status, []).append(Path(file.path).parent.name + "/" + Path(file.path).name)
    return result


def test_ingest_stores_sources_and_messages(engine, logs: Path) -> None:
    report = ingest(engine, [logs])
    assert by_status(report) == {NEW: ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-04-chat.markdown",
                                       "paydemo/2024-03-05-chat.markdown"]}
    assert report.messages_stored == 5
    with Session(engine) as session:
        sources = session.execute(select(Source.key, Source.group, Source.date, Source.n_messages, Source.encoding,
                                         Source.title, Source.author).order_by(Source.key)).all()
    assert sources == [
        ("payarch/2024-03-04-chat.markdown", "payarch", dt.date(2024, 3, 4), 1, "utf-16", "2024-03-04-WeChat",
         "PaymentGroup"),
        ("paydemo/2024-03-04-chat.markdown", "paydemo", dt.date(2024, 3, 4), 4, "utf-8", "2024-03-04-WeChat",
         "PaymentGroup"),
        ("paydemo/2024-03-05-chat.markdown", "paydemo", dt.date(2024, 3, 5), 0, "utf-8", "2024-03-05-WeChat",
         "PaymentGroup"),  # a quiet day is a source without messages, not an error
    ]
    assert messages(engine) == [
        ("payarch/2024-03-04-chat.markdown", 0, 6, "payarch", dt.date(2024, 3, 4), "10:00:00",
         "阿杰-云付科技-开发-杭州", "text", "协议支付和代扣是一回事吗？"),
        ("paydemo/2024-03-04-chat.markdown", 0, 6, "paydemo", dt.date(2024, 3, 4), "09:05:40",
         "小林-蓝海支付-产品-上海", "text", "请问各位，备付金和资金池有什么区别？"),
        ("paydemo/2024-03-04-chat.markdown", 1, 10, "paydemo", dt.date(2024, 3, 4), "09:06:31",
         "老周-星河银行-架构师", "text", "@小林-蓝海支付-产品-上海 备付金要集中存管[强]"),
        ("paydemo/2024-03-04-chat.markdown", 2, 14, "paydemo", dt.date(2024, 3, 4), "09:07:02",
         "thq", "quote", "资金池不允许"),
        ("paydemo/2024-03-04-chat.markdown", 3, 18, "paydemo", dt.date(2024, 3, 4), "09:08:00",
         "Mia-北辰金服-PM", "link", "网联说明"),
    ]


def test_every_column_round_trips(engine, logs: Path) -> None:
    ingest(engine, [logs / "paydemo"])
    with Session(engine) as session:
        rows = session.scalars(select(Message).order_by(Message.seq)).all()
        mention, quote, link = rows[1], rows[2], rows[3]
        assert (mention.speaker_name, mention.speaker_org, mention.speaker_role, mention.speaker_city) == (
            "老周", "星河银行", "架构师", None)
        assert rows[0].speaker_city == "上海"
        assert mention.mentions == ["小林-蓝海支付-产品-上海"]
        assert mention.emojis == ["强"]
        assert mention.raw == "@小林-蓝海支付-产品-上海\u2005备付金要集中存管[强]"
        assert (quote.quoted_speaker, quote.quoted_text) == ("小林-蓝海支付-产品-上海", "备付金和资金池有什么区别？")
        assert link.links == [{"title": "网联说明", "url": "https://example.com/nucc"}]
        assert link.images == [{"alt": "2024-03-04 09:08:00", "url": "https://example.com/a.png"}]
        assert rows[0].mentions == [] and rows[0].links == [] and rows[0].images == []
        assert {m.source.path for m in rows} == {str(logs / "paydemo" / "2024-03-04-chat.markdown")}


def test_second_run_changes_nothing(engine, logs: Path) -> None:
    ingest(engine, [logs])
    with Session(engine) as session:
        before = session.execute(select(Message.id, Message.source_id, Message.text).order_by(Message.id)).all()
        ingested_at = session.scalars(select(Source.ingested_at).order_by(Source.id)).all()
    report = ingest(engine, [logs])
    assert by_status(report) == {UNCHANGED: ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-04-chat.markdown",
                                             "paydemo/2024-03-05-chat.markdown"]}
    assert report.messages_stored == 0
    with Session(engine) as session:
        assert session.execute(select(Message.id, Message.source_id, Message.text).order_by(Message.id)).all() == before
        assert session.scalars(select(Source.ingested_at).order_by(Source.id)).all() == ingested_at


def test_changed_file_has_its_messages_replaced(engine, logs: Path) -> None:
    ingest(engine, [logs])
    with Session(engine) as session:
        others = session.execute(select(Message.id, Message.text).join(Source)
                                 .where(Source.key != "paydemo/2024-03-04-chat.markdown").order_by(Message.id)).all()
        source_id = session.scalar(select(Source.id).where(Source.key == "paydemo/2024-03-04-chat.markdown"))
    write_log(logs / "paydemo", "2024-03-04", DAY_ONE[0], block("09:30:00", "thq", "改过了"))
    report = ingest(engine, [logs])
    assert by_status(report) == {UNCHANGED: ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-05-chat.markdown"],
                                 REPLACED: ["paydemo/2024-03-04-chat.markdown"]}
    assert report.messages_stored == 2
    with Session(engine) as session:
        changed = session.execute(select(Message.seq, Message.line, Message.text)
                                  .where(Message.source_id == source_id).order_by(Message.seq)).all()
        assert changed == [(0, 6, "请问各位，备付金和资金池有什么区别？"), (1, 10, "改过了")]
        assert session.scalar(select(Source.n_messages).where(Source.id == source_id)) == 2
        assert session.execute(select(Message.id, Message.text).join(Source)
                               .where(Source.key != "paydemo/2024-03-04-chat.markdown")
                               .order_by(Message.id)).all() == others
    assert count(engine, Source) == 3


def test_replacement_is_one_transaction(engine, logs: Path, monkeypatch) -> None:
    """If writing the new messages fails, the old ones are still there."""
    ingest(engine, [logs])
    before = messages(engine)
    write_log(logs / "paydemo", "2024-03-04", block("09:30:00", "thq", "新内容"))

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "insert_many", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(engine, [logs])
    assert messages(engine) == before
    monkeypatch.undo()
    report = ingest(engine, [logs])
    assert report.count(REPLACED) == 1
    assert [row.text for row in messages(engine) if row.key == "paydemo/2024-03-04-chat.markdown"] == ["新内容"]


def test_rejected_file_keeps_what_was_stored(engine, logs: Path) -> None:
    ingest(engine, [logs])
    before = messages(engine)
    (logs / "paydemo" / "2024-03-04-chat.markdown").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00" * 40)
    write_log(logs / "payarch", "2024-03-06", block("11:00:00", "thq", "新的一天"))
    report = ingest(engine, [logs])
    assert by_status(report) == {
        UNCHANGED: ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-05-chat.markdown"],
        NEW: ["payarch/2024-03-06-chat.markdown"],
        REJECTED: ["paydemo/2024-03-04-chat.markdown"],
    }
    (rejected,) = report.rejected
    assert rejected.reason.startswith("binary")
    after = messages(engine)
    assert [row for row in after if row.key != "payarch/2024-03-06-chat.markdown"] == before
    assert [row.text for row in after if row.key == "payarch/2024-03-06-chat.markdown"] == ["新的一天"]


def test_bad_files_are_reported_and_the_others_stored(engine, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    write_log(folder, "2024-01-01", block("10:00:00", "thq", "好的"))
    (folder / "empty.markdown").write_bytes(b"")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    (folder / "unclosed.markdown").write_text("---\ntitle: x\n\n> 10:00:00  a\n\nhi\n", encoding="utf-8")
    (folder / ".hidden.markdown").write_text("ignored", encoding="utf-8")
    missing = tmp_path / "missing.markdown"
    report = ingest(engine, [folder, missing])
    rejected = {Path(f.path).name: (f.where.replace(str(tmp_path), "…"), f.reason) for f in report.rejected}
    assert rejected == {
        "empty.markdown": ("…/bad/empty.markdown", "empty file, not a chat log"),
        "image.png": ("…/bad/image.png",
                      "binary or undecodable file, not a chat log (not text in UTF-8, UTF-16 or GB18030)"),
        "notes.txt": ("…/bad/notes.txt", "neither front matter nor message headers, not a chat log"),
        "unclosed.markdown": ("…/bad/unclosed.markdown:1", "front matter opened here is never closed with '---'"),
        "missing.markdown": ("…/missing.markdown", "cannot read: No such file or directory"),
    }
    assert report.count(NEW) == 1
    assert [row.text for row in messages(engine)] == ["好的"]


@pytest.mark.parametrize(
    ("group", "keys", "groups"),
    [
        (None, ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-04-chat.markdown",
                "paydemo/2024-03-05-chat.markdown"], {"payarch", "paydemo"}),
        ("支付群", ["支付群/2024-03-04-chat.markdown", "支付群/2024-03-05-chat.markdown"], {"支付群"}),
    ],
    ids=["folder-name", "group-option"],
)
def test_group(engine, logs: Path, group: str | None, keys: list[str], groups: set[str]) -> None:
    report = ingest(engine, [logs / "paydemo", logs / "payarch"], group=group)
    with Session(engine) as session:
        assert sorted(session.scalars(select(Source.key))) == keys
        assert set(session.scalars(select(Message.group))) == groups
        assert set(session.scalars(select(Source.group))) == groups
    if group:
        # both folders hold 2024-03-04-chat.markdown: under one group the second is refused, not mixed in
        (rejected,) = report.rejected
        assert rejected.path == str(logs / "payarch" / "2024-03-04-chat.markdown")
        assert rejected.reason == (f"same group and file name as {logs / 'paydemo' / '2024-03-04-chat.markdown'}; "
                                   "ingest it with another --group")


def test_same_file_moved_is_the_same_source(engine, logs: Path, tmp_path: Path) -> None:
    """A source is known by group and file name, so a moved corpus is still unchanged."""
    ingest(engine, [logs])
    moved = tmp_path / "elsewhere"
    logs.rename(moved)
    report = ingest(engine, [moved])
    assert report.count(UNCHANGED) == 3
    assert count(engine, Source) == 3


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gbk", "gb18030"]


def test_every_encoding_stores_the_same_messages(engine, tmp_path: Path) -> None:
    root = tmp_path / "logs"
    """One folder per encoding (and CRLF), same log in each: the same rows come out of the database."""
    day = (block("09:05:40", "小林-蓝海支付-产品-上海", "备付金和资金池有什么区别？[强]"),
           block("09:07:02", "thq", "「 小林-蓝海支付-产品-上海: 备付金 」 - - - - - - 集中存管"))
    for encoding in ENCODINGS:
        write_log(root / encoding, "2024-03-04", *day, encoding=encoding)
    crlf = root / "crlf" / "2024-03-04-chat.markdown"
    crlf.parent.mkdir()
    crlf.write_bytes((root / "utf-8" / "2024-03-04-chat.markdown").read_bytes().replace(b"\n", b"\r\n"))
    report = ingest(engine, [root])
    assert report.rejected == []
    with Session(engine) as session:
        encodings = dict(session.execute(select(Source.group, Source.encoding)).all())
        rows = session.execute(select(Message.group, Message.seq, Message.line, Message.speaker_org, Message.kind,
                                      Message.text, Message.quoted_text, Message.emojis)).all()
    assert encodings == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-16-le": "utf-16-le",
                         "utf-16-be": "utf-16-be", "gbk": "gb18030", "gb18030": "gb18030", "crlf": "utf-8"}
    by_group: dict[str, list[tuple]] = {}
    for group, *rest in rows:
        by_group.setdefault(group, []).append(tuple(rest))
    expected = [(0, 6, "蓝海支付", "text", "备付金和资金池有什么区别？[强]", None, ["强"]),
                (1, 10, None, "quote", "集中存管", "备付金", [])]
    assert {group: sorted(found) for group, found in by_group.items()} == {group: expected for group in encodings}


def test_a_file_named_twice_is_read_once(engine, logs: Path) -> None:
    report = ingest(engine, [logs, logs / "paydemo", logs / "paydemo" / "2024-03-04-chat.markdown"])
    assert by_status(report) == {NEW: ["payarch/2024-03-04-chat.markdown", "paydemo/2024-03-04-chat.markdown",
                                       "paydemo/2024-03-05-chat.markdown"]}


def test_on_file_reports_each_file_as_it_goes(engine, logs: Path) -> None:
    seen = []
    report = ingest(engine, [logs], on_file=seen.append)
    assert seen == report.files
    assert len(seen) == 3


def test_many_files_span_several_batches(engine, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "BATCH_MESSAGES", 3)
    folder = tmp_path / "g"
    for day in range(1, 8):
        write_log(folder, f"2024-05-{day:02d}", *(block(f"10:00:0{i}", "thq", f"{day}-{i}") for i in range(day % 3)))
    report = ingest(engine, [folder])
    assert report.count(NEW) == 7
    assert report.messages_stored == count(engine, Message) == sum(day % 3 for day in range(1, 8))
    assert [row.text for row in messages(engine)] == [f"{day}-{i}" for day in range(1, 8) for i in range(day % 3)]


def test_the_database_itself_is_not_read_as_a_log(tmp_path: Path) -> None:
    """kb ingest . beside kb.sqlite: the database file and its journals are not chat logs to reject."""
    from kb.store import open_db

    write_log(tmp_path / "paydemo", "2024-03-04", *DAY_ONE)
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    try:
        ingest(engine, [tmp_path])
        report = ingest(engine, [tmp_path])  # the database and its -wal file exist now
        assert report.rejected == []
        assert [Path(r.path).name for r in report.files] == ["2024-03-04-chat.markdown"]
    finally:
        engine.dispose()
