"""Page contexts of the wiki: every page is (path, template, context); templates never query.

All text that came from a chat (messages, nicknames, link titles, term names)
is either passed as a plain string, which Jinja's autoescape escapes, or turned
into Markup by kb.publish.text, which escapes it first. URLs of pages come from
stable ids (term id, source id, a hash of a category), never from their text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup

from kb.publish import pinyin as py
from kb.publish import reading
from kb.publish.data import Data, MessageInfo, QAInfo, SourceInfo, TermInfo
from kb.publish.text import ROOT_MARK, TermMatcher, link, mask, render, safe_url

EXAMPLES_SHOWN = 5
QA_SHOWN = 3  # on a term page
RELATED_SHOWN = 10
DAYS_SHOWN = 10
QA_PER_PAGE = 500
QA_ANSWERS_SHOWN = 2
QA_TERMS_SHOWN = 6
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


class Item(SimpleNamespace):
    """A value for templates: attributes (Jinja reads them without the exception a dict costs) and items."""

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


@dataclass
class Page:
    path: str  # relative to the output folder, made only of ids and safe slugs
    template: str
    context: dict[str, Any]


def term_url(term_id: int) -> str:
    return f"terms/{int(term_id)}.html"


def category_url(category: str) -> str:
    return f"categories/{_hash(category)}.html"


def reading_url(topic: str | None) -> str:
    return "reading/index.html" if topic is None else f"reading/{_hash(topic)}.html"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


class Site:
    """The data of one wiki and the helpers its pages share (URLs, matcher, message rendering)."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.names = data.term_by_name()
        self.matcher = TermMatcher(self.names)
        self.uses, self.used_by = reading.definition_links(data, self.matcher)
        self.day_urls = day_urls(data.sources)
        self.sources = {s.id: s for s in data.sources}
        self.hits: dict[int, Counter] = defaultdict(Counter)  # term id → source id → mentions (from linking)
        self.hit_messages: dict[int, list[int]] = defaultdict(list)  # term id → message ids (from linking)
        self._quoted: dict[tuple[int, str], Item | None] = {}
        self._links: dict[tuple[int, str], Item] = {}
        self._message_html: dict[int, str] = {}
        self.count_hits = data.spans is None  # without stored mentions, linking tells what each term's page shows
        self.qa_order: list | None = None
        self.qa_blocks: dict[int, str] = {}  # pair id → its HTML on the Q&A index, kept from the last render

    def message_url(self, message: MessageInfo) -> str:
        return f"{self.day_urls[message.source_id]}#m{message.id}"

    def html(self, text: str | None, root: str, message: MessageInfo | None = None, count: bool = False):
        """Escaped, masked HTML of a text with term mentions linked (counted when it is a day page's message).

        A message's mentions are the extractor's (kb.extract, segmentation-aware) when it stored any;
        other text, and every text before any extraction, is matched against the term names.
        """
        on_hit = None
        if count and message is not None and self.count_hits:
            def on_hit(hit, message=message):
                if not self.hits[hit.term_id][message.source_id] or \
                        self.hit_messages[hit.term_id][-1:] != [message.id]:
                    self.hit_messages[hit.term_id].append(message.id)
                self.hits[hit.term_id][message.source_id] += 1
        spans = None
        if message is not None and self.data.spans is not None and text == message.text:
            spans = self.data.spans.get(message.id, ())
        if message is None or on_hit is not None or text != message.text:
            return render(text, self.matcher, lambda term_id: root + term_url(term_id), on_hit, spans)
        # a message's HTML is made once, with a mark where the root goes, and reused on every page
        shared = self._message_html.get(message.id)
        if shared is None:
            shared = str(render(text, self.matcher, lambda term_id: ROOT_MARK + term_url(term_id), None, spans))
            self._message_html[message.id] = shared
        return Markup(shared.replace(ROOT_MARK, root)) if ROOT_MARK in shared else Markup(shared)

    def message(self, message_id: int, root: str) -> dict[str, Any] | None:
        """A message as a term page, Q&A page or definition quotes it: date, speaker, text, link to its day."""
        if (message_id, root) not in self._quoted:
            self._quoted[message_id, root] = self._message(message_id, root)
        return self._quoted[message_id, root]

    def _message(self, message_id: int, root: str) -> dict[str, Any] | None:
        message = self.data.messages.get(message_id)
        if message is None:
            return None
        source = self.sources.get(message.source_id)
        return Item(
            id=message.id, date=str(message.date or ""), time=message.time,
            group=source.group if source else "", speaker=mask(message.speaker),
            html=self.html(message.text, root, message) if message.text else self.html(message.quoted_text, root),
            url=root + self.message_url(message),
        )

    def term_link(self, term: TermInfo, root: str) -> Item:
        key = (term.id, root)
        if key not in self._links:
            self._links[key] = Item(id=term.id, name=term.canonical, url=root + term_url(term.id),
                                    approved=term.approved, english=term.english, pinyin=term.pinyin)
        return self._links[key]


