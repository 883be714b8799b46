"""kb extract and kb terms: run term (and Q&A) extraction; list the best-scored terms."""

from __future__ import annotations

import click
from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb.cli.common import console, db_option, err_console
from kb.errors import KbError
from kb.store import open_db

STATUSES = ("candidate", "approved", "rejected", "merged", "all")


@click.command("extract")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=str),
              help="Rules folder (default: the repository's rules/).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes that segment new texts (default: every core, or $KB_WORKERS).")
@click.option("--force", is_flag=True, help="Extract everything, even if nothing changed since the last extraction.")
@click.option("--append-limit", type=click.FloatRange(0, 1), default=None, metavar="SHARE",
              help="New files are appended to the last extraction until they add this share of the messages "
                   "it read; then everything is extracted again (default 0.02; 0 never appends).")
@db_option
def extract_command(rules_dir: str | None, workers: int | None, force: bool, append_limit: float | None,
                    db_url: str) -> None:
    """Extract candidate terms, mentions, definitions and Q&A from the ingested messages.

    Re-runnable: extraction output is recomputed, curator decisions are never changed.
    Segmentations are cached, so a run after a rule change does not segment again. When
    nothing it reads changed (files, rules, curated terms), it says so and does nothing;
    when only new files came, they are appended (see --append-limit and docs/build.md).

    Example: kb extract --rules rules/
    """
    from kb.extract import extract
    from kb.rules import check_rules

    check_rules(rules_dir)  # every problem of every rule file is reported before anything runs
    engine = open_db(db_url, create_file=False)
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM messages LIMIT 1").first() is None:
            raise KbError("no messages to extract from: run kb ingest first (see kb ingest --help)")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
        tasks: dict[str, int] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        report = extract(engine, rules_dir=rules_dir, on_progress=on_progress, workers=workers,
                         skip_unchanged=not force, append_limit=append_limit)
    if report.skipped:
        console.print("kb extract: nothing changed since the last extraction (--force runs it anyway)")
        return
    console.print(summary_table(report))
    if report.appended:
        console.print(f"kb extract: {appended_line(report)}")


def appended_line(report) -> str:
    """What appending did, and what it left as the last full extraction left it (kb.extract.append)."""
    new, terms, qa = report.appended, report.terms, report.qa or {}
    files = len(new.source_ids)
    return (f"appended {files} new file{'s' if files != 1 else ''} ({new.messages:,} messages): "
            f"{terms.mentions:,} mentions, {terms.definitions:,} definitions, Q&A {qa.get('pairs', 0):,} pairs; "
            f"terms and scores as the last full extraction left them ({new.drift:.1%} more messages since; "
            f"a full one runs past {new.limit:.0%}, or with --force)")


def summary_table(report) -> Table:
    """What a run found, one row per figure (fits any terminal width; numbers are never cut)."""
    terms, seg = report.terms, report.terms.segments
    table = Table(title="kb extract", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("stage", no_wrap=True)
    table.add_column("figure", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    rows = [
        ("messages", "read", terms.messages),
        ("segmentation", "segmented now", seg.segmented),
        ("", "from the cache", seg.cached + seg.revalidated),
        ("terms", "kept", terms.candidates),
        ("", "new / updated / deleted",
         f"{terms.stored.created:,} / {terms.stored.updated:,} / {terms.stored.deleted:,}"),
        ("", "mentions", terms.mentions),
        ("", "candidate definitions", terms.definitions),
        ("", "seconds", f"{sum(terms.timings.values()):.1f}"),
    ]
    qa = report.qa or {}
    if qa:
        rows += [("Q&A", "pairs", qa.get("pairs", 0)), ("", "answers", qa.get("answers", 0)),
                 ("", "links to terms", qa.get("terms", 0)),
                 ("", "questions without a term", qa.get("questions_without_term", 0)),
                 ("", "seconds", f"{qa.get('seconds', 0):.1f}")]
    for stage, figure, count in rows:
        table.add_row(stage, figure, f"{count:,}" if isinstance(count, int) else str(count))
    return table


@click.command("terms")
@click.option("--top", "top", type=click.IntRange(min=1), default=30, show_default=True, help="How many terms.")
@click.option("--status", type=click.Choice(STATUSES), default="all", show_default=True, help="Only terms with this status.")
@db_option
def terms_command(top: int, status: str, db_url: str) -> None:
    """List the best-scored terms with the signals behind their score.

    Example: kb terms --top 50 --status candidate
    """
    from kb.extract.listing import top_terms

    engine = open_db(db_url, create_file=False)
    rows = top_terms(engine, top, None if status == "all" else status)
    if not rows:
        console.print("No terms: run kb extract first.")
        return
    table = Table(title=f"kb terms (top {len(rows)})", header_style="bold", caption=CAPTION,
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("#", justify="right", no_wrap=True, min_width=len(str(len(rows))))
    table.add_column("term", no_wrap=True, min_width=max(cell_len(r["canonical"]) for r in rows))
    for column in ("score", "freq", "days", "conc", "spk", "q", "spec", "ment"):
        table.add_column(column, justify="right", no_wrap=True, min_width=5 if column in ("score", "freq") else 4)
    table.add_column("status", no_wrap=True)
    table.add_column("aliases", no_wrap=True, overflow="ellipsis", min_width=10)
    for rank, row in enumerate(rows, 1):
        s = row["signals"]
        table.add_row(str(rank), escape(row["canonical"]), f"{row['score']:.2f}", str(s.get("freq", "")),
                      str(s.get("days", "")), _number(s.get("concentration"), 2), str(s.get("speakers", "")),
                      str(s.get("questions", "")), _number(s.get("specificity")), str(row["n_mentions"]),
                      row["status"][:4], escape(", ".join(row["aliases"])))
    console.print(table)


CAPTION = ("freq occurrences · days · conc days over days expected at random · spk speakers · q in questions"
           " · spec specificity · ment mentions")


def _number(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"
