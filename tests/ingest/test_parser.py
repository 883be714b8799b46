"""kb.ingest.cocolian: front matter, headers, content kinds, encodings, bad files."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from kb.errors import InputError, NotAChatLog
from kb.ingest import parse_bytes, parse_file

FRONT_MATTER = (
    "---\n"
    "layout:     source \n"
    'title:      "2017-05-23-WeChat"\n'
    "date:       2017-05-23 12:00:00\n"
    'author:     "PaymentGroup"\n'
    "lines:      161\n"
    "tag:\t\t  [chat]\n"
    "---\n"
)


def block(time: str, speaker: str, *lines: str) -> str:
    """One message as the export writes it: header, blank line, content lines ending in two spaces."""
    content = "".join(f"{line}  \n   \n" for line in lines)
    return f"> {time}  {speaker}  \n   \n{content}"


def log_text(*blocks: str, front_matter: str = FRONT_MATTER) -> str:
    return front_matter + "".join(blocks)


def parse_one(content: str, speaker: str = "thq"):
    """The single message of a log holding ``content``."""
    parsed = parse_bytes(log_text(block("10:52:11", speaker, content)).encode(), "2017-05-23-chat.markdown")
    assert len(parsed.messages) == 1
    return parsed.messages[0]


# --- front matter and headers -------------------------------------------------------------------

def test_front_matter_and_headers() -> None:
    text = log_text(
        block("07:26:40", "龚正-滴滴-支付金融", "早"),
        block("10:02:40", "我", "欢迎Jealousy，阿里影业支付相关业务的高级产品经理。", "期待分享"),
    )
    parsed = parse_bytes(text.encode(), "logs/proddev/2017-05-23-chat.markdown")
    assert parsed.date == dt.date(2017, 5, 23)
    assert parsed.title == "2017-05-23-WeChat"
    assert parsed.author == "PaymentGroup"
    assert parsed.front_matter["lines"] == "161"
    assert parsed.encoding == "utf-8"
    first, second = parsed.messages
    assert (first["seq"], first["line"], first["time"], first["speaker"]) == (0, 9, "07:26:40", "龚正-滴滴-支付金融")
    assert (second["seq"], second["line"], second["time"], second["speaker"]) == (1, 13, "10:02:40", "我")
    assert second["text"] == "欢迎Jealousy，阿里影业支付相关业务的高级产品经理。\n期待分享"  # blank lines between dropped


@pytest.mark.parametrize(
    ("front_matter", "name", "date", "author"),
    [
        ('---\ndate: 2017-06-01 12:00:00\nauthor: 路过\n---\n', "x.markdown", dt.date(2017, 6, 1), "路过"),
        ('---\ntitle: "2017-6-2-WeChat"\n---\n', "x.markdown", dt.date(2017, 6, 2), None),  # from the title
        ("---\nlayout: source\n---\n", "2017-06-03-chat.markdown", dt.date(2017, 6, 3), None),  # file name
        ("---\nauthor: 'PaymentGroup'   # host\ndate: 2017-06-04\n---\n", "notes.md", dt.date(2017, 6, 4),
         "PaymentGroup"),
    ],
    ids=["date", "title", "file-name", "comment"],
)
def test_log_date_and_author(front_matter: str, name: str, date: dt.date | None, author: str | None) -> None:
    parsed = parse_bytes(log_text(block("10:00:00", "a", "x"), front_matter=front_matter).encode(), name)
    assert (parsed.date, parsed.author) == (date, author)


@pytest.mark.parametrize(("data", "name", "message"), [
    # a README that shows a header in an example: no day's log
    ("# notes\n\n> 10:52:11  thq  # one message header\n", "README.md", "no date: neither the front matter"),
    # a digest or a blog post: front matter, then text without any message header
    ('---\ntitle: "聊天记录2017-05-05"\ndate: 2017-05-05\n---\n\n   14:39:14  现在行业做得最好的都有哪些公司\n',
     "2017-05-05-wechat1.markdown", "x.markdown:6: front matter and 1 lines of text but no message header"),
])
def test_files_that_hold_no_days_chat_are_rejected(data: str, name: str, message: str) -> None:
    with pytest.raises(NotAChatLog) as caught:
        parse_bytes(data.encode(), name if "README" in name else "x.markdown")
    assert message in caught.value.format_message()


def test_headers_without_front_matter_are_a_log() -> None:
    parsed = parse_bytes(block("10:00:00", "a", "hi").encode(), "2017-07-01-chat.markdown")
    assert [(m["line"], m["text"]) for m in parsed.messages] == [(1, "hi")]
    assert parsed.date == dt.date(2017, 7, 1)


def test_quiet_day_is_a_log_without_messages() -> None:
    parsed = parse_bytes(FRONT_MATTER.encode(), "2017-09-23-chat.markdown")
    assert parsed.messages == []
    assert parsed.date == dt.date(2017, 5, 23)


@pytest.mark.parametrize(
    ("header", "time", "speaker"),
    [
        ("> 00:00:00  kyle  ", "00:00:00", "kyle"),
        ("> 23:59:59  小冰 云先知 技术 杭州  ", "23:59:59", "小冰 云先知 技术 杭州"),
        ("> 10:00:00\u3000全角空格", "10:00:00", "全角空格"),
        ("> 10:00:00", "10:00:00", ""),  # a header without a nickname
    ],
)
def test_header_forms(header: str, time: str, speaker: str) -> None:
    parsed = parse_bytes(f"{FRONT_MATTER}{header}\n   \nhi  \n".encode(), "x.markdown")
    assert [(m["time"], m["speaker"]) for m in parsed.messages] == [(time, speaker)]


@pytest.mark.parametrize(
    "line",
    ["> 24:00:00  a", "> 10:60:00  a", ">10:00:00  a", "  > 10:00:00  a", "> 10:00  a"],
)
def test_lines_that_are_not_headers_stay_content(line: str) -> None:
    message = parse_one(line)
    assert message["text"] == line


@pytest.mark.parametrize("line", ["> 24:00:00  a", ">10:00:00  a", "  > 10:00:00  a", "> 10:00  a", "> 10：53：00 a"])
def test_a_header_with_a_typo_is_reported_with_its_line(line: str) -> None:
    # the message before keeps the line (nothing is lost), and the file:line says where to look
    parsed = parse_bytes(log_text(block("10:52:11", "thq", "第一句"), f"{line}\n\n第二句\n").encode(), "x.markdown")
    assert len(parsed.messages) == 1 and line.strip() in parsed.messages[0]["text"]
    [(number, what)] = parsed.warnings
    assert log_text(block("10:52:11", "thq", "第一句")).count("\n") + 1 == number
    assert "looks like a message header but is not one" in what


def test_a_good_log_has_no_warnings() -> None:
    assert parse_bytes(log_text(block("10:52:11", "thq", "> 引用一句", "10:53 开会")).encode(), "x.markdown").warnings == []


# --- content kinds -------------------------------------------------------------------------------

# (content as written, kind, text, extra fields expected)
CONTENT_KINDS = [
    ("没有资金池，有担保账户", "text", "没有资金池，有担保账户", {}),
    ("[支付宝开放平台](https://open.alipay.com/doc)", "link", "支付宝开放平台",
     {"links": [{"title": "支付宝开放平台", "url": "https://open.alipay.com/doc"}]}),
    ("看这个 [网联](http://nucc.cn) 的说明", "link", "看这个 网联 的说明",
     {"links": [{"title": "网联", "url": "http://nucc.cn"}]}),
    ("![2017-05-23 07:26:40](http://wechat.lixf.cn/img/20170523_072640.png)", "image", "",
     {"images": [{"alt": "2017-05-23 07:26:40", "url": "http://wechat.lixf.cn/img/20170523_072640.png"}],
      "links": []}),
    ("「 张三: 备付金是什么？ 」 - - - - - - - - - - - - - - - 客户备付金", "quote", "客户备付金",
     {"quoted_speaker": "张三", "quoted_text": "备付金是什么？"}),
    ("「 老周-星河银行-架构师：资金池\n不允许 」\n- - - - - - - - - - - - - - -\n对", "quote", "对",
     {"quoted_speaker": "老周-星河银行-架构师", "quoted_text": "资金池\n不允许"}),
    ("[强]", "emoji", "[强]", {"emojis": ["强"]}),
    ("[玫瑰][捂脸]", "emoji", "[玫瑰][捂脸]", {"emojis": ["玫瑰", "捂脸"]}),
    ("欢迎大神入群 [玫瑰][鼓掌]", "text", "欢迎大神入群 [玫瑰][鼓掌]", {"emojis": ["玫瑰", "鼓掌"]}),
    ("[chat] is not an emoji", "text", "[chat] is not an emoji", {"emojis": []}),
    ("@乔俊翔-爱又米-支付开发\u2005没有资金池", "text", "@乔俊翔-爱又米-支付开发 没有资金池",
     {"mentions": ["乔俊翔-爱又米-支付开发"]}),
    ("@thq 和 @张三 看看", "text", "@thq 和 @张三 看看", {"mentions": ["thq", "张三"]}),
    ("简历发 minglei.sml@alipay.com 或问 @thq", "text", "简历发 minglei.sml@alipay.com 或问 @thq",
     {"mentions": ["thq"]}),  # an e-mail address is not a mention
    ("POSP@胥刚-华夏银行 对", "text", "POSP@胥刚-华夏银行 对", {"mentions": ["胥刚-华夏银行"]}),
    ("??", "text", "??", {}),  # where the export lost an emoji
]


@pytest.mark.parametrize(("content", "kind", "text", "extra"), CONTENT_KINDS,
                         ids=[f"{k}-{i}" for i, (_, k, _, _) in enumerate(CONTENT_KINDS)])
def test_content_kinds(content: str, kind: str, text: str, extra: dict) -> None:
    message = parse_one(content)
    assert message["kind"] == kind
    assert message["text"] == text
    assert message["raw"] == content.rstrip()
    for key, value in extra.items():
        assert message[key] == value, key
    if kind != "quote":
        assert (message["quoted_speaker"], message["quoted_text"]) == (None, None)


def test_quote_keeps_speaker_quote_and_reply_apart() -> None:
    message = parse_one("「 阿杰-云付科技: 协议支付和代扣是一回事吗？ 」 - - - - - - - - - - 不完全一样 @阿杰-云付科技 ")
    assert message["quoted_speaker"] == "阿杰-云付科技"
    assert message["quoted_text"] == "协议支付和代扣是一回事吗？"
    assert message["text"] == "不完全一样 @阿杰-云付科技"
    assert "协议支付" not in message["text"]
    assert message["mentions"] == ["阿杰-云付科技"]


def test_mention_takes_the_longest_speaker_of_the_day() -> None:
    text = log_text(
        block("10:00:00", "张泽雄-民生金服 项目总监", "问个问题"),
        block("10:01:00", "thq", "@张泽雄-民生金服 项目总监 没有资金池"),
    )
    parsed = parse_bytes(text.encode(), "x.markdown")
    assert parsed.messages[1]["mentions"] == ["张泽雄-民生金服 项目总监"]


def test_empty_message() -> None:
    parsed = parse_bytes(log_text("> 10:00:00  a  \n   \n", block("10:00:01", "b", "x")).encode(), "x.markdown")
    assert [(m["kind"], m["text"]) for m in parsed.messages] == [("empty", ""), ("text", "x")]


@pytest.mark.parametrize(
    ("speaker", "name", "org", "role", "city"),
    [
        ("Tim-魔线科技-产品总监", "Tim", "魔线科技", "产品总监", None),
        ("小冰 云先知 技术 杭州", "小冰", "云先知", "技术", "杭州"),
        ("Ryan Cao", "Ryan Cao", None, None, None),
    ],
)
def test_speaker_is_split(speaker: str, name: str, org: str | None, role: str | None, city: str | None) -> None:
    message = parse_one("hi", speaker=speaker)
    assert (message["speaker_name"], message["speaker_org"], message["speaker_role"], message["speaker_city"]) == (
        name, org, role, city)


# --- cleaning ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("张三&amp;#183;李四", "张三·李四"),
        ("a &lt; b &amp;&amp; c", "a < b && c"),
        ("资\x10金\x12池\x14", "资金池"),
        ("资\x00金池", "资金池"),
        ("x" * 5000, "x" * 5000),  # very long lines are kept whole
    ],
    ids=["double-encoded-entity", "entities", "controls", "nul", "long-line"],
)
def test_cleaning(content: str, text: str) -> None:
    assert parse_one(content)["text"] == text


# --- encodings -----------------------------------------------------------------------------------

SAMPLE = log_text(
    block("10:52:11", "张泽雄-民生金服 项目总监", "没有资金池，有担保账户[强]"),
    block("10:53:02", "thq", "「 张泽雄-民生金服 项目总监: 没有资金池 」 - - - - - - - - 收到"),
)
ENCODINGS = [
    ("utf-8", SAMPLE.encode("utf-8"), "utf-8"),
    ("utf-8-bom", SAMPLE.encode("utf-8-sig"), "utf-8-sig"),
    ("utf-16-le-bom", codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16"),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
    ("utf-16", SAMPLE.encode("utf-16"), "utf-16"),
    ("gbk", SAMPLE.encode("gbk"), "gb18030"),
    ("gb18030", SAMPLE.encode("gb18030"), "gb18030"),
    ("crlf", SAMPLE.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ("crlf-utf-16", SAMPLE.replace("\n", "\r\n").encode("utf-16"), "utf-16"),
    ("cr", SAMPLE.replace("\n", "\r").encode("utf-8"), "utf-8"),
]


@pytest.mark.parametrize(("data", "encoding"), [(d, e) for _, d, e in ENCODINGS], ids=[i for i, _, _ in ENCODINGS])
def test_every_encoding_gives_the_same_messages(data: bytes, encoding: str) -> None:
    expected = parse_bytes(SAMPLE.encode("utf-8"), "x.markdown").messages
    parsed = parse_bytes(data, "x.markdown")
    assert parsed.encoding == encoding
    assert parsed.date == dt.date(2017, 5, 23)
    assert parsed.messages == expected
    assert [m["line"] for m in parsed.messages] == [9, 13]
    assert parsed.messages[0]["emojis"] == ["强"]
    assert parsed.messages[1]["quoted_text"] == "没有资金池"


# --- bad files -----------------------------------------------------------------------------------

BAD_FILES = [
    ("empty", b"", NotAChatLog, "bad.markdown: empty file, not a chat log"),
    ("blank", b" \n\r\n\t\n", NotAChatLog, "bad.markdown: empty file, not a chat log"),
    ("binary", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, NotAChatLog,
     "bad.markdown: binary or undecodable file, not a chat log (not text in UTF-8, UTF-16 or GB18030)"),
    ("nul-bytes", b"\x00\x00\x00\x01ELF\x00\x00" * 50 + b"> 10:00:00  a\n", NotAChatLog,
     "bad.markdown: binary file (NUL bytes), not a chat log"),
    ("bad-after-bom", codecs.BOM_UTF16_LE + b"a\x00b", NotAChatLog,
     "bad.markdown: binary or undecodable file, not a chat log "
     "(not valid utf-16 after its byte-order mark: truncated data)"),
    ("undecodable", b"\x80\xff" * 100, NotAChatLog,
     "bad.markdown: binary or undecodable file, not a chat log (not text in UTF-8, UTF-16 or GB18030)"),
    ("plain-text", "这只是一段文字\nno headers here\n".encode(), NotAChatLog,
     "bad.markdown: neither front matter nor message headers, not a chat log"),
    ("unclosed-front-matter", b"\n---\ntitle: x\ndate: 2017-05-23\n\n> 10:00:00  a\n\nhi\n", InputError,
     "bad.markdown:2: front matter opened here is never closed with '---'"),
]


@pytest.mark.parametrize(("data", "error", "message"), [(d, e, m) for _, d, e, m in BAD_FILES],
                         ids=[i for i, _, _, _ in BAD_FILES])
def test_bad_files_are_rejected_with_one_line_naming_the_file(data: bytes, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        parse_bytes(data, "bad.markdown")
    assert caught.value.format_message() == message
    assert "\n" not in caught.value.format_message()


def test_missing_file_is_an_input_error(tmp_path) -> None:
    missing = tmp_path / "nope.markdown"
    with pytest.raises(InputError) as caught:
        parse_file(missing)
    assert caught.value.format_message() == f"{missing}: cannot read: No such file or directory"


def test_parse_file_reads_from_disk(tmp_path) -> None:
    path = tmp_path / "2017-05-23-chat.markdown"
    path.write_bytes(SAMPLE.encode("utf-16"))
    parsed = parse_file(path)
    assert parsed.path == str(path)
    assert len(parsed.messages) == 2
