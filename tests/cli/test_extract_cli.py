"""kb extract, kb terms and kb export through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.store import open_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def extracted(sqlite_url):
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(ROOT / "examples" / "logs"), "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["extract", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "kb extract" in result.output
    # one row per figure: nothing is cut at 80 columns, the Q&A figures are in the same table
    assert "…" not in result.output
    for figure in ("segmented now", "mentions", "candidate definitions", "pairs", "questions without a term"):
        assert figure in result.output
    return sqlite_url


def test_terms_table(extracted):
    result = CliRunner().invoke(main, ["terms", "--top", "5", "--db", extracted])
    assert result.exit_code == 0, result.output
    assert "kb terms (top 5)" in result.output
    assert "备付金" in result.output
    for column in ("score", "freq", "days"):
        assert column in result.output


def test_terms_before_extract(sqlite_url):
    # no database file: an error, not a new empty database
    result = CliRunner().invoke(main, ["terms", "--db", sqlite_url])
    assert result.exit_code == 1 and "no database at" in result.output
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()
    open_db(sqlite_url).dispose()  # a database with nothing extracted yet
    result = CliRunner().invoke(main, ["terms", "--db", sqlite_url])
    assert result.exit_code == 0
    assert result.output.strip() == "No terms: run kb extract first."


def test_export_json_contract(extracted, tmp_path):
    out = tmp_path / "kb.json"
    result = CliRunner().invoke(main, ["export", "--format", "json", "-o", str(out), "--db", extracted])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out} (json)."
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"terms", "qa", "dates"}
    assert data["dates"] == ["2024-03-04", "2024-03-05", "2024-03-06"]
    terms = data["terms"]
    assert terms and all(set(t) == {"term", "aliases", "status", "score", "definition", "mentions"} for t in terms)
    assert [t["score"] for t in terms] == sorted((t["score"] for t in terms), reverse=True)
    assert all(t["status"] in ("candidate", "approved", "rejected") for t in terms)
    reserve = next(t for t in terms if t["term"] == "备付金")
    assert reserve["definition"].startswith("备付金是指") and reserve["mentions"] >= 4
    for pair in data["qa"]:
        assert set(pair) == {"question", "answers", "terms", "score"}
        assert set(pair["question"]) == {"group", "date", "time", "speaker", "text"}


def test_export_to_stdout(extracted):
    result = CliRunner().invoke(main, ["export", "--db", extracted])
    assert result.exit_code == 0
    assert json.loads(result.output)["terms"]


def test_extract_reports_every_rule_problem(sqlite_url, tmp_path):
    for name in ("terms.yaml", "definitions.yaml", "stoplist.yaml", "qa.yaml"):
        (tmp_path / name).write_text((ROOT / "rules" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "terms.yaml").write_text("regex:\n  - name: bad\n    pattern: '('\n", encoding="utf-8")
    qa = tmp_path / "qa.yaml"
    qa.write_text(qa.read_text(encoding="utf-8").replace("  threshold: 0.5", "  threshold: 0,5"), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", "--rules", str(tmp_path), "--db", sqlite_url])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output  # the problems of both files, in one run
    assert "terms.yaml:2: rule 'bad': invalid regular expression" in result.output
    assert "qa.yaml:12: rule 'question.threshold': must be a number, got '0,5'" in result.output
    assert "Traceback" not in result.output


def test_interchange_export_of_an_uncurated_database_says_why_it_is_empty(extracted, tmp_path):
    out = tmp_path / "kb.csv"
    result = CliRunner().invoke(main, ["export", "--format", "csv", "-o", str(out), "--db", extracted])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("\n") == 1  # the header only: nothing is approved yet
    assert "approved terms only" in result.output


def test_extract_of_a_database_without_messages_says_to_ingest_first(sqlite_url):
    open_db(sqlite_url).dispose()
    result = CliRunner().invoke(main, ["extract", "--db", sqlite_url])
    assert result.exit_code == 1 and "no messages to extract from: run kb ingest first" in result.output
