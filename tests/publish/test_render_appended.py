"""After files were appended, the wiki makes only the pages they can change, and the site is byte for
byte the one a full render makes (kb.publish.render, kb.extract.append)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.cli.wiki import since_last_render
from kb.extract import extract
from kb.ingest import discover, ingest
from kb.publish.render import previous_qa_blocks, render_wiki
from kb.store import open_db
from kb.store.models import Term

# a new day: a question and its answer about known terms, and a definition of one (清算) that names
# another (结算), so the related terms of both change
NEW_DAY = """---
layout:     source
title:      "2024-03-08-WeChat"
date:       2024-03-08 12:00:00
author:     "PaymentGroup"
tag:		  [chat]
---
> 10:00:00  小林-蓝海支付-产品-上海  
   
小额支付系统和大额支付系统有什么区别？  
   
> 10:02:00  老周-星河银行-架构师  
   
小额支付系统7x24小时运行，大额支付系统只在工作日开放，单笔金额也不同。  
   
> 10:05:00  Mia-北辰金服-PM  
   
清算是指在结算之前把各方的应收应付算清楚并轧差的过程。  
   
"""


def same_files(a: Path, b: Path) -> list[str]:
    """Paths (relative) that differ between two folders, or are only in one."""
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    return sorted(str(p) for p in files_a ^ files_b) + sorted(
        str(p) for p in files_a & files_b if not filecmp.cmp(a / p, b / p, shallow=False))


@pytest.fixture
def built(db_url, tmp_path, workspace):
    """The examples extracted and rendered (site ``site``); a new day beside them, not ingested yet."""
    rules, logs = workspace
    engine = open_db(db_url)
    ingest(engine, discover([logs]))
    extract(engine, rules_dir=str(rules), skip_unchanged=True)
    site = tmp_path / "site"
    first = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert first.skipped == 0
    yield engine, rules, logs, site
    engine.dispose()


def append_the_day(engine, rules, logs):
    (logs / "paydemo" / "2024-03-08-chat.markdown").write_text(NEW_DAY, encoding="utf-8")
    ingest(engine, discover([logs]))
    report = extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert report.appended is not None and report.terms.definitions >= 1 and report.qa["pairs"] >= 1
    return report


def test_after_appending_only_touched_pages_are_made_and_the_site_is_that_of_a_full_render(built, tmp_path):
    engine, rules, logs, site = built
    append_the_day(engine, rules, logs)
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    full = render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules)))
    assert full.skipped == 0 and again.pages == full.pages
    assert 0 < again.skipped < again.pages and again.written > 0
    assert same_files(site, tmp_path / "full") == []
    # the new day's page, and the pages of the terms it mentions and defines, were made again
    assert (site / "day" / "paydemo" / "2024-03-08.html").is_file()
    with engine.connect() as conn:
        defined = conn.execute(sa.select(Term.id).where(Term.key == "清算")).scalar_one()
    assert "轧差的过程" in (site / "terms" / f"{defined}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("per_page", [500, 2], ids=["one page", "pages of two"])
def test_the_qa_index_keeps_the_html_of_the_pairs_asked_before(built, tmp_path, monkeypatch, per_page):
    """Only the new day's pairs are made again for the Q&A index; the others are taken from its pages
    as the last render wrote them."""
    from kb.publish import context

    engine, rules, logs, site = built
    monkeypatch.setattr(context, "QA_PER_PAGE", per_page)
    if per_page != 500:  # the first render again, in pages of two
        render_wiki(engine, site)
        render_wiki(engine, site, **since_last_render(engine, str(rules)))
        assert (site / "qa-2.html").is_file()
    before = previous_qa_blocks(site)
    assert len(before) >= 3 and all(html.startswith(f'<div class="qa" id="qa{i}">') for i, html in before.items())
    report = append_the_day(engine, rules, logs)
    made: list[int] = []
    qa_item = context.qa_item
    monkeypatch.setattr(context, "qa_item", lambda site_, pair_id, root, **kw: (
        made.append(pair_id) if root == "" else None) or qa_item(site_, pair_id, root, **kw))
    render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert 0 < len(made) == report.qa["pairs"]  # the Q&A index (root "") made the new pairs only
    assert not set(made) & before.keys() and previous_qa_blocks(site).keys() == before.keys() | set(made)
    full = render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules)))
    assert full.skipped == 0 and same_files(site, full.out) == []


@pytest.mark.parametrize("damage", ["unwrapped", "deleted"])
def test_a_qa_page_changed_by_hand_is_made_from_the_database(built, tmp_path, damage):
    engine, rules, logs, site = built
    page = site / "qa.html"
    if damage == "deleted":
        page.unlink()
    else:  # the pairs' list no longer in the form kb writes: none of its pairs is taken from it
        page.write_text(page.read_text(encoding="utf-8").replace('<div class="qa-list">', "<div>"), encoding="utf-8")
    assert previous_qa_blocks(site) == {}
    append_the_day(engine, rules, logs)
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    full = render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules)))
    assert again.skipped > 0 and same_files(site, full.out) == []


def test_other_files_named_like_qa_pages_are_not_read(built, tmp_path):
    """A copy kept beside the pages (qa.orig.html) is no page of the last render: its pairs are not taken."""
    engine, rules, logs, site = built
    page = (site / "qa.html").read_text(encoding="utf-8")
    old = page.replace('<div class="text">', '<div class="text">OLD ')
    assert old != page
    for name in ("qa.orig.html", "qa_old.html", "qa-0.html", "qa-x.html"):
        (site / name).write_text(old, encoding="utf-8")
    append_the_day(engine, rules, logs)
    render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert "OLD " not in (site / "qa.html").read_text(encoding="utf-8")
    for name in ("qa.orig.html", "qa_old.html", "qa-0.html", "qa-x.html"):
        (site / name).unlink(missing_ok=True)  # qa-0.html and qa-x.html: removed as pages no longer made
    full = render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules)))
    assert same_files(site, full.out) == []


def test_a_qa_page_template_of_ones_own_has_every_pair_made_again(built, tmp_path):
    """A --templates qa.html may write anything between the pairs (here a rule): its pages are not read."""
    from kb.publish.render import environment

    engine, rules, logs, site = built
    templates = tmp_path / "templates"
    templates.mkdir()
    source = environment().loader.get_source(environment(), "qa.html")[0]
    (templates / "qa.html").write_text(source.replace("{% for item in pairs %}",
                                                      "{% for item in pairs %}{% if not loop.first %}<hr>{% endif %}"),
                                       encoding="utf-8")
    render_wiki(engine, site, templates=templates, **since_last_render(engine, str(rules)))
    assert "<hr>" in (site / "qa.html").read_text(encoding="utf-8")
    append_the_day(engine, rules, logs)
    again = render_wiki(engine, site, templates=templates, **since_last_render(engine, str(rules)))
    full = render_wiki(engine, tmp_path / "full", templates=templates, **since_last_render(engine, str(rules)))
    assert again.skipped > 0 and same_files(site, full.out) == []


def test_nothing_changed_makes_only_the_indexes(built):
    engine, rules, logs, site = built
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    day_and_term_pages = len(list(site.glob("day/*/*.html"))) + len(list(site.glob("terms/*.html")))
    assert again.written == 0 and again.skipped == day_and_term_pages > 0


def test_a_change_not_appended_makes_every_page(built, tmp_path):
    engine, rules, logs, site = built
    append_the_day(engine, rules, logs)
    with engine.begin() as conn:  # a curator's decision extraction has not seen yet
        conn.execute(sa.update(Term).where(Term.key == "清算").values(status="approved"))
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert again.skipped == 0
    assert same_files(site, (render_wiki(engine, tmp_path / "full").out)) == []  # both say no extraction made it


def test_other_templates_or_title_make_every_page(built):
    engine, rules, logs, site = built
    append_the_day(engine, rules, logs)
    assert render_wiki(engine, site, title="Another title", **since_last_render(engine, str(rules))).skipped == 0


def test_without_a_version_every_page_is_made(built):
    engine, rules, logs, site = built
    append_the_day(engine, rules, logs)
    assert render_wiki(engine, site).skipped == 0  # the library call without the extraction's version
    assert render_wiki(engine, site, **since_last_render(engine, str(rules))).skipped == 0  # none was kept


def test_a_page_deleted_by_hand_is_made_again(built):
    engine, rules, logs, site = built
    append_the_day(engine, rules, logs)
    day = site / "day" / "paydemo" / "2024-03-04.html"
    kept = day.read_text(encoding="utf-8")
    day.unlink()
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert again.skipped > 0 and day.read_text(encoding="utf-8") == kept


def test_kb_build_twice_says_pages_were_not_made_again(built, db_url, tmp_path):
    engine, rules, logs, site = built
    (logs / "paydemo" / "2024-03-08-chat.markdown").write_text(NEW_DAY, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(logs), "--out", str(site), "--rules", str(rules), "--db", db_url,
                                       "--append-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "appended 1 new file" in result.output and "not made again" in result.output


def test_a_render_made_before_extracting_is_not_taken_for_the_extraction(built, tmp_path):
    engine, rules, logs, site = built
    (logs / "paydemo" / "2024-03-08-chat.markdown").write_text(NEW_DAY, encoding="utf-8")
    ingest(engine, discover([logs]))
    render_wiki(engine, site, **since_last_render(engine, str(rules)))  # the new day, not extracted yet
    extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)  # appends it
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert again.skipped == 0
    assert same_files(site, render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules))).out) == []


def test_a_new_day_taking_the_address_of_an_older_one_makes_every_page(built, tmp_path):
    engine, rules, logs, site = built
    # "pay demo" and "paydemo" make the same address; the new group sorts first and takes it
    (logs / "pay demo").mkdir()
    (logs / "pay demo" / "2024-03-04-chat.markdown").write_text(NEW_DAY.replace("2024-03-08", "2024-03-04"),
                                                              encoding="utf-8")
    ingest(engine, discover([logs]))
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0).appended is not None
    again = render_wiki(engine, site, **since_last_render(engine, str(rules)))
    assert again.skipped == 0
    assert same_files(site, render_wiki(engine, tmp_path / "full", **since_last_render(engine, str(rules))).out) == []


@pytest.mark.parametrize("page", [
    "", "<p>none</p>", '<div class="qa-list">a</div><!-- /qa-list -->',
    'x<div class="qa-list">a</div><!-- /qa-list --> <div class="qa-list">b</div><!-- /qa-list -->',
    '<div class="qa-list">no end</div>', '<div class="qa-list"></div><!-- /qa-list -->',
    'no start</div><!-- /qa-list --><div class="qa-list">late</div><!-- /qa-list -->',
    '<div class="qa-list"><div class="qa" id="qa1">一</div></div><!-- /qa-list --></div><!-- /qa-list -->',
])
def test_the_q_and_a_list_is_what_the_lazy_pattern_found(page):
    import re

    from kb.publish.render import _qa_list

    lazy = re.search(r'<div class="qa-list">(.*?)</div><!-- /qa-list -->', page, re.S)
    assert _qa_list(page) == (lazy.group(1) if lazy else None)
