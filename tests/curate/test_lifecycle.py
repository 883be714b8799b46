"""The term lifecycle: decisions, their audit rows, undo, and refusal of stale edits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.curate import audit, lifecycle
from kb.store import Alias, Decision, Definition, Mention, Term


def state(engine, name):
    with Session(engine) as session:
        term = lifecycle.find_term(session, name)
        return audit.snapshot(session, term)


@pytest.mark.parametrize(("action", "kwargs", "expected"), [
    ("approve", {}, {"status": "approved"}),
    ("approve", {"definition": " 客户的钱 "}, {"status": "approved", "definition": "客户的钱"}),
    ("reject", {}, {"status": "rejected"}),
    ("reject", {"note": "问候语"}, {"status": "rejected", "notes": "问候语"}),
    ("edit", {"english": "reserve funds", "category": "备付金"}, {"english": "reserve funds", "category": "备付金"}),
    ("edit", {"related": "资金池, 集中存管，资金池"}, {"related": ["资金池", "集中存管"]}),
    ("edit", {"related": ["资金池"], "notes": ""}, {"related": ["资金池"], "notes": None}),
    ("edit", {"canonical": "備付金"}, {"canonical": "備付金"}),
])
def test_decision_changes_term_and_is_logged(examples_sqlite, action, kwargs, expected):
    with lifecycle.transaction(examples_sqlite) as session:
        getattr(lifecycle, action)(session, "备付金", "alice", **kwargs)
    after = state(examples_sqlite, "备付金")
    for key, value in expected.items():
        assert after[key] == value
    assert after["version"] == 2
    with Session(examples_sqlite) as session:
        [decision] = session.scalars(select(Decision)).all()
    assert (decision.action, decision.curator, decision.term) == (action, "alice", after["canonical"])
    assert decision.before["status"] == "candidate" and decision.before["version"] == 1
    assert decision.after == after


@pytest.mark.parametrize(("action", "args", "kwargs", "message"), [
    ("approve", ("没有这个词",), {}, "no term '没有这个词'"),
    ("edit", ("备付金",), {"status": "approved"}, "cannot edit status"),
    ("edit", ("备付金",), {}, "nothing to edit"),
    ("edit", ("备付金",), {"canonical": "资金池"}, "is not a written form of"),
    ("merge", ("备付金", "备付金"), {}, "into itself"),
    ("add_alias", ("备付金", "资金池"), {}, "use `kb term merge 资金池 --into 备付金`"),
    ("add_alias", ("代扣", "委託扣款"), {}, "already a form of"),
    ("remove_alias", ("代扣", "扣款"), {}, "is not an alias"),
])
def test_refused_decisions_write_nothing(examples_sqlite, action, args, kwargs, message):
    with pytest.raises(lifecycle.CurateError, match=message.replace("`", ".").replace("(", r"\(")):
        with lifecycle.transaction(examples_sqlite) as session:
            getattr(lifecycle, action)(session, *args, "alice", **kwargs)
    with Session(examples_sqlite) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0


def test_find_term_by_alias_and_variant_forms(examples_sqlite):
    with Session(examples_sqlite) as session:
        assert lifecycle.find_term(session, "委託扣款").canonical == "代扣"  # alias, traditional form
        assert lifecycle.find_term(session, " 備付金 ").canonical == "备付金"


def test_merge_moves_name_aliases_mentions_and_definitions(examples_db):
    with Session(examples_db) as session:
        variant = lifecycle.find_term(session, "代扣")
        n_mentions = session.scalar(select(func.count()).select_from(Mention).where(Mention.term_id == variant.id))
        assert n_mentions > 0
    with lifecycle.transaction(examples_db) as session:
        lifecycle.merge(session, "代扣", "协议支付", "alice")
    with Session(examples_db) as session:
        target = lifecycle.find_term(session, "协议支付")
        merged = session.scalars(select(Term).where(Term.canonical == "代扣")).one()
        assert merged.status == "merged" and merged.merged_into_id == target.id
        assert sorted((a.alias, a.origin) for a in target.aliases) == [("代扣", "merged"), ("委托扣款", "extracted")]
        assert session.scalar(select(func.count()).select_from(Mention).where(Mention.term_id == merged.id)) == 0
        moved = session.scalar(select(func.count()).select_from(Mention).where(
            Mention.term_id == target.id, Mention.surface == "代扣"))
        assert moved == n_mentions
        # a merged term cannot be approved on its own
        with pytest.raises(lifecycle.CurateError, match="is merged into '协议支付'"):
            lifecycle.approve(session, merged, "alice")


def test_undo_reverts_each_kind_of_decision_in_turn(examples_db):
    start = {name: state(examples_db, name) for name in ("备付金", "代扣", "协议支付", "大家好")}
    with lifecycle.transaction(examples_db) as session:
        lifecycle.approve(session, "备付金", "alice", definition="客户的钱")
        lifecycle.edit(session, "备付金", "alice", english="reserve funds")
        lifecycle.reject(session, "大家好", "alice")
        lifecycle.merge(session, "代扣", "协议支付", "alice")
        lifecycle.add_alias(session, "协议支付", "协议扣款", "alice")
        lifecycle.skip(session, "资金池", "alice")
        lifecycle.approve(session, "清算", "bob")  # another curator's decision is not alice's to undo
    for _ in range(6):
        with lifecycle.transaction(examples_db) as session:
            lifecycle.undo(session, "alice")
    for name, before in start.items():
        now = state(examples_db, name)
        assert {k: v for k, v in now.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}
    with Session(examples_db) as session:
        assert lifecycle.find_term(session, "清算").status == "approved"
        merged_back = lifecycle.find_term(session, "代扣")
        assert session.scalar(select(func.count()).select_from(Mention).where(Mention.term_id == merged_back.id)) > 0
        actions = [(d.action, d.undoes_id is not None) for d in session.scalars(select(Decision).order_by(Decision.id))]
    assert actions.count(("undo", True)) == 6
    with pytest.raises(lifecycle.CurateError, match="alice has no decision to undo"):
        with lifecycle.transaction(examples_db) as session:
            lifecycle.undo(session, "alice")


def test_audit_log_is_append_only(examples_sqlite):
    with lifecycle.transaction(examples_sqlite) as session:
        lifecycle.approve(session, "备付金", "alice")
    with Session(examples_sqlite) as session:
        first = [(d.id, d.action, d.before, d.after) for d in session.scalars(select(Decision))]
    with lifecycle.transaction(examples_sqlite) as session:
        lifecycle.undo(session, "alice")
        lifecycle.reject(session, "备付金", "alice")
    with Session(examples_sqlite) as session:
        rows = [(d.id, d.action, d.before, d.after) for d in session.scalars(select(Decision).order_by(Decision.id))]
    assert rows[0] == first[0]
    assert [r[1] for r in rows] == ["approve", "undo", "reject"]


def test_undo_refuses_when_someone_changed_the_term_since(examples_sqlite):
    with lifecycle.transaction(examples_sqlite) as session:
        lifecycle.approve(session, "备付金", "alice")
        lifecycle.edit(session, "备付金", "bob", english="reserve funds")
    with pytest.raises(lifecycle.StaleEdit, match="changed afterwards by bob"):
        with lifecycle.transaction(examples_sqlite) as session:
            lifecycle.undo(session, "alice")
    assert state(examples_sqlite, "备付金")["status"] == "approved"


def test_stale_expected_version_is_refused(db_url):
    """The screen showed version 1; someone else's edit made it 2: the change is refused, nothing written."""
    from kb.store import open_db
    from curate_helpers import add_candidates
    engine = open_db(db_url)
    add_candidates(engine, [("备付金", 1.0, [])])
    with lifecycle.transaction(engine) as session:
        seen = lifecycle.find_term(session, "备付金").version
    with lifecycle.transaction(engine) as session:
        lifecycle.edit(session, "备付金", "alice", definition="甲的定义", expected_version=seen)
    with pytest.raises(lifecycle.StaleEdit, match=r"changed by alice .*\(you saw version 1, it is now version 2\)"):
        with lifecycle.transaction(engine) as session:
            lifecycle.edit(session, "备付金", "bob", definition="乙的定义", expected_version=seen)
    assert state(engine, "备付金")["definition"] == "甲的定义"
    engine.dispose()


