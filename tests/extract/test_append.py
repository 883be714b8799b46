"""New files are appended to the last extraction; anything else extracts everything again (kb.extract.append)."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main
from kb.extract import append as ap
from kb.extract import extract
from kb.extract.fingerprint import fingerprint, stored, stored_state
from kb.extract.qa import link_days, linking_inputs, load_days, message_terms, stored_counts
from kb.ingest import discover, ingest
from kb.rules.qa import load_qa_rules
from kb.store import open_db
from kb.store.models import Definition, Mention, Message, QAAnswer, QAPair, Setting, Source, Term

HELD = "paydemo/2024-03-05-chat.markdown"  # 12 of the examples' 37 messages


@pytest.fixture
def built(db_url, tmp_path, workspace):
    """The examples without one day, ingested and extracted in full; the held day beside them."""
    rules, logs = workspace
    held = tmp_path / "held.markdown"
    shutil.move(logs / HELD, held)
    engine = open_db(db_url)
    ingest(engine, discover([logs]))
    first = extract(engine, rules_dir=str(rules), skip_unchanged=True)
    assert first.appended is None and first.terms.candidates > 0
    yield engine, rules, logs, held
    engine.dispose()


def add_the_day(engine, logs, held):
    shutil.copy(held, logs / HELD)
    ingest(engine, discover([logs]))


def new_source_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(Source.id).where(Source.key == HELD)).scalar_one()


def rows(engine, table, *columns, where=None):
    query = sa.select(*columns)
    if where is not None:
        query = query.where(where)
    with engine.connect() as conn:
        return sorted((tuple(row) for row in conn.execute(query)), key=repr)  # PostgreSQL cannot order by JSON


def snapshot(engine):
    """What appending must leave as it was: the terms' statistics, and the output of the old messages."""
    return {
        "terms": rows(engine, Term, Term.id, Term.key, Term.canonical, Term.status, Term.score, Term.signals),
        "mentions": rows(engine, Mention, Mention.term_id, Mention.message_id, Mention.start, Mention.end),
        "definitions": rows(engine, Definition, Definition.term_id, Definition.message_id, Definition.text),
        "pairs": rows(engine, QAPair, QAPair.id, QAPair.question_id, QAPair.score),
        "answers": rows(engine, QAAnswer, QAAnswer.pair_id, QAAnswer.message_id, QAAnswer.score),
    }


def test_a_new_file_is_appended_and_the_rest_left_as_it_was(built):
    engine, rules, logs, held = built
    before = snapshot(engine)
    add_the_day(engine, logs, held)
    report = extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)

    assert report.appended is not None and report.appended.source_ids == [new_source_id(engine)]
    assert report.appended.messages == 12 and report.appended.files == [HELD]
    assert 0 < report.terms.messages <= 12  # only the new messages were read
    assert report.terms.segments.texts == report.terms.segments.segmented  # and only their texts cut
    after = snapshot(engine)
    assert after["terms"] == before["terms"]  # no rescoring, no new candidates
    for name in ("mentions", "definitions", "pairs", "answers"):
        assert set(before[name]) <= set(after[name]), name  # nothing of the old messages changed or went
    new_messages = {mid for (mid,) in rows(engine, Message, Message.id, where=Message.source_id == new_source_id(engine))}
    added = set(after["mentions"]) - set(before["mentions"])
    assert added and {m for _t, m, _s, _e in added} <= new_messages
    assert report.terms.mentions == len(added)
    assert report.qa["pairs"] == len(after["pairs"]) - len(before["pairs"]) > 0
    new_pairs = set(after["pairs"]) - set(before["pairs"])
    assert {q for _id, q, _s in new_pairs} <= new_messages
    assert min(pid for pid, _q, _s in new_pairs) > max(pid for pid, _q, _s in before["pairs"])
    # each term's mention count is that of its mentions, old and new
    with engine.connect() as conn:
        counted = dict(conn.execute(sa.select(Mention.term_id, sa.func.count()).group_by(Mention.term_id)).all())
        stored_counts = dict(conn.execute(sa.select(Term.id, Term.n_mentions)).all())
    assert {tid: n for tid, n in stored_counts.items() if n} == counted


def test_appended_days_are_linked_with_the_rarity_of_all_messages(built):
    engine, rules, logs, held = built
    add_the_day(engine, logs, held)
    extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)

    _days, weights, _aliases = linking_inputs(engine)  # over every message, the new ones included
    with engine.connect() as conn:
        state = conn.execute(sa.select(Setting.value).where(Setting.key == ap.LINKING_SETTING)).scalar_one()
        source = [new_source_id(engine)]
        new_days = list(load_days(conn, message_terms(conn, source), source).values())
        stored_pairs = [(q, s) for q, s in conn.execute(
            sa.select(QAPair.question_id, QAPair.score).join(Message, Message.id == QAPair.question_id)
            .where(Message.source_id == source[0]).order_by(QAPair.id))]
    assert state["n"] == sum(len(day) for day in _days)  # the counts kept are those of all messages
    assert stored_counts(state).weights() == pytest.approx(weights)
    expected = link_days(new_days, load_qa_rules(rules), weights, state["aliases"], workers=1)
    assert stored_pairs == [(p.question.id, p.score) for p in expected] and stored_pairs


def test_nothing_changed_after_appending_skips(built):
    engine, rules, logs, held = built
    add_the_day(engine, logs, held)
    extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert stored(engine) == fingerprint(engine, rules)
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0).skipped
    state = stored_state(engine)
    assert state["appended_messages"] == 12 and state["appended_files"] == [HELD]


