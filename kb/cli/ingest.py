"""kb ingest: read chat logs into the database."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from kb.cli.common import console, db_option, err_console
from kb.ingest import FileResult, discover, ingest
from kb.ingest.loader import NEW, REJECTED, REPLACED, UNCHANGED
from kb.store import open_db


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--group", help="Group name for every file (default: each file's folder name).")
@db_option
def ingest_command(paths: tuple[str, ...], group: str | None, db_url: str) -> None:
    """Ingest chat log files or folders (recursively) into the database.

    Unchanged files are skipped; a changed file's messages are replaced. Files
    that are not chat logs are listed at the end and the command exits with 1.

    Example: kb ingest ../shared/corpus/logs
    """
    engine = open_db(db_url)
    files = discover(paths)
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[messages]} messages"),
        TimeElapsedColumn(), console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("ingest", total=len(files), messages=0)
        stored = 0

        def advance(result: FileResult) -> None:
            nonlocal stored
            stored += result.messages
            progress.update(task, advance=1, messages=stored)

        report = ingest(engine, files, group=group, on_file=advance)

    table = Table(title="kb ingest", show_header=True, header_style="bold")
    table.add_column("files", justify="right")
    table.add_column("new", justify="right")
    table.add_column("replaced", justify="right")
    table.add_column("unchanged", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("messages stored", justify="right")
    table.add_row(*(str(n) for n in (
        len(report.files), report.count(NEW), report.count(REPLACED), report.count(UNCHANGED),
        report.count(REJECTED), report.messages_stored,
    )))
    console.print(table)
    for warning in report.warnings:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if report.rejected:
        rejected = Table(title="rejected files", show_header=True, header_style="bold")
        rejected.add_column("file", overflow="fold")
        rejected.add_column("why", overflow="fold")
        for result in report.rejected:
            rejected.add_row(escape(result.where), escape(result.reason or ""))
        console.print(rejected)
        raise click.ClickException(f"{len(report.rejected)} of {len(report.files)} files rejected; the others are stored")