def day_urls(sources: list[SourceInfo]) -> dict[int, str]:
    """day/<group slug>/<date>.html; a source without a date or sharing a slug gets its id in the name."""
    urls: dict[int, str] = {}
    taken: set[str] = set()
    for source in sources:
        slug = _SLUG.sub("", source.group)[:40] or f"g{_hash(source.group)[:6]}"
        name = str(source.date) if source.date else f"source-{source.id}"
        url = f"day/{slug}/{name}.html"
        if url in taken:
            url = f"day/{slug}/{name}-{source.id}.html"
        taken.add(url)
        urls[source.id] = url
    return urls


def pages(data: Data, title: str = "Payment knowledge base") -> Iterator[Page]:
    """Every page of the wiki with its context, day pages first (they find the mentions term pages show)."""
    for make in page_makers(data, title):
        yield make()


def page_makers(data: Data, title: str = "Payment knowledge base") -> list[Callable[[], Page]]:
    """One function per page that builds it; run them in order (day pages first: see Site.count_hits).

    When the database has stored mentions, the functions are independent of each other and may run
    in any order or in separate processes (kb.publish.render does so on several cores).
    """
    return [planned.make for planned in page_plan(data, title)]


@dataclass
class Planned:
    """A page to make: what it shows (``kind`` "day" with a source id, "term" with a term id, or
    "other"), its path, and the function that builds it."""
    kind: str
    id: int | None
    path: str | None
    make: Callable[[], Page]


def page_plan(data: Data, title: str = "Payment knowledge base", site: Site | None = None,
              qa_blocks: dict[int, str] | None = None) -> list[Planned]:
    """page_makers, each with what its page is of (kb.publish.render skips pages nothing touched).

    ``qa_blocks``: the HTML of Q&A pairs on the Q&A index as the last render wrote it (pair id →
    markup), used instead of making it again (kb.publish.render, after an append)."""
    site = site or Site(data)
    site.qa_blocks.update(qa_blocks or {})
    common = {"site_title": title}
    categories = sorted({t.category for t in data.terms if t.category})

    def other(make: Callable[[], Page]) -> Planned:
        return Planned("other", None, None, make)

    return [
        *(Planned("day", source.id, site.day_urls[source.id], partial(day_page, site, source, common))
          for source in data.sources),
        other(partial(days_index_page, site, common)),
        *(Planned("term", term.id, term_url(term.id), partial(term_page, site, term, common)) for term in data.terms),
        other(partial(home_page, site, common)),
        other(partial(az_page, site, common)),
        *(other(partial(_qa_page, site, common, number)) for number in range(1, qa_page_count(site) + 1)),
        *(other(partial(category_page, site, category, common)) for category in categories),
        other(partial(reading_page, site, None, common)),
        *(other(partial(reading_page, site, category, common)) for category in categories),
    ]


def day_page(site: Site, source: SourceInfo, common: dict[str, Any]) -> Page:
    path = site.day_urls[source.id]
    root = "../../"
    messages = []
    for message_id in site.data.by_source.get(source.id, []):
        message = site.data.messages[message_id]
        messages.append(Item(
            id=message.id, time=message.time, speaker=mask(message.speaker), kind=message.kind,
            html=site.html(message.text, root, message, count=True),
            quoted_speaker=mask(message.quoted_speaker), quoted_html=render(message.quoted_text),
            links=[link(item.get("url"), item.get("title")) for item in message.links],
            images=[Item(alt=mask(item.get("alt") or "image"), url=safe_url(item.get("url")))
                    for item in message.images],
        ))
    return Page(path, "day.html", {**common, "root": root, "source": {
        "group": source.group, "date": str(source.date or ""), "title": source.title or "",
    }, "messages": messages, "title": f"{source.group} {source.date or ''}"})


