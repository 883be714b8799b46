"""kb.ingest.decode: encodings, line ends, control characters, HTML entities."""

from __future__ import annotations

import codecs

import pytest

from kb.ingest.decode import UndecodableError, decode, normalize_newlines, strip_controls, unescape

TEXT = "---\ntitle: 支付\n---\n> 10:52:11  张三-连连支付-PM\n\n没有资金池，有担保账户 ¥100 · 𠀀\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # native order with its BOM
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: told by where the NUL bytes are
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be", "gb18030"],
)
def test_decode_reads_each_encoding(data: bytes, encoding: str) -> None:
    assert decode(data) == (TEXT, encoding)


def test_decode_reads_gbk_as_gb18030() -> None:
    text = "> 10:00:00  李四-银联\n\n备付金和资金池有什么区别？\n"
    assert decode(text.encode("gbk")) == (text, "gb18030")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (codecs.BOM_UTF8 + b"ok \xff\xfe\xfd", "not valid utf-8-sig after its byte-order mark"),
        (codecs.BOM_UTF16_LE + b"a\x00b", "not valid utf-16 after its byte-order mark"),
        (b"\x80\x80\x80\xff\xff\xff", "not text in UTF-8, UTF-16 or GB18030"),
    ],
)
def test_decode_rejects_bytes_in_no_encoding(data: bytes, message: str) -> None:
    with pytest.raises(UndecodableError, match=message):
        decode(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\n\r\nb", "a\n\nb"),
        ("a\nb", "a\nb"),
    ],
)
def test_normalize_newlines(text: str, expected: str) -> None:
    assert normalize_newlines(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("资\x00金\x10池\x12\x14", "资金池"),  # NUL and the stray controls found in the corpus
        ("a\tb\nc", "a\tb\nc"),  # tab and newline are kept
        ("a\x7fb\x85c\x9fd", "abcd"),  # DEL and C1 controls
        ("a\u2005b\u3000c", "a\u2005b\u3000c"),  # spaces are not controls
    ],
)
def test_strip_controls(text: str, expected: str) -> None:
    assert strip_controls(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三&amp;#183;李四", "张三·李四"),  # double-encoded, as the export writes it
        ("&lt;b&gt; &quot;x&quot; &#39;y&#39;", "<b> \"x\" 'y'"),
        ("&#x4E2D;&#25991;", "中文"),
        ("&amp;amp;lt;", "<"),  # up to several levels
        ("AT&T & co; a&b", "AT&T & co; a&b"),  # a bare ampersand is not an entity
        ("no entities", "no entities"),
    ],
)
def test_unescape(text: str, expected: str) -> None:
    assert unescape(text) == expected
