"""kb export: the knowledge base as JSON, TBX, SKOS or CSV."""

from __future__ import annotations

import importlib
import json

import click

from kb.cli.common import console, db_option
from kb.errors import KbError
from kb.store import open_db

# format -> (module, function, what it returns)
FORMATS = {
    "json": ("kb.curate.export_json", "export_json"),
    "tbx": ("kb.curate.tbx", "export_tbx"),
    "skos": ("kb.curate.skos", "export_skos"),
    "csv": ("kb.curate.csv_export", "export_csv"),
}


def exporter(fmt: str):
    """The export function of a format (imported when used)."""
    module_name, attribute = FORMATS[fmt]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise KbError(f"export format {fmt!r} is not available: module {module_name} is missing") from None
    function = getattr(module, attribute, None)
    if function is None:
        raise KbError(f"export format {fmt!r} is not available: {module_name}.{attribute} is missing")
    return function


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="json", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write to this file instead of standard output.")
@db_option
def export_command(fmt: str, output: str | None, db_url: str) -> None:
    """Export terms (and, in JSON, Q&A pairs and dates) in an interchange format.

    JSON follows the contract in docs/export.md: terms sorted by score, best first.

    Example: kb export --format json -o kb.json
    """
    function = exporter(fmt)
    engine = open_db(db_url, create_file=False)
    data = function(engine)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else data
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        console.print(f"Wrote {output} ({fmt}).")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if fmt != "json":
        _warn_if_uncurated(engine, fmt)


def _warn_if_uncurated(engine, fmt: str) -> None:
    """TBX, SKOS and CSV carry the curated glossary only: say so when there is nothing curated yet."""
    from sqlalchemy import func, select

    from kb.cli.common import err_console
    from kb.curate.interchange import EXPORTED
    from kb.store.models import Term

    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Term).where(Term.status.in_(EXPORTED)))
    if not count:
        err_console.print(f"Note: the {fmt} export holds no term: it carries approved terms only. Approve "
                          "candidates with kb review (or kb term approve), or import glossary/ with "
                          "kb glossary import glossary.", markup=False, soft_wrap=True)
