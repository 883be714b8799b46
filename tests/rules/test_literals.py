"""required_strings: one of them is in every match, so a text holding none is skipped safely."""

from __future__ import annotations

import random
import re

import pytest

from kb.rules import DEFAULT_RULES_DIR
from kb.rules.literals import may_match, required_strings
from kb.rules.terms import load_term_rules


@pytest.mark.parametrize("pattern, strings", [
    (r"(?P<term>[\u4e00-\u9fff]{2,16})(?:是指|指的是)(?P<definition>.{4,})", {"是指", "指的是"}),
    (r"所谓的?(?P<term>.{2,16}?)(?:就是|是)", {"所谓"}),                 # the longest sure run
    (r"(?<![0-9])95[0-9]{3}(?![0-9])", {"95"}),
    (r"[TD][01]", {"T", "D"}),                                         # a small character class
    (r"[TDtd]\s?\+\s?[0-9]", {"+"}),                                   # the class with fewer strings
    (r"(?:m|M|智能)?POS(?:机|终端)?", {"POS"}),                          # optional parts do not count
    (r"[A-Z][A-Z0-9]{1,6}", set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    (r"(?:叫做|称为)(?P<term>\w+)", {"叫做", "称为"}),
    (r"x+yz", {"yz"}),                                                 # the longer of two sure parts
    (r"(?:x+)y?", {"x"}),                                              # a repeat of at least one counts
    (r"(?:是|)指", {"指"}),                                            # a branch that may be empty does not
    (r"(?i:pos)机", {"机"}),                                           # nor a case-insensitive group
    (r"(?:ab)+", {"ab"}),
])
def test_required_strings(pattern, strings):
    assert required_strings(re.compile(pattern)) == frozenset(strings)


@pytest.mark.parametrize("pattern", [
    r".{4,}",                  # anything
    r"[^，,]{4,40}",           # a negated class
    r"\w+",                    # a category
    r"(?i)pos",                # case-insensitive: literals would lie
    r"a?b*",                   # may be empty
    r"[\u4e00-\u9fff]{2}",     # a class too wide to list
])
def test_unknown_requirements_run_the_regex_everywhere(pattern):
    found = required_strings(re.compile(pattern))
    assert found is None
    assert may_match("any text", found)


def test_the_shipped_rules_have_requirements_and_skipping_loses_no_match():
    """Every regex and definition rule of rules/ gets a requirement, and on random texts built
    from the rules' own strings a text it rejects never matches."""
    rules = load_term_rules(DEFAULT_RULES_DIR)
    compiled = [r for r in (*rules.regex, *rules.definitions)]
    assert all(r.literals for r in compiled)
    alphabet = list("是指的就所谓也即一种叫做称为简称俗称（）()POS机卡码9516TD+01 支付清算，。ABCmx")
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        for rule in compiled:
            if not may_match(text, rule.literals):
                assert rule.regex.search(text) is None, (rule.name, text)
