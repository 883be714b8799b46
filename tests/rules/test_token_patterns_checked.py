"""Token patterns spaCy found valid are recorded, so later runs need not import spaCy to check them again."""

from __future__ import annotations

import pytest

from kb.cache import cache_root
from kb.rules import DEFAULT_RULES_DIR, RulesError
from kb.rules import terms as term_rules


def test_valid_patterns_are_recorded_and_then_trusted(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    first = term_rules.load_term_rules(DEFAULT_RULES_DIR)
    recorded = (cache_root() / term_rules.CHECKED).read_text(encoding="ascii").split()
    assert recorded and len(recorded) == len(set(recorded))
    # trusted: spaCy is not asked again (a Matcher made now would fail the test)
    monkeypatch.setattr("spacy.matcher.Matcher", lambda *a, **k: pytest.fail("checked again"))
    again = term_rules.load_term_rules(DEFAULT_RULES_DIR)
    assert [r.patterns for r in again.token_patterns] == [r.patterns for r in first.token_patterns]


def test_an_invalid_pattern_is_never_recorded(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in DEFAULT_RULES_DIR.glob("*.yaml"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    terms = rules / "terms.yaml"
    text = terms.read_text(encoding="utf-8")
    terms.write_text(text.replace("\ntoken_patterns:\n", "\ntoken_patterns:\n  - name: broken\n    weight: 0.5\n"
                                  "    pattern: [{NOT_AN_ATTR: 1}]\n", 1), encoding="utf-8")
    for _ in range(2):  # the second time too: spaCy checks it again and says so
        with pytest.raises(RulesError, match="broken.*not a valid spaCy Matcher pattern"):
            term_rules.load_term_rules(rules)


def test_an_unwritable_cache_is_no_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "cache"))
    assert term_rules.load_term_rules(DEFAULT_RULES_DIR).token_patterns
