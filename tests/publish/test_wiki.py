"""kb wiki: the pages, what they show, in which order, and the CLI."""

from __future__ import annotations

import gc
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.errors import KbError
from kb.publish.render import MARKER, render_wiki
from kb.store import open_db


@pytest.fixture
def site(kb, tmp_path) -> Path:
    engine = open_db(kb.url)
    render_wiki(engine, tmp_path / "site")
    engine.dispose()
    return tmp_path / "site"


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def plain(html: str) -> str:
    """The text of a page without its tags (term mentions inside a message are links)."""
    return re.sub(r"<[^>]+>", "", html)


def test_pages_exist_with_urls_from_ids(kb, site):
    for path in ("index.html", "az.html", "qa.html", "days.html", "reading/index.html", "assets/index.js",
                 "assets/search.js", "assets/style.css", "day/paydemo/2024-03-04.html", "day/payarch/2024-03-05.html",
                 MARKER):
        assert (site / path).is_file(), path
    shown = {"备付金", "资金池", "协议支付", "北大", "北大概念股"}
    assert {p.name for p in (site / "terms").iterdir()} == {f"{kb.terms[n]}.html" for n in shown}
    assert len(list((site / "categories").iterdir())) == 1
    titles = {path: re.search(r"<title>(.*?)</title>", read(site, path)).group(1) for path in ("index.html", "az.html")}
    assert titles == {"index.html": "Payment knowledge base", "az.html": "A–Z · Payment knowledge base"}


def test_term_page_curated(kb, site):
    page = read(site, f"terms/{kb.terms['资金池']}.html")
    assert "<h1>资金池</h1>" in page
    assert "zi jin chi" in page and "cash pool" in page
    assert "把用户资金混在平台账户里沉淀" in page
    assert "资金沉淀池" in page  # the merged term's name is an alias
    assert "candidate · not yet reviewed" not in page
    # real example messages, linked to their anchor on the day page, with date and speaker
    assert f'href="../day/paydemo/2024-03-04.html#m{kb.messages[2]}">2024-03-04 09:07:02</a>' in page
    assert "老周-星河银行-架构师" in page
    # its Q&A and related terms (curated related + terms its definition uses)
    assert "请问各位，备付金和资金池有什么区别？" in plain(page)
    related = page.split("Related terms")[1]
    assert f'href="../terms/{kb.terms["协议支付"]}.html"' in related
    assert f'href="../terms/{kb.terms["备付金"]}.html"' in related


def test_candidate_term_is_marked_with_unreviewed_definitions(kb, site):
    page = read(site, f"terms/{kb.terms['协议支付']}.html")
    assert "candidate · not yet reviewed" in page
    assert "Not reviewed: candidate definitions found in the chats." in page
    assert 'class="candidate-definition"' in page
    assert "用户先在银行签约授权" in plain(page)


def test_rejected_terms_never_appear(kb, site):
    assert not (site / "terms" / f"{kb.terms['一回事']}.html").exists()
    for path in site.rglob("*.html"):
        assert f"terms/{kb.terms['一回事']}.html" not in path.read_text(encoding="utf-8"), path
    assert "一回事" not in read(site, "assets/index.js")


def test_day_page_anchors_links_and_masking(kb, site):
    page = read(site, "day/paydemo/2024-03-04.html")
    for message_id in kb.messages[:5]:
        assert f'id="m{message_id}"' in page
    assert f'<a class="term" href="../../terms/{kb.terms["资金池"]}.html">资金池</a>' in page
    assert "13812345678" not in page and "138****5678" in page
    day2 = read(site, "day/payarch/2024-03-05.html")
    # longest match: 北大概念股 is linked whole, the later 北大 on its own
    assert f'href="../../terms/{kb.terms["北大概念股"]}.html">北大概念股</a>' in day2
    assert f'href="../../terms/{kb.terms["北大"]}.html">北大</a>' in day2
    assert "6222021234567890123" not in day2 and "6222 **** **** 0123" in day2


