"""Parser of the cocolian WeChat export: Jekyll front matter, then one block per message.

    ---
    title:      "2017-05-23-WeChat"
    date:       2017-05-23 12:00:00
    ---
    > 10:52:11  thq
       
    @乔俊翔-爱又米-支付开发 没有资金池，有担保账户
       

Content kinds: text, links ``[title](url)``, images ``![alt](url)``, quote-replies
``「asker: quoted」 - - - - reply``, @mentions (often ended by U+2005) and emoji codes
``[强]``. See ../shared/corpus/README.md for the format as found.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from kb.errors import InputError, NotAChatLog
from kb.ingest.decode import UndecodableError, decode, normalize_newlines, strip_controls, unescape
from kb.store.nickname import split_nickname

# Matched after a newline (a literal prefix keeps the scan fast), on text without trailing spaces.
HEADER = re.compile(r"\n> ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:[ \t\u3000]+([^\n]*))?(?=\n|$)")
# what a header with a typo looks like (no seconds, no space after >, a space before it): reported
NEAR_HEADER = re.compile(r"^\s*>\s*\d{1,2}[:：]\d{1,2}")
BLANK_LINES = re.compile(r"\n{2,}")
TRAILING_SPACE = re.compile(r"[ \t\u3000]+$", re.MULTILINE)
FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$")
FRONT_MATTER_ITEM = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(([^)\s]+)\)")
QUOTE_REPLY = re.compile(
    r"^「\s*(?P<speaker>[^:：」\n]*?)\s*[:：]\s*(?P<quoted>.*?)\s*」\s*(?:-\s*){3,}(?P<reply>.*)$", re.DOTALL
)
EMOJI = re.compile(r"\[([\u4e00-\u9fff]{1,4})\](?!\()")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
MENTION_SEPARATOR = "\u2005"
MENTION_END = re.compile(r"[\s\u2005,，:：@?？]")
BINARY_NUL_SHARE = 0.01


class ParsedMessage(TypedDict):
    """One message as parsed; the keys are the columns of the messages table."""

    seq: int
    line: int
    time: str
    speaker: str
    speaker_name: str
    speaker_org: str | None
    speaker_role: str | None
    speaker_city: str | None
    kind: str
    text: str
    raw: str
    quoted_speaker: str | None
    quoted_text: str | None
    mentions: list[str]
    links: list[dict[str, str]]
    images: list[dict[str, str]]
    emojis: list[str]


@dataclass(slots=True)
class ParsedLog:
    path: str
    encoding: str
    front_matter: dict[str, str]
    date: dt.date | None
    title: str | None
    author: str | None
    messages: list[ParsedMessage]
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, what looks wrong)


def parse_file(path: str | Path) -> ParsedLog:
    """Read and parse one log file; raise NotAChatLog or InputError naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, path: str) -> ParsedLog:
    """Parse the bytes of one log file; ``path`` names it in errors and in the result."""
    if not data.strip():
        raise NotAChatLog(path, "empty file, not a chat log")
    try:
        text, encoding = decode(data)
    except UndecodableError as exc:
        raise NotAChatLog(path, f"binary or undecodable file, not a chat log ({exc})") from None
    if not encoding.startswith("utf-16") and data.count(b"\x00") > BINARY_NUL_SHARE * len(data):
        raise NotAChatLog(path, "binary file (NUL bytes), not a chat log")
    lines = TRAILING_SPACE.sub("", unescape(strip_controls(normalize_newlines(text)))).split("\n")
    front_matter, body_start = _front_matter(lines, path)
    blocks = _message_blocks("\n" + "\n".join(lines[body_start:]), body_start)
    warnings = [(number, f"{line.strip()!r} looks like a message header but is not one ('> HH:MM:SS  "
                         "speaker'): its lines are kept as part of the message before")
                for number, line in enumerate(lines[body_start:], body_start + 1)
                if NEAR_HEADER.match(line) and not HEADER.match("\n" + line)]
    if front_matter is None and not blocks:
        raise NotAChatLog(path, "neither front matter nor message headers, not a chat log")
    if not blocks:  # a quiet day has nothing after its front matter; a post or a digest has text
        text_lines = [n for n, line in enumerate(lines[body_start:], body_start + 1) if line.strip()]
        if text_lines:
            raise NotAChatLog(path, f"front matter and {len(text_lines)} lines of text but no message header "
                              "('> HH:MM:SS  nickname'): not a chat log (a digest or a post?)", line=text_lines[0])
    front_matter = front_matter or {}
    speakers: dict[str, list[str]] = {}
    for speaker in sorted({speaker for _, _, speaker, _ in blocks if speaker}, key=len, reverse=True):
        speakers.setdefault(speaker[0], []).append(speaker)
    messages = [
        _message(seq, line, time, speaker, content, speakers)
        for seq, (line, time, speaker, content) in enumerate(blocks)
    ]
    title = _unquote(front_matter.get("title")) or None
    date = _log_date(front_matter, title, path)
    if date is None:
        raise NotAChatLog(path, "no date: neither the front matter's date nor the title nor the file name "
                          "holds a YYYY-MM-DD, so this is no day's chat log")
    return ParsedLog(
        path=path,
        encoding=encoding,
        front_matter=front_matter,
        date=date,
        title=title,
        author=_unquote(front_matter.get("author")) or None,
        messages=messages,
        warnings=warnings,
    )


