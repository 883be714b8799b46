"""kb build: ingest, extract and wiki in one command (extraction replaced by a stand-in here: it loads models)."""

from __future__ import annotations

import re
import shutil
import sys
import types
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cli import main
from kb.store import open_db
from kb.store.models import Term

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "logs"


def fake_extract(calls):
    def extract(engine, rules_dir=None, on_progress=None, **options):
        calls.append(rules_dir)
        with Session(engine) as session:
            if session.scalar(select(Term).where(Term.key == "备付金")) is None:
                session.add(Term(canonical="备付金", key="备付金", status="candidate", score=1.0))
                session.commit()
        return types.SimpleNamespace(terms=types.SimpleNamespace(candidates=1, mentions=0, definitions=0), qa=None)
    return extract


def test_build_runs_every_stage(sqlite_url, tmp_path, monkeypatch):
    calls: list = []
    module = types.ModuleType("kb.extract")
    module.extract = fake_extract(calls)
    monkeypatch.setitem(sys.modules, "kb.extract", module)
    out = tmp_path / "site"
    rules = tmp_path / "myrules"  # checked before ingest, then handed to the extractor
    shutil.copytree(Path(__file__).resolve().parents[2] / "rules", rules)
    result = CliRunner().invoke(main, ["build", "--db", sqlite_url, str(EXAMPLES), "--out", str(out),
                                       "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"1/3 ingest: 4 files, 37 messages stored, 0 rejected \(\d+\.\d s\)", lines[0])
    assert re.fullmatch(r"2/3 extract: 1 candidate terms, 0 mentions, 0 definitions \(\d+\.\d s\)", lines[1])
    assert re.fullmatch(r"3/3 wiki: 10 pages \(1 terms, 4 chat days\) in \d+\.\d s", lines[2])
    assert lines[3] == f"open {out.resolve() / 'index.html'}"
    assert calls == [str(rules)]
    term_id = open_db(sqlite_url).connect().exec_driver_sql("SELECT id FROM terms").scalar()
    page = (out / "terms" / f"{term_id}.html").read_text(encoding="utf-8")
    assert "备付金" in page and "candidate · not yet reviewed" in page
    assert (out / "day" / "paydemo" / "2024-03-04.html").is_file()


def test_build_reports_rejected_files_and_goes_on(sqlite_url, tmp_path, monkeypatch):
    module = types.ModuleType("kb.extract")
    module.extract = fake_extract([])
    monkeypatch.setitem(sys.modules, "kb.extract", module)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "2024-01-01-chat.markdown").write_bytes((EXAMPLES / "paydemo" / "2024-03-04-chat.markdown").read_bytes())
    (logs / "junk.markdown").write_bytes(b"\x00\x01 not a chat log")
    result = CliRunner().invoke(main, ["build", "--db", sqlite_url, str(logs), "--out", str(tmp_path / "site")])
    # the site is built from the other files, and the exit status says not every file was read
    assert result.exit_code == 1, result.output
    assert "1 rejected" in result.output and "skipped " in result.output and "junk.markdown" in result.output
    assert "1 of 2 files rejected" in result.output and (tmp_path / "site" / "index.html").is_file()


def test_build_of_paths_that_do_not_exist_stops_before_anything(sqlite_url, tmp_path):
    result = CliRunner().invoke(main, ["build", "--db", sqlite_url, str(tmp_path / "nope"), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1 and f"no such file or folder: {tmp_path / 'nope'}" in result.output
    assert not (tmp_path / "site").exists() and not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_build_with_bad_rules_stops_before_ingesting(sqlite_url, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[2] / "rules", rules)
    qa = rules / "qa.yaml"
    qa.write_text(qa.read_text(encoding="utf-8").replace("  threshold: 0.5", "  threshold: 7"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--db", sqlite_url, str(EXAMPLES), "--out", str(tmp_path / "site"),
                                       "--rules", str(rules)])
    assert result.exit_code == 1 and "no message would be a question" in result.output
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists() and not (tmp_path / "site").exists()
