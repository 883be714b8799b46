"""Commands that read or curate what an ingest stored do not create an empty database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb.cli import main


@pytest.mark.parametrize("args", [
    ["lookup", "zjc"],
    ["terms"],
    ["extract"],
    ["qa"],
    ["export", "--format", "json"],
    ["wiki", "--out", "{tmp}/site"],
    ["reading-list"],
    ["term", "show", "备付金"],
    ["term", "approve", "备付金"],
    ["glossary", "export", "{tmp}/g"],
])
def test_a_missing_database_file_is_an_error_not_a_new_database(tmp_path, args):
    db = tmp_path / "typo.sqlite"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, [*args, "--db", f"sqlite:///{db}"])
    assert result.exit_code == 1, result.output
    assert f"no database at {db}" in result.output
    assert not db.exists()
    assert not (tmp_path / "site").exists() and not (tmp_path / "g").exists()


def test_ingest_makes_the_database(tmp_path):
    db = tmp_path / "new.sqlite"
    logs = tmp_path / "logs"
    logs.mkdir()
    result = CliRunner().invoke(main, ["ingest", str(logs), "--db", f"sqlite:///{db}"])
    assert db.exists(), result.output


def test_ingest_makes_the_folder_of_a_new_database(tmp_path):
    db = tmp_path / "build" / "2026" / "kb.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert db.is_file()


def test_a_folder_that_cannot_be_made_is_named(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    db = tmp_path / "file" / "kb.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", f"sqlite:///{db}"])
    assert result.exit_code == 1
    assert f"cannot create the folder of {db}: {db.parent} is a file" in result.output
