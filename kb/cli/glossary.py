"""kb glossary: the curated glossary as YAML files (export DIR / import DIR)."""

from __future__ import annotations

import click
from rich.markup import escape

from kb.cli.common import console, db_option, err_console
from kb.curate import glossary_yaml
from kb.errors import KbError
from kb.store import open_db


@click.group("glossary")
def glossary_group() -> None:
    """The curated glossary as YAML in the repository (docs/glossary.md).

    Example: kb glossary import glossary && kb glossary export glossary
    """


@glossary_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=str))
@db_option
def export_command(directory: str, db_url: str) -> None:
    """Write approved terms (one YAML file per category) and rejected terms to DIRECTORY.

    Other .yaml files in DIRECTORY are removed, so it mirrors the database.

    Example: kb glossary export glossary
    """
    report = glossary_yaml.export_glossary(open_db(db_url, create_file=False), directory)
    console.print(f"exported {report.terms} approved and {report.rejected} rejected terms to "
                  f"{len(report.files)} files in {escape(directory)}", soft_wrap=True)
    for path in report.removed:
        console.print(f"removed {escape(str(path))} (no term of the database belongs in it)", soft_wrap=True)
    if report.not_exported:
        work = "; ".join(f"{name} ({what})" for name, what in report.not_exported)
        err_console.print(f"warning: not in the glossary files, because these terms are candidates (approve them "
                          f"to keep this work in git): {work}", markup=False, soft_wrap=True)


@glossary_group.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--force", is_flag=True, help="Overwrite terms a curator changed in the database since the last sync.")
@click.option("--curator", default=glossary_yaml.IMPORT_CURATOR, show_default=True,
              help="Name the import decisions are logged under.")
@db_option
def import_command(directory: str, force: bool, curator: str, db_url: str) -> None:
    """Load the glossary YAML in DIRECTORY into the database (idempotent; each change is a logged decision).

    A term a curator changed in the database after the last export or import is
    not overwritten: it is listed as a conflict and the command exits with 1.

    Example: kb glossary import glossary
    """
    report = glossary_yaml.import_glossary(open_db(db_url), directory, curator=curator, force=force)
    console.print(f"imported {escape(directory)}: {len(report.created)} new, {len(report.updated)} updated, "
                  f"{len(report.rejected)} rejected, {len(report.unchanged)} unchanged, "
                  f"{len(report.conflicts)} conflicts", soft_wrap=True)
    for term, why in report.conflicts:
        console.print(f"[red]conflict[/] {escape(term)}: {escape(why)}", soft_wrap=True)
    if report.conflicts:
        raise KbError(f"{len(report.conflicts)} term(s) not imported; see above")
