"""Extraction is skipped when nothing it reads changed, and runs when any input did."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.extract import extract
from kb.extract.fingerprint import fingerprint, stored
from kb.ingest import discover, ingest
from kb.store import open_db
from kb.store.models import Term


@pytest.fixture
def setup(sqlite_url, tmp_path, workspace):
    rules, logs = workspace
    held = sorted((logs / "paydemo").iterdir())[-1]
    held_copy = tmp_path / held.name
    shutil.move(held, held_copy)
    engine = open_db(sqlite_url)
    ingest(engine, discover([logs]))
    first = extract(engine, rules_dir=str(rules), skip_unchanged=True)
    assert not first.skipped and first.terms.candidates > 0
    assert stored(engine) == fingerprint(engine, rules)
    return engine, rules, logs, held, held_copy


def change_rules(engine, rules, logs, held, held_copy):
    with open(rules / "stoplist.yaml", "a", encoding="utf-8") as f:
        f.write("\n# a curator's note\n")


def change_a_term(engine, rules, logs, held, held_copy):
    with engine.begin() as conn:
        term_id = conn.execute(sa.select(Term.id).order_by(Term.score.desc()).limit(1)).scalar()
        conn.execute(sa.update(Term).where(Term.id == term_id).values(status="rejected"))


def add_a_day(engine, rules, logs, held, held_copy):
    shutil.copy(held_copy, held)
    ingest(engine, discover([logs]))


def test_nothing_changed_skips(setup):
    engine, rules, *_ = setup
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True).skipped
    assert not extract(engine, rules_dir=str(rules)).skipped  # the library runs unless asked to skip


@pytest.mark.parametrize("change", [change_rules, change_a_term, add_a_day])
def test_any_input_change_runs_again(setup, change):
    engine, rules, *_ = setup
    change(*setup)
    again = extract(engine, rules_dir=str(rules), skip_unchanged=True)
    assert not again.skipped
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True).skipped


def test_add_a_day_segments_only_its_new_texts(setup):
    engine, rules, *_ = setup
    before = extract(engine, rules_dir=str(rules)).terms.segments
    add_a_day(*setup)
    after = extract(engine, rules_dir=str(rules), skip_unchanged=True).terms.segments
    assert 0 < after.segmented < after.texts
    assert after.cached == before.texts and after.texts == before.texts + after.segmented


def test_cli_says_nothing_changed_and_force_runs(setup, sqlite_url):
    engine, rules, *_ = setup
    args = ["extract", "--rules", str(rules), "--db", sqlite_url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "kb extract: nothing changed since the last extraction (--force runs it anyway)"
    result = CliRunner().invoke(main, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert "kb extract" in result.output and "nothing changed" not in result.output
