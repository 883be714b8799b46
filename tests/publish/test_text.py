"""Masking, URL filtering, longest-match term linking and escaping of chat text."""

from __future__ import annotations

import pytest

from kb.publish.pinyin import letter, pinyin
from kb.privacy import mask
from kb.publish.text import TermMatcher, link, render, safe_url


@pytest.mark.parametrize("text, expected", [
    ("我电话13812345678", "我电话138****5678"),
    ("138-1234-5678 找我", "138****5678 找我"),
    ("138 1234 5678", "138****5678"),
    ("卡号6222021234567890123", "卡号6222 **** **** 0123"),
    ("6222 0212 3456 7890", "6222 **** **** 7890"),
    ("座机010-12345678", "座机010-****5678"),
    ("2024-03-04 12:00:00 的 T+1", "2024-03-04 12:00:00 的 T+1"),  # dates and times are not numbers to hide
    ("订单号20240304123", "订单号20240304123"),  # 11 digits inside a longer number are not a phone
    ("费率0.6%，单笔1000元", "费率0.6%，单笔1000元"),
    ("", ""),
])
def test_mask(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://example.com/a?b=c", "https://example.com/a?b=c"),
    ("HTTP://example.com", "HTTP://example.com"),
    ("javascript:alert(1)", None),
    (" javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("//evil.example/x", None),
    ("../../etc/passwd", None),
    ("http://a b", None),
    (None, None),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_link_escapes_title_and_refuses_other_schemes():
    assert str(link("javascript:alert(1)", "<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
    html = str(link('https://example.com/"onmouseover=alert(1)', "<img src=x>"))
    assert html.startswith('<a href="https://example.com/&#34;onmouseover=alert(1)"')
    assert "<img" not in html


@pytest.mark.parametrize("names, text, expected", [
    ({"北大": 1, "北大概念股": 2}, "北大概念股涨了", [("北大概念股", 2)]),
    ({"北大": 1, "北大概念股": 2}, "北大概念不是股", [("北大", 1)]),
    ({"北大": 1, "北大概": 2}, "北大概", [("北大概", 2)]),
    ({"资金": 1, "资金池": 2, "池子": 3}, "资金池子", [("资金池", 2)]),
    ({"备付金": 1}, "备付金和备付金", [("备付金", 1), ("备付金", 1)]),
    ({"API": 1}, "RAPID API", [("API", 1)]),
    ({"API": 1}, "开放API接口", [("API", 1)]),
    ({"p2p": 1}, "P2P平台", [("P2P", 1)]),
    ({"a.b": 1, "(x": 2}, "a.b (x axb", [("a.b", 1), ("(x", 2)]),  # names are literal, not regexes
    ({"金": 1}, "资金池", []),
    ({"资金池": 1, "资金池子": 2}, "资金池", [("资金池", 1)]),  # a longer name cut by the end of the text  # one-character names are too ambiguous to link
])
def test_matcher_leftmost_longest(names, text, expected):
    hits = TermMatcher(names).find(text)
    assert [(text[h.start:h.end], h.term_id) for h in hits] == expected


def test_render_escapes_masks_and_links():
    matcher = TermMatcher({"资金池": 7})
    html = str(render("<script>alert(1)</script> 资金池 https://ex.com/<x> 13812345678\n下一行",
                      matcher, lambda i: f"terms/{i}.html"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a class="term" href="terms/7.html">资金池</a>' in html
    assert '<a href="https://ex.com/" rel="nofollow noopener noreferrer" class="ext">https://ex.com/</a>' in html
    assert "138****5678" in html and "13812345678" not in html
    assert "<br>下一行" in html


def test_a_url_ends_where_the_chinese_after_it_begins():
    html = str(render("http://www.payunion.net/f/a.pdf下载 看 https://a.cn/x.html这个", TermMatcher({}), lambda i: ""))
    assert 'href="http://www.payunion.net/f/a.pdf"' in html and "</a>下载" in html
    assert 'href="https://a.cn/x.html"' in html and "</a>这个" in html


@pytest.mark.parametrize("text, full, initials, group", [
    ("资金池", "zi jin chi", "zjc", "Z"),
    ("备付金", "bei fu jin", "bfj", "B"),
    ("重庆银行", "chong qing yin hang", "cqyh", "C"),
    ("P2P网贷", "p2p wang dai", "p2pwd", "P"),
    ("T+0", "t 0", "t0", "T"),
    ("API", "api", "api", "A"),
    ("資金池", "zi jin chi", "zjc", "Z"),
    ("123", "123", "123", "#"),
])
def test_pinyin(text, full, initials, group):
    assert pinyin(text) == (full, initials)
    assert letter(full) == group


def test_render_drops_nul_characters():
    """NUL marks the root in HTML shared between pages: chat text cannot smuggle one in."""
    html = str(render("a\x00root\x00b 资金池", TermMatcher({"资金池": 1}), lambda i: f"terms/{i}.html"))
    assert "\x00" not in html and html.startswith("arootb ")
