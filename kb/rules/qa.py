"""Loading and validating rules/qa.yaml: question cues, exclusions, answer filters, linking weights.

Every problem of the file is collected (with the file and the rule's name) and reported
together as one RulesError before anything runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.rules import DEFAULT_RULES_DIR, Problems, load_yaml
from kb.rules.literals import required_strings

QA_FILE = "qa.yaml"
MODEL_FILE = "qa_model.yaml"  # optional, beside qa.yaml: kb.extract.qa_model's weights
KINDS = ("phrase", "regex")
SIGNALS = ("quote", "mention", "addressed", "proximity", "overlap", "thanks", "continuation")
PENALTIES = ("other_target", "is_question")
SCOPES = ("text", "last_clause")


# The features of kb.extract.qa_model, which qa_model.yaml weighs: kept here so that a weight of a
# feature that does not exist (a misspelling, or a feature since removed) is a problem of the file.
# Counts and lengths become one of a few features each: qlen<8, qlen<14, …, qlen>=80.
BUCKETS = {
    "qlen": (8, 14, 24, 40, 80),       # characters of the question (links, emoji codes, @names removed)
    "q:terms": (1, 2, 3),              # terms the question mentions
    "answers": (2, 3, 5),
    "answerers": (2, 3),               # distinct speakers among the answers
    "a:first_gap": (2, 3, 6),          # messages from the question to its first answer
    "a:longest": (6, 12, 24, 60),      # characters of the longest answer
}
# Everything else kb.extract.qa_model.pair_features sets, besides bias and one cue:<name> per question cue.
NAMED = ("question_score", "pair_score", "q:ends_qmark", "q:no_qmark", "q:emoji", "q:laugh", "q:you",
         "q:you_all", "q:we", "q:echo", "q:follow_up", "q:yes_no", "q:wh", "q:request", "q:at", "q:quote",
         "ctx:asker_just_spoke", "ctx:asker_run", "ctx:after_other_question", "ctx:short_after_other",
         "ctx:shares_terms_before", "a:by_asker", "a:best_score", "a:quote", "a:mention", "a:addressed",
         "a:overlap", "a:thanks", "a:continuation", "a:is_question", "a:other_target", "a:talk", "a:restated",
         "a:overlap_max", "a:nearness_only", "a:first_was_talking", "a:first_nearness_only", "a:terms",
         "a:shared_terms", "a:defer", "a:laugh")


def feature_names(cues: Iterable[str]) -> set[str]:
    """Every name pair_features can set, given the names of the question cues."""
    names = {"bias", *NAMED, *(f"cue:{cue}" for cue in cues)}
    for name, edges in BUCKETS.items():
        names.update(f"{name}<{edge:g}" for edge in edges)
        names.add(f"{name}>={edges[-1]:g}")
    return names


@dataclass(frozen=True)
class Pattern:
    """One named rule: phrases or regular expressions compiled into one regex."""

    name: str
    kind: str
    patterns: tuple[str, ...]
    weight: float
    regex: re.Pattern[str]
    group: str | None = None  # cues of one group count once: the heaviest that matches
    scope: str = "text"  # "text": anywhere; "last_clause": only after the last ，。；！
    unless: re.Pattern[str] | None = None  # the rule does not count on a text this matches
    # every match holds one of these characters (the first of kb.rules.literals' strings); None: unknown
    chars: frozenset[str] | None = None

    def search(self, text: str, chars: AbstractSet[str] | None = None) -> re.Match[str] | None:
        """The first match in ``text``. A text holding none of the rule's characters is passed over
        without running the regex (the same result, at a fraction of the cost); ``chars``, the
        characters of ``text`` or of a text holding it, spares that test a pass over the text when
        several rules read the same one."""
        if self.chars is not None:
            if chars is not None:
                if chars.isdisjoint(self.chars):
                    return None
            elif self.chars.isdisjoint(text):
                return None
        if self.unless is not None and self.unless.search(text):
            return None
        return self.regex.search(text)


@dataclass(frozen=True)
class PairModel:
    """Logistic weights over the features of kb.extract.qa_model (qa_model.yaml); a pair whose
    probability is below ``keep`` is dropped."""

    weights: Mapping[str, float]
    keep: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class QARules:
    """The validated contents of rules/qa.yaml."""

    path: str
    threshold: float
    min_chars: int
    max_chars: int
    cues: tuple[Pattern, ...]
    exclusions: tuple[Pattern, ...]
    domain: Pattern
    term_bonus: float
    non_answers: tuple[Pattern, ...]
    answer_min_chars: int
    thanks: Pattern
    window_messages: int
    window_minutes: float
    explicit_window_messages: int
    weights: dict[str, float] = field(default_factory=dict)
    penalties: dict[str, float] = field(default_factory=dict)
    min_answer_score: float = 0.45
    max_answers: int = 6
    min_pair_score: float = 0.3
    strong_question: float = 0.8
    share_margin: float = 0.0
    share_topic: float = 0.0  # an answer also goes to a question whose words overlap this much with its best one's
    restated: Pattern | None = None  # a message that holds a question and its answer: 问题：… 回答：…
    confirmation: Pattern | None = None  # a bare yes or no (是的, 不行): an answer only when addressed to the asker
    # A speaker in the middle of their own talk: monologue_messages of the monologue_lookback messages
    # before are theirs, monologue_chars characters or more (0 messages: off)
    monologue_lookback: int = 5
    monologue_messages: int = 0
    monologue_chars: int = 0
    # In a talk, a question (at most talk_max_chars long) matching talk_question is answered by its
    # speaker's next messages; one matching audience is put to the others, an ordinary question
    talk_question: Pattern | None = None
    talk_max_chars: int = 50
    audience: Pattern | None = None
    model: PairModel | None = None  # qa_model.yaml beside qa.yaml (None: no second look at the pairs)


def compile_pattern(name: str, kind: str, patterns: list[str] | tuple[str, ...], weight: float = 1.0,
                    group: str | None = None, scope: str = "text", unless: str | None = None) -> Pattern:
    """A Pattern from already validated parts (phrases are matched literally)."""
    parts = [re.escape(p) for p in patterns] if kind == "phrase" else [f"(?:{p})" for p in patterns]
    if kind == "phrase":
        parts.sort(key=len, reverse=True)
    regex = re.compile("|".join(parts))
    strings = required_strings(regex)
    return Pattern(name, kind, tuple(patterns), float(weight), regex, group, scope,
                   re.compile(unless) if unless else None,
                   frozenset(string[0] for string in strings) if strings is not None else None)


def _number(problems: Problems, path: Path, rule: str, value: Any, *, low: float, high: float | None,
            integer: bool = False) -> float | None:
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        problems.add(path, rule, f"must be {'an integer' if integer else 'a number'}, got {value!r}")
        return None
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        problems.add(path, rule, f"must be {bounds}, got {value!r}")
        return None
    return value


def _pattern(problems: Problems, path: Path, rule: str, data: Any, *, need_weight: bool) -> Pattern | None:
    if not isinstance(data, dict):
        problems.add(path, rule, f"must be a mapping with kind and patterns, got {type(data).__name__}")
        return None
    known = {"name", "kind", "patterns", "weight", "group", "scope", "unless"} if need_weight \
        else {"name", "kind", "patterns"}
    for key in sorted(set(data) - known, key=str):
        problems.add(path, rule, f"unknown key {key!r} (expected one of: {', '.join(sorted(known))})")
    kind = data.get("kind")
    if kind not in KINDS:
        problems.add(path, rule, f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    patterns = data.get("patterns")
    ok = kind in KINDS
    if not isinstance(patterns, list) or not patterns:
        problems.add(path, rule, "patterns must be a non-empty list of strings")
        ok = False
    else:
        for index, pattern in enumerate(patterns):
            if not isinstance(pattern, str) or not pattern:
                problems.add(path, rule, f"pattern {index + 1} must be a non-empty string, got {pattern!r}")
                ok = False
            elif kind == "regex":
                problem = _regex_problem(f"pattern {index + 1} {pattern!r}", pattern)
                if problem:
                    problems.add(path, rule, problem)
                    ok = False
    weight = 1.0
    if need_weight:
        if "weight" not in data:
            problems.add(path, rule, "weight is missing")
            ok = False
        else:
            weight = _number(problems, path, rule, data["weight"], low=-1, high=1)
            ok = ok and weight is not None
    group = data.get("group")
    if group is not None and (not need_weight or not isinstance(group, str) or not group):
        problems.add(path, rule, f"group must be a non-empty string on a weighted cue, got {group!r}")
        ok = False
    scope = data.get("scope", "text")
    if scope not in SCOPES:
        problems.add(path, rule, f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
        ok = False
    unless = data.get("unless")
    if "unless" in data:
        problem = (_regex_problem(f"unless {unless!r}", unless) if isinstance(unless, str) and unless else
                   f"unless must be one regular expression (a non-empty string), got {unless!r}")
        if problem:
            problems.add(path, rule, problem)
            ok = False
    return compile_pattern(rule, kind, patterns, weight, group, scope, unless) if ok else None


def _regex_problem(label: str, pattern: str) -> str | None:
    """What is wrong with a rule's regular expression (``label`` names it in the message), if anything."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"{label} is not a valid regex: {exc}"
    return f"{label} matches the empty text" if compiled.search("") else None


