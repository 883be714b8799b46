"""The spread factor of the term score: terms come in bursts, chat words are spread evenly."""

from __future__ import annotations

from collections import Counter

import pytest

from kb.extract.terms import Candidate, Msg, concentration, score_candidates, spread_factor


@pytest.mark.parametrize("days, n_messages, n_days, expected", [
    (16, 55, 718, 0.30),    # 短款 on the whole corpus: a few threads
    (50, 55, 718, 0.94),    # a chat word: nearly one day per message
    (1, 1, 718, 1.00),      # one message is on one day, as chance predicts
    (3, 30, 3, 1.00),       # every day of a 3-day corpus
    (1, 30, 1, 1.00),       # a single day tells nothing
    (0, 0, 718, 1.00),      # no messages (a glossary term not found)
])
def test_concentration(days, n_messages, n_days, expected):
    assert concentration(days, n_messages, n_days) == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("conc, exponent, expected", [
    (0.5, 0.4, 1.0),                  # the pivot
    (1.0, 0.4, 2 ** -0.4),            # evenly spread: about 0.76
    (0.25, 0.4, 2 ** 0.4),            # bursty: 1.32 -> capped below
    (0.05, 0.4, 1.25),                # the cap
    (0.9, 0.0, 1.0),                  # setting spread: 0 turns the factor off
    (0.0, 0.4, 1.0),
])
def test_spread_factor(conc, exponent, expected):
    assert spread_factor(conc, exponent) == pytest.approx(min(expected, 1.25))


def _candidate(key: str, message_ids: list[int]) -> Candidate:
    return Candidate(key, surfaces=Counter({key: len(message_ids)}), freq=len(message_ids),
                     cvalue=float(len(message_ids)), pmi=8.0, entropy=4.0, messages=set(message_ids))


@pytest.mark.parametrize("spread, bursty_first", [(0.4, True), (0.0, False)])
def test_a_bursty_term_outranks_an_evenly_spread_word_of_the_same_frequency(spread, bursty_first):
    # 20 messages each, 5 speakers each; the term on 4 days (5 a day), the chat word on 20 days.
    # Latin keys: both get the same fixed specificity, so only the days differ.
    messages = []
    for day in range(100):
        for j in range(5):
            messages.append(Msg(id=len(messages), day=f"d{day:03d}", speaker=f"s{j}", text="", question=False))
    term = _candidate("chargeback", [d * 5 + j for d in (10, 11, 40, 41) for j in range(5)])
    chat = _candidate("anyway", [d * 5 + (d // 5) % 5 for d in range(0, 100, 5)])
    cands = {c.key: c for c in (term, chat)}
    score_candidates(cands, messages, Counter(), 10_000, lambda text: [text], spread=spread)
    assert term.signals["concentration"] < 0.3 < 0.9 < chat.signals["concentration"]
    if bursty_first:
        assert term.score > chat.score
    else:  # without the factor the evenly spread word wins on days
        assert chat.score > term.score


def _written_by(speakers: int, tokens: list[str]) -> tuple[list[list[str]], list[Msg]]:
    docs = [list(tokens) for _ in range(speakers)]
    return docs, [Msg(i, f"2024-03-{1 + i % 9:02d}", f"写的人{i}", "".join(tokens), False) for i in range(speakers)]


@pytest.mark.parametrize("others, kept", [(3, False), (8, True)])
def test_a_speakers_name_is_no_term_unless_many_others_write_it(others, kept):
    # someone goes by 支付通道 in the group: a name, unless many people write the words themselves
    from kb.extract.terms import statistical_candidates
    from kb.rules.terms import load_term_rules
    rules = load_term_rules(None)
    rules.settings["name_speakers"] = 8
    docs, messages = _written_by(others, ["我们", "的", "支付", "通道", "很", "稳定"])
    plain, _, _ = statistical_candidates(docs, messages, rules, set())
    assert "支付通道" in plain                                        # not a name: always a candidate
    cands, _, _ = statistical_candidates(docs, messages, rules, {"支付通道"})
    assert ("支付通道" in cands) is kept
