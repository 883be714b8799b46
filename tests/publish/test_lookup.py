"""kb lookup: matching by hanzi, pinyin, initials, alias and close spelling; what it prints; how light it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.errors import KbError
from kb.publish.lookup import connect, find, lookup

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("query, term, kind", [
    ("资金池", "资金池", "exact"),
    ("資金池", "资金池", "exact"),  # traditional characters share the key
    (" 资金池 ", "资金池", "exact"),
    ("zjc", "资金池", "initials"),
    ("ZJC", "资金池", "initials"),
    ("zijinchi", "资金池", "pinyin"),
    ("zi jin chi", "资金池", "pinyin"),
    ("zijin", "资金池", "prefix"),
    ("客户备付金", "备付金", "alias"),
    ("资金沉淀池", "资金池", "alias"),  # a merged term's name leads to the term it was merged into
    ("bfj", "备付金", "initials"),
    ("协议", "协议支付", "prefix"),
    ("议支", "协议支付", "contains"),
    ("资金吃", "资金池", "close"),
    ("xieyizhifu", "协议支付", "pinyin"),
])
def test_lookup_matches(kb, query, term, kind):
    answer = lookup(query, kb.url)
    assert (answer.term, answer.matched) == (term, kind)


def test_close_spelling_prefers_the_homophone(sqlite_url):
    from publish_data import add_term
    from sqlalchemy.orm import Session

    from kb.store import open_db

    engine = open_db(sqlite_url)
    with Session(engine) as session:
        add_term(session, "资金流", score=9.0)  # as close in writing to 资金吃 as 资金池, better scored
        add_term(session, "资金池", score=1.0)
        session.commit()
    answer = lookup("资金吃", sqlite_url)
    assert (answer.term, answer.matched) == ("资金池", "close")
    assert answer.others[0]["term"] == "资金流"


def test_rejected_terms_are_never_found(kb):
    with pytest.raises(KbError, match="no term matches '一回事'"):
        lookup("一回事", kb.url)
    db = connect(kb.url)
    try:
        assert all(m.term != "一回事" for m in find(db, "yhs"))
    finally:
        db.close()


def test_better_matches_first(kb_sqlite):
    db = connect(kb_sqlite.url)
    try:
        matches = find(db, "bd")  # 北大 (initials) and 北大概念股 (prefix), both candidates
    finally:
        db.close()
    assert [m.term for m in matches][:2] == ["北大", "北大概念股"]


def test_answer_content(kb):
    answer = lookup("zjc", kb.url)
    assert answer.reviewed and answer.status == "approved"
    assert answer.pinyin == "zi jin chi" and answer.english == "cash pool" and answer.category == "监管"
    assert answer.aliases == ["资金沉淀池"]
    assert answer.definition.startswith("把用户资金混在平台账户里")
    assert answer.qa[0]["question"]["text"] == "请问各位，备付金和资金池有什么区别？"
    assert [a["speaker"] for a in answer.qa[0]["answers"]] == ["老周-星河银行-架构师"] * 2
    assert answer.discussed == [{"group": "paydemo", "date": "2024-03-04", "mentions": 2},
                                {"group": "payarch", "date": "2024-03-05", "mentions": 1}]
    candidate = lookup("协议支付", kb.url)
    assert not candidate.reviewed and candidate.definition is None
    assert candidate.candidate_definitions[0]["text"].startswith("协议支付就是")


def test_lookup_masks_numbers(kb_sqlite):
    answer = lookup("协议支付", kb_sqlite.url)
    assert "13812345678" not in json.dumps(answer.to_json(), ensure_ascii=False)


def test_lookup_cli_text(kb_sqlite):
    result = CliRunner().invoke(main, ["lookup", "--db", kb_sqlite.url, "zjc"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == [
        "资金池  zi jin chi  · cash pool  [approved]",
        "category:   监管",
        "aliases:    资金沉淀池",
        "definition: 把用户资金混在平台账户里沉淀，和备付金的集中存管相反。",
    ]
    assert "discussed (3 mentions): paydemo 2024-03-04 (2), payarch 2024-03-05 (1)" in result.output
    candidate = CliRunner().invoke(main, ["lookup", "--db", kb_sqlite.url, "xyzf"])
    assert "[candidate, not yet reviewed]" in candidate.output
    assert "definition: (candidates, not reviewed)" in candidate.output


def test_lookup_cli_json_and_no_match(kb_sqlite):
    result = CliRunner().invoke(main, ["lookup", "--db", kb_sqlite.url, "--json", "备付金"])
    data = json.loads(result.output)
    assert data["term"] == "备付金" and data["matched"] == "exact" and data["aliases"] == ["客户备付金"]
    missing = CliRunner().invoke(main, ["lookup", "--db", kb_sqlite.url, "qqqqqq"])
    assert missing.exit_code == 1 and "no term matches 'qqqqqq'" in missing.output


@pytest.mark.parametrize("query, found", [
    ("zjc", True),        # initials
    ("资金吃", True),      # a homophone typo: the readings of its characters
    ("资 金吃", True),     # spaces inside do not matter
    ("嘿嘿嗨", False),     # a repeated character, no term like it: an error, and still no pypinyin
])
def test_lookup_loads_no_models_nor_sqlalchemy(kb_sqlite, query, found):
    """A lookup on an up-to-date SQLite file imports neither the NLP stack, SQLAlchemy nor pypinyin."""
    code = (
        "import sys, time; t = time.perf_counter();"
        "from kb.cli import main\n"
        "try:\n main(['lookup', '--db', sys.argv[1], sys.argv[2]])\n"
        f"except SystemExit as e:\n assert bool(e.code) is {not found}, e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'pkuseg', 'sqlalchemy', 'alembic',"
        " 'rich', 'jinja2', 'pypinyin') or m.startswith(('kb.nlp', 'kb.extract')))\n"
        "print('LOADED', bad)"
    )
    if found:  # the first lookup fills the pinyin caches if needed
        assert lookup(query, kb_sqlite.url).term == "资金池"
    else:
        with pytest.raises(KbError):
            lookup(query, kb_sqlite.url)
    result = subprocess.run([sys.executable, "-c", code, kb_sqlite.url, query], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


def test_lookup_speed(kb_sqlite):
    """In-process lookup time (the command adds Python's and click's start-up, see docs/benchmarks.md)."""
    lookup("zjc", kb_sqlite.url)
    started = time.perf_counter()
    for _ in range(5):
        lookup("zjc", kb_sqlite.url)
    assert (time.perf_counter() - started) / 5 < 0.1


def test_the_wiki_keeps_the_readings_of_every_character(kb_sqlite, tmp_path):
    """After a render, a homophone typo made of characters of the messages needs no pypinyin."""
    from kb.publish import pinyin as py
    from kb.publish.render import render_wiki
    from kb.store import open_db

    engine = open_db(kb_sqlite.url)
    render_wiki(engine, tmp_path / "site")
    db = connect(kb_sqlite.url)
    try:
        table = json.loads(db.rows("SELECT value FROM settings WHERE key = ?", (py.CHARS_KEY,))[0][0])
    finally:
        db.close()
    assert "chi" in table["池"]
    assert {"hang", "xing"} <= set(table["行"])  # every reading: 银行 and 行业
    assert py.sounds_like("资金吃", "zi jin chi", {**table, "吃": ["chi"]})
    assert not py.sounds_like("资金", "zi jin chi", table)


def test_the_pairs_shown_are_those_whose_question_names_the_term_first(kb):
    from sqlalchemy.orm import Session

    from kb.store import open_db
    from kb.store.models import QAAnswer, QAPair, QATerm

    engine = open_db(kb.url)
    with Session(engine) as session:  # a better-scored pair about 协议支付 whose answer mentions 备付金
        pair = QAPair(question_id=kb.messages[3], score=1.0)
        session.add(pair)
        session.flush()
        session.add(QAAnswer(pair_id=pair.id, message_id=kb.messages[5], rank=0, score=1.0))
        session.add(QATerm(pair_id=pair.id, term_id=kb.terms["备付金"]))
        session.commit()
    engine.dispose()
    questions = [pair["question"]["text"] for pair in lookup("备付金", kb.url).qa]
    assert questions == ["请问各位，备付金和资金池有什么区别？", "协议支付和代扣是一回事吗？我电话138****5678"]


@pytest.mark.parametrize("query, term, matched", [
    ("cash pool", "资金池", "english"),            # the English name a curator gave, any case and spacing
    ("Customer  Reserve Funds", "备付金", "english"),
    ("reserve", "备付金", "contains"),             # a word of it
])
def test_lookup_by_english_name(kb, query, term, matched):
    answer = lookup(query, kb.url)
    assert (answer.term, answer.matched) == (term, matched)