def _rule_list(problems: Problems, path: Path, section: str, data: Any, *, need_weight: bool) -> list[Pattern]:
    if not isinstance(data, list):
        problems.add(path, section, "must be a list of rules")
        return []
    seen: set[str] = set()
    rules = []
    for index, item in enumerate(data):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            problems.add(path, f"{section}[{index + 1}]", "name is missing")
            name = f"{section}[{index + 1}]"
        elif name in seen:
            problems.add(path, name, f"duplicate rule name in {section}")
        seen.add(name)
        rule = _pattern(problems, path, name, item, need_weight=need_weight)
        if rule:
            rules.append(rule)
    return rules


def _section(problems: Problems, path: Path, data: dict, name: str) -> dict:
    value = data.get(name)
    if not isinstance(value, dict):
        problems.add(path, name, "section is missing or not a mapping")
        return {}
    return value


def load_qa_rules(rules_dir: str | Path | None = None) -> QARules:
    """Load and validate rules_dir/qa.yaml and the pair model beside it, qa_model.yaml (default: the
    repository's rules/); raise RulesError listing every problem of both files."""
    path = Path(rules_dir or DEFAULT_RULES_DIR) / QA_FILE
    problems = Problems()
    data = load_yaml(path, problems)
    if data is not None and not isinstance(data, dict):
        problems.add(path, None, "must be a mapping with sections question, answer, linking")
    if not isinstance(data, dict):  # nothing more to check in qa.yaml: the model file still is
        load_pair_model(path.parent, None, problems)
        problems.raise_if_any()
    question = _section(problems, path, data, "question")
    answer = _section(problems, path, data, "answer")
    linking = _section(problems, path, data, "linking")

    def num(section: dict, key: str, where: str, default: Any = None, **bounds: Any) -> Any:
        if key not in section:
            if default is None:
                problems.add(path, f"{where}.{key}", "is missing")
            return default
        return _number(problems, path, f"{where}.{key}", section[key], **bounds)

    def optional_pattern(section: dict, key: str, where: str) -> Pattern | None:
        return _pattern(problems, path, f"{where}.{key}", section[key], need_weight=False) if key in section else None

    threshold = num(question, "threshold", "question", low=0, high=10)
    min_chars = num(question, "min_chars", "question", 1, low=0, high=None, integer=True)
    max_chars = num(question, "max_chars", "question", 1000, low=1, high=None, integer=True)
    term_bonus = num(question, "term_bonus", "question", 0.0, low=0, high=1)
    monologue_lookback = num(question, "monologue_lookback", "question", 5, low=1, high=50, integer=True)
    monologue_messages = num(question, "monologue_messages", "question", 0, low=0, high=50, integer=True)
    monologue_chars = num(question, "monologue_chars", "question", 0, low=0, high=None, integer=True)
    if (isinstance(monologue_messages, int) and isinstance(monologue_lookback, int)
            and monologue_messages > monologue_lookback):
        problems.add(path, "question.monologue_messages", f"must be at most monologue_lookback ({monologue_lookback})")
    talk_question = optional_pattern(question, "talk_question", "question")
    talk_max_chars = num(question, "talk_max_chars", "question", 50, low=1, high=None, integer=True)
    audience = optional_pattern(question, "audience", "question")
    cues = _rule_list(problems, path, "question.cues", question.get("cues"), need_weight=True)
    exclusions = _rule_list(problems, path, "question.exclusions", question.get("exclusions", []), need_weight=False)
    reachable = round(cue_score(cue for cue in cues if cue.weight > 0), 6)  # what all the asking cues add up to
    if isinstance(threshold, (int, float)) and cues and threshold > reachable:
        problems.add(path, "question.threshold", f"{threshold} is more than all the cues can add up to "
                     f"({reachable:g}, the heaviest cue of each group): no message would be a question")
    domain = _pattern(problems, path, "question.domain", question.get("domain"), need_weight=False)
    non_answers = _rule_list(problems, path, "answer.non_answers", answer.get("non_answers", []), need_weight=False)
    answer_min_chars = num(answer, "min_chars", "answer", 1, low=0, high=None, integer=True)
    thanks = _pattern(problems, path, "answer.thanks", answer.get("thanks"), need_weight=False)
    restated = optional_pattern(answer, "restated", "answer")
    confirmation = optional_pattern(answer, "confirmation", "answer")

    window_messages = num(linking, "window_messages", "linking", low=1, high=None, integer=True)
    window_minutes = num(linking, "window_minutes", "linking", low=0, high=None)
    explicit_window = num(linking, "explicit_window_messages", "linking", low=1, high=None, integer=True)
    weights = _weights(problems, path, linking, "weights", SIGNALS)
    penalties = _weights(problems, path, linking, "penalties", PENALTIES)
    min_answer_score = num(linking, "min_answer_score", "linking", low=0, high=10)
    max_answers = num(linking, "max_answers", "linking", low=1, high=None, integer=True)
    min_pair_score = num(linking, "min_pair_score", "linking", low=0, high=10)
    strong_question = num(linking, "strong_question", "linking", 0.8, low=0, high=10)
    share_margin = num(linking, "share_margin", "linking", 0.0, low=0, high=1)
    share_topic = num(linking, "share_topic", "linking", 0.0, low=0, high=1)
    model = load_pair_model(path.parent, [cue.name for cue in cues], problems)
    problems.raise_if_any()
    return QARules(
        path=str(path), threshold=threshold, min_chars=min_chars, max_chars=max_chars, cues=tuple(cues),
        exclusions=tuple(exclusions), domain=domain, term_bonus=term_bonus, non_answers=tuple(non_answers),
        answer_min_chars=answer_min_chars, thanks=thanks, window_messages=window_messages,
        window_minutes=window_minutes, explicit_window_messages=explicit_window, weights=weights, penalties=penalties, min_answer_score=min_answer_score,
        max_answers=max_answers, min_pair_score=min_pair_score, strong_question=strong_question,
        share_margin=share_margin, share_topic=share_topic, restated=restated, confirmation=confirmation,
        monologue_lookback=monologue_lookback, monologue_messages=monologue_messages, monologue_chars=monologue_chars,
        talk_question=talk_question, talk_max_chars=talk_max_chars, audience=audience,
        model=model,
    )


