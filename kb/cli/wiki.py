"""kb wiki: render the static wiki."""

from __future__ import annotations

import click

from kb.cli.common import db_option


@click.command("wiki")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write the site into (new, empty, or written by kb wiki before).")
@click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=str),
              help="Folder of Jinja2 templates that replace the package's ones of the same name.")
@click.option("--title", default="Payment knowledge base", show_default=True, help="Site title.")
@db_option
def wiki_command(out: str, templates: str | None, title: str, db_url: str) -> None:
    """Render the wiki (terms, A–Z, Q&A, chat days, categories, reading lists, offline search) into a folder.

    Approved terms come first; candidates are shown marked as not yet reviewed;
    rejected terms never appear. Open OUT/index.html in a browser (works from file://).

    Example: kb wiki --out site && xdg-open site/index.html
    """
    from kb.cli.common import console
    from kb.publish.render import render_wiki
    from kb.store import open_db

    report = render_wiki(open_db(db_url, create_file=False), out, templates=templates, title=title)
    print_report(console, report)


def print_report(console, report) -> None:
    """One summary line of a rendered wiki and where to open it."""
    console.print(f"wiki: {report.pages} pages ({report.terms} terms, {report.days} chat days) "
                  f"in {report.seconds['total']:.1f} s")
    console.print(f"open {report.index}", soft_wrap=True)
    if getattr(report, "unchanged", 0) or getattr(report, "removed", 0):  # an earlier build was there
        console.print(f"pages: {report.written:,} written, {report.unchanged:,} unchanged, {report.removed:,} removed")
