"""Loading and validating the term rules: rules/terms.yaml, rules/definitions.yaml, rules/stoplist.yaml.

Rule kinds follow spaCy: a *phrase* rule is a list of strings (matched with the
PhraseMatcher), a *token-pattern* rule is a list of token dicts (the Matcher), a
*regex* rule is a regular expression over the raw text (mixed-script terms such as
T+0 or POS机). *Abbreviation* rules name the aliases of a term, *definition* rules
are regexes with the named groups ``term`` and ``definition``, and the stop lists
keep chat noise out. Every problem in every file is collected, with the file and the
rule's name, and reported together as one RulesError before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.cache import cache_root
from kb.rules import DEFAULT_RULES_DIR, Problems, load_yaml
from kb.rules.literals import required_strings

TERMS_FILE = "terms.yaml"
DEFINITIONS_FILE = "definitions.yaml"
STOPLIST_FILE = "stoplist.yaml"

# settings of terms.yaml: name -> (default, low, high, integer)
SETTINGS: dict[str, tuple[float, float, float | None, bool]] = {
    "min_freq": (3, 1, None, True),          # occurrences a statistical candidate needs
    "min_days": (2, 1, None, True),          # distinct days a statistical candidate needs
    "max_tokens": (4, 1, 8, True),           # longest token n-gram considered
    "max_chars": (16, 2, 64, True),          # longest candidate, in characters
    "keep": (6000, 10, None, True),          # candidates stored (best scored first)
    "min_score": (0.0, 0.0, None, False),    # candidates scoring below are not stored
    "spread": (0.4, 0.0, 2.0, False),        # exponent of the spread factor (0: days spread does not count)
    "name_speakers": (50, 1, None, True),     # a speaker's name that this many others write is a word (支付通道)
}
TERMS_SECTIONS = ("settings", "phrases", "token_patterns", "regex", "abbreviations")
STOP_SECTIONS = ("stop_words", "stop_terms", "stop_chars", "noise_patterns", "question_cues")


@dataclass(frozen=True)
class PhraseRule:
    name: str
    phrases: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class TokenRule:
    name: str
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    weight: float = 1.0


@dataclass(frozen=True)
class RegexRule:
    name: str
    regex: re.Pattern[str]
    weight: float = 1.0
    literals: frozenset[str] | None = None  # one of them is in every match (kb.rules.literals)


@dataclass(frozen=True)
class Abbreviation:
    name: str
    term: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class DefinitionRule:
    name: str
    regex: re.Pattern[str]
    weight: float = 1.0
    literals: frozenset[str] | None = None  # one of them is in every match (kb.rules.literals)


@dataclass(frozen=True)
class StopList:
    words: frozenset[str] = frozenset()       # tokens that never start or end a term
    terms: frozenset[str] = frozenset()       # whole strings never a term (the extractor compares keys)
    chars: frozenset[str] = frozenset()       # single characters that never start or end a term
    noise: tuple[re.Pattern[str], ...] = ()   # a candidate matching one of these is dropped
    question_cues: re.Pattern[str] | None = None

    def is_noise(self, text: str) -> bool:
        return any(p.search(text) for p in self.noise)


@dataclass(frozen=True)
class TermRules:
    """The validated term rules of one rules folder."""

    directory: str
    settings: dict[str, float] = field(default_factory=dict)
    phrases: tuple[PhraseRule, ...] = ()
    token_patterns: tuple[TokenRule, ...] = ()
    regex: tuple[RegexRule, ...] = ()
    abbreviations: tuple[Abbreviation, ...] = ()
    definitions: tuple[DefinitionRule, ...] = ()
    stop: StopList = field(default_factory=StopList)

    def setting(self, name: str) -> Any:
        return self.settings[name]


def load_term_rules(rules_dir: str | Path | None = None) -> TermRules:
    """Load and validate the term rules of a folder; raise RulesError listing every problem."""
    directory = Path(rules_dir) if rules_dir else DEFAULT_RULES_DIR
    problems = Problems()
    if not directory.is_dir():
        problems.add(directory, None, "rules folder not found")
        problems.raise_if_any()
    terms = _load_terms(directory / TERMS_FILE, problems)
    definitions = _load_definitions(directory / DEFINITIONS_FILE, problems)
    stop = _load_stoplist(directory / STOPLIST_FILE, problems)
    problems.raise_if_any()
    return TermRules(directory=str(directory), definitions=definitions, stop=stop, **terms)


# ---------------------------------------------------------------- helpers

def _mapping(path: Path, problems: Problems, sections: tuple[str, ...]) -> dict[str, Any]:
    if not path.is_file():
        problems.add(path, None, "file not found")
        return {}
    data = load_yaml(path, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.add(path, None, f"must be a mapping with the keys {', '.join(sections)}")
        return {}
    for key in data:
        if key not in sections:
            problems.add(path, None, f"unknown section {key!r} (known: {', '.join(sections)})", at=str(key))
    return data


def _rules(path: Path, problems: Problems, data: dict[str, Any], section: str,
           seen: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """The rules of a section as (name, mapping), each with a unique name."""
    items = data.get(section) or []
    if not isinstance(items, list):
        problems.add(path, None, f"section {section!r} must be a list of rules")
        return []
    out = []
    for index, item in enumerate(items, 1):
        label = f"{section}[{index}]"
        if not isinstance(item, dict):
            problems.add(path, label, "must be a mapping with a 'name'")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(path, label, "needs a 'name' (a non-empty string)")
            name = label
        elif name in seen:
            problems.add(path, name, "duplicate rule name")
        seen.add(name)
        out.append((name, item))
    return out


def _keys(path: Path, problems: Problems, name: str, item: dict[str, Any], allowed: set[str]) -> None:
    for key in item:
        if key not in allowed | {"name", "weight", "note"}:
            problems.add(path, name, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed | {'weight', 'note'}))})")


def _weight(path: Path, problems: Problems, name: str, item: dict[str, Any]) -> float:
    weight = item.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
        problems.add(path, name, f"'weight' must be a number ≥ 0, got {weight!r}")
        return 1.0
    return float(weight)


def _strings(path: Path, problems: Problems, name: str, value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.add(path, name, f"{what!r} must be a non-empty list of strings")
        return ()
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        problems.add(path, name, f"{what!r} has entries that are not non-empty strings: {bad!r}")
    return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())


def _regex(path: Path, problems: Problems, name: str, pattern: Any,
           groups: tuple[str, ...] = ()) -> re.Pattern[str] | None:
    if not isinstance(pattern, str) or not pattern:
        problems.add(path, name, "'pattern' must be a non-empty string (a regular expression)")
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        problems.add(path, name, f"invalid regular expression: {exc}")
        return None
    for group in groups:
        if group not in compiled.groupindex:
            problems.add(path, name, f"the regular expression needs a named group (?P<{group}>...)")
            return None
    if compiled.search("") is not None:
        problems.add(path, name, "the regular expression matches the empty string")
        return None
    return compiled


def _token_patterns(path: Path, problems: Problems, name: str, value: Any) -> tuple[tuple[dict[str, Any], ...], ...]:
    """Validate Matcher patterns with spaCy's own schema (every error, with the rule's name)."""
    if isinstance(value, list) and value and all(isinstance(t, dict) for t in value):
        value = [value]  # one pattern given directly
    if not isinstance(value, list) or not value or not all(isinstance(p, list) and p for p in value):
        problems.add(path, name, "'pattern' must be a list of token dicts (or a list of such lists)")
        return ()
    if _checked_before(value):  # importing spaCy to check them again would cost a second
        return tuple(tuple(pattern) for pattern in value)
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    ok = []
    for index, pattern in enumerate(value, 1):
        try:
            matcher.add(name, [pattern])
        except (ValueError, TypeError, KeyError) as exc:
            message = " ".join(str(exc).split())
            problems.add(path, name, f"token pattern {index} is not a valid spaCy Matcher pattern: {message}")
            continue
        ok.append(tuple(pattern))
    if len(ok) == len(value):
        _record_checked(value)
    return tuple(ok)


CHECKED = "token-patterns-checked.txt"  # in kb.cache.cache_root(): one hash per line


def _pattern_hash(patterns: list) -> str | None:
    """SHA-1 of the patterns and of the installed spaCy's version (its schema decides), None if not JSON."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        spacy_version = version("spacy")
        text = json.dumps(patterns, sort_keys=True, ensure_ascii=False)
    except (PackageNotFoundError, TypeError, ValueError):
        return None
    return hashlib.sha1(f"{spacy_version}\n{text}".encode()).hexdigest()


