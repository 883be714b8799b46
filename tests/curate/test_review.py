"""The review queue and the review loop, driven keystroke by keystroke."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cli.review import run_review
from kb.curate import lifecycle, review
from kb.store import Decision, Term

ORDER = ["备付金", "集中存管", "协议支付", "清算", "大家好", "资金池", "代扣", "清分", "备付金存管"]


def names(engine, ids):
    with Session(engine) as session:
        return [session.get(Term, i).canonical for i in ids]


def statuses(engine):
    with Session(engine) as session:
        return {t.canonical: t.status for t in session.scalars(select(Term))}


def test_queue_is_best_first_without_decided_terms_and_skips_last(examples_sqlite):
    with Session(examples_sqlite) as session:
        assert names(examples_sqlite, review.queue(session, "alice")) == ORDER
    with lifecycle.transaction(examples_sqlite) as session:
        lifecycle.approve(session, "备付金", "alice")
        lifecycle.skip(session, "集中存管", "alice")
        lifecycle.reject(session, "大家好", "bob")
    with Session(examples_sqlite) as session:
        assert names(examples_sqlite, review.queue(session, "alice")) == [
            "协议支付", "清算", "资金池", "代扣", "清分", "备付金存管", "集中存管"]
        # bob did not skip it: his queue keeps the score order
        assert names(examples_sqlite, review.queue(session, "bob"))[0] == "集中存管"
        p = review.progress(session, "alice")
        assert (p.decided, p.candidates, p.skipped, p.total) == (2, 7, 1, 9)


def test_card_shows_real_messages_with_highlights_definitions_and_variants(examples_sqlite):
    with Session(examples_sqlite) as session:
        card = review.card(session, lifecycle.find_term(session, "备付金"))
    assert card.canonical == "备付金" and card.score == 9.0 and card.signals["freq"] == 9
    assert 3 <= len(card.examples) <= 5
    for ex in card.examples:
        assert ex.date is not None and ex.speaker
        assert ex.spans and all(ex.text[s:e] == "备付金" for s, e in ex.spans)
    assert card.definitions[0].startswith("备付金是指支付机构")
    assert "备付金存管" in card.variants


class Keys:
    """A key source for the loop: one key per call, then 'q'."""

    def __init__(self, keys: str) -> None:
        self.keys = list(keys)

    def __call__(self) -> str:
        return self.keys.pop(0) if self.keys else "q"


def drive(engine, keys: str, answers=(), curator="alice", edits=()):
    out = io.StringIO()
    answers, edits = list(answers), list(edits)
    counts = run_review(engine, curator, getkey=Keys(keys), ask=lambda _text: answers.pop(0),
                        edit=lambda _card: edits.pop(0), out=Console(file=out, width=120))
    return counts, out.getvalue()


def test_review_loop_keystroke_by_keystroke(examples_sqlite):
    # 备付金: a; 集中存管: 1 is not offered (no candidate definition) → stays; e edits then a;
    # 协议支付: s; 清算: r; 大家好: m → 资金池; then u undoes that merge and 大家好 comes back: r; q
    counts, screen = drive(examples_sqlite, "aeasrmurq", answers=["资金池"],
                           edits=[{"english": "centralized deposit", "category": "备付金"}])
    assert statuses(examples_sqlite) == {
        "备付金": "approved", "集中存管": "approved", "协议支付": "candidate", "清算": "rejected",
        "大家好": "rejected", "资金池": "candidate", "代扣": "candidate", "清分": "candidate",
        "备付金存管": "candidate"}
    assert dict(counts) == {"approved": 2, "edited": 1, "skipped": 1, "rejected": 2, "merged": 1, "undone": 1}
    with Session(examples_sqlite) as session:
        term = lifecycle.find_term(session, "集中存管")
        assert (term.english, term.category) == ("centralized deposit", "备付金")
        actions = [(d.action, d.term) for d in session.scalars(select(Decision).order_by(Decision.id))]
    assert actions == [("approve", "备付金"), ("edit", "集中存管"), ("approve", "集中存管"), ("skip", "协议支付"),
                       ("reject", "清算"), ("merge", "大家好"), ("undo", "大家好"), ("reject", "大家好")]
    # the screen: progress, the term, a highlighted real message with date and speaker, the keys
    assert "0/9 decided · 9 left" in screen
    assert "备付金   score 9.00" in screen
    assert "2024-03-04 09:06 老周 (paydemo) 备付金是指支付机构" in screen
    assert "candidate definitions" in screen and "1. 备付金是指" in screen
    assert "a approve" in screen and "q quit" in screen
    assert "undid 大家好" in screen


def test_review_resumes_where_the_curator_stopped(examples_sqlite):
    drive(examples_sqlite, "asq")  # approve 备付金, skip 集中存管, quit
    _counts, screen = drive(examples_sqlite, "q")
    first_card = screen.split("score")[0]
    assert "协议支付" in first_card and "1/9 decided" in screen and "(1 skipped by you)" in screen


def test_approve_with_a_candidate_definition_key(examples_sqlite):
    drive(examples_sqlite, "1q")
    with Session(examples_sqlite) as session:
        term = lifecycle.find_term(session, "备付金")
        assert term.status == "approved" and term.definition.startswith("备付金是指支付机构")


def test_stale_screen_is_refused_and_shown_again(examples_sqlite):
    """Bob rejects the term while Alice looks at it: Alice's 'a' is refused, she sees the next screen fresh."""
    def bob_first():
        keys = iter("aq")

        def getkey():
            key = next(keys)
            if key == "a":
                with lifecycle.transaction(examples_sqlite) as session:
                    lifecycle.reject(session, "备付金", "bob")
            return key
        return getkey

    out = io.StringIO()
    run_review(examples_sqlite, "alice", getkey=bob_first(), ask=lambda _t: "", out=Console(file=out, width=200))
    screen = out.getvalue()
    assert "was changed by bob" in screen and "nothing was written" in screen
    assert statuses(examples_sqlite)["备付金"] == "rejected"


@pytest.mark.parametrize(("keys", "message"), [
    ("x", "unknown key 'x'"),
    ("u", "alice has no decision to undo"),
    ("m", None),  # merge with an empty answer changes nothing
])
def test_keys_that_change_nothing(examples_sqlite, keys, message):
    _counts, screen = drive(examples_sqlite, keys + "q", answers=[""])
    if message:
        assert message in screen
    assert set(statuses(examples_sqlite).values()) == {"candidate"}
