"""The kb command line: one module per command group; each calls a library function and prints."""

from __future__ import annotations

import click

from kb import __version__
from kb.cli.common import KbGroup

# name -> "module:attribute"; imported only when the command runs (keeps `kb lookup` fast).
COMMANDS = {
    "ingest": "kb.cli.ingest:ingest_command",
    "eval": "kb.cli.eval:eval_command",
    "extract": "kb.cli.extract:extract_command",
    "terms": "kb.cli.extract:terms_command",
    "qa": "kb.cli.qa:qa_command",
    "export": "kb.cli.export:export_command",
    "review": "kb.cli.review:review_command",
    "term": "kb.cli.term:term_group",
    "glossary": "kb.cli.glossary:glossary_group",
    "wiki": "kb.cli.wiki:wiki_command",
    "lookup": "kb.cli.lookup:lookup_command",
    "reading-list": "kb.cli.reading:reading_list_command",
    "build": "kb.cli.build:build_command",
}


@click.group(cls=KbGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def main() -> None:
    """kb: a payment-domain knowledge base built from WeChat group chat logs.

    Example: kb ingest examples/logs && kb extract && kb terms --top 20
    """


def run() -> None:
    """The ``kb`` console script (and ``python -m kb``): the command line, ending lightly
    (kb.cli.common.at_exit)."""
    from kb.cli.common import leave_lightly

    leave_lightly()
    main()