def _front_matter(lines: list[str], path: str) -> tuple[dict[str, str] | None, int]:
    """The front matter's items and the index of the first body line."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not FRONT_MATTER_FENCE.match(lines[first]):
        return None, 0
    items: dict[str, str] = {}
    for i in range(first + 1, len(lines)):
        line = lines[i]
        if FRONT_MATTER_FENCE.match(line):
            return items, i + 1
        if HEADER.match(line):
            break
        item = FRONT_MATTER_ITEM.match(line)
        if item:
            items[item.group(1).lower()] = item.group(2)
    raise InputError(path, "front matter opened here is never closed with '---'", line=first + 1)


def _message_blocks(body: str, first_line: int) -> list[tuple[int, str, str, str]]:
    """(header line number, time, speaker, content) for each message header.

    ``body`` is the text after the front matter with a newline put before it;
    ``first_line`` is the 0-based number of its first line in the file.
    """
    blocks: list[tuple[int, str, str, str]] = []
    headers = list(HEADER.finditer(body))
    line, position = first_line, 0
    for i, header in enumerate(headers):
        line += body.count("\n", position, header.start() + 1)
        position = header.start() + 1
        end = headers[i + 1].start() if i + 1 < len(headers) else len(body)
        hh, mm, ss, speaker = header.groups()
        content = body[header.end():end].strip("\n")
        if "\n\n" in content:
            content = BLANK_LINES.sub("\n", content)
        blocks.append((line, f"{hh}:{mm}:{ss}", (speaker or "").strip(), content))
    return blocks


def _message(seq: int, line: int, time: str, speaker: str, raw: str, speakers: dict[str, list[str]]) -> ParsedMessage:
    name, org, role, city = split_nickname(speaker) if speaker else ("", None, None, None)
    quoted_speaker = quoted_text = None
    body = raw
    quote = QUOTE_REPLY.match(raw) if raw.startswith("「") else None
    if quote:
        quoted_speaker = quote["speaker"].strip() or None
        quoted_text = quote["quoted"].strip()
        body = quote["reply"].strip()
    images: list[dict[str, str]] = []
    links: list[dict[str, str]] = []
    text = body
    if "](" in body:
        images = [{"alt": alt, "url": url} for alt, url in IMAGE.findall(body)]
        links = [{"title": title, "url": url} for title, url in LINK.findall(body)]
        text = LINK.sub(lambda m: m.group(1), IMAGE.sub("", body)).strip()
    if MENTION_SEPARATOR in text:
        text = text.replace(MENTION_SEPARATOR, " ").strip()
    emojis = EMOJI.findall(text) if "[" in text else []
    return {
        "seq": seq,
        "line": line,
        "time": time,
        "speaker": speaker,
        "speaker_name": name,
        "speaker_org": org,
        "speaker_role": role,
        "speaker_city": city,
        "kind": _kind(quote is not None, text, links, images, emojis),
        "text": text,
        "raw": raw,
        "quoted_speaker": quoted_speaker,
        "quoted_text": quoted_text,
        "mentions": _mentions(body, speakers) if "@" in body else [],
        "links": links,
        "images": images,
        "emojis": emojis,
    }


def _kind(is_quote: bool, text: str, links: list, images: list, emojis: list[str]) -> str:
    if is_quote:
        return "quote"
    if links:
        return "link"
    if images and not text:
        return "image"
    if not text:
        return "empty"
    if emojis and not EMOJI.sub("", text).strip():
        return "emoji"
    return "text"


def _mentions(body: str, speakers: dict[str, list[str]]) -> list[str]:
    """Nicknames after '@': the longest speaker of the day that fits, else up to a separator."""
    found: list[str] = []
    start = body.find("@")
    while start != -1:
        if start and EMAIL.match(body, _email_start(body, start)):
            start = body.find("@", start + 1)  # minglei.sml@alipay.com is an address, not a mention
            continue
        rest = body[start + 1:]
        end = MENTION_END.search(rest)
        name = rest[: end.start()] if end else rest
        for speaker in speakers.get(rest[:1], ()):
            if rest.startswith(speaker) and (len(rest) == len(speaker) or len(speaker) >= len(name)
                                             or MENTION_END.match(rest, len(speaker))):
                name = speaker
                break
        if name and name not in found:
            found.append(name)
        start = body.find("@", start + 1 + len(name))
    return found


def _email_start(body: str, at: int) -> int:
    """Where the local part of an e-mail address ending at ``at`` (an '@') would begin."""
    start = at
    while start and body[start - 1] in EMAIL_LOCAL:
        start -= 1
    return start


def _unquote(value: str | None) -> str:
    if not value:
        return ""
    value = re.sub(r"\s+#.*$", "", value).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()


def _log_date(front_matter: dict[str, str], title: str | None, path: str) -> dt.date | None:
    for candidate in (front_matter.get("date"), title, Path(path).name):
        if candidate:
            match = DATE.search(candidate)
            if match:
                try:
                    return dt.date(*map(int, match.groups()))
                except ValueError:
                    continue
    return None
