"""Table-driven cases for every rule kind: phrase, token pattern, regex, definition pattern, stop lists."""

from __future__ import annotations

import pytest

from kb.extract.definitions import find_definitions, resolve_term
from kb.extract.terms import Msg, mask, phrase_variants, rule_hits
from kb.nlp import Segmenter
from kb.rules.terms import PhraseRule, TermRules, load_term_rules
from kb.store.normalize import term_key

RULES = load_term_rules()


@pytest.fixture(scope="module")
def segmenter():
    return Segmenter()


def hits(rules: TermRules, text: str, segmenter: Segmenter) -> dict[str, list[str]]:
    """rule name -> surfaces it matched in one message."""
    phrases = {v: segmenter.cut(v) for r in rules.phrases for p in r.phrases for v in phrase_variants(p)}
    found = rule_hits([segmenter.cut(mask(text))], [Msg(1, "2024-01-01", "a", mask(text), False)], rules, phrases)
    out: dict[str, list[str]] = {}
    for cand in found.values():
        for rule in cand.rules:
            out.setdefault(rule, []).extend(cand.surfaces)
    return {k: sorted(v) for k, v in out.items()}


def only(kind: str) -> TermRules:
    keep = {"phrases": (), "token_patterns": (), "regex": ()}
    keep[kind] = getattr(RULES, kind)
    return TermRules(directory="", settings=RULES.settings, abbreviations=(), stop=RULES.stop, **keep)


REGEX = [
    ("我们是T+0到账，他们T+1", "settlement-cycle", ["T+0", "T+1"]),
    ("D0 和 D+1 有什么区别", "settlement-cycle", ["D+1", "D0"]),
    ("t + 1 也行", "settlement-cycle", ["t + 1"]),
    ("现在mPOS和传统POS机都在用", "pos-terminal", ["mPOS", "传统POS机"]),
    ("智能POS的费率", "pos-terminal", ["智能POS"]),
    ("走CNAPS还是SWIFT", "latin-acronym", ["CNAPS", "SWIFT"]),
    ("P2P平台暴雷了", "latin-acronym", ["P2P"]),
    ("打95516问一下", "service-number", ["95516"]),
    ("IC卡和NFC支付", "acronym-with-chinese-head", ["IC卡", "NFC支付"]),
]


@pytest.mark.parametrize("text, rule, expected", REGEX)
def test_regex_rules(segmenter, text, rule, expected):
    assert hits(only("regex"), text, segmenter).get(rule) == expected


@pytest.mark.parametrize("text, not_expected", [
    ("电话13395516000", "95516"), ("ABCDEFGHIJ", "ABCDEFGHIJ"), ("订单号T+0123", "T+0123"),
])
def test_regex_rules_do_not_match_inside_longer_tokens(segmenter, text, not_expected):
    found = hits(only("regex"), text, segmenter)
    assert all(not_expected not in surfaces for surfaces in found.values())


PHRASES = [
    ("我们公司上个月完成了断直连", ["断直连"]),
    ("备付金要集中存管", ["备付金"]),
    ("这个不是二清吗", ["二清"]),
    ("今天天气不错", None),
]


@pytest.mark.parametrize("text, expected", PHRASES)
def test_phrase_rules(segmenter, text, expected):
    assert hits(only("phrases"), text, segmenter).get("clearing-and-regulation") == expected


def test_phrase_rules_ignore_case(segmenter):
    rules = TermRules(directory="", settings=RULES.settings, phrases=(PhraseRule("acr", ("P2P",)),), stop=RULES.stop)
    assert hits(rules, "p2p 平台", segmenter) == {"acr": ["p2p"]}


TOKEN_PATTERNS = [
    ("快捷支付的限额是多少", "x-payment", ["快捷支付"]),
    ("跨境支付要牌照", "x-payment", ["跨境支付"]),
    ("虚拟账户怎么开", "x-account-or-card", ["虚拟账户"]),
    ("今天天气不错", "x-payment", None),
    ("以后备付金要集中存管", "x-payment", None),
    ("清算文件几点生成", "process-attribute", ["清算文件"]),
    ("结算周期是多久", "process-attribute", ["结算周期"]),
    ("结算完了再说", "process-attribute", None),
]


