"""Onboarding reading lists: terms in prerequisite order, each with its definition and best Q&A.

Term A comes before term B when B's definition mentions A. The order is
topological (Kahn's algorithm); among the terms that are ready, the one that
leads soonest to the best-ranked term (approved first, then by score) goes
first; a cycle (A's definition uses B and B's uses A) is broken by taking the
best-ranked term that is left. ``--max N`` keeps the best terms together with
the terms their definitions use.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from kb.errors import KbError
from kb.publish.data import Data, TermInfo
from kb.publish.text import TermMatcher, mask


@dataclass
class Step:
    term: TermInfo
    definition: str | None
    reviewed: bool  # False: the definition is a candidate one nobody has reviewed yet
    prerequisites: list[int]  # ids of earlier terms its definition uses
    qa_id: int | None  # the best Q&A pair about it


def definition_links(data: Data, matcher: TermMatcher | None = None) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """(uses, used_by): term id → ids of the terms its best definition mentions, and the reverse."""
    matcher = matcher or TermMatcher(data.term_by_name())
    uses: dict[int, list[int]] = {}
    used_by: dict[int, list[int]] = defaultdict(list)
    for term in data.terms:
        definition, _ = term.best_definition
        if not definition:
            continue
        found = list(dict.fromkeys(h.term_id for h in matcher.find(definition) if h.term_id != term.id))
        uses[term.id] = found
        for other in found:
            used_by[other].append(term.id)
    return uses, dict(used_by)


def topics(data: Data) -> list[str]:
    """The topics a reading list can be about: the categories of the shown terms."""
    return sorted({t.category for t in data.terms if t.category})


def order(data: Data, topic: str | None = None, max_terms: int | None = None,
          uses: dict[int, list[int]] | None = None, candidates: bool | None = None) -> list[Step]:
    """The reading list of a topic (None: all terms), at most max_terms long, in prerequisite order.

    A newcomer reads the glossary: approved terms only, unless ``candidates`` is True, or None
    (the default) and no term is approved yet (a knowledge base nobody has curated)."""
    if topic is not None and topic not in topics(data):
        known = ", ".join(topics(data)) or "none yet (curators set categories)"
        raise KbError(f"no topic {topic!r}; topics are the categories of terms: {known}")
    pool = [t for t in data.terms if (topic is None or t.category == topic) and t.best_definition[0]]
    if candidates is None:
        candidates = not any(t.approved for t in pool)
    if not candidates:
        pool = [t for t in pool if t.approved]
    pool.sort(key=_rank)
    if uses is None:
        uses, _ = definition_links(data)
    if max_terms is not None:
        pool = _best_with_prerequisites(pool, uses, max(max_terms, 0))
    chosen = {t.id for t in pool}
    needs = {t.id: [i for i in uses.get(t.id, []) if i in chosen] for t in pool}
    waiting = {term_id: set(prereqs) for term_id, prereqs in needs.items()}
    unlocks: dict[int, list[int]] = defaultdict(list)
    for term_id, prereqs in needs.items():
        for prereq in prereqs:
            unlocks[prereq].append(term_id)
    position = _priorities(pool, unlocks)
    rank = {t.id: i for i, t in enumerate(pool)}
    ready = [(position[i], rank[i]) for i, prereqs in waiting.items() if not prereqs]
    heapq.heapify(ready)
    done: set[int] = set()
    steps: list[Step] = []
    while len(done) < len(pool):
        if ready:
            term = pool[heapq.heappop(ready)[1]]
            if term.id in done:
                continue
        else:  # a cycle: take the best-ranked term that is left, its prerequisites unmet
            term = next(t for t in pool if t.id not in done)
        done.add(term.id)
        definition, reviewed = term.best_definition
        steps.append(Step(term, mask(definition), reviewed, [i for i in needs[term.id] if i in done],
                          term.qa[0] if term.qa else None))
        for other in unlocks.get(term.id, []):
            waiting[other].discard(term.id)
            if not waiting[other] and other not in done:
                heapq.heappush(ready, (position[other], rank[other]))
    return steps


def _priorities(pool: list[TermInfo], unlocks: dict[int, list[int]]) -> dict[int, int]:
    """A term's place in the queue: its own rank, or better, the best rank of a term waiting for it."""
    priority = {t.id: i for i, t in enumerate(pool)}  # pool is in rank order
    changed, rounds = True, 0
    while changed and rounds < len(pool):
        changed, rounds = False, rounds + 1
        for term_id, waiting in unlocks.items():
            best = min((priority[w] for w in waiting), default=priority[term_id])
            if best < priority[term_id]:
                priority[term_id], changed = best, True
    return priority


