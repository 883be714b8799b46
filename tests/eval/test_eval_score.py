"""Scoring Q&A pairs and terms in the database against aligned digests (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from eval_helpers import digest_text, write_log
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.eval.align import align_folders
from kb.eval.digests import parse_digest, read_digests
from kb.eval.score import evaluate, score
from kb.extract.qa import explain_unpaired
from kb.rules.qa import load_qa_rules
from kb.ingest import discover, ingest
from kb.store.models import Alias, Message, QAAnswer, QAPair, Source, Term


def _message_id(engine, key: str, line: int) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(Message.id).join(Source).where(Source.key == key, Message.line == line))


def _pair(engine, question: tuple[str, int], *answers: tuple[str, int]) -> None:
    with Session(engine) as session:
        pair = QAPair(question_id=_message_id(engine, *question))
        session.add(pair)
        session.flush()
        for rank, answer in enumerate(answers):
            session.add(QAAnswer(pair_id=pair.id, message_id=_message_id(engine, *answer), rank=rank))
        session.commit()


def _term(engine, canonical: str, status: str = "candidate", aliases: tuple[str, ...] = ()) -> None:
    with Session(engine) as session:
        term = Term(canonical=canonical, key=canonical.lower(), status=status)
        term.aliases = [Alias(alias=a, key=a.lower()) for a in aliases]
        session.add(term)
        session.commit()


PROD = "proddev/2017-05-22-chat.markdown"
ARCH = "prodarch/2017-05-23-chat.markdown"


def test_empty_database_scores_zero(engine, digests, logs):
    report = evaluate(engine, digests, logs)
    assert (report.aligned_questions, report.matched_in_db, report.qa_recall, report.keyword_recall) == (3, 0, 0.0, 0.0)
    assert {m.reason for m in report.misses} == {"not in database"}


def test_qa_recall_and_answer_agreement(engine, digests, logs):
    ingest(engine, discover([logs]))
    _pair(engine, (PROD, 11), (PROD, 15), (PROD, 19))  # Q1 with the two answer messages the digest merged
    _pair(engine, (ARCH, 7), (ARCH, 15))  # 跨境 Q1, but linked to an unrelated answer
    rules = load_qa_rules()
    report = evaluate(engine, digests, logs, explain=lambda ids: explain_unpaired(engine, ids, rules))
    assert report.matched_in_db == 3
    assert (report.qa_recalled, report.aligned_questions, report.qa_recall) == (2, 3, 0.6667)
    assert (report.answers_agreed, report.answers_expected, report.answer_agreement) == (1, 2, 0.5)
    assert [(m.label, m.where, m.reason.split(":")[0]) for m in report.misses] == [("Q2", f"{PROD}:27", "no pair")]
    assert [(m.label, m.reason.split(";")[0]) for m in report.answer_misses] == [("Q1", "answer differs")]
    assert report.misses[0].nearest_pair is not None  # the Q1 pair a few messages earlier
    assert report.misses[0].reason == "no pair: no question cue"  # the digest merged a statement with the question after it
    assert evaluate(engine, digests, logs).misses[0].reason == "no pair"  # without an explanation


def test_the_pair_question_may_be_elsewhere_in_the_same_burst(engine, tmp_path):
    logs = tmp_path / "logs"
    write_log(logs, "g", "2017-05-23", [
        ("10:00:00", "甲", "有个问题想请教大家"),
        ("10:00:30", "甲", "跨境支付的结算币种一般怎么选择？人民币还是美元？"),
        ("10:01:00", "乙", "按当地币种结算，换汇由收单行做"),
        ("10:20:00", "丙", "收到"),
        ("10:20:30", "丙", "跨境支付的清算周期一般多长？"),
    ])
    ingest(engine, discover([logs]))
    digest = parse_digest(digest_text("2017-05-23", "Q1：跨境支付的结算币种一般怎么选择？\n"
                                                    "Q2：跨境支付的清算周期一般多长？\n"), "d.markdown")
    report = align_folders([digest], logs)
    assert [a.messages[0].line for a in report.alignments] == [11, 23]
    _pair(engine, ("g/2017-05-23-chat.markdown", 7))  # the opener of 甲's burst: counts for Q1
    _pair(engine, ("g/2017-05-23-chat.markdown", 15))  # 乙's reply is not 丙's question: does not count for Q2
    result = score(engine, [digest], report)
    assert result.qa_recalled == 1
    assert [m.label for m in result.misses] == ["Q2"]


def test_the_pair_may_start_at_the_speaker_asking_again(engine, tmp_path):
    logs = tmp_path / "logs"
    write_log(logs, "g", "2017-06-21", [
        ("16:07:10", "Alive-借贷宝-PL", "银行存款余额调节表调节后的余额是该企业实际可用的存款数额？"),
        ("16:08:00", "乙", "是的"),
        ("16:21:44", "Alive-借贷宝-PL", "银行存款余额调节表调节后的余额是该企业实际可用的存款数额?"),
        ("16:22:00", "丙", "对账日的实存余额才是可支配的"),
    ])
    ingest(engine, discover([logs]))
    digest = parse_digest(digest_text("2017-06-21", "Q1：银行存款余额调节表 调节后的余额是该企业实际可用的存款数额？\n"
                                                    "A1：对账日的实存余额才是可支配的\n"), "d.markdown")
    report = align_folders([digest], logs)
    assert [m.line for m in report.alignments[0].messages] == [7]
    _pair(engine, ("g/2017-06-21-chat.markdown", 15), ("g/2017-06-21-chat.markdown", 19))
    result = score(engine, [digest], report)
    assert (result.qa_recalled, result.answers_agreed) == (1, 1)


@pytest.mark.parametrize(("terms", "found"), [
    ([], []),
    ([("拆标", "candidate", ())], ["拆标"]),
    ([("拆标", "approved", ()), ("资金池", "rejected", ())], ["拆标"]),
    ([("资金归集池", "approved", ("资金池",))], ["资金池"]),
    ([("资金归集池", "rejected", ("資金池",))], []),
    ([("资金池", "merged", ())], ["资金池"]),
])
def test_keyword_recall(engine, digests, logs, terms, found):
    for canonical, status, aliases in terms:
        _term(engine, canonical, status, aliases)
    digest_list = read_digests(digests)
    result = score(engine, digest_list, align_folders(digest_list, logs))
    assert result.keywords == 2
    assert result.keywords_found == len(found)
    assert sorted(set(["拆标", "资金池"]) - set(result.missed_keywords)) == sorted(found)


def test_keyword_recall_uses_term_keys(engine):
    _term(engine, "p2p", "approved")
    digest = parse_digest(digest_text("2017-05-23", "> 关键词：Ｐ２Ｐ  P2P 網聯\n"), "d.markdown")
    from kb.eval.align import AlignmentReport

    result = score(engine, [digest], AlignmentReport([], 3, 0, 0, 0))
    assert (result.keywords, result.keywords_found, result.missed_keywords) == (2, 1, ["網聯"])


def test_report_json_has_the_documented_keys(engine, digests, logs):
    data = evaluate(engine, digests, logs).to_dict()
    for key in ("aligned_questions", "qa_recall", "answer_agreement", "keyword_recall", "questions", "by_form",
                "misses", "missed_keywords"):
        assert key in data


@pytest.mark.parametrize("extracted, digest_answer, agreed", [
    ("都稳定", "都稳定", True),                                  # a reply too short for bigram containment
    ("2号令", "2号令\n网友补充：详见文件", True),                 # ... that is the answer's first line
    ("2号令", "网友补充：详见文件\n2号令", False),                # ... not a later one
    ("是的", "是的，不过要看银行", False),                        # ... nor a part of a line
    ("可以", "可以", False),                                      # a bare yes or no agrees with too much
    ("好", "好", False),                                          # one character says nothing
    ("问题：会员的黑白灰名单机制是在支付会员系统中么 回答：这个在风控和会员体系中都有",
     "这个在风控和会员体系中都有", True),                         # a restated message: its answer part
    ("分库分表用的是什么技术和框架？　答：自主设计开发，按卡号分表", "自主设计开发，按卡号分表", True),  # …？ 答：…
    ("@程琳-杉德支付pm-上海?支付类型吧，毕竟信用卡不能用于转账等",
     "支付类型吧，毕竟信用卡不能用于转账等\n去看看官方接口文档吧", True),  # after the export's "@name?"
    ("银联和网联的清算时间不同", "卡bin可以区分卡类型是借记还是贷记", False),
])
def test_an_extracted_answer_agrees_with_the_digest(extracted, digest_answer, agreed):
    from kb.eval.align import grams, normalize
    from kb.eval.score import _contained

    assert _contained(extracted, grams(digest_answer), normalize(digest_answer.splitlines()[0])) is agreed
