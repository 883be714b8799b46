"""Turning a log file's bytes into clean text: encodings, line ends, control characters, entities."""

from __future__ import annotations

import codecs
import html
import re

# Tried in this order when a file has no byte-order mark.
FALLBACK_ENCODINGS = ("utf-8", "gb18030")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls except tab and newline, DEL, and C1 controls: export noise, never content.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")


class UndecodableError(ValueError):
    """The bytes are in none of the encodings kb reads."""


def decode(data: bytes) -> tuple[str, str]:
    """Decode a log file's bytes; return (text, encoding name).

    A byte-order mark decides UTF-8 or UTF-16; without one, text whose NUL bytes alternate
    like ASCII in UTF-16 is read as UTF-16 LE or BE, else UTF-8 is tried, then GB18030
    (a superset of GBK and GB2312). Raises UndecodableError when none fits.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"not valid {encoding} after its byte-order mark: {exc.reason}") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"looks like {utf16} without a byte-order mark but is not: {exc.reason}") from None
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UndecodableError("not text in UTF-8, UTF-16 or GB18030")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes alternate as in UTF-16 text that is mostly ASCII.

    A log starts with ASCII (front matter, a header), so in UTF-16 many of every other
    byte of its start are NUL (a few CJK characters such as 一, U+4E00, add NULs to the
    other parity); binary data has NULs anywhere.
    """
    sample = data[:512]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    enough = len(sample) // 8  # a quarter of the bytes of one parity
    if odd >= enough and odd >= 4 * even:
        return "utf-16-le"
    if even >= enough and even >= 4 * odd:
        return "utf-16-be"
    return None


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_controls(text: str) -> str:
    """Remove NUL and the other control characters (tab and newline are kept)."""
    return _CONTROL.sub("", text)


def unescape(text: str) -> str:
    """Decode HTML entities, repeatedly: the export double-encodes some (``&amp;#183;`` → ``·``)."""
    for _ in range(4):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text
