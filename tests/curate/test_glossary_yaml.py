"""The glossary YAML: the seed glossary, lossless round trips, idempotent import, conflicts, validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.curate import audit, glossary_yaml, lifecycle
from kb.errors import KbError
from kb.store import Decision, Term, open_db

GLOSSARY = Path(__file__).resolve().parents[2] / "glossary"
CATEGORIES = {"清算/结算", "收单", "账户", "备付金", "支付方式", "监管", "风控"}


def files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yaml"))}


def curated_state(engine) -> dict[str, dict]:
    with Session(engine) as session:
        return {t.key: {k: v for k, v in audit.snapshot(session, t).items()
                        if k not in ("version", "merged_into_id", "aliases")}
                | {"aliases": sorted(a.alias for a in t.aliases)}
                for t in session.scalars(select(Term).where(Term.status.in_(("approved", "rejected"))))}


def test_seed_glossary_imports_on_a_fresh_database_and_exports_byte_identical(db_url, tmp_path):
    engine = open_db(db_url)
    report = glossary_yaml.import_glossary(engine, GLOSSARY)
    assert len(report.created) >= 50 and not report.conflicts
    with Session(engine) as session:
        approved = list(session.scalars(select(Term).where(Term.status == "approved")))
        assert {t.category for t in approved} == CATEGORIES
        assert all(t.definition and t.english and t.origin == "imported" for t in approved)
        # every alias is also a merged term row, so extraction maps it to its term
        central_bank = lifecycle.find_term(session, "央行")
        assert central_bank.status == "merged"
        assert session.get(Term, central_bank.merged_into_id).canonical == "人民银行"
    glossary_yaml.export_glossary(engine, tmp_path / "out")
    assert files(tmp_path / "out") == files(GLOSSARY)
    engine.dispose()


def test_the_extractors_written_forms_neither_leak_into_nor_drop_out_of_an_export(tmp_path):
    # After extraction a term has the written forms the chat used as extracted aliases (PBOC beside
    # pboc, 中国人 民银行 with a stray space) and may have found a glossary alias first (网联清算).
    # The export lists the curated names once each, so it imports again without duplicates.
    from kb.store import Alias

    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    with Session(engine) as session:
        session.add(Term(canonical="网联", key="网联", status="candidate", origin="extracted",
                         aliases=[Alias(alias="网联清算", key="网联清算", origin="extracted")]))
        session.commit()
    glossary_yaml.import_glossary(engine, GLOSSARY)
    with Session(engine) as session:
        bank = lifecycle.find_term(session, "人民银行")
        bank.aliases += [Alias(alias=form, key=key, origin="extracted")
                         for form, key in (("PBOC", "pboc"), ("pboc", "pboc"), ("中国人 民银行", "中国人民银行"))]
        session.commit()
    glossary_yaml.export_glossary(engine, tmp_path / "out")
    assert files(tmp_path / "out") == files(GLOSSARY)
    report = glossary_yaml.import_glossary(engine, tmp_path / "out")
    assert not report.created and not report.updated and not report.conflicts


def test_yaml_is_utf8_without_escapes_and_sorted_by_pinyin():
    for name, text in files(GLOSSARY).items():
        assert "\\u" not in text and '\\"' not in text, name
        data = yaml.safe_load(text)
        terms = [t["term"] for t in data["terms"]]
        assert terms == sorted(terms, key=glossary_yaml.sort_key), name
        assert name == glossary_yaml.slug(data["category"]) + ".yaml"
        for entry in data["terms"]:
            assert list(entry) == [k for k in glossary_yaml.FIELDS if k in entry], entry["term"]


@pytest.mark.parametrize(("category", "stem"), [
    ("清算/结算", "qingsuan-jiesuan"), ("支付方式", "zhifufangshi"), ("风控", "fengkong"),
    ("Risk & Fraud", "risk-fraud"), (None, "uncategorized"), ("", "uncategorized"),
])
def test_file_name_of_a_category(category, stem):
    assert glossary_yaml.slug(category) == stem


RICH = {
    "qingsuan-jiesuan.yaml": {"category": "清算/结算", "terms": [
        {"term": "清算", "english": "clearing", "definition": "第一行：算账。\n第二行: 不动钱 # 不是注释",
         "aliases": ["清算处理"], "related": ["结算", "轧差"], "notes": "'引号' 和 \"双引号\""},
        {"term": "结算", "definition": "  前后有空格的定义  ".strip(), "related": ["清算"]},
    ]},
    "uncategorized.yaml": {"category": None, "terms": [{"term": "yes", "notes": "1.0"}, {"term": "T+1"}]},
    "_rejected.yaml": {"rejected": [{"term": "大家好", "notes": "问候语"}, {"term": "好的"}]},
}


def write(directory: Path, content: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in content.items():
        (directory / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return directory


def test_round_trip_is_lossless(tmp_path):
    first = open_db(f"sqlite:///{tmp_path / 'a.sqlite'}")
    glossary_yaml.import_glossary(first, write(tmp_path / "in", RICH))
    glossary_yaml.export_glossary(first, tmp_path / "one")
    second = open_db(f"sqlite:///{tmp_path / 'b.sqlite'}")
    glossary_yaml.import_glossary(second, tmp_path / "one")
    glossary_yaml.export_glossary(second, tmp_path / "two")
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert curated_state(first) == curated_state(second)
    state = curated_state(first)
    assert state["清算"]["definition"] == "第一行：算账。\n第二行: 不动钱 # 不是注释"
    assert state["清算"]["notes"] == "'引号' 和 \"双引号\""
    assert state["yes"]["notes"] == "1.0" and state["大家好"]["status"] == "rejected"
    text = (tmp_path / "one" / "qingsuan-jiesuan.yaml").read_text(encoding="utf-8")
    assert "definition: |\n      第一行：算账。\n      第二行: 不动钱 # 不是注释\n" in text


def test_import_is_idempotent(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    directory = write(tmp_path / "g", RICH)
    first = glossary_yaml.import_glossary(engine, directory)
    assert (len(first.created), len(first.rejected)) == (4, 2)
    with Session(engine) as session:
        n_decisions = session.scalar(select(func.count()).select_from(Decision))
    again = glossary_yaml.import_glossary(engine, directory)
    assert (again.created, again.updated, again.rejected, again.conflicts) == ([], [], [], [])
    assert len(again.unchanged) == 6
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == n_decisions
        assert {d.curator for d in session.scalars(select(Decision))} == {"glossary-import"}


def test_import_never_silently_overwrites_a_newer_curator_edit(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    old = write(tmp_path / "old", RICH)
    glossary_yaml.import_glossary(engine, old)
    with lifecycle.transaction(engine) as session:
        lifecycle.edit(session, "清算", "alice", definition="alice 的新定义")
    report = glossary_yaml.import_glossary(engine, old)
    assert [t for t, _why in report.conflicts] == ["清算"]
    assert "alice changed it in the database (edit" in report.conflicts[0][1]
    assert curated_state(engine)["清算"]["definition"] == "alice 的新定义"
    forced = glossary_yaml.import_glossary(engine, old, force=True)
    assert forced.updated == ["清算"] and curated_state(engine)["清算"]["definition"].startswith("第一行")


def test_yaml_edited_after_an_export_imports_without_conflict(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    glossary_yaml.import_glossary(engine, write(tmp_path / "g", RICH))
    with lifecycle.transaction(engine) as session:
        lifecycle.edit(session, "清算", "alice", english="clearing (CN)")
    glossary_yaml.export_glossary(engine, tmp_path / "g")
    path = tmp_path / "g" / "qingsuan-jiesuan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("clearing (CN)", "clearing"), encoding="utf-8")
    report = glossary_yaml.import_glossary(engine, tmp_path / "g")
    assert report.updated == ["清算"] and not report.conflicts
    assert curated_state(engine)["清算"]["english"] == "clearing"


def test_import_merges_a_candidate_listed_as_alias(examples_sqlite, tmp_path):
    with Session(examples_sqlite) as session:
        cand = lifecycle.find_term(session, "备付金存管")
        assert cand.status == "candidate"
    write(tmp_path / "g", {"beifujin.yaml": {"category": "备付金", "terms": [
        {"term": "集中存管", "aliases": ["备付金存管"]}]}})
    glossary_yaml.import_glossary(examples_sqlite, tmp_path / "g")
    with Session(examples_sqlite) as session:
        merged = session.scalars(select(Term).where(Term.canonical == "备付金存管")).one()
        assert merged.status == "merged"
        assert session.get(Term, merged.merged_into_id).canonical == "集中存管"


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("a.yaml", "category: 收单\nterms:\n  - term: 收单\n    definiton: 拼错了\n", "a.yaml:3: unknown field 'definiton'"),
    ("a.yaml", "category: 收单\nterms:\n  - english: acquiring\n", "a.yaml:3: entry without 'term'"),
    ("a.yaml", "category: 收单\nterms:\n  - term: 收单\n    aliases: 收单业务\n", "a.yaml:3: 'aliases' of '收单' must be a list"),
    ("a.yaml", "category: 收单\nterms: [\n", "a.yaml:3: not valid UTF-8 YAML"),
    ("a.yaml", "- 收单\n", "a.yaml:1: expected a mapping"),
    ("a.yaml", "categories: 收单\nterms: []\n", "a.yaml:1: unknown key 'categories'"),
    ("a.yaml", "terms:\n  - term: 收单\n  - term: 收單\n", "a.yaml:3: '收單' is already listed as '收单' at"),
    ("_rejected.yaml", "rejected:\n  - term: 好的\n    english: ok\n", "_rejected.yaml:2: unknown field 'english'"),
])
def test_invalid_glossary_is_reported_with_file_and_line(tmp_path, name, text, problem):
    (tmp_path / name).write_text(text, encoding="utf-8")
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    with pytest.raises(glossary_yaml.GlossaryError) as error:
        glossary_yaml.import_glossary(engine, tmp_path)
    assert problem in error.value.format_message()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Term)) == 0


def test_every_problem_is_reported_together(tmp_path):
    (tmp_path / "a.yaml").write_text("terms:\n  - term: 甲\n    x: 1\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("terms:\n  - y: 2\n", encoding="utf-8")
    with pytest.raises(glossary_yaml.GlossaryError) as error:
        glossary_yaml.load_glossary(tmp_path)
    assert len(error.value.problems) == 3  # a: unknown x; b: unknown y, no term


def test_export_removes_yaml_files_of_categories_that_are_gone(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    shutil.copytree(GLOSSARY, tmp_path / "g")
    (tmp_path / "g" / "old-category.yaml").write_text("terms: []\n", encoding="utf-8")
    glossary_yaml.import_glossary(engine, tmp_path / "g")
    report = glossary_yaml.export_glossary(engine, tmp_path / "g")
    assert [p.name for p in report.removed] == ["old-category.yaml"]
    assert files(tmp_path / "g") == files(GLOSSARY)


def test_export_refuses_a_folder_with_yaml_files_that_are_no_glossary(tmp_path):
    # export mirrors the database by removing the YAML files it does not write: never a file that
    # is no glossary file (a rules folder given by mistake, a CI config)
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    glossary_yaml.import_glossary(engine, GLOSSARY)
    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[2] / "rules", rules)
    before = files(rules)
    with pytest.raises(KbError, match=r"qa\.yaml.*not a glossary file"):
        glossary_yaml.export_glossary(engine, rules)
    assert files(rules) == before
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "ci.yaml").write_text("jobs:\n  test: make test\n", encoding="utf-8")
    with pytest.raises(KbError, match="ci.yaml"):
        glossary_yaml.export_glossary(engine, tmp_path / "g")
    assert (tmp_path / "g" / "ci.yaml").exists() and len(files(tmp_path / "g")) == 1


def test_undoing_an_import_removes_the_term_it_created(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    write(tmp_path / "g", {"a.yaml": {"category": None, "terms": [{"term": "人民银行", "aliases": ["央行"]}]}})
    glossary_yaml.import_glossary(engine, tmp_path / "g")
    with lifecycle.transaction(engine) as session:
        lifecycle.undo(session, "glossary-import")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Term)) == 0
        assert [d.action for d in session.scalars(select(Decision).order_by(Decision.id))] == ["import", "undo"]


def test_export_names_curators_work_on_candidates_that_the_files_cannot_hold(examples_db, tmp_path):
    with lifecycle.transaction(examples_db) as session:
        lifecycle.merge(session, "代扣", "协议支付", "alice")  # into a candidate
        lifecycle.edit(session, "资金池", "alice", english="fund pool")  # a candidate's field
        lifecycle.edit(session, "大家好", "alice", notes="问候")
        lifecycle.undo(session, "alice")  # undone: nothing to say about it
        lifecycle.approve(session, "备付金", "alice")  # approved: exported
        lifecycle.edit(session, "备付金", "alice", english="customer reserve funds")
    report = glossary_yaml.export_glossary(examples_db, tmp_path / "g")
    assert report.not_exported == [("协议支付", "merge of 代扣"), ("资金池", "edit")]
