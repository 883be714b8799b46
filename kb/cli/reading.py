"""kb reading-list: an onboarding path through the glossary in prerequisite order."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.common import db_option


@click.command("reading-list")
@click.option("--topic", help="Only terms of this category (default: all topics).")
@click.option("--max", "max_terms", type=click.IntRange(min=1), help="At most this many terms (the best-scored).")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True,
              help="Markdown, or one self-contained HTML page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write to this file instead of standard output.")
@click.option("--candidates", is_flag=True,
              help="Take candidate terms too (by default only approved ones, unless none is approved yet).")
@db_option
def reading_list_command(topic: str | None, max_terms: int | None, fmt: str, output: str | None, candidates: bool,
                         db_url: str) -> None:
    """Print a reading list: each term after the terms its definition uses, with its definition and best Q&A.

    The list holds the approved terms (with --candidates, or while no term is approved,
    candidates too: a candidate term or a definition nobody has reviewed yet is marked
    so). Topics are term categories.

    Example: kb reading-list --topic 监管 --max 20 --format md -o onboarding.md
    """
    from kb.publish.reading import reading_list
    from kb.store import open_db

    text = reading_list(open_db(db_url, create_file=False), topic=topic, max_terms=max_terms, fmt=fmt,
                        candidates=True if candidates else None)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"reading list written to {output}", err=True)
    else:
        click.echo(text, nl=False)