def load_pair_model(folder: Path, cues: Iterable[str] | None = None,
                    problems: Problems | None = None) -> PairModel | None:
    """folder/qa_model.yaml as a PairModel (None when the file is absent).

    ``cues``: the names of qa.yaml's question cues; when given, a weight must name a feature
    pair_features can set (feature_names). Problems go to ``problems`` when given (load_qa_rules
    reports those of both files together), else a RulesError lists them.
    """
    path = folder / MODEL_FILE
    if not path.exists():
        return None
    own = problems is None
    problems = Problems() if own else problems
    before = len(problems.items)
    data = load_yaml(path, problems)
    if data is not None and not isinstance(data, dict):
        problems.add(path, None, "must be a mapping with keep and weights")
    if not isinstance(data, dict):
        data = {}
    elif not data:
        problems.add(path, None, "is empty: it must be a mapping with keep and weights")
    for key in sorted(set(data) - {"keep", "weights"}, key=str):
        problems.add(path, str(key), "unknown key (expected keep, weights)")
    keep = None
    if "keep" in data:
        keep = _number(problems, path, "keep", data["keep"], low=0, high=1)
        if keep is not None and keep >= 1:
            problems.add(path, "keep", f"must be below 1 (no probability reaches {keep!r}: every pair would be dropped)")
    elif data:
        problems.add(path, "keep", "is missing")
    weights = data.get("weights")
    if data and (not isinstance(weights, dict) or not weights):
        problems.add(path, "weights", "must be a mapping of feature names to numbers")
    known = feature_names(cues) if cues is not None else None
    model_weights = {}
    for name, value in (weights if isinstance(weights, dict) else {}).items():
        number = _number(problems, path, f"weights.{name}", value, low=-100, high=100)
        if known is not None and str(name) not in known:
            problems.add(path, f"weights.{name}", "no such feature (a misspelling, a feature since removed, or a "
                         "question cue qa.yaml no longer has): retrain with benchmarks/train_qa_model.py")
        elif number is not None:
            model_weights[str(name)] = float(number)
    if own:
        problems.raise_if_any()
    if len(problems.items) > before:
        return None
    return PairModel(model_weights, float(keep))


def cue_score(cues: Iterable[Pattern]) -> float:
    """Sum of the cues' weights, counting only the heaviest cue of each group."""
    best: dict[str, float] = {}
    total = 0.0
    for rule in cues:
        if rule.group:
            if rule.group not in best or abs(rule.weight) > abs(best[rule.group]):
                best[rule.group] = rule.weight
        else:
            total += rule.weight
    return total + sum(best.values())


def _weights(problems: Problems, path: Path, linking: dict, key: str, names: tuple[str, ...]) -> dict[str, float]:
    data = linking.get(key)
    where = f"linking.{key}"
    if not isinstance(data, dict):
        problems.add(path, where, f"must be a mapping of {', '.join(names)} to numbers")
        return {}
    for name in sorted(set(data) - set(names), key=str):
        problems.add(path, f"{where}.{name}", f"unknown signal (expected one of: {', '.join(names)})")
    weights = {}
    for name in names:
        if name not in data:
            problems.add(path, f"{where}.{name}", "is missing")
            continue
        value = _number(problems, path, f"{where}.{name}", data[name], low=0, high=1)
        if value is not None:
            weights[name] = float(value)
    return weights