def test_az_index_sorted_by_pinyin_in_letter_groups(kb, site):
    page = read(site, "az.html")
    groups = re.findall(r'<section id="letter-(\w+)">', page)
    assert groups == sorted(groups)
    assert groups == ["B", "X", "Z"]
    order = re.findall(r'class="term-link[^"]*" href="terms/\d+.html">([^<]+)</a>', page)
    assert order == ["北大", "北大概念股", "备付金", "协议支付", "资金池"]  # beida < beidagainiangu < beifujin


def test_search_index_is_a_script_with_pinyin_and_initials(kb, site):
    script = read(site, "assets/index.js")
    assert script.startswith("window.KB_INDEX = [") and script.rstrip().endswith("];")
    entries = json.loads(script[len("window.KB_INDEX = "):].rstrip().rstrip(";"))
    pool = next(e for e in entries if e["t"] == "资金池")
    assert pool == {"id": kb.terms["资金池"], "t": "资金池", "p": "zijinchi", "i": "zjc", "k": "资金池",
                    "a": ["资金沉淀池"], "e": "cash pool", "c": "监管", "s": "approved",
                    "u": f"terms/{kb.terms['资金池']}.html"}
    assert [e["s"] for e in entries][:2] == ["approved", "approved"]  # approved terms first
    assert "<" not in script  # nothing in the index can close a script or start a tag


def test_qa_category_and_reading_pages(kb, site):
    qa = plain(read(site, "qa.html"))
    assert "请问各位，备付金和资金池有什么区别？" in qa and "要集中存管" in qa
    category = next((site / "categories").iterdir()).read_text(encoding="utf-8")
    assert "<h1>监管</h1>" in category and "资金池" in category and "协议支付" not in category
    reading = plain(read(site, "reading/index.html"))
    assert reading.index("备付金") < reading.index("资金池")  # 资金池's definition uses 备付金


def test_templates_folder_overrides_one_template(kb_sqlite, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "term.html").write_text(
        '{% extends "base.html" %}{% block content %}<p class="mine">{{ term.name }}</p>{% endblock %}',
        encoding="utf-8")
    render_wiki(open_db(kb_sqlite.url), tmp_path / "site", templates=templates)
    page = (tmp_path / "site" / "terms" / f"{kb_sqlite.terms['资金池']}.html").read_text(encoding="utf-8")
    assert '<p class="mine">资金池</p>' in page and "assets/search.js" in page
    assert "Top terms" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")  # others from the package


def test_template_errors_name_the_template(kb_sqlite, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "qa.html").write_text("{% for x in %}", encoding="utf-8")
    with pytest.raises(KbError, match=r"qa.html:1: template syntax error"):
        render_wiki(open_db(kb_sqlite.url), tmp_path / "site", templates=templates)


