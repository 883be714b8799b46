"""Precision by reading: judged pairs read from a TSV and looked up among the extracted pairs (kb.eval.judged)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cli import main
from kb.errors import KbError
from kb.eval.judged import read_judgments, score_judgments
from kb.ingest import discover, ingest
from kb.store.models import Message, QAPair, Source

HEADER = "group\tdate\tseq\ttime\tverdict\tcategory\treader\tverdict2\n"
PROD = "proddev/2017-05-22-chat.markdown"


def _write(path, rows: list[str], header: str = HEADER):
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_judgments_file_gives_every_verdict_column(tmp_path):
    path = _write(tmp_path / "j.tsv", ["proddev\t2017-05-22\t4\t10:52:11\tright\tright\tr1\twrong",
                                       "proddev\t2017-05-22\t9\t14:00:00\twrong\tnot_question\tr1\twrong"])
    judged = read_judgments(path)
    assert judged.verdicts == {"verdict": {("proddev", "2017-05-22", 4): True, ("proddev", "2017-05-22", 9): False},
                               "verdict2": {("proddev", "2017-05-22", 4): False, ("proddev", "2017-05-22", 9): False}}
    assert judged.times == {("proddev", "2017-05-22", 4): "10:52:11", ("proddev", "2017-05-22", 9): "14:00:00"}


@pytest.mark.parametrize("header, rows, where, says", [
    ("group\tdate\ttime\tverdict\n", [], ":1:", "lacks seq"),
    ("group\tdate\tseq\ttime\tcategory\n", [], ":1:", "lacks verdict"),
    (HEADER, ["proddev\t2017-05-22\t4\t10:52:11\tright\tright\tr1\tright",
              "proddev\t2017-05-22\t9\t14:00:00\tyes\tright\tr1\tright"], ":3:", "verdict must be right or wrong, not 'yes'"),
    (HEADER, ["proddev\t2017-05-22\tfour\t10:52:11\tright\tright\tr1\tright"], ":2:", "message number (seq)"),
    (HEADER, ["proddev\t2017-05-22\t4\t10:52:11\tright\tright\tr1\t"], ":2:", "verdict2 must be right or wrong"),
    (HEADER, ["proddev\t2017/5/22\t4\t10:52:11\tright\tright\tr1\tright"], ":2:", "a date (YYYY-MM-DD)"),
    (HEADER, ["proddev\t2017-05-22\t4\t10:52:11\tright\tright\tr1\tright", "",
              "proddev\t2017-05-22\t9\t14:00:00\tright\tright\tr1\twrong",
              "proddev\t2017-05-22\t4\t10:52:11\twrong\tright\tr2\twrong"], ":5:", "judged already at line 2"),
    (HEADER, ["", "proddev\t2017-05-22\t4\t10:52:11\t\"right\tright\tr1\tright"], ":3:", "verdict must be right"),
])
def test_a_malformed_judgments_file_names_its_line(tmp_path, header, rows, where, says):
    path = _write(tmp_path / "bad.tsv", rows, header)
    with pytest.raises(KbError) as caught:
        read_judgments(path)
    assert f"{path}{where}" in str(caught.value) and says in str(caught.value)


def test_a_byte_order_mark_and_spaces_around_the_key_are_fine(tmp_path):
    path = tmp_path / "excel.tsv"
    path.write_text("\ufeff" + HEADER + " proddev \t2017-05-22\t 4\t10:52:11\tright\tright\tr1\twrong\n",
                    encoding="utf-8")
    assert read_judgments(path).verdicts["verdict"] == {("proddev", "2017-05-22", 4): True}


def test_a_missing_judgments_file_is_an_error(tmp_path):
    with pytest.raises(KbError, match="cannot read judgments"):
        read_judgments(tmp_path / "none.tsv")


def _messages(engine, *lines: int) -> list[tuple[int, str]]:
    """(id, 'group<TAB>date<TAB>seq<TAB>time') of the messages at these lines of PROD."""
    with engine.connect() as conn:
        rows = [conn.execute(select(Message.id, Message.group, Message.date, Message.seq, Message.time)
                             .join(Source).where(Source.key == PROD, Message.line == line)).one() for line in lines]
    return [(id_, f"{group}\t{date}\t{seq}\t{time}") for id_, group, date, seq, time in rows]


@pytest.fixture
def judged_db(engine, logs, tmp_path):
    """The eval logs ingested; two of three judged questions are pairs' questions; a fourth judged pair
    is in no log of this database."""
    ingest(engine, discover([logs]))
    (kept_id, right_kept), (wrong_id, wrong_kept), (_, right_dropped) = _messages(engine, 11, 35, 27)
    with Session(engine) as session:  # the first two are the questions of pairs
        session.add_all([QAPair(question_id=kept_id), QAPair(question_id=wrong_id)])
        session.commit()
    path = _write(tmp_path / "judged.tsv", [
        f"{right_kept}\tright\tright\tr1\tright",
        f"{wrong_kept}\twrong\tunanswered\tr1\tright",
        f"{right_dropped}\tright\tright\tr1\twrong",
        "devarch\t2018-01-01\t5\t09:00:00\tright\tright\tr1\tright",
    ])
    return engine, path


def test_judged_pairs_are_counted_against_the_pairs_extracted_now(judged_db):
    engine, path = judged_db
    first, second = score_judgments(engine, read_judgments(path))
    assert (first.column, first.judged, first.right, first.in_database) == ("verdict", 4, 3, 3)
    assert (first.kept, first.kept_right, first.right_dropped) == (2, 1, 1)
    assert (first.precision, first.right_kept) == (0.5, 0.5)
    assert (second.column, second.kept, second.kept_right, second.right_dropped) == ("verdict2", 2, 2, 0)
    assert (second.precision, second.right_kept) == (1.0, 1.0)


def test_kb_eval_reports_precision_by_reading(judged_db, digests, logs, tmp_path):
    engine, path = judged_db
    url = engine.url.render_as_string(hide_password=False)
    elsewhere = _write(tmp_path / "elsewhere.tsv", ["devarch\t2018-01-01\t5\t09:00:00\tright\tright\tr1\tright"])
    args = ["eval", "--digests", str(digests), "--logs", str(logs), "--db", url, "--judged", str(path),
            "--judged", str(elsewhere)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "precision by reading" in result.output
    assert "judged.tsv verdict " in result.output and "1 (50.0%)" in result.output
    assert "4 (3 here)" in result.output  # one judged pair is in no log of this database
    assert result.output.count("elsewhere.tsv: none of its 1 judged pairs' questions is in this database") == 1
    data = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert [(j["column"], j["kept"], j["kept_right"], j["precision"]) for j in data["judged"]] == [
        ("verdict", 2, 1, 0.5), ("verdict2", 2, 2, 1.0), ("verdict", 0, 0, None), ("verdict2", 0, 0, None)]
    quiet = CliRunner().invoke(main, [*args, "--no-judged", "--json"])
    assert json.loads(quiet.output)["judged"] == []


def test_kb_eval_refuses_a_bad_judgments_file_before_the_long_part(tmp_path, digests, logs):
    bad = _write(tmp_path / "bad.tsv", ["proddev\t2017-05-22\t4\t10:52:11\tmaybe\tright\tr1\tright"])
    missing = f"sqlite:///{tmp_path / 'missing.sqlite'}"  # opening it would fail: the file is read first
    result = CliRunner().invoke(main, ["eval", "--digests", str(digests), "--logs", str(logs), "--db", missing,
                                       "--judged", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: verdict must be right or wrong" in result.output
    assert "Traceback" not in result.output
