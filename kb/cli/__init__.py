"""The kb command line: one module per command group; each calls a library function and prints."""

from __future__ import annotations

import click

from kb import __version__
from kb.cli.common import KbGroup
from kb.cli.ingest import ingest_command


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """kb: a payment-domain knowledge base built from WeChat group chat logs."""


main.add_command(ingest_command)
