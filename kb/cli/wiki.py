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

    engine = open_db(db_url, create_file=False)
    report = render_wiki(engine, out, templates=templates, title=title, **since_last_render(engine))
    print_report(console, report)


def since_last_render(engine, rules_dir: str | None = None) -> dict:
    """render_wiki's ``version`` and ``appended``: which extraction made the database's output (None
    if its inputs changed since), and the files appended to it since the version a folder was
    rendered from (kb.extract.append)."""
    try:
        from kb.extract import append
    except ImportError:  # the wiki without the extractor (or a stand-in for it): every page is made
        return {}
    version = append.current_version(engine, rules_dir)  # None: the output is not one extraction's
    return {"version": version,
            "appended": lambda previous: append.appended_since(engine, previous, rules_dir, current=version)}


def print_report(console, report) -> None:
    """One summary line of a rendered wiki and where to open it."""
    console.print(f"wiki: {report.pages} pages ({report.terms} terms, {report.days} chat days) "
                  f"in {report.seconds['total']:.1f} s")
    console.print(f"open {report.index}", soft_wrap=True)
    if getattr(report, "unchanged", 0) or getattr(report, "removed", 0):  # an earlier build was there
        skipped = getattr(report, "skipped", 0)
        console.print(f"pages: {report.written:,} written, {report.unchanged:,} unchanged, {report.removed:,} removed"
                      + (f" ({skipped:,} not made again: only new days were added, which they do not show)"
                         if skipped else ""))