def days_index_page(site: Site, common: dict[str, Any]) -> Page:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source in site.data.sources:
        groups[source.group].append({"date": str(source.date or source.title or source.id),
                                     "url": site.day_urls[source.id], "messages": source.n_messages})
    return Page("days.html", "days.html", {**common, "root": "", "title": "Chat days",
                                           "groups": sorted(groups.items())})


def term_page(site: Site, term: TermInfo, common: dict[str, Any]) -> Page:
    root = "../"
    example_ids = term.examples or site.hit_messages.get(term.id, [])
    examples = [m for m in (site.message(i, root) for i in example_ids[:EXAMPLES_SHOWN]) if m]
    day_counts = term.days or sorted(site.hits.get(term.id, Counter()).items(), key=lambda d: (-d[1], d[0]))
    days = []
    for source_id, count in day_counts[:DAYS_SHOWN]:
        source = site.sources.get(source_id)
        if source is not None:
            days.append({"group": source.group, "date": str(source.date or ""), "count": count,
                         "url": root + site.day_urls[source_id]})
    candidate_definitions = []
    if not term.definition:
        for definition in term.candidate_definitions:
            quoted = site.message(definition["message_id"], root)
            candidate_definitions.append({"html": site.html(definition["text"], root), "source": quoted})
    context = {
        **common, "root": root, "title": term.canonical,
        "term": {
            "id": term.id, "name": term.canonical, "pinyin": term.pinyin, "initials": term.initials,
            "english": term.english, "aliases": term.aliases, "status": term.status, "approved": term.approved,
            "category": term.category, "category_url": root + category_url(term.category) if term.category else None,
            "definition_html": site.html(term.definition, root) if term.definition else None,
            "candidate_definitions": candidate_definitions, "mentions": term.n_mentions,
        },
        "examples": examples,
        "qa": [qa_item(site, pair_id, root, with_terms=False) for pair_id in term.qa[:QA_SHOWN]],
        "related": [site.term_link(t, root) for t in related_terms(site, term)],
        "days": days,
    }
    return Page(term_url(term.id), "term.html", context)


def related_terms(site: Site, term: TermInfo) -> list[TermInfo]:
    """Curated related terms, then terms its definition mentions, then terms whose definitions mention it."""
    found: list[int] = [site.names[name] for name in term.related if name in site.names]
    found += site.uses.get(term.id, [])
    found += site.used_by.get(term.id, [])
    seen: dict[int, None] = {}
    for term_id in found:
        if term_id != term.id and term_id in site.data.by_id:
            seen.setdefault(term_id, None)
    return [site.data.by_id[i] for i in list(seen)[:RELATED_SHOWN]]


def qa_item(site: Site, pair_id: int, root: str, with_terms: bool = True) -> Item:
    pair = site.data.qa[pair_id]
    return Item(
        id=pair.id, score=round(pair.score, 2),
        question=site.message(pair.question_id, root),
        answers=[a for a in (site.message(i, root) for i in pair.answer_ids[:QA_ANSWERS_SHOWN]) if a],
        terms=[site.term_link(site.data.by_id[i], root)
               for i in pair.term_ids if i in site.data.by_id][:QA_TERMS_SHOWN] if with_terms else [],
    )


def home_page(site: Site, common: dict[str, Any]) -> Page:
    terms = site.data.terms
    categories = Counter(t.category for t in terms if t.category)
    return Page("index.html", "index.html", {
        **common, "root": "", "title": common["site_title"],
        "counts": {"approved": sum(t.approved for t in terms), "candidates": sum(not t.approved for t in terms),
                   "days": len(site.data.sources), "messages": sum(s.n_messages for s in site.data.sources),
                   "qa": len(site.data.qa)},
        "top_terms": [site.term_link(t, "") for t in terms[:30]],
        "categories": [{"name": name, "count": count, "url": category_url(name)}
                       for name, count in sorted(categories.items())],
        "recent_days": [{"group": s.group, "date": str(s.date or ""), "url": site.day_urls[s.id]}
                        for s in site.data.sources[-10:][::-1]],
    })


