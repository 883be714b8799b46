"""extract_qa on a database (SQLite and PostgreSQL): pairs, answers, term links, re-runs; and kb qa."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.errors import KbError
from kb.extract.qa import extract_qa
from kb.extract.qa_query import count_pairs, list_pairs, parse_dates
from kb.ingest import ingest
from kb.store.models import Mention, Message, QAAnswer, QAPair, QATerm, Term

LOG = """---
layout:     source
title:      "2024-03-04-WeChat"
date:       2024-03-04 12:00:00
author:     "PaymentGroup"
tag:        [chat]
---
> 09:00:00  我  
   
大家早上好  
   
> 09:05:40  小林-蓝海支付-产品-上海  
   
请问各位，备付金和资金池有什么区别？  
   
> 09:05:50  阿杰-云付科技-开发-杭州  
   
分账系统一般怎么对接微信的服务商模式？  
   
> 09:06:31  老周-星河银行-架构师  
   
备付金是支付机构收到的预收待付资金，要集中存管；资金池是平台沉淀用户的钱。  
   
> 09:06:50  Mia-北辰金服-PM  
   
分账要先在微信服务商后台开通，分账接收方要提前添加  
   
> 09:07:45  小林-蓝海支付-产品-上海  
   
明白了，谢谢[抱拳]  
   
> 09:30:00  甲  
   
下午分享几点开始  
   
> 09:31:00  乙  
   
三点  
   
> 09:40:00  老周-星河银行-架构师  
   
「阿杰-云付科技-开发-杭州：分账系统一般怎么对接微信的服务商模式？」 - - - - - - - - - - - - - - - 服务商模式下分账由服务商发起  
   