def _best_with_prerequisites(pool: list[TermInfo], uses: dict[int, list[int]], size: int) -> list[TermInfo]:
    """The best-ranked terms, each brought in with the terms its definition uses, up to size terms."""
    by_id = {t.id: t for t in pool}
    chosen: set[int] = set()

    def take(term_id: int, path: set[int]) -> None:
        if term_id in chosen or term_id in path or len(chosen) >= size:
            return
        path.add(term_id)
        for prerequisite in uses.get(term_id, []):
            if prerequisite in by_id:
                take(prerequisite, path)
        if len(chosen) < size:
            chosen.add(term_id)

    for term in pool:
        take(term.id, set())
    return [t for t in pool if t.id in chosen]


def _rank(term: TermInfo) -> tuple:
    return (not term.approved, -(term.score or 0.0), term.canonical)


def markdown(steps: list[Step], data: Data, topic: str | None = None) -> str:
    """A reading list as Markdown (chat text is quoted as plain text)."""
    lines = [f"# Reading list: {topic or 'all topics'}", ""]
    if not steps:
        lines.append("No terms with a definition yet.")
    for n, step in enumerate(steps, 1):
        term = step.term
        head = f"## {n}. {term.canonical}"
        if term.english:
            head += f" ({term.english})"
        if not term.approved:
            head += " — candidate, not yet reviewed"
        lines += [head, ""]
        if step.definition:
            note = "" if step.reviewed else " *(candidate definition, not reviewed)*"
            lines += [f"{_md(step.definition)}{note}", ""]
        if step.prerequisites:
            lines += ["Read first: " + ", ".join(_md(data.by_id[i].canonical) for i in step.prerequisites), ""]
        if step.qa_id is not None:
            pair = data.qa[step.qa_id]
            question = data.messages.get(pair.question_id)
            if question is not None:
                lines.append(f"- **Q** ({question.date} {_md(mask(question.speaker))}): {_md(mask(question.text))}")
                for answer_id in pair.answer_ids[:2]:
                    answer = data.messages.get(answer_id)
                    if answer is not None:
                        lines.append(f"  - **A** ({_md(mask(answer.speaker))}): {_md(mask(answer.text))}")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str | None) -> str:
    """Chat text made inert in Markdown: markup characters and HTML escaped, on one line."""
    text = " ".join((text or "").split())
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def reading_list(engine, topic: str | None = None, max_terms: int | None = None, fmt: str = "md",
                 candidates: bool | None = None) -> str:
    """The reading list of the database as Markdown ("md") or one self-contained HTML page ("html");
    ``candidates`` as for order()."""
    from kb.publish import data as data_module

    data = data_module.load(engine, messages=False)
    steps = order(data, topic=topic, max_terms=max_terms, candidates=candidates)
    if fmt == "md":
        return markdown(steps, data, topic)
    if fmt == "html":
        return _html(steps, data, topic)
    raise KbError(f"unknown reading list format {fmt!r}: md or html")


def _html(steps: list[Step], data: Data, topic: str | None) -> str:
    from kb.publish.render import environment

    items = []
    for step in steps:
        qa = None
        if step.qa_id is not None:
            pair = data.qa[step.qa_id]
            question = data.messages.get(pair.question_id)
            answers = [data.messages[i] for i in pair.answer_ids[:2] if i in data.messages]
            if question is not None:
                qa = {"question": _plain(question), "answers": [_plain(a) for a in answers]}
        items.append({"name": step.term.canonical, "english": step.term.english, "approved": step.term.approved,
                      "pinyin": step.term.pinyin, "definition": step.definition, "reviewed": step.reviewed,
                      "prerequisites": [data.by_id[i].canonical for i in step.prerequisites], "qa": qa})
    template = environment().get_template("reading_standalone.html")
    return template.render(title=f"Reading list: {topic or 'all topics'}", steps=items)


def _plain(message) -> dict[str, str]:
    return {"date": str(message.date or ""), "speaker": mask(message.speaker), "text": mask(message.text)}
