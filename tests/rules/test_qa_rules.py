"""rules/qa.yaml: the shipped file loads; every kind of mistake is reported with file and rule name."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from kb.rules import DEFAULT_RULES_DIR, RulesError, check_rules
from kb.rules.qa import QA_FILE, load_qa_rules

SHIPPED = yaml.safe_load((DEFAULT_RULES_DIR / QA_FILE).read_text(encoding="utf-8"))


def test_shipped_rules_load():
    rules = load_qa_rules()
    assert {c.name for c in rules.cues} >= {"question_mark", "final_particle", "interrogative", "request"}
    assert {e.name for e in rules.exclusions} == {"greeting", "roll_call", "social", "forwarded", "rhetorical",
                                                  "announcement"}
    assert rules.restated is not None and rules.restated.search("问题：会员怎么分？ 回答：按业务")
    assert rules.thanks.search("明白了，谢谢[抱拳]")
    assert set(rules.weights) == {"quote", "mention", "addressed", "proximity", "overlap", "thanks", "continuation"}


def write(tmp_path, data) -> str:
    (tmp_path / QA_FILE).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(tmp_path)


def mutate(change):
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


def cue(data, name):
    return next(c for c in data["question"]["cues"] if c["name"] == name)


@pytest.mark.parametrize("change, rule, message", [
    (lambda d: cue(d, "question_mark").update(patterns=["[?"]), "question_mark", "not a valid regex"),
    (lambda d: cue(d, "question_mark").update(patterns=["a*"]), "question_mark", "matches the empty text"),
    (lambda d: cue(d, "request").update(kind="tokens"), "request", "kind must be one of phrase, regex"),
    (lambda d: cue(d, "request").update(patterns=[]), "request", "patterns must be a non-empty list"),
    (lambda d: cue(d, "request").update(weight=3), "request", "must be between -1 and 1"),
    (lambda d: cue(d, "request").pop("weight"), "request", "weight is missing"),
    (lambda d: cue(d, "request").update(colour="red"), "request", "unknown key 'colour'"),
    (lambda d: cue(d, "statement_use").update(unless="[?"), "statement_use", "is not a valid regex"),
    (lambda d: cue(d, "statement_use").update(unless="x*"), "statement_use", "matches the empty text"),
    (lambda d: cue(d, "statement_use").update(unless=["[？?]$"]), "statement_use", "must be one regular expression"),
    (lambda d: cue(d, "statement_use").update(unless=None), "statement_use", "must be one regular expression"),
    (lambda d: d["question"]["cues"].append(dict(cue(d, "request"))), "request", "duplicate rule name"),
    (lambda d: d["question"]["exclusions"][0].pop("name"), "question.exclusions[1]", "name is missing"),
    (lambda d: d["question"].update(threshold="high"), "question.threshold", "must be a number"),
    (lambda d: d["linking"]["weights"].pop("quote"), "linking.weights.quote", "is missing"),
    (lambda d: d["linking"]["weights"].update(telepathy=1), "linking.weights.telepathy", "unknown signal"),
    (lambda d: d["linking"].update(window_messages=2.5), "linking.window_messages", "must be an integer"),
    (lambda d: d["answer"].update(thanks={"kind": "phrase", "patterns": [""]}), "answer.thanks", "must be a non-empty string"),
    (lambda d: d.pop("linking"), "linking", "section is missing"),
    (lambda d: d["question"].update(monologue_messages=6), "question.monologue_messages", "at most monologue_lookback"),
    (lambda d: d["question"].update(monologue_chars=-1), "question.monologue_chars", ""),
    (lambda d: d["question"].update(threshold=float("nan")), "question.threshold", "must be between"),
    (lambda d: d["question"]["talk_question"].update(patterns=["(什么"]), "question.talk_question", "not a valid regex"),
    (lambda d: d["question"].update(talk_max_chars=0), "question.talk_max_chars", "at least 1"),
    (lambda d: d["linking"]["weights"].update(quote=float("inf")), "linking.weights.quote", "must be between"),
    (lambda d: d["question"].update(threshold=7), "question.threshold", "more than all the cues can add up to"),
])
def test_problems_name_file_and_rule(tmp_path, change, rule, message):
    folder = write(tmp_path, mutate(change))
    with pytest.raises(RulesError) as info:
        load_qa_rules(folder)
    problems = info.value.problems
    assert any(p.rule == rule and message in p.message and p.file.endswith(QA_FILE) for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    def change(d):
        cue(d, "question_mark").update(patterns=["[?"])
        cue(d, "request").update(weight=5)
        d["linking"]["weights"].pop("thanks")
    with pytest.raises(RulesError) as info:
        load_qa_rules(write(tmp_path, mutate(change)))
    assert {p.rule for p in info.value.problems} == {"question_mark", "request", "linking.weights.thanks"}
    assert "3 problem(s)" in str(info.value.message)


def test_a_problem_has_the_line_of_its_rule_or_setting(tmp_path):
    # the shipped file itself, with one regex and one number broken, so its comments and layout stay
    text = (Path(DEFAULT_RULES_DIR) / QA_FILE).read_text(encoding="utf-8")
    lines = text.splitlines()
    threshold = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("threshold:"))
    request = next(i for i, line in enumerate(lines, 1) if line.strip() == "- name: request")
    text = text.replace("  threshold: 0.5", "  threshold: 0,5").replace("'请教|请问|求指教", "'(请教|请问|求指教", 1)
    (tmp_path / QA_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_qa_rules(tmp_path)
    found = {p.rule: p.line for p in info.value.problems}
    assert found == {"question.threshold": threshold, "request": request}
    assert f"{QA_FILE}:{threshold}: rule 'question.threshold'" in str(info.value.message)


def test_problems_of_the_term_and_qa_rules_are_reported_together(tmp_path):
    shutil.copytree(DEFAULT_RULES_DIR, tmp_path / "rules")
    terms = tmp_path / "rules" / "terms.yaml"
    terms.write_text(terms.read_text(encoding="utf-8").replace("min_freq: 3", "min_freq: -3"), encoding="utf-8")
    write(tmp_path / "rules", mutate(lambda d: d["question"].update(threshold="high")))
    with pytest.raises(RulesError) as info:
        check_rules(tmp_path / "rules")
    assert {(Path(p.file).name, p.rule) for p in info.value.problems} == {
        ("terms.yaml", "settings"), ("qa.yaml", "question.threshold")}


def test_unless_keeps_a_rule_off_the_texts_it_matches(tmp_path):
    def change(d):
        cue(d, "request").update(unless="^不")
    rules = load_qa_rules(write(tmp_path, mutate(change)))
    request = next(c for c in rules.cues if c.name == "request")
    assert request.search("请教一下清算的流程") and not request.search("不请教了")


def test_yaml_syntax_error_has_its_line(tmp_path):
    (tmp_path / QA_FILE).write_text("question:\n  cues: [\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_qa_rules(tmp_path)
    assert info.value.problems[0].line is not None
    assert "invalid YAML" in info.value.problems[0].message


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_qa_rules(tmp_path)


@pytest.mark.parametrize(("kind", "patterns", "chars"), [
    ("phrase", ["请问", "请教", "有没有"], {"请", "有"}),
    ("regex", ["[吗么]$", "到底"], {"吗", "么", "到"}),
    ("regex", ["\\w+"], None),            # no character every match holds: the regex always runs
    ("regex", ["(?i:abc)"], None),        # case-insensitive: not vouched for
])
def test_a_pattern_knows_a_character_of_every_match(kind, patterns, chars):
    from kb.rules.qa import compile_pattern

    pattern = compile_pattern("cue", kind, patterns)
    assert pattern.chars == (frozenset(chars) if chars is not None else None)


@pytest.mark.parametrize("text", ["请问怎么开户", "这个可以吗", "没有问题", "到底是谁", "abc", "", "有没有大神",
                                  "问题：会员怎么分？ 回答：按业务", "明白了，谢谢[抱拳]", "好的", "哈哈哈", "是的",
                                  "大家有什么问题可以提", "那么，什么是私募基金？", "备付金要集中存管"])
def test_the_character_filter_gives_what_the_regex_gives(text):
    """Each shipped rule: the match its regex gives, with or without the text's characters given."""
    rules = load_qa_rules()
    singles = (rules.restated, rules.thanks, rules.domain, rules.confirmation, rules.audience, rules.talk_question)
    for rule in (*rules.cues, *rules.exclusions, *rules.non_answers, *(r for r in singles if r is not None)):
        with_chars = rule.search(text, set(text))
        alone = None if rule.unless is not None and rule.unless.search(text) else rule.regex.search(text)
        assert (rule.search(text) and rule.search(text).span()) == (alone and alone.span()), rule.name
        assert (with_chars and with_chars.span()) == (alone and alone.span()), rule.name
        wider = rule.search(text, set(text) | set("的了"))  # the characters of a text holding it (a clause's body)
        assert (wider and wider.span()) == (alone and alone.span()), rule.name


def test_a_text_without_the_characters_never_reaches_the_regex():
    from kb.rules.qa import compile_pattern

    pattern = compile_pattern("cue", "phrase", ["请问"])

    class Refusing:
        pattern = "请问"

        def search(self, text):
            raise AssertionError("the regex ran")
    skipping = type(pattern)(**{**pattern.__dict__, "regex": Refusing()})
    assert skipping.search("怎么开户", set("怎么开户")) is None
    assert skipping.search("怎么开户") is None  # (the text's characters read by the rule itself)
    with pytest.raises(AssertionError):
        skipping.search("请问怎么开户", set("请问怎么开户"))
    with pytest.raises(AssertionError):
        skipping.search("请问怎么开户")
