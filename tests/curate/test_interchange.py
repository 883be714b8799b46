"""TBX-Basic, SKOS (Turtle) and CSV exports of the seed glossary, validated by parsing them back."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from kb.curate import glossary_yaml, lifecycle
from kb.curate.csv_export import COLUMNS, export_csv
from kb.curate.skos import export_skos
from kb.curate.tbx import export_tbx
from kb.store import open_db

GLOSSARY = Path(__file__).resolve().parents[2] / "glossary"
NS = "{urn:iso:std:iso:30042:ed-2}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# TBX-Basic core structure (ISO 30042:2019, DCA): the children each element may have, in order
STRUCTURE = {
    "tbx": ["tbxHeader", "text"],
    "tbxHeader": ["fileDesc"],
    "fileDesc": ["titleStmt", "publicationStmt", "sourceDesc"],
    "titleStmt": ["title", "note"],
    "sourceDesc": ["p"],
    "text": ["body", "back"],
    "body": ["conceptEntry"],
    "conceptEntry": ["admin", "descrip", "descripGrp", "ref", "note", "transacGrp", "xref", "langSec"],
    "langSec": ["admin", "descrip", "descripGrp", "note", "ref", "transacGrp", "xref", "termSec"],
    "descripGrp": ["descrip", "admin", "note"],
    "termSec": ["term", "termNote", "admin", "descrip", "descripGrp", "note", "ref", "transacGrp", "xref"],
}
LEAVES = {"title", "p", "term", "termNote", "descrip", "admin", "note", "ref", "xref"}
# TBX-Basic data categories and where they may appear
DATA_CATEGORIES = {
    ("descrip", "subjectField"): {"conceptEntry"},
    ("descrip", "definition"): {"conceptEntry", "langSec", "descripGrp"},
    ("admin", "source"): {"conceptEntry", "langSec", "termSec", "descripGrp"},
    ("termNote", "administrativeStatus"): {"termSec"},
    ("termNote", "partOfSpeech"): {"termSec"},
    ("ref", "crossReference"): {"conceptEntry", "langSec", "termSec"},
}
ADMIN_STATUS = {"preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts",
                "supersededTerm-admn-sts"}


def validate_tbx(text: str) -> list[str]:
    """Every way the document departs from TBX-Basic's core structure (empty when valid)."""
    problems = []
    root = ET.fromstring(text.encode("utf-8"))
    if root.tag != NS + "tbx" or root.get("type") != "TBX-Basic" or root.get("style") != "dca" or not root.get(LANG):
        problems.append("root must be <tbx type='TBX-Basic' style='dca' xml:lang=…> in the TBX namespace")
    ids = [e.get("id") for e in root.iter(NS + "conceptEntry")]
    if len(ids) != len(set(ids)) or not all(ids):
        problems.append("conceptEntry ids must be present and unique")

    def walk(element, parent):
        tag = element.tag.removeprefix(NS)
        if tag in LEAVES:
            if len(element):
                problems.append(f"<{tag}> must hold text only")
            if not (element.text or "").strip():
                problems.append(f"<{tag}> is empty")
            kind = element.get("type")
            if tag in ("descrip", "admin", "termNote", "ref"):
                allowed = DATA_CATEGORIES.get((tag, kind))
                if allowed is None or parent not in allowed:
                    problems.append(f"<{tag} type={kind!r}> is not TBX-Basic in <{parent}>")
            if (tag, kind) == ("termNote", "administrativeStatus") and element.text not in ADMIN_STATUS:
                problems.append(f"administrativeStatus {element.text!r}")
            if tag == "ref" and element.get("target") and element.get("target") not in ids:
                problems.append(f"crossReference to missing {element.get('target')}")
            return
        allowed = STRUCTURE.get(tag)
        if allowed is None:
            problems.append(f"unknown element <{tag}>")
            return
        order = [allowed.index(c.tag.removeprefix(NS)) if c.tag.removeprefix(NS) in allowed else -1 for c in element]
        if -1 in order:
            problems.append(f"<{tag}> holds {[c.tag.removeprefix(NS) for c in element]}")
        if tag in ("conceptEntry", "langSec", "termSec"):
            rank = [o for o in order if o >= 0]
            # auxiliary information comes before the langSec / termSec children
            tail = allowed.index("langSec" if tag == "conceptEntry" else "termSec") if tag != "termSec" else None
            if tail is not None and rank != sorted(rank, key=lambda r: r == tail):
                problems.append(f"<{tag}>: auxiliary information after {allowed[tail]}")
        if tag == "langSec" and not element.get(LANG):
            problems.append("langSec without xml:lang")
        if tag == "termSec" and [c.tag.removeprefix(NS) for c in element][:1] != ["term"]:
            problems.append("termSec must start with exactly one <term>")
        if tag in ("conceptEntry", "langSec") and not any(
                c.tag.removeprefix(NS) == ("langSec" if tag == "conceptEntry" else "termSec") for c in element):
            problems.append(f"<{tag}> without {'langSec' if tag == 'conceptEntry' else 'termSec'}")
        for child in element:
            walk(child, tag)

    walk(root, None)
    return problems


