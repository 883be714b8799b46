"""Re-rendering into an earlier wiki: only pages whose bytes changed are written; gone pages are removed."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.publish.render import render_wiki
from kb.store import open_db
from kb.store.models import Term


def stamps(site: Path) -> dict[str, int]:
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


def age(site: Path) -> None:
    """Set every file's time back, so a rewrite shows as a newer time whatever the clock's resolution."""
    for p in site.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(1_000_000_000, 1_000_000_000))


def test_second_render_writes_nothing(kb_sqlite, tmp_path):
    engine = open_db(kb_sqlite.url)
    site = tmp_path / "site"
    first = render_wiki(engine, site)
    assert first.written == first.pages + 3 and first.unchanged == 0 and first.removed == 0  # + 3 assets
    age(site)
    before = stamps(site)
    again = render_wiki(engine, site)
    assert (again.written, again.unchanged, again.removed) == (0, first.written, 0)
    after = stamps(site)
    assert {p for p in after if after[p] != before[p]} == {".kb-wiki"}


def test_a_changed_definition_rewrites_only_the_pages_that_show_it(kb_sqlite, tmp_path):
    engine = open_db(kb_sqlite.url)
    site = tmp_path / "site"
    render_wiki(engine, site)
    age(site)
    before = stamps(site)
    term_id = kb_sqlite.terms["协议支付"]
    with engine.begin() as conn:
        conn.execute(sa.update(Term).where(Term.id == term_id).values(definition="用户一次授权、之后免密扣款的支付方式。"))
    report = render_wiki(engine, site)
    after = stamps(site)
    changed = {p for p in after if after[p] != before[p]} - {".kb-wiki"}
    assert f"terms/{term_id}.html" in changed
    assert "用户一次授权" in (site / f"terms/{term_id}.html").read_text(encoding="utf-8")
    assert report.written == len(changed) and 0 < len(changed) < len(before) // 2
    assert report.unchanged == len(before) - 1 - len(changed)  # all but the marker and the changed ones


def test_pages_no_longer_made_are_removed_with_their_empty_folders(kb_sqlite, tmp_path):
    engine = open_db(kb_sqlite.url)
    site = tmp_path / "site"
    render_wiki(engine, site)
    (site / "terms" / "old").mkdir()
    (site / "terms" / "old" / "999.html").write_text("stale", encoding="utf-8")
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    report = render_wiki(engine, site)
    assert report.removed == 1
    assert not (site / "terms" / "old").exists()
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"  # not a managed name: kept


def test_a_link_in_a_managed_folder_is_removed_not_followed(kb_sqlite, tmp_path):
    engine = open_db(kb_sqlite.url)
    site = tmp_path / "site"
    render_wiki(engine, site)
    outside = tmp_path / "outside.html"
    outside.write_text("keep", encoding="utf-8")
    page = next((site / "terms").iterdir())
    page.unlink()
    page.symlink_to(outside)
    render_wiki(engine, site)
    assert outside.read_text(encoding="utf-8") == "keep"
    assert page.is_file() and not page.is_symlink()


def test_wiki_cli_reports_what_a_rebuild_wrote(kb_sqlite, tmp_path):
    out = tmp_path / "site"
    args = ["wiki", "--db", kb_sqlite.url, "--out", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and "unchanged" not in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert second.output.splitlines()[2] == "pages: 0 written, 17 unchanged, 0 removed"