def _checked_before(patterns: list) -> bool:
    """Whether spaCy found exactly these patterns valid before (kept in the user's cache folder)."""
    digest = _pattern_hash(patterns)
    try:
        return digest is not None and digest in (cache_root() / CHECKED).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return False


def _record_checked(patterns: list) -> None:
    digest = _pattern_hash(patterns)
    if digest is None:
        return
    try:
        cache_root().mkdir(parents=True, exist_ok=True)
        with open(cache_root() / CHECKED, "a", encoding="ascii") as file:
            file.write(digest + "\n")
    except OSError:
        pass  # not kept: the next run checks them again


# ---------------------------------------------------------------- files

def _load_terms(path: Path, problems: Problems) -> dict[str, Any]:
    data = _mapping(path, problems, TERMS_SECTIONS)
    settings = {key: default for key, (default, *_rest) in SETTINGS.items()}
    raw = data.get("settings") or {}
    if not isinstance(raw, dict):
        problems.add(path, "settings", "must be a mapping")
        raw = {}
    for key, value in raw.items():
        if key not in SETTINGS:
            problems.add(path, "settings", f"unknown setting {key!r} (known: {', '.join(SETTINGS)})", at=f"settings.{key}")
            continue
        _default, low, high, integer = SETTINGS[key]
        good_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if (isinstance(value, bool) or not good_type or not math.isfinite(value) or value < low
                or (high is not None and value > high)):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            problems.add(path, "settings", f"{key!r} must be {'an integer' if integer else 'a number'} {bounds}, got {value!r}",
                         at=f"settings.{key}")
            continue
        settings[key] = value
    seen: set[str] = set()
    phrases, tokens, regex, abbreviations = [], [], [], []
    for name, item in _rules(path, problems, data, "phrases", seen):
        _keys(path, problems, name, item, {"phrases"})
        phrases.append(PhraseRule(name, _strings(path, problems, name, item.get("phrases"), "phrases"),
                                  _weight(path, problems, name, item)))
    for name, item in _rules(path, problems, data, "token_patterns", seen):
        _keys(path, problems, name, item, {"pattern"})
        patterns = _token_patterns(path, problems, name, item.get("pattern"))
        if patterns:
            tokens.append(TokenRule(name, patterns, _weight(path, problems, name, item)))
    for name, item in _rules(path, problems, data, "regex", seen):
        _keys(path, problems, name, item, {"pattern"})
        compiled = _regex(path, problems, name, item.get("pattern"))
        if compiled is not None:
            regex.append(RegexRule(name, compiled, _weight(path, problems, name, item), required_strings(compiled)))
    for name, item in _rules(path, problems, data, "abbreviations", seen):
        _keys(path, problems, name, item, {"term", "aliases"})
        term = item.get("term")
        if not isinstance(term, str) or not term.strip():
            problems.add(path, name, "'term' must be a non-empty string")
            continue
        abbreviations.append(Abbreviation(name, term.strip(), _strings(path, problems, name, item.get("aliases"), "aliases")))
    return {"settings": settings, "phrases": tuple(phrases), "token_patterns": tuple(tokens),
            "regex": tuple(regex), "abbreviations": tuple(abbreviations)}