"""


def _ingest_log(engine, tmp_path, text: str, name: str = "2024-03-04-chat.markdown"):
    folder = tmp_path / "paydemo"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    ingest(engine, [folder])
    return engine


@pytest.fixture
def chat_db(engine, tmp_path):
    return _ingest_log(engine, tmp_path, LOG)


def _answer_signals(engine) -> dict[int, dict]:
    with engine.connect() as conn:
        return {mid: sig for mid, sig in conn.execute(sa.select(QAAnswer.message_id, QAAnswer.signals))}


def _messages(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {text: id_ for id_, text in conn.execute(sa.select(Message.id, Message.text))}


def _pairs(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        text = {id_: t for id_, t in conn.execute(sa.select(Message.id, Message.text))}
        pairs = {pid: text[qid] for pid, qid in conn.execute(sa.select(QAPair.id, QAPair.question_id))}
        out: dict[str, list[str]] = {q: [] for q in pairs.values()}
        for pid, mid in conn.execute(sa.select(QAAnswer.pair_id, QAAnswer.message_id).order_by(QAAnswer.rank)):
            out[pairs[pid]].append(text[mid])
    return out


def test_extract_links_interleaved_questions_quote_and_thanks(chat_db):
    counts = extract_qa(chat_db)
    assert counts["pairs"] == 2 and counts["answers"] == 3
    pairs = _pairs(chat_db)
    assert pairs == {
        "请问各位，备付金和资金池有什么区别？": ["备付金是支付机构收到的预收待付资金，要集中存管；资金池是平台沉淀用户的钱。"],
        "分账系统一般怎么对接微信的服务商模式？": ["分账要先在微信服务商后台开通，分账接收方要提前添加",
                                         "服务商模式下分账由服务商发起"],
    }
    signals = _answer_signals(chat_db)
    ids = _messages(chat_db)
    assert "thanks" in signals[ids["备付金是支付机构收到的预收待付资金，要集中存管；资金池是平台沉淀用户的钱。"]]
    assert "quote" in signals[ids["服务商模式下分账由服务商发起"]]


def test_terms_link_pairs_and_reruns_replace(chat_db):
    ids = _messages(chat_db)
    with chat_db.begin() as conn:
        conn.execute(sa.insert(Term.__table__), [
            {"id": 4, "canonical": "分账", "key": "分账", "status": "approved", "merged_into_id": None},
            {"id": 1, "canonical": "备付金", "key": "备付金", "status": "candidate", "merged_into_id": None},
            {"id": 2, "canonical": "资金池", "key": "资金池", "status": "rejected", "merged_into_id": None},
            {"id": 3, "canonical": "分帐", "key": "分帐", "status": "merged", "merged_into_id": 4},
        ])
        conn.execute(sa.insert(Mention.__table__), [
            {"term_id": 1, "message_id": ids["请问各位，备付金和资金池有什么区别？"], "start": 5, "end": 8, "surface": "备付金"},
            {"term_id": 2, "message_id": ids["请问各位，备付金和资金池有什么区别？"], "start": 9, "end": 12, "surface": "资金池"},
            {"term_id": 3, "message_id": ids["服务商模式下分账由服务商发起"], "start": 6, "end": 8, "surface": "分帐"},
        ])
    extract_qa(chat_db)
    first = extract_qa(chat_db)  # a second run replaces, never duplicates
    assert first["pairs"] == 2
    with chat_db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(QAPair)).scalar() == 2
        links = {(conn.execute(sa.select(Message.text).where(Message.id == QAPair.question_id)
                               .where(QAPair.id == pid)).scalar(), tid)
                 for pid, tid in conn.execute(sa.select(QATerm.pair_id, QATerm.term_id))}
    assert links == {("请问各位，备付金和资金池有什么区别？", 1), ("分账系统一般怎么对接微信的服务商模式？", 4)}
    rows = list_pairs(chat_db, term="分帐")  # a merged term's name finds its target's pairs
    assert [r["question"]["text"] for r in rows] == ["分账系统一般怎么对接微信的服务商模式？"]
    assert rows[0]["terms"] == ["分账"]
    assert rows[0]["question"] == {"group": "paydemo", "date": "2024-03-04", "time": "09:05:50",
                                   "speaker": "阿杰-云付科技-开发-杭州", "text": "分账系统一般怎么对接微信的服务商模式？"}
    with pytest.raises(KbError, match="unknown term"):
        list_pairs(chat_db, term="不存在")
    hint = CliRunner().invoke(main, ["qa", "--db", chat_db.url.render_as_string(hide_password=False), "--term", "bfj"])
    assert hint.exit_code == 1 and "unknown term 'bfj' (did you mean 备付金?)" in hint.output  # what kb lookup finds


def test_list_filters(chat_db):
    extract_qa(chat_db)
    assert len(list_pairs(chat_db)) == 2
    assert len(list_pairs(chat_db, dates="2024-03-04")) == 2
    assert list_pairs(chat_db, dates="2024-03-05..") == []
    assert len(list_pairs(chat_db, dates="..2024-03-04", group="paydemo")) == 2
    with pytest.raises(KbError, match="unknown group 'other': the groups are paydemo"):
        list_pairs(chat_db, group="other")
    assert len(list_pairs(chat_db, limit=1)) == 1
    assert list_pairs(chat_db, min_score=1.01) == []
    assert count_pairs(chat_db) == 2 and count_pairs(chat_db, dates="2024-03-05..") == 0  # the same filters
    assert count_pairs(chat_db, group="paydemo", min_score=0.0) == 2


def test_a_random_sample_is_drawn_among_the_matching_pairs_and_repeats_with_its_seed(chat_db):
    extract_qa(chat_db)
    every = [p["id"] for p in list_pairs(chat_db)]
    one = list_pairs(chat_db, sample=1, seed=3)
    assert len(one) == 1 and one[0]["id"] in every and one == list_pairs(chat_db, sample=1, seed=3)
    assert {p["id"] for seed in range(20) for p in list_pairs(chat_db, sample=1, seed=seed)} == set(every)
    assert [p["id"] for p in list_pairs(chat_db, sample=10, limit=1)] == every  # all of them, in chat order
    assert list_pairs(chat_db, sample=5, dates="2030-01-01") == []


@pytest.mark.parametrize("text, expected", [
    ("2017-05-23", (dt.date(2017, 5, 23), dt.date(2017, 5, 23))),
    ("2017-05-01..2017-05-31", (dt.date(2017, 5, 1), dt.date(2017, 5, 31))),
    ("2017-05-01~2017-05-31", (dt.date(2017, 5, 1), dt.date(2017, 5, 31))),
    ("2017-05-01..", (dt.date(2017, 5, 1), None)),
    ("..2017-05-31", (None, dt.date(2017, 5, 31))),
    (None, (None, None)),
])
def test_parse_dates(text, expected):
    assert parse_dates(text) == expected


@pytest.mark.parametrize("text", ["2017-13-01", "yesterday", "2017-06-01..2017-05-01", ".."])
def test_parse_dates_rejects(text):
    with pytest.raises(KbError, match="--date"):
        parse_dates(text)


def test_progress_is_reported(chat_db):
    calls = []
    extract_qa(chat_db, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]


def test_kb_qa_command(chat_db, db_url):
    extract_qa(chat_db)
    runner = CliRunner()
    result = runner.invoke(main, ["qa", "--db", db_url, "--date", "2024-03-04", "--limit", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Q") and "paydemo 2024-03-04 09:05:40 小林-蓝海支付-产品-上海" in lines[0]
    assert lines[1] == "  请问各位，备付金和资金池有什么区别？"
    assert "A paydemo 2024-03-04 09:06:31 老周-星河银行-架构师" in lines[2]
    assert lines[-1] == "1 pair(s) of 2 (--limit 1)"
    everything = runner.invoke(main, ["qa", "--db", db_url, "--date", "2024-03-04", "--limit", "50"])
    assert everything.output.splitlines()[-1].endswith(" pair(s)")  # all of them: nothing more to say
    unknown = runner.invoke(main, ["qa", "--db", db_url, "--group", "nobody"])
    assert unknown.exit_code == 1 and "unknown group 'nobody': the groups are paydemo" in unknown.output
    empty = runner.invoke(main, ["qa", "--db", db_url, "--date", "2030-01-01"])
    assert empty.exit_code == 0 and "No Q&A pairs match" in empty.output
    bad = runner.invoke(main, ["qa", "--db", db_url, "--date", "someday"])
    assert bad.exit_code == 1 and "--date: 'someday'" in bad.output and "Traceback" not in bad.output


MENTION_LOG = LOG.split("> 09:00:00")[0] + """> 10:00:00  小林-蓝海支付-产品-上海  
   
备付金要存在哪里？  
   
> 10:00:30  阿杰-云付科技-开发-杭州  
   
今天的分享几点开始  
   
> 10:01:00  老周-星河银行-架构师  
   
@小林-蓝海支付-产品-上海\u2005存在人民银行，集中存管  
   
"""


def test_an_at_reply_is_read_with_its_names(engine, tmp_path):
    # the @names reach the linker from the database (their JSON column, read on SQLite and PostgreSQL)
    extract_qa(_ingest_log(engine, tmp_path, MENTION_LOG, "2024-03-05-chat.markdown"))
    with engine.connect() as conn:
        reply, mentions = conn.execute(sa.select(Message.id, Message.mentions)
                                       .where(Message.text.like("%存在人民银行%"))).one()
    assert mentions == ["小林-蓝海支付-产品-上海"]
    assert "mention" in _answer_signals(engine)[reply]
