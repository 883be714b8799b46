"""The 2017 digests against the real logs: many questions align, and none on the wrong days."""

from __future__ import annotations

import pytest

from kb.eval.align import align, candidate_days, load_logs
from kb.eval.digests import read_digests

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def digests(corpus):
    return read_digests(corpus / "digests")


@pytest.fixture(scope="module")
def logs(corpus, digests):
    days = {d for digest in digests for shift in (0, 60) for d in candidate_days(digest, 3, shift)}
    return load_logs(corpus / "logs", days)


def test_digests_parse(digests):
    assert len(digests) == 81
    questions = sum(len(d.questions) for d in digests)
    assert 1100 <= questions <= 1400
    assert "协议代扣" in next(d for d in digests if d.file == "2017-05-23-wechat17.markdown").keywords


def test_most_questions_align_and_known_ones_align_right(digests, logs):
    report = align(digests, logs)
    assert len(report.aligned) >= 0.7 * len(report.alignments)
    where = {(a.digest, a.question.section, a.question.label): [m.where for m in a.messages] for a in report.aligned}
    # the digest of 05-23 and its first question
    assert where[("2017-05-23-wechat17.markdown", "一.关于P2P理财问题", "Q1")] == [
        "proddev/2017-05-23-chat.markdown:117"]
    # a digest dated 12-21 that covers the chat of 11-29 (found through its image names)
    assert where[("2017-12-21-wechat74.markdown", "一、打击代理清结算模式", "Q1-6")] == [
        "proddev/2017-11-29-chat.markdown:1609"]
    # the digest of 05-09 covers the days before it
    assert where[("2017-05-09-merged1.markdown", "3、中央结算是什么公司？", "§ 3、中央结算是什么公司？")] == [
        "proddev/2017-05-05-chat.markdown:461"]


def test_wrong_days_align_almost_nothing(digests, logs):
    report = align(digests, logs, shift=60)
    assert len(report.aligned) <= 0.01 * len(report.alignments)