@pytest.fixture(scope="module")
def glossary_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("interchange") / "kb.sqlite"
    engine = open_db(f"sqlite:///{path}")
    glossary_yaml.import_glossary(engine, GLOSSARY)
    with lifecycle.transaction(engine) as session:
        lifecycle.edit(session, "备付金", "alice", notes="2019 年起全额集中交存")
    yield engine
    engine.dispose()


def test_tbx_is_valid_tbx_basic(glossary_db):
    text = export_tbx(glossary_db)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert validate_tbx(text) == []
    root = ET.fromstring(text.encode("utf-8"))
    assert len(root.findall(f".//{NS}conceptEntry")) == 55


@pytest.mark.parametrize("broken", [
    ("<termNote type=\"administrativeStatus\">preferredTerm-admn-sts</termNote>",
     "<termNote type=\"administrativeStatus\">approved</termNote>"),
    ("<descrip type=\"subjectField\">", "<descrip type=\"domain\">"),
    ('<langSec xml:lang="en">', "<langSec>"),
])
def test_the_tbx_validator_catches_broken_documents(glossary_db, broken):
    text = export_tbx(glossary_db).replace(*broken, 1)
    assert validate_tbx(text)


def test_tbx_concept_entry_content(glossary_db):
    root = ET.fromstring(export_tbx(glossary_db).encode("utf-8"))
    entry = next(e for e in root.iter(f"{NS}conceptEntry")
                 if e.find(f"{NS}langSec/{NS}termSec/{NS}term").text == "人民银行")
    assert entry.find(f"{NS}descrip[@type='subjectField']").text == "监管"
    zh, en = entry.findall(f"{NS}langSec")
    assert (zh.get(LANG), en.get(LANG)) == ("zh", "en")
    assert zh.find(f"{NS}descripGrp/{NS}descrip[@type='definition']").text.startswith("中国的中央银行")
    assert zh.find(f"{NS}descripGrp/{NS}admin[@type='source']") is not None
    terms = {s.find(f"{NS}term").text: s.find(f"{NS}termNote[@type='administrativeStatus']").text
             for s in zh.findall(f"{NS}termSec")}
    assert terms == {"人民银行": "preferredTerm-admn-sts", "中国人民银行": "admittedTerm-admn-sts",
                     "人行": "admittedTerm-admn-sts", "央行": "admittedTerm-admn-sts"}
    assert en.find(f"{NS}termSec/{NS}term").text == "People's Bank of China (PBoC)"
    refs = {r.text: r.get("target") for r in entry.findall(f"{NS}ref[@type='crossReference']")}
    assert set(refs) == {"支付牌照", "集中存管"} and all(refs.values())


def test_skos_turtle_parses_back(glossary_db):
    graph = Graph().parse(data=export_skos(glossary_db), format="turtle")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == 55
    [concept] = [s for s in graph.subjects(SKOS.prefLabel, Literal("备付金", lang="zh")) if s in concepts]
    assert (concept, SKOS.prefLabel, Literal("customer reserve funds", lang="en")) in graph
    assert (concept, SKOS.altLabel, Literal("客户备付金", lang="zh")) in graph
    assert (concept, SKOS.hiddenLabel, Literal("beifujin", lang="zh-Latn-pinyin")) in graph
    assert (concept, SKOS.hiddenLabel, Literal("bei fu jin", lang="zh-Latn-pinyin")) in graph
    assert str(graph.value(concept, SKOS.definition)).startswith("支付机构为办理客户委托")
    assert (concept, SKOS.scopeNote, Literal("2019 年起全额集中交存", lang="zh")) in graph
    related = {str(label) for o in graph.objects(concept, SKOS.related) for label in graph.objects(o, SKOS.prefLabel)}
    assert {"资金池", "集中存管", "沉淀资金"} <= related
    [collection] = [s for s in graph.subjects(SKOS.prefLabel, Literal("备付金", lang="zh")) if s not in concepts]
    assert (collection, RDF.type, SKOS.Collection) in graph and (collection, SKOS.member, concept) in graph
    assert len(set(graph.subjects(RDF.type, SKOS.Collection))) == 7


def test_csv_reads_back(glossary_db):
    rows = list(csv.DictReader(io.StringIO(export_csv(glossary_db))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 55
    row = next(r for r in rows if r["term"] == "人民银行")
    assert row["aliases"].split("|") == ["中国人民银行", "人行", "央行"]
    assert row["related"].split("|") == ["支付牌照", "集中存管"]
    assert (row["status"], row["category"], row["english"]) == ("approved", "监管", "People's Bank of China (PBoC)")


def test_exports_leave_out_candidates_and_rejected_terms(tmp_path):
    from curate_helpers import add_candidates
    engine = open_db(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    add_candidates(engine, [("备付金", 1.0, []), ("大家好", 1.0, []), ("清算", 1.0, [])])
    with lifecycle.transaction(engine) as session:
        lifecycle.approve(session, "备付金", "alice")
        lifecycle.reject(session, "大家好", "alice")
    assert [r["term"] for r in csv.DictReader(io.StringIO(export_csv(engine)))] == ["备付金"]
    assert "大家好" not in export_tbx(engine) and "清算" not in export_skos(engine)
    assert validate_tbx(export_tbx(engine)) == []
