"""Chat text made safe to show: personal numbers masked, everything escaped, term mentions linked.

Nothing here trusts its input: chat text, nicknames and link titles are escaped,
only ``http``/``https`` URLs become links, and term names are matched as plain
strings (no regex metacharacters survive into a pattern unescaped).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from kb.privacy import mask

_URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff]+", re.IGNORECASE)  # a URL ends before hanzi: …pdf下载
_SAFE_SCHEME = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
ROOT_MARK = "\x00root\x00"  # stands for a page's path to the site root in HTML shared by pages at any depth
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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

    A C-level search finds the next character that can start a name; there the
    known lengths for that character are tried longest first against a set.
    ASCII letters match case-insensitively; names made of ASCII letters or
    digits only match at word boundaries (API does not match in RAPID).
    """

    def __init__(self, names: dict[str, int], min_length: int = 2, max_length: int = 40) -> None:
        self.names: dict[str, int] = {}
        for name, term_id in names.items():
            if min_length <= len(name) <= max_length and name.strip() == name:
                self.names.setdefault(name.translate(_ASCII_LOWER), term_id)
        lengths: dict[str, set[int]] = {}
        for name in self.names:
            lengths.setdefault(name[0], set()).add(len(name))
        self.lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        self.starts = re.compile("[" + "".join(re.escape(ch) for ch in sorted(self.lengths)) + "]") \
            if self.lengths else None

    def find(self, text: str) -> list[Hit]:
        if self.starts is None or not text:
            return []
        folded = text.translate(_ASCII_LOWER)  # same length as text
        names, lengths, search = self.names, self.lengths, self.starts.search
        hits = []
        position = 0
        while (match := search(folded, position)) is not None:
            start = match.start()
            for length in lengths[folded[start]]:
                name = folded[start:start + length]
                if len(name) == length and name in names and _bounded(folded, start, start + length):
                    hits.append(Hit(start, start + length, names[name]))
                    position = start + length
                    break
            else:
                position = start + 1
        return hits


def _bounded(text: str, start: int, end: int) -> bool:
    """False when an ASCII-word name runs into letters or digits on either side."""
    if _ASCII_WORD.match(text[start]) and start > 0 and _ASCII_WORD.match(text[start - 1]):
        return False
    return not (_ASCII_WORD.match(text[end - 1]) and end < len(text) and _ASCII_WORD.match(text[end]))


def spans_to_hits(spans: Iterable[tuple[int, int, int]], length: int) -> list[Hit]:
    """Stored mentions (start, end, term id) as non-overlapping hits, leftmost-longest first."""
    hits: list[Hit] = []
    position = 0
    for start, end, term_id in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= position and 0 <= start < end <= length:
            hits.append(Hit(start, end, term_id))
            position = end
    return hits


def render(text: str | None, matcher: TermMatcher | None = None, href: Callable[[int], str] | None = None,
           on_hit: Callable[[Hit], None] | None = None,
           spans: Iterable[tuple[int, int, int]] | None = None) -> Markup:
    """Escaped HTML of a chat text: numbers masked, http(s) URLs linked, term mentions linked to their pages.

    Mentions come from ``spans`` (start, end, term id: the extractor's, offsets in the unmasked text) when
    given, else from the matcher.
    """
    if not text:
        return Markup("")
    if ROOT_MARK[0] in text:  # NUL has no place in HTML; dropping it shifts offsets, so stored spans go too
        text, spans = text.replace(ROOT_MARK[0], ""), None
    masked = mask(text)
    if spans is not None and href is not None:
        hits = spans_to_hits(spans, len(text))
        if len(masked) != len(text):  # masking changed offsets: mask around the mentions instead
            return Markup(_render_hits(text, hits, href, on_hit, mask_parts=True))
        return Markup(_render_hits(masked, hits, href, on_hit))
    if matcher is None or href is None:
        return Markup(_render_hits(masked, [], href, on_hit))
    hits = matcher.find(masked)
    if hits and "://" in masked:  # a name inside a URL stays part of the URL
        urls = [m.span() for m in _URL.finditer(masked)]
        hits = [h for h in hits if not any(s < h.end and h.start < e for s, e in urls)]
    return Markup(_render_hits(masked, hits, href, on_hit))


def _render_hits(text: str, hits: list[Hit], href: Callable[[int], str] | None,
                 on_hit: Callable[[Hit], None] | None, mask_parts: bool = False) -> str:
    out: list[str] = []
    position = 0
    for hit in hits:
        out.append(_plain(text[position:hit.start], mask_parts))
        shown = mask(text[hit.start:hit.end]) if mask_parts else text[hit.start:hit.end]
        out.append(f'<a class="term" href="{_escape(href(hit.term_id))}">{_escape(shown)}</a>')
        position = hit.end
        if on_hit is not None:
            on_hit(hit)
    out.append(_plain(text[position:], mask_parts))
    return "".join(out)


def _plain(text: str, mask_it: bool = False) -> str:
    """Escaped text with its http(s) URLs as links and its line breaks kept."""
    if not text:
        return ""
    if mask_it:
        text = mask(text)
    if "://" not in text:
        return _escape(text).replace("\n", "<br>")
    out: list[str] = []
    position = 0
    for url in _URL.finditer(text):
        out.append(_escape(text[position:url.start()]).replace("\n", "<br>"))
        out.append(str(link(url.group())))
        position = url.end()
    out.append(_escape(text[position:]).replace("\n", "<br>"))
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
