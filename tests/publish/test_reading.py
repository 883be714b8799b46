"""Reading lists: prerequisite order, cycle breaking, topics, size, formats, CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from publish_data import add_day, add_term
from sqlalchemy.orm import Session

from kb.cli import main
from kb.errors import KbError
from kb.publish import data as data_module
from kb.publish.reading import order, reading_list
from kb.store import open_db
from kb.store.models import QAAnswer, QAPair, QATerm


def make(url, terms):
    """terms: (name, status, score, category, definition)."""
    engine = open_db(url)
    with Session(engine) as session:
        add_day(session, "g", dt.date(2024, 1, 1), [("09:00:00", "a", "hi")])
        for name, status, score, category, definition in terms:
            add_term(session, name, status=status, score=score, category=category, definition=definition)
        session.commit()
    return engine


def names(engine, **options):
    return [step.term.canonical for step in order(data_module.load(engine, messages=False), **options)]


@pytest.mark.parametrize("terms, expected", [
    # B's definition uses A: A first, though B scores higher
    ([("收单", "approved", 1, "x", "商户收款服务。"), ("聚合支付", "approved", 9, "x", "把多种收单集成在一起。")],
     ["收单", "聚合支付"]),
    # a chain: C uses B, B uses A
    ([("清算", "approved", 9, "x", "按结算的结果划款。"), ("结算", "approved", 5, "x", "根据对账确定金额。"),
      ("对账", "approved", 1, "x", "核对两边流水。")], ["对账", "结算", "清算"]),
    # independent terms: approved first, then by score
    ([("甲方案", "candidate", 9, "x", "一。"), ("乙方案", "approved", 1, "x", "二。"), ("丙方案", "approved", 5, "x", "三。")],
     ["丙方案", "乙方案", "甲方案"]),
    # a cycle (each uses the other): broken by score, the better-scored term first
    ([("借记卡", "approved", 2, "x", "不能透支的银行卡，相对贷记卡。"), ("贷记卡", "approved", 8, "x", "可透支，相对借记卡。")],
     ["贷记卡", "借记卡"]),
    # terms without any definition are left out
    ([("无定义", "approved", 9, "x", None), ("有定义", "approved", 1, "x", "有。")], ["有定义"]),
])
def test_prerequisite_order(sqlite_url, terms, expected):
    assert names(make(sqlite_url, terms), candidates=True) == expected


def test_only_the_glossary_is_read_once_something_is_approved(sqlite_url):
    # a chat line taken for a candidate definition is no onboarding: candidates stay out of the list
    # once curators approved terms, unless asked for; in a knowledge base nobody curated, they are all there is
    engine = make(sqlite_url, [("网联", "approved", 1, "x", "网联清算有限公司。"),
                               ("仅限于", "candidate", 9, "x", "那他的成功也仅限于是一个ok企业家")])
    assert names(engine) == ["网联"] and names(engine, max_terms=1) == ["网联"]
    assert names(engine, candidates=True) == ["网联", "仅限于"]
    engine = make(sqlite_url.replace(".sqlite", "-2.sqlite"), [("仅限于", "candidate", 9, "x", "一。")])
    assert names(engine) == ["仅限于"]


def test_topic_and_max(sqlite_url):
    engine = make(sqlite_url, [
        ("收单", "approved", 1, "收单", "商户收款服务。"), ("聚合支付", "approved", 9, "收单", "把多种收单集成。"),
        ("备付金", "approved", 5, "监管", "预收待付资金。"), ("拒绝的", "rejected", 99, "监管", "不该出现。"),
    ])
    assert names(engine, topic="监管") == ["备付金"]
    assert names(engine, max_terms=2) == ["收单", "聚合支付"]  # the two best by rank, then ordered
    assert names(engine) == ["收单", "聚合支付", "备付金"]
    with pytest.raises(KbError, match=r"no topic '支付'; topics are the categories of terms: 收单, 监管"):
        names(engine, topic="支付")


def test_markdown_and_html(kb_sqlite):
    engine = open_db(kb_sqlite.url)
    md = reading_list(engine, fmt="md", candidates=True)
    assert md.splitlines()[0] == "# Reading list: all topics"
    assert md.index("## 1. 备付金 (customer reserve funds)") < md.index("## 2. 资金池 (cash pool)")
    assert "Read first: 备付金" in md
    assert "## 3. 协议支付 — candidate, not yet reviewed" in md and "*(candidate definition, not reviewed)*" in md
    assert "- **Q** (2024-03-04 小林-蓝海支付-产品-上海): 请问各位，备付金和资金池有什么区别？" in md
    html = reading_list(engine, topic="监管", fmt="html")
    assert "<h1>Reading list: 监管</h1>" in html and "协议支付" not in html


def test_reading_list_cli(kb_sqlite, tmp_path):
    result = CliRunner().invoke(main, ["reading-list", "--db", kb_sqlite.url, "--max", "2"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("## ")] == [
        "## 1. 备付金 (customer reserve funds)", "## 2. 资金池 (cash pool)"]
    out = tmp_path / "list.html"
    result = CliRunner().invoke(main, ["reading-list", "--db", kb_sqlite.url, "--format", "html", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!doctype html>")
    bad = CliRunner().invoke(main, ["reading-list", "--db", kb_sqlite.url, "--topic", "nope"])
    assert bad.exit_code == 1 and "no topic 'nope'" in bad.output


def test_a_terms_pair_is_one_whose_question_names_it(kb_sqlite):
    # a better-scored pair about 协议支付 whose answer mentions 备付金 does not stand for 备付金
    engine = open_db(kb_sqlite.url)
    with Session(engine) as session:
        pair = QAPair(question_id=kb_sqlite.messages[3], score=1.0)  # 协议支付和代扣是一回事吗？
        session.add(pair)
        session.flush()
        session.add(QAAnswer(pair_id=pair.id, message_id=kb_sqlite.messages[5], rank=0, score=1.0))  # …也不是备付金
        session.add(QATerm(pair_id=pair.id, term_id=kb_sqlite.terms["备付金"]))
        session.commit()
    md = reading_list(engine, topic="监管", max_terms=1)
    assert "- **Q** (2024-03-04 小林-蓝海支付-产品-上海): 请问各位，备付金和资金池有什么区别？" in md
    assert "协议支付和代扣" not in md
