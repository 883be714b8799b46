"""kb eval through the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.store import open_db


@pytest.fixture
def sqlite_url(sqlite_url):
    """An empty database (kb eval, like every command that reads, refuses a missing file)."""
    open_db(sqlite_url).dispose()
    return sqlite_url


def _run(*args: str):
    return CliRunner().invoke(main, ["eval", *args])


def test_json_report(digests, logs, sqlite_url):
    result = _run("--digests", str(digests), "--logs", str(logs), "--db", sqlite_url, "--json", "--show-misses", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["questions"], data["aligned_questions"], data["qa_recall"]) == (5, 3, 0.0)
    assert data["keywords"] == 2
    assert len(data["misses"]) == 1 and data["misses"][0]["reason"] == "not in database"


def test_table_and_misses(digests, logs, sqlite_url):
    result = _run("--digests", str(digests), "--logs", str(logs), "--db", sqlite_url, "--show-misses", "5")
    assert result.exit_code == 0, result.output
    for text in ("digest questions aligned", "qa_recall", "answer_agreement", "keyword_recall",
                 "alignment by digest form", "missed questions", "missed keywords: 拆标、资金池"):
        assert text in result.output
    assert "活期自动买理财这个机制" in result.output


def test_control_run_aligns_nothing(digests, logs, sqlite_url):
    result = _run("--digests", str(digests), "--logs", str(logs), "--db", sqlite_url, "--shift", "60", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["aligned_questions"] == 0


def test_missing_folders_are_reported_without_traceback(tmp_path, sqlite_url, logs):
    result = _run("--digests", str(tmp_path / "none"), "--logs", str(logs), "--db", sqlite_url)
    assert result.exit_code == 1
    assert "digest folder not found" in result.output
    assert "Traceback" not in result.output
    result = _run("--digests", str(logs), "--logs", str(tmp_path / "none"), "--db", sqlite_url)
    assert result.exit_code == 1
    assert "log folder not found" in result.output