def test_concurrent_sessions_second_edit_is_refused(db_url):
    """Two curators load the same term; the first commits; the second's flush finds the version moved on."""
    from kb.store import open_db
    from curate_helpers import add_candidates
    engine = open_db(db_url)
    add_candidates(engine, [("备付金", 1.0, [])])
    first, second = Session(engine), Session(engine)
    try:
        term_a = lifecycle.find_term(first, "备付金")
        term_b = lifecycle.find_term(second, "备付金")
        assert term_a.version == term_b.version == 1
        lifecycle.edit(first, term_a, "alice", definition="甲的定义")
        first.commit()
        with pytest.raises(lifecycle.StaleEdit, match="changed by alice .*nothing was written"):
            lifecycle.edit(second, term_b, "bob", definition="乙的定义")
    finally:
        first.close()
        second.close()
    after = state(engine, "备付金")
    assert (after["definition"], after["version"]) == ("甲的定义", 2)
    with Session(engine) as session:
        assert [d.curator for d in session.scalars(select(Decision))] == ["alice"]
    engine.dispose()


def test_default_curator(monkeypatch):
    monkeypatch.setenv("KB_CURATOR", "carol")
    assert lifecycle.default_curator(None) == "carol"
    assert lifecycle.default_curator("dave") == "dave"
    monkeypatch.delenv("KB_CURATOR")
    assert lifecycle.default_curator(None)  # the OS user


