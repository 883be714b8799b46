"""Candidate definitions: sentences matched by the definition patterns, ranked, each citing its message."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kb.rules.literals import may_match
from kb.store.normalize import term_key

_SENTENCE = re.compile(r"[^。！!？?\n]+[。！!？?]?")
_QUESTION = re.compile(r"[?？]|吗$|什么|怎么|是不是|是否")


@dataclass(frozen=True)
class DefinitionMatch:
    term: str           # the defined term as written
    definition: str     # the text after the cue
    sentence: str       # the whole sentence (stored)
    rule: str
    weight: float


def find_definitions(text: str, rules) -> list[DefinitionMatch]:
    """Every definition pattern match in a text, sentence by sentence."""
    out: list[DefinitionMatch] = []
    rules = [rule for rule in rules if may_match(text, getattr(rule, "literals", None))]
    if not rules:
        return out
    for sentence in _SENTENCE.findall(text):
        sentence = sentence.strip()
        if len(sentence) < 6:
            continue
        for rule in rules:
            for match in rule.regex.finditer(sentence):
                term = match.group("term").strip(" ，,：:“”\"'「」《》")
                definition = match.group("definition").strip(" ，,：:")
                if term and definition:
                    out.append(DefinitionMatch(term, definition, sentence, rule.name, rule.weight))
    return out


def score_definition(match: DefinitionMatch, term_known: bool) -> float:
    """A definition's rank: the rule's weight, a reasonable length, a statement rather than a question."""
    score = match.weight
    length = len(match.definition)
    if length < 4:
        score *= 0.3
    elif length > 120:
        score *= 0.5
    elif 8 <= length <= 60:
        score *= 1.2
    if _QUESTION.search(match.sentence):
        score *= 0.3
    if term_known:
        score *= 1.5
    if len(match.term) > 12:
        score *= 0.5
    return round(score, 4)


def resolve_term(written: str, keys: dict[str, int], max_chars: int = 16) -> tuple[int, str] | None:
    """The term a definition is about: the whole written form, else its longest known suffix."""
    key = term_key(written)
    if key in keys:
        return keys[key], key
    for start in range(1, max(len(key) - 1, 1)):
        tail = key[start:]
        if len(tail) < 2:
            break
        if len(tail) <= max_chars and tail in keys:
            return keys[tail], tail
    return None


def collect(messages: Iterable, rules, keys: dict[str, int],
            on_match: Callable[[DefinitionMatch], None] | None = None) -> list[dict]:
    """Definition rows (term_id, message_id, text, pattern, score) for known terms."""
    rows = []
    for message in messages:
        for match in find_definitions(message.text, rules):
            if on_match:
                on_match(match)
            found = resolve_term(match.term, keys)
            if found is None:
                continue
            term_id, _key = found
            rows.append({"term_id": term_id, "message_id": message.id, "text": match.sentence[:2000],
                         "pattern": match.rule[:128], "score": score_definition(match, True)})
    return rows
