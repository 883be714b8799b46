"""kb term, kb review and kb glossary through the real command line (CliRunner on kb.cli.main)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cli import main
from kb.store import Decision, Term, open_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "curate"))
from curate_helpers import add_candidates  # noqa: E402

GLOSSARY = Path(__file__).resolve().parents[2] / "glossary"


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    add_candidates(open_db(url), [("备付金", 3.0, []), ("资金池", 2.0, []), ("大家好", 1.0, []),
                                  ("代扣", 0.5, ["委托扣款"])])
    return url


def kb(db, *args, input=None):
    return CliRunner().invoke(main, [*args, "--db", db], input=input, env={"KB_CURATOR": "alice"},
                              terminal_width=100)


def status(db):
    with Session(open_db(db)) as session:
        return {t.canonical: t.status for t in session.scalars(select(Term))}


def test_term_commands_print_what_they_did(db):
    steps = [
        (["term", "approve", "备付金", "--definition", "客户的钱"], "approved 备付金 (version 2) · decision #1 by alice\n"),
        (["term", "reject", "大家好", "--note", "问候语", "--curator", "bob"],
         "rejected 大家好 (version 2) · decision #2 by bob\n"),
        (["term", "merge", "委托扣款", "--into", "资金池"], "merged 代扣 into 资金池 (0 mentions moved) (version 2) · "
                                                       "decision #3 by alice\n"),
        (["term", "edit", "备付金", "--english", "reserve funds", "--related", "资金池", "--related", "集中存管"],
         "edited 备付金: english: — → reserve funds; related: — → 资金池, 集中存管 (version 3) · decision #4 by alice\n"
         "warning: no term (or a rejected one) is called 集中存管: the wiki shows it as related without a link\n"),
        (["term", "alias", "备付金", "客户备付金"], "added alias 客户备付金 of 备付金 (version 4) · decision #5 by alice\n"),
        (["term", "alias", "备付金", "客户备付金", "--remove"],
         "removed alias 客户备付金 of 备付金 (version 5) · decision #6 by alice\n"),
        (["term", "undo"], "undid decision #6 on 备付金 · decision #7 by alice\n"),
    ]
    for args, output in steps:
        result = kb(db, *args)
        assert (result.exit_code, result.output) == (0, output), args
    assert status(db) == {"备付金": "approved", "资金池": "candidate", "大家好": "rejected", "代扣": "merged"}


def test_term_show_lists_fields_and_history(db):
    kb(db, "term", "approve", "备付金", "--definition", "客户的钱")
    kb(db, "term", "edit", "备付金", "--category", "备付金")
    result = kb(db, "term", "show", "備付金")
    assert result.exit_code == 0
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[:3] == ["term        备付金", "status      approved", "version     3"]
    assert "definition  客户的钱" in lines and "category    备付金" in lines
    assert "decisions" in result.output and "approve" in result.output and "category: — → 备付金" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["term", "approve", "没有"], "Error: no term '没有' (key '没有'); `kb terms` lists the candidates\n"),
    (["term", "edit", "备付金", "--english", "x", "--expect-version", "7"],
     "Error: '备付金' has no version 7: it is at version 1 (kb term show 备付金); nothing was written.\n"),
    (["term", "edit", "备付金"], "Error: nothing to edit: give at least one field\n"),
    (["term", "merge", "资金池", "--into", "大家好"], None),
    (["review", "--undo"], "Error: alice has no decision to undo\n"),
])
def test_refusals_exit_1_with_one_line(db, args, message):
    if args[:2] == ["term", "merge"]:
        kb(db, "term", "reject", "大家好")
        message = "Error: cannot merge into '大家好': it is rejected\n"
    result = kb(db, *args)
    assert (result.exit_code, result.output) == (1, message)


def test_stale_edit_is_refused_on_the_command_line(db):
    assert kb(db, "term", "edit", "备付金", "--english", "a", "--expect-version", "1").exit_code == 0
    result = kb(db, "term", "edit", "备付金", "--english", "b", "--expect-version", "1", "--curator", "bob")
    assert result.exit_code == 1
    assert "'备付金' was changed by alice at " in result.output
    assert "(you saw version 1, it is now version 2); nothing was written" in result.output


def test_review_without_a_terminal_says_what_to_use_instead(db, monkeypatch):
    import click

    def no_terminal(echo=False):
        raise OSError(6, "No such device or address", "/dev/tty")

    monkeypatch.setattr(click, "getchar", no_terminal)
    result = kb(db, "review")
    assert result.exit_code == 1
    assert "needs an interactive terminal; in scripts use kb term approve" in result.output
    assert "/dev/tty" not in result.output


def test_review_reads_single_keys_from_the_terminal(db):
    # 备付金: a; 资金池: s; 大家好: r; 代扣: m, then the target at the prompt; the queue ends with 资金池 (skipped)
    result = kb(db, "review", input="asrm备付金\nq")
    assert result.exit_code == 0, result.output
    assert status(db) == {"备付金": "approved", "资金池": "candidate", "大家好": "rejected", "代扣": "merged"}
    assert "kb review · 0/4 decided · 4 left" in result.output
    assert "merge 代扣 into: 备付金" in result.output
    assert result.output.endswith("review by alice: 1 approved, 1 merged, 1 rejected, 1 skipped\n")
    with Session(open_db(db)) as session:
        assert [d.action for d in session.scalars(select(Decision).order_by(Decision.id))] == [
            "approve", "skip", "reject", "merge"]
    # resume: the next session starts at the skipped term, the only one left
    again = kb(db, "review", input="q")
    assert "3/4 decided · 1 left (1 skipped by you)" in again.output and "资金池" in again.output


def test_review_edit_prompts_for_fields_when_there_is_no_editor(db):
    result = CliRunner().invoke(main, ["review", "--db", db], input="e客户的钱\nreserve funds\n\n\naq",
                                env={"KB_CURATOR": "alice", "EDITOR": "", "VISUAL": ""})
    assert result.exit_code == 0, result.output
    with Session(open_db(db)) as session:
        term = session.scalars(select(Term).where(Term.canonical == "备付金")).one()
        assert (term.status, term.definition, term.english) == ("approved", "客户的钱", "reserve funds")


def test_review_undo_flag(db):
    kb(db, "term", "approve", "备付金")
    result = kb(db, "review", "--undo")
    assert (result.exit_code, result.output) == (0, "undid decision #1 on 备付金 (curator alice)\n")
    assert status(db)["备付金"] == "candidate"


def test_glossary_import_export_and_conflict(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    result = kb(url, "glossary", "import", str(GLOSSARY))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"imported {GLOSSARY}: 55 new, 0 updated, 0 rejected, 0 unchanged, 0 conflicts")
    out = tmp_path / "out"
    result = kb(url, "glossary", "export", str(out))
    assert (result.exit_code, result.output) == (0, f"exported 55 approved and 0 rejected terms to 7 files in {out}\n")
    kb(url, "term", "edit", "备付金", "--notes", "newer than the export")
    result = kb(url, "glossary", "import", str(GLOSSARY))
    assert result.exit_code == 1
    assert "1 conflicts" in result.output
    assert "conflict 备付金: alice changed it in the database (edit, " in result.output
    assert result.output.endswith("Error: 1 term(s) not imported; see above\n")
    result = kb(url, "glossary", "import", str(GLOSSARY), "--force")
    assert result.exit_code == 0 and "0 new, 1 updated" in result.output


def test_review_edit_in_the_editor(monkeypatch):
    """With $EDITOR set on a terminal, 'e' opens the fields as YAML; only changed fields come back."""
    import click

    seen = {}

    def fake_edit(text, extension):
        seen["text"], seen["extension"] = text, extension
        return text.replace("definition: null", "definition: |\n  两行的\n  定义").replace("related: []", "related: [资金池]")

    monkeypatch.setattr(click, "edit", fake_edit)
    from kb.cli import review as review_cli
    monkeypatch.setattr(review_cli.sys, "stdin", type("Tty", (), {"isatty": staticmethod(lambda: True)})())
    monkeypatch.setenv("EDITOR", "vi")
    from kb.curate import review
    card = review.Card(term_id=1, canonical="备付金", version=1, status="candidate", score=1.0, signals={},
                       n_mentions=0, definition=None, english="reserve funds", category=None, aliases=[])
    changes = review_cli.edit_fields(card)
    assert seen["extension"] == ".yaml" and "# Edit 备付金" in seen["text"]
    assert changes == {"definition": "两行的\n定义\n", "related": ["资金池"]}


def test_review_refuses_before_drawing_anything_when_no_key_can_be_read(monkeypatch):
    import builtins

    from click import termui

    from kb.cli import review

    real_open = builtins.open

    def no_tty(path, *args, **kwargs):
        if path == "/dev/tty":
            raise OSError(6, "No such device or address", "/dev/tty")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(termui, "_getchar", None)  # not under a test runner's input
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    monkeypatch.setattr(builtins, "open", no_tty)
    assert review._keys_readable() is False
    monkeypatch.setattr(builtins, "open", real_open)
    monkeypatch.setattr(termui, "_getchar", lambda echo=False: "q")
    assert review._keys_readable() is True


def test_term_show_of_the_target_lists_the_merges_into_it(db):
    kb(db, "term", "merge", "代扣", "--into", "资金池")
    kb(db, "term", "undo")
    result = kb(db, "term", "show", "资金池")
    assert result.exit_code == 0
    assert "代扣 merged into it (0 mentions moved)" in result.output
    assert "undoes #1: 代扣 is no longer merged into it" in result.output