@pytest.mark.parametrize("text, rule, expected", TOKEN_PATTERNS)
def test_token_pattern_rules(segmenter, text, rule, expected):
    assert hits(only("token_patterns"), text, segmenter).get(rule) == expected


DEFINITIONS = [
    ("备付金是指支付机构收到的客户预收待付货币资金。", "shi-zhi", "备付金", "支付机构收到的客户预收待付货币资金"),
    ("所谓二清，就是没有牌照的平台替商户收钱再结算。", "suo-wei", "二清", "没有牌照的平台替商户收钱再结算"),
    ("清算也就是对账加轧差", "ye-jiu-shi", "清算", "对账加轧差"),
    ("结算即资金的最终转移", "ji", "结算", "资金的最终转移"),
    ("协议支付就是用户先在银行签约授权", "jiu-shi", "协议支付", "用户先在银行签约授权"),
    ("聚合支付是一种把多个通道整合起来的服务", "shi-yi-zhong", "聚合支付", "把多个通道整合起来的服务"),
    ("CNAPS（中国现代化支付系统）", "acronym-expansion", "CNAPS", "中国现代化支付系统"),
]


@pytest.mark.parametrize("text, rule, term, definition", DEFINITIONS)
def test_definition_patterns(text, rule, term, definition):
    matches = [m for m in find_definitions(text, RULES.definitions) if m.rule == rule]
    assert matches, f"{rule} did not match"
    assert matches[0].term == term
    assert matches[0].definition.rstrip("。") == definition


def test_definition_term_is_the_longest_known_suffix():
    keys = {"备付金": 1, "付金": 2, "支付": 3}
    assert resolve_term("我觉得备付金", keys) == (1, "备付金")
    assert resolve_term("天气", keys) is None


@pytest.mark.parametrize("text, noise", [
    ("[捂脸]", True), ("哈哈哈", True), ("666", True), ("x", True), ("备付金", False), ("T+0", False),
    ("哪家银行", True), ("咋办", True), ("岂不是", True), ("有人了解", True), ("篇文章", True), ("块钱", True),
    ("看完", True), ("查到", True), ("发下", True), ("转到", True),
    ("转账", False), ("查询", False), ("发卡", False), ("看板", False), ("块链", True), ("区块链", False),
])
def test_noise_patterns(text, noise):
    assert RULES.stop.is_noise(text) is noise


@pytest.mark.parametrize("word", ["at", "to", "hi", "no", "on", "yes", "The"])
def test_english_chat_words_are_stop_terms(word):
    assert term_key(word) in {term_key(t) for t in RULES.stop.terms}


def test_mask_keeps_offsets():
    text = "@张三-财付通 备付金[捂脸]见 https://x.cn/a 收单"
    masked = mask(text)
    assert len(masked) == len(text)
    assert "张三" not in masked and "捂脸" not in masked and "x.cn" not in masked
    assert masked.index("备付金") == text.index("备付金") and masked.index("收单") == text.index("收单")


@pytest.mark.parametrize("text, hidden, kept", [
    # the export writes the separator it lost after a mention as "?": the nickname ends there, spaces and
    # all, and the text after it is text (it used to be masked up to the next comma: 37,219 characters)
    ("@降峰 百度金融pm 北京?你们收银台、交易记录的职责怎么划分", "百度金融pm", "你们收银台、交易记录的职责怎么划分"),
    ("@地平线-文思-产品?小电商平台类似代理商", "地平线", "小电商平台类似代理商"),
    ("@张三 备付金怎么存管", "张三", "备付金怎么存管"),  # no separator: the mention ends at the space
])
def test_a_mention_ends_at_the_exports_separator(text, hidden, kept):
    masked = mask(text)
    assert len(masked) == len(text) and hidden not in masked and kept in masked
