"""Loading and validating rules/terms.yaml, rules/definitions.yaml, rules/stoplist.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.rules import DEFAULT_RULES_DIR, RulesError
from kb.rules.terms import load_term_rules


def test_shipped_rules_load():
    rules = load_term_rules()
    assert rules.phrases and rules.token_patterns and rules.regex and rules.definitions and rules.abbreviations
    assert "的" in rules.stop.words
    assert rules.settings["min_freq"] >= 1


@pytest.fixture
def rules_dir(tmp_path) -> Path:
    for name in ("terms.yaml", "definitions.yaml", "stoplist.yaml"):
        shutil.copy(DEFAULT_RULES_DIR / name, tmp_path / name)
    return tmp_path


# (file, YAML text, expected fragments of the error: file name, rule name, problem)
BAD = [
    ("terms.yaml", "phrases:\n  - name: p\n    phrases: []\n", ["terms.yaml", "'p'", "non-empty list"]),
    ("terms.yaml", "phrases:\n  - phrases: [备付金]\n", ["terms.yaml", "phrases[1]", "needs a 'name'"]),
    ("terms.yaml", "regex:\n  - name: broken\n    pattern: '[T+'\n", ["terms.yaml", "'broken'", "invalid regular expression"]),
    ("terms.yaml", "regex:\n  - name: empty-match\n    pattern: 'a*'\n", ["'empty-match'", "matches the empty string"]),
    ("terms.yaml", "token_patterns:\n  - name: tp\n    pattern: [{NOPE: x}]\n", ["terms.yaml", "'tp'", "not a valid spaCy Matcher pattern"]),
    ("terms.yaml", "token_patterns:\n  - name: tp\n    pattern: 5\n", ["'tp'", "list of token dicts"]),
    ("terms.yaml", "settings:\n  min_freq: 0\n", ["'settings'", "min_freq"]),
    ("terms.yaml", "settings:\n  colour: red\n", ["unknown setting 'colour'"]),
    ("terms.yaml", "settings:\n  spread: .nan\n", ["'settings'", "spread"]),
    ("terms.yaml", "settings:\n  name_speakers: 0\n", ["'settings'", "name_speakers"]),
    ("terms.yaml", "phrases:\n  - name: p\n    phrases: [备付金]\n    weight: .inf\n", ["'p'", "weight"]),
    ("terms.yaml", "bogus: []\n", ["unknown section 'bogus'"]),
    ("terms.yaml", "phrases:\n  - name: a\n    phrases: [x]\n  - name: a\n    phrases: [y]\n", ["'a'", "duplicate rule name"]),
    ("terms.yaml", "phrases:\n  - name: a\n    phrases: [x]\n    colour: red\n", ["'a'", "unknown key 'colour'"]),
    ("terms.yaml", "abbreviations:\n  - name: ab\n    aliases: [x]\n", ["'ab'", "'term'"]),
    ("terms.yaml", "phrases: [\n", ["terms.yaml:", "invalid YAML"]),
    ("definitions.yaml", "definitions:\n  - name: d\n    pattern: '(?P<term>.+)是指'\n", ["definitions.yaml", "'d'", "(?P<definition>"]),
    ("definitions.yaml", "definitions:\n  - name: d\n    pattern: '(?P<term>..)是(?P<definition>..)'\n    weight: -1\n", ["'d'", "weight"]),
    ("stoplist.yaml", "stop_chars: [的, 不是]\n", ["stoplist.yaml", "'stop_chars'", "single characters"]),
    ("stoplist.yaml", "noise_patterns: ['(']\n", ["stoplist.yaml", "noise_patterns[1]", "invalid regular expression"]),
]


@pytest.mark.parametrize("file, text, expected", BAD)
def test_problems_name_file_and_rule(rules_dir, file, text, expected):
    (rules_dir / file).write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_term_rules(rules_dir)
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message


def test_every_problem_is_reported_at_once(rules_dir):
    (rules_dir / "terms.yaml").write_text("regex:\n  - name: r1\n    pattern: '('\n  - name: r2\n    pattern: ')'\n",
                                          encoding="utf-8")
    (rules_dir / "definitions.yaml").write_text("definitions:\n  - name: d1\n    pattern: 'x'\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_term_rules(rules_dir)
    assert len(caught.value.problems) == 3
    assert {p.rule for p in caught.value.problems} == {"r1", "r2", "d1"}


def test_missing_file_is_a_problem(rules_dir):
    (rules_dir / "stoplist.yaml").unlink()
    with pytest.raises(RulesError, match="stoplist.yaml: file not found"):
        load_term_rules(rules_dir)
