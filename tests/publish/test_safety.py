"""Hostile chat text, nicknames, link titles and term names: the wiki stays inert and inside its folder."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kb.publish.lookup import lookup
from kb.publish.render import render_wiki
from kb.store import open_db
from publish_data import add_day, add_term, mention_all

HOSTILE_TEXTS = [
    "<script>alert('text')</script>资金池",
    '<img src=x onerror="alert(1)"> 备付金',
    "点这里 javascript:alert(1) 或 [点我](javascript:alert(2))",
    '"><svg onload=alert(3)>',
    "</textarea></script><iframe src=//evil.example>",
    "{{ 7*7 }} {% raw %} ${7*7}",
    "<a href='javascript:alert(4)'>x</a> <../../../etc/passwd>",
]
HOSTILE_SPEAKER = '"><img src=x onerror=alert(5)>-公司-<b onmouseover=alert(6)>'
HOSTILE_TERMS = ["../../../outside", "<script>alert(7)</script>", "a/b\\c", "..", "/etc/passwd", "资金池"]
HOSTILE_LINKS = [
    {"title": "<b onmouseover=alert(8)>标题</b>", "url": "javascript:alert(9)"},
    {"title": "ok", "url": "data:text/html,<script>alert(10)</script>"},
    {"title": "\"' onfocus=alert(11) x='", "url": "https://example.com/?q=\"><script>alert(12)</script>"},
]


@pytest.fixture
def hostile(sqlite_url, tmp_path):
    engine = open_db(sqlite_url)
    with Session(engine) as session:
        rows = [(f"09:00:{i:02d}", HOSTILE_SPEAKER, text) for i, text in enumerate(HOSTILE_TEXTS)]
        messages = add_day(session, "../../outside<script>", dt.date(2024, 3, 4), rows, links={0: HOSTILE_LINKS})
        messages[1].images = [{"alt": "<img src=x onerror=alert(13)>", "url": "javascript:alert(14)"}]
        messages[2].quoted_speaker = "<script>alert(15)</script>"
        messages[2].quoted_text = "<svg/onload=alert(16)>"
        terms = [add_term(session, name, score=1.0, english="<i onclick=alert(17)>en</i>",
                          category="../../cat<script>", definition="<script>alert(18)</script>资金池 javascript:x",
                          aliases=["\"onmouseover=\"alert(19)"]) for name in HOSTILE_TERMS]
        mention_all(session, terms, messages)
        session.commit()
    return sqlite_url, open_db(sqlite_url)


class Inspector(HTMLParser):
    """Collects what could run: tags, event-handler attributes, URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action", "formaction", "srcset"):
                self.urls.append(value or "")
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))


def test_hostile_input_renders_inert_and_inside_the_folder(hostile, tmp_path):
    _, engine = hostile
    out = tmp_path / "site"
    before = {p for p in tmp_path.rglob("*") if "site" not in p.relative_to(tmp_path).parts}
    render_wiki(engine, out)
    after = {p for p in tmp_path.rglob("*") if "site" not in p.relative_to(tmp_path).parts}
    assert after - before <= {tmp_path / "kb.sqlite-wal", tmp_path / "kb.sqlite-shm"}  # nothing written outside
    assert not (tmp_path.parent / "outside").exists()
    pages = list(out.rglob("*.html"))
    assert len(pages) >= 6 + 5
    for page in pages:
        assert page.resolve().is_relative_to(out.resolve())
        html = page.read_text(encoding="utf-8")
        inspector = Inspector()
        inspector.feed(html)
        where = page.relative_to(out)
        assert inspector.handlers == [], where
        assert not inspector.tags & {"img", "svg", "iframe", "object", "embed", "textarea", "b", "i"}, where
        assert all(src and src.endswith(("assets/index.js", "assets/search.js")) for src in inspector.scripts), where
        for url in inspector.urls:
            assert url.startswith(("https://", "http://", "#", "data:,")) or (":" not in url.split("#")[0]), (where, url)
            assert not url.lower().lstrip().startswith(("javascript:", "data:text")), (where, url)
        assert "alert(5)" not in html or "&lt;img" in html or "&#34;&gt;&lt;img" in html


def test_hostile_link_titles_are_text_and_only_http_links_are_links(hostile, tmp_path):
    _, engine = hostile
    render_wiki(engine, tmp_path / "site")
    day = next((tmp_path / "site" / "day").rglob("*.html")).read_text(encoding="utf-8")
    assert "&lt;b onmouseover=alert(8)&gt;标题&lt;/b&gt;" in day  # javascript: link shown as its escaped title
    assert 'href="javascript' not in day.lower() and 'href="data:text' not in day.lower()
    assert 'href="https://example.com/?q=&#34;&gt;&lt;script&gt;alert(12)&lt;/script&gt;"' in day
    assert "&lt;script&gt;alert(15)&lt;/script&gt;" in day and "&lt;svg/onload=alert(16)&gt;" in day
    assert "{{ 7*7 }}" in day  # chat text is never evaluated as a template


def test_path_like_terms_get_id_urls(hostile, tmp_path):
    _, engine = hostile
    out = tmp_path / "site"
    render_wiki(engine, out)
    names = sorted(p.name for p in (out / "terms").iterdir())
    assert all(name[:-5].isdigit() for name in names) and len(names) == len(HOSTILE_TERMS)
    assert all(p.parent.name in ("categories", "reading") for p in out.glob("*/*.html")
               if p.parent.name not in ("terms",))
    assert [p.name for p in (out / "day").iterdir()] == ["outsidescript"]  # group name reduced to a safe slug
    script = (out / "assets" / "index.js").read_text(encoding="utf-8")
    entries = json.loads(script[len("window.KB_INDEX = "):].rstrip().rstrip(";"))
    assert {e["t"] for e in entries} == set(HOSTILE_TERMS)
    assert "<" not in script and "</script" not in script.lower()


def test_lookup_of_hostile_terms_masks_and_never_fails(hostile):
    url, _ = hostile
    answer = lookup("../../../outside", url)
    assert answer.term == "../../../outside" and answer.matched == "exact"
    assert answer.definition.startswith("<script>")  # plain text for a terminal; the wiki escapes it


def test_the_json_export_and_kb_qa_mask_phone_numbers_as_the_wiki_does(kb_sqlite):
    from kb.curate.export_json import export_json
    from kb.extract.qa_query import list_pairs
    from kb.store.models import QAAnswer, QAPair

    engine = open_db(kb_sqlite.url)
    with Session(engine) as session:  # a pair whose question gives a phone number
        pair = QAPair(question_id=kb_sqlite.messages[3], score=0.9)
        session.add(pair)
        session.flush()
        session.add(QAAnswer(pair_id=pair.id, message_id=kb_sqlite.messages[4], rank=0, score=0.8))
        session.commit()
    exported = json.dumps(export_json(engine), ensure_ascii=False)
    listed = json.dumps(list_pairs(engine), ensure_ascii=False)
    for text in (exported, listed):
        assert "13812345678" not in text and "138****5678" in text
