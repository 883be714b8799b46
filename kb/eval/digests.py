"""Reading the human digests: questions, their answers, keywords, and the days they cover.

Digests were written by hand and their formats vary from file to file. Recognised:

- question/answer items: ``Q1：…`` / ``A1：…``, ``Q：`` / ``A：``, sub-questions ``Q1.1``,
  ``Q4-17：``, ``Q7-1、``, bold ``**Q6：…（暂无回答）**``, ``Q1.1问题补充：…`` and a
  ``问题补充：`` line (a separate question: it was a separate message);
- answers as ``A1：`` lines, as blockquotes (``> …``) or as plain lines under the question;
- numbered sections whose heading is a question (``## 4、微信、支付宝误退款给用户如何处理``)
  or whose first paragraph is one (``## 2、公司规模与自建支付系统`` + ``…划算？``): the
  section body is the answer; such sections count only when they hold no ``Q`` items;
- ``> 关键词：拆标  区块链 …`` lines and bold term definitions ``- **支付渠道降级**：…``
  (keywords; a bold part counts when it is short and noun-like, see _TERM_LIKE);
- topic titles (headings): each question records the section it stands in.

Lines of raw transcript (``14:39:14  text``, ``P31：…``) are not questions and are skipped.
Dates: a digest names its day in its front matter, its file name and title, and often in
its image names (``20171129_212516.png``); all of them are kept as date hints, because
the digest of one day often covers the chat of another.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import InputError
from kb.ingest.decode import UndecodableError, decode, normalize_newlines, strip_controls, unescape

QA, HEADING, LEAD = "qa", "heading", "lead"
HINT_RANGE_DAYS = 45  # a day named in a digest further than this from its date is ignored

_FENCE = re.compile(r"^\s*---\s*$")
_ITEM = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_HEADING = re.compile(r"^\s*(#{1,6})\s*(.*?)\s*#*\s*$")
_TRANSCRIPT = re.compile(r"^\s*(?:\d{1,2}:\d{2}:\d{2}|P\d+\s*[：:])")
_PREFIX = r"^\s*(?:>\s*)*(?:[-*+]\s+)?(?:\*\*)?\s*"
_QUESTION = re.compile(_PREFIX + r"Q(?P<label>\d+(?:\s*[.．\-]\s*\d+)*)?\s*(?P<extra>问题补充)?\s*[：:、]\s*(?P<text>.*)$")
_SUPPLEMENT = re.compile(_PREFIX + r"(?:问题补充|追问)\s*[：:]\s*(?P<text>.*)$")
_ANSWER = re.compile(_PREFIX + r"A(?P<label>\d+(?:\s*[.．\-]\s*\d+)*)?\s*[：:]\s*(?P<text>.*)$")
_KEYWORDS = re.compile(r"^\s*(?:>\s*)?(?:\*\*)?\s*关键(?:词|字)\s*(?:\*\*)?\s*[：:]\s*(?P<text>.+)$")
_BOLD_TERM = re.compile(r"^\s*(?:>\s*)?[-*+]\s+\*\*(?P<term>[^*：:，,。]{1,16})\*\*\s*[：:]")
# A bold "term": definition bullet names a term when the bold part is short and noun-like
# (digests also bold short advice such as 做好止损红线 or 凌晨上线未必是好的选择).
_TERM_LIKE = re.compile(r"^(?!做|不|没|统一)[^的]{1,8}$")
_KEYWORD_SPLIT = re.compile(r"[\s、，,；;/|]+")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")
_NUMBERING = re.compile(r"^[\s\d一二三四五六七八九十百零〇.．、:：()（）]*")
_NO_ANSWER = re.compile(r"[（(]\s*暂无回答\s*[)）]")
_NO_ANSWER_TEXT = re.compile(r"^(?:暂无回应|暂无回答|待回应|暂缺|无)[。.]?$|^【[^】]{1,8}】$")
_QUESTION_WORDS = re.compile(r"[？?]|如何|怎么|怎样|什么|是否|为何|为什么|哪些|哪个|吗|区别")
_NOT_A_QUESTION_HEADING = re.compile(r"^(?:Q\s*&?\s*A|QA|问答|在线问答|自由讨论|其他)", re.IGNORECASE)
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(20\d{2})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?:_\d{6})?(?!\d)"),
)


@dataclass(slots=True)
class DigestQuestion:
    """One question of a digest with the answer the digest gives (may be empty)."""

    label: str  # "Q1", "Q1.1", "Q4-17", "Q", "Q1 补充", "§ 2、公司规模…"
    text: str
    answer_text: str
    line: int  # 1-based line of the question in its digest
    section: str | None  # the heading it stands under (topic title)
    form: str  # qa | heading | lead


@dataclass(slots=True)
class Digest:
    """One digest file: its days, its questions and its keywords."""

    file: str
    date: dt.date | None
    title: str | None
    questions: list[DigestQuestion] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    keyword_sources: dict[str, str] = field(default_factory=dict)  # keyword -> "关键词" | "bold"
    date_hints: list[dt.date] = field(default_factory=list)  # every day the digest names
    transcript_lines: int = 0  # raw "HH:MM:SS text" lines (not questions)


def read_digests(folder: str | Path) -> list[Digest]:
    """Parse every ``*.markdown``/``*.md`` file under a folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "digest folder not found")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".markdown", ".md"))
    return [parse_digest_file(p) for p in files]


def parse_digest_file(path: str | Path) -> Digest:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    try:
        text, _ = decode(data)
    except UndecodableError as exc:
        raise InputError(str(path), f"not a text file ({exc})") from None
    return parse_digest(text, path.name)