def edit_rules(engine, rules, logs, held):
    with open(rules / "stoplist.yaml", "a", encoding="utf-8") as f:
        f.write("\n# a curator's note\n")


def reject_a_term(engine, rules, logs, held):
    with engine.begin() as conn:
        term_id = conn.execute(sa.select(Term.id).order_by(Term.score.desc()).limit(1)).scalar()
        conn.execute(sa.update(Term).where(Term.id == term_id).values(status="rejected"))


def change_an_old_file(engine, rules, logs, held):
    path = logs / "paydemo" / "2024-03-04-chat.markdown"
    path.write_text(path.read_text(encoding="utf-8") + "\n> 23:59:00  Late Speaker\n备付金要集中存管吗？\n",
                    encoding="utf-8")
    ingest(engine, discover([logs]))


@pytest.mark.parametrize("change", [edit_rules, reject_a_term, change_an_old_file])
def test_any_other_change_with_a_new_file_extracts_everything(built, change):
    engine, rules, logs, held = built
    change(engine, rules, logs, held)
    add_the_day(engine, logs, held)
    report = extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert report.appended is None and not report.skipped
    state = stored_state(engine)
    assert state["appended_messages"] == 0 and state["full_messages"] == state["messages"]


def test_past_the_limit_or_forced_extracts_everything(built):
    engine, rules, logs, held = built
    add_the_day(engine, logs, held)
    # 12 new messages on 25: more than the default 2 %
    assert ap.plan(engine, str(rules), stored_state(engine)) is None
    assert ap.plan(engine, str(rules), stored_state(engine), limit=0.5) is not None
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True).appended is None
    assert extract(engine, rules_dir=str(rules), skip_unchanged=False, append_limit=1.0).appended is None


def test_the_appended_messages_add_up_to_the_limit(built, tmp_path):
    engine, rules, logs, held = built
    add_the_day(engine, logs, held)
    assert extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=0.5).appended.since_full == 12
    another = logs / "paydemo" / "2024-03-07-chat.markdown"
    shutil.copy(held, another)
    ingest(engine, discover([logs]))
    plan = ap.plan(engine, str(rules), stored_state(engine), limit=0.5)
    assert plan is None  # 24 appended since the full extraction of 25 messages: past 50 %
    plan = ap.plan(engine, str(rules), stored_state(engine), limit=1.0)
    assert plan.since_full == 24 and plan.files == [HELD, "paydemo/2024-03-07-chat.markdown"]


def test_kb_build_says_what_it_appended(built, db_url, tmp_path):
    engine, rules, logs, held = built
    shutil.copy(held, logs / HELD)
    build = ["build", str(logs), "--out", str(tmp_path / "site"), "--rules", str(rules), "--db", db_url]
    result = CliRunner().invoke(main, [*build, "--append-limit", "0.5"])
    assert result.exit_code == 0, result.output
    assert "2/3 extract: appended 1 new file (12 messages)" in result.output
    assert "terms and scores as the last full extraction left them (48.0% more messages since" in result.output
    assert "a full one runs past 50%, or with --force" in result.output
    assert (tmp_path / "site" / "day" / "paydemo").is_dir()
    result = CliRunner().invoke(main, [*build, "--force"])
    assert result.exit_code == 0 and "appended" not in result.output and "candidate terms" in result.output


def test_kb_extract_never_appends_with_a_limit_of_0(built, db_url):
    engine, rules, logs, held = built
    add_the_day(engine, logs, held)
    result = CliRunner().invoke(main, ["extract", "--rules", str(rules), "--db", db_url, "--append-limit", "0"])
    assert result.exit_code == 0 and "appended" not in result.output
    result = CliRunner().invoke(main, ["extract", "--rules", str(rules), "--db", db_url, "--append-limit", "2"])
    assert result.exit_code == 2 and "--append-limit" in result.output


def test_a_file_changed_and_changed_back_extracts_everything(built):
    engine, rules, logs, held = built
    old = logs / "paydemo" / "2024-03-04-chat.markdown"
    text = old.read_text(encoding="utf-8")
    old.write_text(text.replace("支付", "支付 ", 1), encoding="utf-8")
    ingest(engine, discover([logs]))  # stored again: its messages (and their output) replaced
    old.write_text(text, encoding="utf-8")
    ingest(engine, discover([logs]))  # the same bytes as extracted, but not the same messages
    add_the_day(engine, logs, held)
    report = extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert report.appended is None and report.terms.mentions == len(rows(engine, Mention, Mention.id))


def test_an_append_cut_short_leaves_the_database_as_it_was(built, monkeypatch):
    engine, rules, logs, held = built
    before = snapshot(engine)
    add_the_day(engine, logs, held)

    def cut_short(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("kb.extract.qa.append_qa", cut_short)  # after append_terms wrote its rows
    with pytest.raises(KeyboardInterrupt):
        extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert snapshot(engine) == before  # nothing of it stayed
    monkeypatch.undo()
    report = extract(engine, rules_dir=str(rules), skip_unchanged=True, append_limit=1.0)
    assert report.appended is not None
    mentions = rows(engine, Mention, Mention.message_id, Mention.start, Mention.term_id)
    assert len(mentions) == len(set(mentions)) == len(before["mentions"]) + report.terms.mentions
