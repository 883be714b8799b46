"""kb build's first build of many logs: the ingest runs in a forked process while pkuseg's model loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import build, main
from kb.errors import KbError
from kb.ingest import discover
from kb.nlp import parallel, segment
from kb.store import open_db

pytestmark = pytest.mark.skipif(not parallel.can_fork(2), reason="needs fork")


def run_build(logs: Path, rules: Path, out: Path, db_url: str, *more: str):
    result = CliRunner().invoke(main, ["build", str(logs), "--out", str(out), "--rules", str(rules), "--db", db_url,
                                       *more])
    return result


def counts(db_url: str) -> dict[str, int]:
    with open_db(db_url).connect() as conn:
        return {table: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
                for table in ("sources", "messages", "terms", "mentions", "qa_pairs", "segments")}


def test_a_first_build_ingests_while_the_model_loads_and_builds_the_same(workspace, tmp_path, monkeypatch, db_url):
    rules, logs = workspace
    plain = run_build(logs, rules, tmp_path / "plain", f"sqlite:///{tmp_path / 'plain.sqlite'}")
    assert plain.exit_code == 0, plain.output
    segment.release_model()
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 1)
    early: list[bool] = []
    load_early = segment.load_early
    monkeypatch.setattr(segment, "load_early", lambda: early.append(True) or load_early())
    url = db_url  # SQLite, and PostgreSQL when configured: the ingesting process opens its own connections
    result = run_build(logs, rules, tmp_path / "early", url)
    assert result.exit_code == 0, result.output
    assert early == [True]
    # the same lines (but the seconds) and the same database
    assert [line.split(" (")[0] for line in result.output.splitlines()[:2]] == \
        [line.split(" (")[0] for line in plain.output.splitlines()[:2]]
    assert counts(url) == counts(f"sqlite:///{tmp_path / 'plain.sqlite'}")
    assert segment._base_model.cache_info().currsize == 0  # released once the texts were cut, as if loaded for them
    assert not segment.model_kept()


def test_only_a_first_build_of_many_logs_with_several_cores_loads_the_model_early(workspace, tmp_path, monkeypatch):
    rules, logs = workspace
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    engine, files = open_db(url), discover([logs])
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 1)
    assert build._model_needed_next(engine, files, None) and not build._model_needed_next(engine, files, 1)
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 10**9)
    assert not build._model_needed_next(engine, files, None)  # the examples are a few kB
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 1)
    assert run_build(logs, rules, tmp_path / "site", url).exit_code == 0
    assert not build._model_needed_next(engine, files, None)  # something is segmented: not a first build


def test_an_error_of_the_ingest_is_the_builds(workspace, tmp_path, monkeypatch):
    import kb.ingest

    rules, logs = workspace
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 1)
    monkeypatch.setattr(segment, "load_early", lambda: None)

    def broken(*args, **kwargs):
        raise KbError("logs/paydemo/2024-03-04-chat.markdown:7: cannot be read")
    monkeypatch.setattr(kb.ingest, "ingest", broken)
    result = run_build(logs, rules, tmp_path / "site", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    assert result.exit_code == 1
    assert "2024-03-04-chat.markdown:7: cannot be read" in result.output
    assert not (tmp_path / "site").exists()


def test_an_ingest_that_dies_says_so(workspace, tmp_path, monkeypatch):
    import os

    import kb.ingest

    rules, logs = workspace
    monkeypatch.setattr(build, "EARLY_MODEL_BYTES", 1)
    monkeypatch.setattr(segment, "load_early", lambda: None)
    monkeypatch.setattr(kb.ingest, "ingest", lambda *args, **kwargs: os._exit(3))
    result = run_build(logs, rules, tmp_path / "site", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    assert result.exit_code == 1 and "ingest stopped (exit status 3) before it reported" in result.output