def az_page(site: Site, common: dict[str, Any]) -> Page:
    letters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for term in sorted(site.data.terms, key=lambda t: (py.compact(t.pinyin) or "~", t.canonical)):
        letters[py.letter(term.pinyin)].append(site.term_link(term, ""))
    order = sorted(letters, key=lambda letter: (letter == "#", letter))
    return Page("az.html", "az.html", {**common, "root": "", "title": "A–Z",
                                       "letters": [(letter, letters[letter]) for letter in order]})


def qa_url(number: int) -> str:
    return "qa.html" if number == 1 else f"qa-{int(number)}.html"


def qa_page_count(site: Site) -> int:
    return max(1, -(-len(site.data.qa) // QA_PER_PAGE))


def qa_pages(site: Site, common: dict[str, Any]) -> Iterator[Page]:
    """The Q&A index: every pair, best linked first (then about approved terms, then about more terms),
    QA_PER_PAGE to a page."""
    for number in range(1, qa_page_count(site) + 1):
        yield _qa_page(site, common, number)


def _qa_page(site: Site, common: dict[str, Any], number: int) -> Page:
    if site.qa_order is None:
        # among equal scores (restated pairs keep the linker's, often 1.0), those about glossary terms
        # first, then those about more terms (是硬盘的block吗？ about none came first)
        by_id = site.data.by_id

        def rank(pair: QAInfo) -> tuple:
            terms = [by_id[t] for t in pair.term_ids if t in by_id]
            return (-pair.score, -sum(t.approved for t in terms), -len(terms), pair.id)

        site.qa_order = sorted(site.data.qa.values(), key=rank)
    pairs = site.qa_order
    links = [{"number": n, "url": qa_url(n)} for n in range(1, qa_page_count(site) + 1)]
    chunk = pairs[(number - 1) * QA_PER_PAGE:number * QA_PER_PAGE]
    return Page(qa_url(number), "qa.html", {
        **common, "root": "", "title": "Questions and answers" + (f" ({number})" if number > 1 else ""),
        "pairs": [site.qa_blocks.get(p.id) or qa_item(site, p.id, "") for p in chunk], "total": len(pairs),
        "page": number,
        "pages": links, "first": (number - 1) * QA_PER_PAGE + 1,
    })


def category_page(site: Site, category: str, common: dict[str, Any]) -> Page:
    root = "../"
    terms = [t for t in site.data.terms if t.category == category]
    return Page(category_url(category), "category.html", {
        **common, "root": root, "title": category, "category": category,
        "terms": [{**vars(site.term_link(t, root)), "definition": (t.best_definition[0] or "")[:120]} for t in terms],
        "reading_url": root + reading_url(category),
    })


def reading_page(site: Site, topic: str | None, common: dict[str, Any]) -> Page:
    root = "../"
    steps = reading.order(site.data, topic=topic)
    topics = sorted({t.category for t in site.data.terms if t.category})
    return Page(reading_url(topic), "reading.html", {
        **common, "root": root, "title": f"Reading list: {topic or 'all topics'}", "topic": topic,
        "topics": [{"name": name, "url": root + reading_url(name)} for name in topics],
        "all_url": root + reading_url(None),
        "steps": [{
            **vars(site.term_link(step.term, root)),
            "definition_html": site.html(step.definition, root) if step.definition else None,
            "reviewed": step.reviewed,
            "prerequisites": [site.term_link(site.data.by_id[i], root) for i in step.prerequisites],
            "qa": qa_item(site, step.qa_id, root) if step.qa_id is not None else None,
        } for step in steps],
    })


def search_index(data: Data) -> list[dict[str, Any]]:
    """The entries of assets/index.js: what the offline search matches on."""
    return [{
        "id": t.id, "t": t.canonical, "p": py.compact(t.pinyin), "i": t.initials, "k": t.key,
        "a": t.aliases, "e": t.english or "", "c": t.category or "", "s": t.status, "u": term_url(t.id),
    } for t in data.terms]
