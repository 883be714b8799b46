"""Extraction quality on the whole real corpus: the figures of docs/evaluation.md, as floors.

One cold build of the corpus into SQLite (about a minute on 2 cores), then the term recall
against tests/extract/data/payment_terms.txt, the top of the ranking, and the Q&A scores
against the 2017 digests. A change that makes any of them worse than the floors fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.eval.judged import read_judgments, score_judgments
from kb.eval.score import evaluate
from kb.extract import extract
from kb.extract.recall import read_term_list, term_recall
from kb.ingest import ingest
from kb.store import open_db
from kb.store.models import Term

pytestmark = pytest.mark.corpus

TERM_LIST = Path(__file__).parents[1] / "extract" / "data" / "payment_terms.txt"
JUDGED = Path(__file__).parents[2] / "benchmarks" / "qa_labels.tsv"
PRECISION = Path(__file__).parents[2] / "benchmarks" / "qa_precision.tsv"


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    engine = open_db(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'kb.sqlite'}")
    ingest(engine, [corpus / "logs"])
    extract(engine)
    yield engine
    engine.dispose()


def test_term_recall_against_the_list_of_established_terms(built):
    result = term_recall(built, read_term_list(TERM_LIST))
    assert result.checked == 142
    assert result.recall_all >= 0.94           # 135 / 142 on 2026-12-02 (134 before 支付通道)
    assert result.recall_top >= 0.75           # 108 / 142 in the top 500 (107 before 支付通道): the target itself


def test_the_top_reads_like_a_payment_glossary(built):
    with built.connect() as conn:
        ranked = conn.execute(sa.select(Term.key).where(Term.status == "candidate")
                              .order_by(Term.score.desc(), Term.id)).scalars().all()
    top100, top500 = set(ranked[:100]), set(ranked[:500])
    assert {"网联", "聚合支付", "代扣", "收单", "清算", "备付金", "二清", "协议支付", "虚拟账户"} <= top100
    noise = {"看完", "看懂", "篇文章", "哪家银行", "有人了解", "at", "to", "哈哈", "谢谢", "大家好", "群主"}
    assert not noise & top500


def test_qa_against_the_2017_digests(built, corpus):
    report = evaluate(built, corpus / "digests", corpus / "logs")
    assert report.aligned_questions >= 1090     # 1,095 (1,039 before the evaluator read @name? mentions)
    assert report.qa_recall >= 0.71             # 73.6 % on 2026-12-03 (806 / 1,095 with the model of 3,300 judgments, 807 with 2,500, 805 with 1,700; 803 before the a_not_a and alternative cues, 72.8 % with the model of 900 judgments, 73.7 % without a model, 74.2 % before the fifth session's precision rules)
    assert report.answer_agreement >= 0.84      # 86.1 % (673 / 782; 79.9 % before the evaluator read @name? mentions)


def test_the_precision_sample_of_the_shipped_output(built):
    """300 pairs of the output (benchmarks/qa_precision.tsv: drawn from the pairs the build made on
    2026-12-03, read twice by three reviewers each, not used for training; docs/evaluation.md): nearly all of
    their questions are still the questions of pairs, and the questions of the pairs read right are
    kept as often as the others. Keyed by the question only: a change that keeps a question but links
    other answers passes here, and only new judgments measure it."""
    first, second = score_judgments(built, read_judgments(PRECISION))  # two readings: 73.3 % and 72.0 % right
    for score, n_right in ((first, 220), (second, 216)):
        assert (score.judged, score.right, score.in_database) == (300, n_right, 300)
        assert score.kept >= 0.97 * score.judged   # 297 on 2026-12-03 (the model of 3,300 judgments)
        assert score.precision >= 0.71             # 73.4 % and 72.1 %


def test_the_pairs_kept_are_the_ones_read_as_right(built):
    """The 3,300 pairs judged by reading (benchmarks/qa_labels.tsv, all of them pairs before the pair
    model): what the model keeps of them must be more often right than all of them (62.5 %), and
    keep nearly all the right ones. The model was trained on these judgments, so this guards the
    model and its features against breaking; the cross-validated figures are in docs/evaluation.md."""
    (score,) = score_judgments(built, read_judgments(JUDGED))
    assert (score.judged, score.right, score.in_database) == (3300, 2061, 3300)
    assert score.precision >= 0.64   # 2,032 / 3,104 = 65.5 % on 2026-12-03 (fourth round)
    assert score.right_kept >= 0.97  # 98.6 % of the right ones kept