def test_merging_what_is_merged_already_or_approved_says_so(examples_db):
    with lifecycle.transaction(examples_db) as session:
        lifecycle.merge(session, "代扣", "协议支付", "alice")
        lifecycle.approve(session, "备付金", "alice", definition="客户的钱")
    with lifecycle.transaction(examples_db) as session:
        with pytest.raises(lifecycle.CurateError, match="'代扣' is already merged into '协议支付'"):
            lifecycle.merge(session, "代扣", "协议支付", "alice")
        with pytest.raises(lifecycle.CurateError, match="'代扣' is already an alias of '协议支付'"):
            lifecycle.add_alias(session, "协议支付", "代扣", "alice")
        # an approved term keeps its curated fields unless the curator insists
        with pytest.raises(lifecycle.CurateError, match="approved term .its definition would no longer be shown.*--force"):
            lifecycle.merge(session, "备付金", "资金池", "alice")
    with lifecycle.transaction(examples_db) as session:
        lifecycle.merge(session, "备付金", "资金池", "alice", force=True)
    assert state(examples_db, "备付金")["status"] == "merged"


def test_a_term_is_found_by_its_id_too_and_a_future_version_is_no_stale_edit(examples_sqlite):
    with Session(examples_sqlite) as session:
        term = lifecycle.find_term(session, "备付金")
        assert lifecycle.find_term(session, str(term.id)) is term
        assert lifecycle.find_term(session, f"#{term.id}") is term
    with pytest.raises(lifecycle.CurateError, match="'备付金' has no version 99: it is at version 1"):
        with lifecycle.transaction(examples_sqlite) as session:
            lifecycle.approve(session, "备付金", "alice", expected_version=99)


def test_rejecting_an_approved_term_needs_force(examples_db):
    with lifecycle.transaction(examples_db) as session:
        lifecycle.approve(session, "备付金", "alice")
    with pytest.raises(lifecycle.CurateError, match="'备付金' is an approved term; to reject it all the same, give --force"):
        with lifecycle.transaction(examples_db) as session:
            lifecycle.reject(session, "备付金", "bob")
    with lifecycle.transaction(examples_db) as session:
        lifecycle.reject(session, "备付金", "bob", force=True)
    assert state(examples_db, "备付金")["status"] == "rejected"


def test_merging_a_name_the_extractor_already_gave_the_target_makes_it_curated(examples_db, tmp_path):
    # T+0 may already have t0 among the written forms the extractor found; merging T0 into it is then
    # a curator's decision all the same: the alias becomes the merged name (the glossary exports it), and
    # undo gives the extractor its form back
    from kb.curate import glossary_yaml

    with lifecycle.transaction(examples_db) as session:
        target = lifecycle.find_term(session, "协议支付")
        target.aliases.append(Alias(alias="代扣", key="代扣", origin="extracted"))
        lifecycle.approve(session, "协议支付", "alice")
        lifecycle.merge(session, "代扣", "协议支付", "alice")
    with Session(examples_db) as session:
        forms = {(a.alias, a.origin) for a in lifecycle.find_term(session, "协议支付").aliases}
    assert ("代扣", "merged") in forms and ("代扣", "extracted") not in forms
    glossary_yaml.export_glossary(examples_db, tmp_path / "g")
    assert "- 代扣" in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "g").glob("*.yaml"))
    with lifecycle.transaction(examples_db) as session:
        lifecycle.undo(session, "alice")
    with Session(examples_db) as session:
        forms = {(a.alias, a.origin) for a in lifecycle.find_term(session, "协议支付").aliases}
    assert ("代扣", "extracted") in forms and ("代扣", "merged") not in forms


def test_control_characters_do_not_reach_the_curated_fields(examples_sqlite):
    # a pasted \r\n or \x0b would make the TBX export ill-formed XML
    with lifecycle.transaction(examples_sqlite) as session:
        lifecycle.edit(session, "备付金", "alice", english="line1\r\nline2\x0bX", definition="客户的钱\r\n第二行\x0b。")
    after = state(examples_sqlite, "备付金")
    assert after["english"] == "line1 line2 X" and after["definition"] == "客户的钱\n第二行。"
