"""Every command in the lazy table exists, has help with an example, and is documented."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_imports(name):
    module, attribute = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_ends_with_an_example(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_takes_db(name):
    result = CliRunner().invoke(main, [name, "--help"])
    command = main.get_command(click.Context(main), name)
    subcommands = command.commands.values() if isinstance(command, click.Group) else [command]
    for sub in subcommands:
        assert any(opt.name == "db_url" for opt in sub.params), f"kb {name} {sub.name}: no --db"
    assert result.exit_code == 0


def test_main_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_documented(name):
    docs = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    assert f"kb {name}" in docs, f"kb {name} is not mentioned in README.md or docs/"


def test_output_to_a_pipe_is_not_wrapped_at_80_columns(monkeypatch):
    # kb qa > pairs.txt: a long message stays one line; a terminal (or $COLUMNS) sets the width as usual
    import io

    from kb.cli import common

    monkeypatch.delenv("COLUMNS", raising=False)
    stream = io.StringIO()
    console = common._console(stream)
    console.file = stream
    text = "备付金" * 100
    console.print(f"  {text}")
    assert stream.getvalue() == f"  {text}\n"
    assert console.width == common.PIPE_WIDTH
    monkeypatch.setenv("COLUMNS", "60")
    assert common._console(io.StringIO()).width == 60
