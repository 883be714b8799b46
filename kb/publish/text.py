"""Chat text made safe to show: personal numbers masked, everything escaped, term mentions linked.

Nothing here trusts its input: chat text, nicknames and link titles are escaped,
only ``http``/``https`` URLs become links, and term names are matched as plain
strings (no regex metacharacters survive into a pattern unescaped).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from kb.publish.privacy import mask

_URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+", re.IGNORECASE)
_SAFE_SCHEME = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def safe_url(url: str | None) -> str | None:
    """The URL if it is an http(s) URL that may become a link, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    url = url.strip()
    return url if _SAFE_SCHEME.match(url) else None


def link(url: str | None, title: str | None = None) -> Markup:
    """An <a> for an http(s) URL; any other URL is shown as escaped text, never as a link."""
    shown = mask(title or url or "")
    target = safe_url(url)
    if target is None:
        return escape(shown)
    return Markup(f'<a href="{escape(target)}" rel="nofollow noopener noreferrer" class="ext">{escape(shown)}</a>')


@dataclass(frozen=True)
class Hit:
    """One term mention found in a text: [start, end) and the term's id."""

    start: int
    end: int
    term_id: int


class TermMatcher:
    """Finds term names in text, leftmost-longest: with 北大 and 北大概 known, 北大概 wins.

    The names are compiled into one regular expression shaped as a trie, so a
    text is scanned once in C whatever the number of terms. Names made of ASCII
    letters or digits only match at word boundaries (API does not match in RAPID).
    """

    def __init__(self, names: dict[str, int], min_length: int = 2, max_length: int = 40) -> None:
        self.names: dict[str, int] = {}
        for name, term_id in names.items():
            if min_length <= len(name) <= max_length and name.strip() == name:
                self.names.setdefault(name.lower(), term_id)
        self.pattern = re.compile(_trie_pattern(self.names), re.IGNORECASE) if self.names else None

    def find(self, text: str) -> list[Hit]:
        if self.pattern is None or not text:
            return []
        hits = []
        for match in self.pattern.finditer(text):
            start, end = match.span()
            name = match.group().lower()
            if _ASCII_WORD.match(name[0]) and start > 0 and _ASCII_WORD.match(text[start - 1]):
                continue
            if _ASCII_WORD.match(name[-1]) and end < len(text) and _ASCII_WORD.match(text[end]):
                continue
            hits.append(Hit(start, end, self.names[name]))
        return hits


def _trie_pattern(names: Iterable[str]) -> str:
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a name ends here: the longer names are tried first, greedily
            return "(?:" + body + ")?"
        return body

    return build(trie)


def render(text: str | None, matcher: TermMatcher | None = None,
           href: Callable[[int], str] | None = None, on_hit: Callable[[Hit], None] | None = None) -> Markup:
    """Escaped HTML of a chat text: numbers masked, http(s) URLs linked, term mentions linked to their pages."""
    text = mask(text)
    if not text:
        return Markup("")
    out: list[str] = []
    position = 0
    for url in _URL.finditer(text):
        out.append(_render_terms(text[position:url.start()], matcher, href, on_hit))
        out.append(link(url.group()))
        position = url.end()
    out.append(_render_terms(text[position:], matcher, href, on_hit))
    return Markup("".join(out))


def _render_terms(text: str, matcher: TermMatcher | None, href: Callable[[int], str] | None,
                  on_hit: Callable[[Hit], None] | None) -> str:
    if not text:
        return ""
    if matcher is None or href is None:
        return str(escape(text)).replace("\n", "<br>")
    out: list[str] = []
    position = 0
    for hit in matcher.find(text):
        out.append(escape(text[position:hit.start]))
        out.append(f'<a class="term" href="{escape(href(hit.term_id))}">{escape(text[hit.start:hit.end])}</a>')
        position = hit.end
        if on_hit is not None:
            on_hit(hit)
    out.append(escape(text[position:]))
    return "".join(out).replace("\n", "<br>")
