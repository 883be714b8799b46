"""Alignment of digest questions to synthetic logs, including the wrong-day control."""

from __future__ import annotations

import datetime as dt

import pytest
from eval_helpers import digest_text, write_log

from kb.eval.align import (
    ALIGNED,
    AMBIGUOUS,
    NO_MATCH,
    TOO_SHORT,
    align,
    align_folders,
    candidate_days,
    grams,
    load_logs,
    normalize,
    similarity,
)
from kb.eval.digests import parse_digest, read_digests


def _by_label(report):
    return {(a.question.section, a.question.label): a for a in report.alignments}


def test_questions_align_across_groups_and_days(digests, logs):
    report = align_folders(read_digests(digests), logs)
    got = {key: (a.status, [m.where for m in a.messages]) for key, a in _by_label(report).items()}
    assert got == {
        # the digest is dated 05-23; the chat was in another group on 05-22
        ("一、理财", "Q1"): (ALIGNED, ["proddev/2017-05-22-chat.markdown:11"]),
        # a question the digest merged from a burst of two messages by one speaker
        ("一、理财", "Q2"): (ALIGNED, ["proddev/2017-05-22-chat.markdown:27", "proddev/2017-05-22-chat.markdown:31"]),
        # asked word for word by two people in two groups: refused, not guessed
        ("一、理财", "Q3"): (AMBIGUOUS, got[("一、理财", "Q3")][1]),
        ("二、跨境", "Q1"): (ALIGNED, ["prodarch/2017-05-23-chat.markdown:7"]),
        ("二、跨境", "Q2"): (TOO_SHORT, []),
    }
    assert report.log_files == 2  # the 07-21 log is outside every window and is not read


def test_similarity_is_recorded_with_the_runner_up(digests, logs):
    alignment = _by_label(align_folders(read_digests(digests), logs))[("一、理财", "Q1")]
    assert 0.5 <= alignment.similarity < 1.0
    assert alignment.runner_up < alignment.similarity - 0.1


def test_answers_align_to_the_messages_they_merge(digests, logs):
    report = _by_label(align_folders(read_digests(digests), logs))
    assert [m.text for m in report[("一、理财", "Q1")].answer_messages] == [
        "拆标，10000元的标的拆成100个100元债权，按用户顺序依次竞购", "用户量有点大，每天能竞购三轮左右"]
    assert [m.speaker for m in report[("二、跨境", "Q1")].answer_messages] == ["赵六-某支付-产品"]


def test_wrong_days_find_nothing(digests, logs):
    report = align_folders(read_digests(digests), logs, shift=60)
    assert report.aligned == []
    assert {a.status for a in report.alignments} <= {NO_MATCH, TOO_SHORT}


def test_window_zero_misses_the_day_before(digests, logs):
    report = _by_label(align_folders(read_digests(digests), logs, window=0))
    assert report[("一、理财", "Q1")].status == NO_MATCH
    assert report[("二、跨境", "Q1")].status == ALIGNED


def test_a_speaker_asking_again_is_not_a_rival(tmp_path):
    write_log(tmp_path, "g", "2017-05-23", [
        ("10:00:00", "甲-某支付-PM", "请问有没有做过跨境支付结算的朋友？"),
        ("10:01:00", "乙", "没做过"),
        ("10:15:00", "甲-某支付-PM", "请问有没有做过跨境支付结算的朋友？"),
        ("11:00:00", "丙", "请问有没有做过跨境支付结算的朋友？"),
    ])
    digest = parse_digest(digest_text("2017-05-23", "Q1：有没有做过跨境支付结算的朋友？\n"), "d.markdown")
    alignment = align([digest], load_logs(tmp_path)).alignments[0]
    # 丙 asking the same 45 minutes later is a rival; drop him and 甲 wins with his repeat kept
    assert alignment.status == AMBIGUOUS
    write_log(tmp_path, "g", "2017-05-23", [
        ("10:00:00", "甲-某支付-PM", "请问有没有做过跨境支付结算的朋友？"),
        ("10:01:00", "乙", "没做过"),
        ("10:15:00", "甲-某支付-PM", "请问有没有做过跨境支付结算的朋友？"),
    ])
    alignment = align([digest], load_logs(tmp_path)).alignments[0]
    assert alignment.status == ALIGNED
    assert [m.line for m in alignment.messages] == [7]
    assert [m.line for m in alignment.repeats] == [15]


def test_a_message_the_export_wrote_twice_is_one_question(tmp_path):
    write_log(tmp_path, "g", "2017-12-21", [
        ("18:43:26", "于江宁", "聚合支付支付机构转清模式不能做了？"),
        ("18:43:26", "于江宁-银联电子PM", "聚合支付支付机构转清模式不能做了？"),
    ])
    digest = parse_digest(digest_text("2017-12-21", "Q4-3：聚合支付支付机构转清模式不能做了？\n"), "d.markdown")
    alignment = align([digest], load_logs(tmp_path)).alignments[0]
    assert (alignment.status, alignment.runner_up) == (ALIGNED, 0.0)
    assert [m.speaker for m in alignment.messages + alignment.repeats] == ["于江宁", "于江宁-银联电子PM"]


def test_unrelated_text_does_not_align(tmp_path):
    write_log(tmp_path, "g", "2017-05-23", [("10:00:00", "甲", "今天的分享是账务核心系统的缓冲记账")])
    digest = parse_digest(digest_text("2017-05-23", "Q1：聚合支付公司可以接入网联吗？\n"), "d.markdown")
    assert align([digest], load_logs(tmp_path)).alignments[0].status == NO_MATCH


def test_candidate_days():
    digest = parse_digest(digest_text("2017-05-23", ""), "d.markdown")
    assert candidate_days(digest, 1) == {dt.date(2017, 5, 22), dt.date(2017, 5, 23), dt.date(2017, 5, 24)}
    assert min(candidate_days(digest, 1, shift=60)) == dt.date(2017, 7, 21)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("备付金和资金池有什么区别？", "备付金和资金池有什么区别", 1.0),
    ("@老周-星河银行 备付金和资金池有什么区别[捂脸]", "备付金和资金池有什么区别？", 1.0),
    ("ＡＢＣ支付", "abc支付", 1.0),
    ("备付金", "网联", 0.0),
])
def test_similarity_of_normalised_bigrams(a, b, expected):
    assert similarity(grams(a), grams(b)) == pytest.approx(expected)


def test_normalize_drops_mentions_emoji_and_punctuation():
    assert normalize("@小林-蓝海支付 请问，P2P 存管[强]？") == "请问p2p存管"


@pytest.mark.parametrize("text, expected", [
    ("@胥刚-华夏银行-项目经理-北京?想问下，资金能聚合吗", "想问下资金能聚合吗"),  # the export's ? for U+2005
    ("@某人\u2005代扣的是微信账户的钱吧", "代扣的是微信账户的钱吧"),
    ("我有听说这个 @爱益-产品-田科?这个支付宝为啥不封杀呢", "我有听说这个这个支付宝为啥不封杀呢"),
])
def test_normalize_keeps_what_follows_a_mention(text, expected):
    assert normalize(text) == expected


def test_load_logs_skips_files_that_are_not_logs(tmp_path):
    write_log(tmp_path, "g", "2017-05-23", [("10:00:00", "甲", "你好")])
    (tmp_path / "g" / "2017-05-24-chat.markdown").write_bytes(b"")
    logs = load_logs(tmp_path)
    assert [(m.group, m.file, m.line, m.text) for log in logs for m in log] == [
        ("g", "2017-05-23-chat.markdown", 7, "你好")]