def test_refuses_a_folder_it_did_not_write(kb_sqlite, tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KbError, match="not empty and was not written by kb wiki"):
        render_wiki(open_db(kb_sqlite.url), out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_rerender_replaces_old_pages(kb_sqlite, tmp_path):
    out = tmp_path / "site"
    (out / "terms").mkdir(parents=True)
    (out / MARKER).write_text("", encoding="utf-8")
    (out / "terms" / "999.html").write_text("stale", encoding="utf-8")
    (out / "extra.txt").write_text("kept", encoding="utf-8")
    render_wiki(open_db(kb_sqlite.url), out)
    assert not (out / "terms" / "999.html").exists()
    assert (out / "extra.txt").read_text(encoding="utf-8") == "kept"


def test_wiki_cli(kb_sqlite, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["wiki", "--db", kb_sqlite.url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"wiki: 14 pages \(5 terms, 2 chat days\) in \d+\.\d s", lines[0])
    assert lines[1] == f"open {out.resolve() / 'index.html'}"


def test_wiki_cli_reports_a_bad_folder_without_traceback(kb_sqlite, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["wiki", "--db", kb_sqlite.url, "--out", str(tmp_path / "file")])
    assert result.exit_code == 2
    assert "is a file" in result.output and "Traceback" not in result.output
    with pytest.raises(KbError, match="exists and is not a folder"):
        render_wiki(open_db(kb_sqlite.url), tmp_path / "file")


def test_day_links_from_stored_mentions_or_else_the_matcher(sqlite_url, tmp_path):
    """The extractor's mentions decide what is linked; before any extraction, term names are matched."""
    import datetime as dt

    from publish_data import add_day, add_term
    from sqlalchemy.orm import Session

    from kb.store.models import Mention

    engine = open_db(sqlite_url)
    with Session(engine) as session:
        (message,) = add_day(session, "g", dt.date(2024, 1, 1), [("09:00:00", "a", "北大概念股和北大, 13812345678")])
        beida = add_term(session, "北大", status="candidate")
        concept = add_term(session, "北大概念股", status="approved")
        session.commit()
        ids = (message.id, beida.id, concept.id)
    render_wiki(engine, tmp_path / "before")
    day = (tmp_path / "before" / "day" / "g" / "2024-01-01.html").read_text(encoding="utf-8")
    assert f'<a class="term" href="../../terms/{ids[2]}.html">北大概念股</a>和' \
           f'<a class="term" href="../../terms/{ids[1]}.html">北大</a>, 138****5678' in day
    with Session(engine) as session:  # the extractor only saw 北大 (the second one)
        session.add(Mention(term_id=ids[1], message_id=ids[0], start=6, end=8, surface="北大"))
        session.commit()
    render_wiki(engine, tmp_path / "after")
    day = (tmp_path / "after" / "day" / "g" / "2024-01-01.html").read_text(encoding="utf-8")
    assert f'北大概念股和<a class="term" href="../../terms/{ids[1]}.html">北大</a>, 138****5678' in day


def test_rendering_in_processes_gives_the_same_site(kb_sqlite, tmp_path, monkeypatch):
    from kb.publish import render

    engine = open_db(kb_sqlite.url)
    one = render_wiki(engine, tmp_path / "one")
    monkeypatch.setattr(render, "_workers", lambda pages: 2)
    seen = tmp_path / "collector"  # what the forked workers' collector holds back (kb.heap)
    real = render._render_pages

    def recording(*args, **kwargs):
        with seen.open("a") as file:
            file.write(f"{os.getpid()} {gc.get_freeze_count()}\n")
        return real(*args, **kwargs)
    monkeypatch.setattr(render, "_render_pages", recording)
    two = render_wiki(engine, tmp_path / "two")
    workers = [line.split() for line in seen.read_text().splitlines()]
    assert len(workers) == 2 and all(int(pid) != os.getpid() and int(count) > 0 for pid, count in workers)
    assert one.pages == two.pages == 14
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*") if p.is_file())
    for path in files:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes(), path


def test_qa_index_puts_pairs_about_glossary_terms_first_among_equal_scores(kb_sqlite, tmp_path):
    from sqlalchemy.orm import Session

    from kb.store.models import QAAnswer, QAPair, QATerm

    engine = open_db(kb_sqlite.url)
    with Session(engine) as session:
        for question, answer, terms in ((5, 6, []), (3, 4, ["协议支付"])):  # same score as the fixture's pair, ids after it
            pair = QAPair(question_id=kb_sqlite.messages[question], score=0.9)
            session.add(pair)
            session.flush()
            session.add(QAAnswer(pair_id=pair.id, message_id=kb_sqlite.messages[answer], rank=0, score=0.8))
            session.add_all([QATerm(pair_id=pair.id, term_id=kb_sqlite.terms[t]) for t in terms])
        session.commit()
    render_wiki(engine, tmp_path / "site")
    qa = plain(read(tmp_path / "site", "qa.html"))
    # the fixture's pair is about two approved terms, the next about a candidate, the last about none
    assert qa.index("备付金和资金池有什么区别") < qa.index("协议支付和代扣是一回事吗") < qa.index("北大概念股和北大没关系")