def _load_definitions(path: Path, problems: Problems) -> tuple[DefinitionRule, ...]:
    data = _mapping(path, problems, ("definitions",))
    rules = []
    for name, item in _rules(path, problems, data, "definitions", set()):
        _keys(path, problems, name, item, {"pattern"})
        compiled = _regex(path, problems, name, item.get("pattern"), groups=("term", "definition"))
        if compiled is not None:
            rules.append(DefinitionRule(name, compiled, _weight(path, problems, name, item),
                                        required_strings(compiled)))
    return tuple(rules)


def _load_stoplist(path: Path, problems: Problems) -> StopList:
    data = _mapping(path, problems, STOP_SECTIONS)
    lists: dict[str, tuple[str, ...]] = {}
    for section in ("stop_words", "stop_terms", "stop_chars"):
        value = data.get(section)
        lists[section] = _strings(path, problems, section, value, section) if value is not None else ()
    bad_chars = [c for c in lists["stop_chars"] if len(c) != 1]
    if bad_chars:
        problems.add(path, "stop_chars", f"entries must be single characters: {bad_chars!r}")
    noise = []
    for index, pattern in enumerate(data.get("noise_patterns") or [], 1):
        compiled = _regex(path, problems, f"noise_patterns[{index}]", pattern)
        if compiled is not None:
            noise.append(compiled)
    cues = None
    if data.get("question_cues") is not None:
        cues = _regex(path, problems, "question_cues", data.get("question_cues"))
    return StopList(words=frozenset(lists["stop_words"]), terms=frozenset(lists["stop_terms"]),
                    chars=frozenset(lists["stop_chars"]), noise=tuple(noise), question_cues=cues)