def parse_digest(text: str, name: str = "<digest>") -> Digest:
    """Parse the text of one digest; ``name`` (its file name) is also read for a date."""
    lines = [line.rstrip() for line in unescape(strip_controls(normalize_newlines(text))).split("\n")]
    front, start = _front_matter(lines)
    title = front.get("title", "").strip().strip("\"'") or None
    date = _first_date(front.get("date", "")) or _first_date(name) or _first_date(title or "")
    digest = Digest(file=name, date=date, title=title)
    _Reader(digest).read(lines, start)
    hints = {d for d in (date, _first_date(name), _first_date(title or "")) if d}
    hints.update(_all_dates("\n".join(lines[start:])))
    if date:  # numbers in links look like dates too: keep the days near the digest's own
        hints = {h for h in hints if abs((h - date).days) <= HINT_RANGE_DAYS}
    digest.date_hints = sorted(hints)
    return digest


class _Reader:
    """A line-by-line reader keeping the open question and the open section."""

    def __init__(self, digest: Digest) -> None:
        self.digest = digest
        self.question: DigestQuestion | None = None
        self.answer: list[str] = []
        self.section: str | None = None
        self.section_line = 0
        self.section_body: list[str] = []
        self.section_has_q = False
        self.last_label = "Q"

    def read(self, lines: list[str], start: int) -> None:
        for i in range(start, len(lines)):
            self.line(lines[i], i + 1)
        self.close_question()
        self.close_section()

    def line(self, line: str, number: int) -> None:
        if _TRANSCRIPT.match(line):
            self.digest.transcript_lines += 1
            self.close_question()
            return
        heading = _HEADING.match(line)
        if heading:
            self.close_question()
            self.close_section()
            self.section = heading.group(2).strip() or None
            self.section_line = number
            self.section_body = []
            self.section_has_q = False
            return
        keywords = _KEYWORDS.match(line)
        if keywords:
            for keyword in _KEYWORD_SPLIT.split(_clean(keywords["text"])):
                self.keyword(keyword, "关键词")
            return
        bold = _BOLD_TERM.match(line)
        if bold and _TERM_LIKE.match(bold["term"].strip()):
            self.keyword(bold["term"], "bold")
        if _FENCE.match(line):
            self.close_question()
            return
        self.section_body.append(line)
        question = _QUESTION.match(line)
        if question:
            self.close_question()
            self.section_has_q = True
            label = "Q" + re.sub(r"\s+", "", question["label"] or "").replace("．", ".")
            if question["extra"]:
                label += " 补充"
            else:
                self.last_label = label
            self.open_question(label, question["text"], number)
            return
        supplement = _SUPPLEMENT.match(line)
        if supplement and self.question is not None:
            self.close_question()
            self.open_question(f"{self.last_label} 补充", supplement["text"], number)
            return
        if self.question is None:
            return
        answer = _ANSWER.match(line)
        self.answer.append(answer["text"] if answer else line)

    def keyword(self, keyword: str, source: str) -> None:
        keyword = keyword.strip()
        if keyword and keyword not in self.digest.keyword_sources:
            self.digest.keywords.append(keyword)
            self.digest.keyword_sources[keyword] = source

    def open_question(self, label: str, text: str, number: int) -> None:
        self.question = DigestQuestion(label=label, text=_clean(text), answer_text="", line=number,
                                       section=self.section, form=QA)
        self.answer = []

    def close_question(self) -> None:
        if self.question is not None:
            self.question.answer_text = _clean_block(self.answer)
            if self.question.text:
                self.digest.questions.append(self.question)
        self.question = None
        self.answer = []

    def close_section(self) -> None:
        """A section without Q items whose heading or first paragraph asks a question."""
        if self.section is None or self.section_has_q:
            return
        topic = _NUMBERING.sub("", _clean(self.section))
        body = [line for line in self.section_body if _clean(line)]
        if not topic or _NOT_A_QUESTION_HEADING.match(topic):
            return
        if _QUESTION_WORDS.search(topic):
            self.digest.questions.append(DigestQuestion(
                label=f"§ {self.section}", text=topic, answer_text=_clean_block(body),
                line=self.section_line, section=self.section, form=HEADING))
            return
        lead = next((i for i, line in enumerate(body) if not line.lstrip().startswith(("-", "*", ">", "!"))), None)
        if lead is not None:
            text = _clean(body[lead])
            if text.endswith(("？", "?")):
                self.digest.questions.append(DigestQuestion(
                    label=f"§ {self.section}", text=text, answer_text=_clean_block(body[lead + 1:]),
                    line=self.section_line + 1, section=self.section, form=LEAD))


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not _FENCE.match(lines[first]):
        return {}, 0
    items: dict[str, str] = {}
    for i in range(first + 1, len(lines)):
        if _FENCE.match(lines[i]):
            return items, i + 1
        item = _ITEM.match(lines[i])
        if item:
            items[item.group(1).lower()] = item.group(2)
    return {}, 0


def _clean(text: str) -> str:
    """Markup off: images dropped, links to their titles, bold marks, quote marks, 暂无回答."""
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    text = text.replace("**", "")
    text = _NO_ANSWER.sub("", text)
    text = re.sub(r"^\s*(?:>\s*)+", "", text)
    text = re.sub(r"^\s*[-*+]\s+", "", text)
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _clean_block(lines: list[str]) -> str:
    """Lines cleaned, empty ones and "暂无回应"/"【网友回应】" markers dropped."""
    return "\n".join(c for c in (_clean(line) for line in lines) if c and not _NO_ANSWER_TEXT.match(c))


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _first_date(text: str) -> dt.date | None:
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _date(*match.groups())
            if found:
                return found
    return None


def _all_dates(text: str) -> set[dt.date]:
    found = set()
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _date(*match.groups())
            if day:
                found.add(day)
    return found
