"""TBX-Basic export (ISO 30042:2019, DCA style): one conceptEntry per approved term.

* concept level: ``subjectField`` (the category), ``xref``-free ``ref type="crossReference"``
  for related terms;
* ``langSec xml:lang="zh"``: the definition (``descripGrp`` with its ``admin type="source"``),
  the canonical term as ``preferredTerm-admn-sts``, each alias as ``admittedTerm-admn-sts``;
* ``langSec xml:lang="en"``: the English name, when there is one.

The administrative status comes from the curator's decision: approved →
preferred, alias → admitted, a merged variant → admitted (with a note),
rejected (when exported) → deprecated.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy.engine import Engine

from kb.curate.interchange import EXPORTED, concepts, resolve_related

NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = ("https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/"
          "TBXcoreStructV03_TBX-Basic_integrated.rng")
STATUS = {"approved": "preferredTerm-admn-sts", "candidate": "admittedTerm-admn-sts",
          "rejected": "deprecatedTerm-admn-sts"}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("__", ":"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _term_sec(lang_sec: ET.Element, term: str, status: str, note: str | None = None) -> None:
    sec = _sub(lang_sec, "termSec")
    _sub(sec, "term", term)
    _sub(sec, "termNote", "noun", type="partOfSpeech")
    _sub(sec, "termNote", status, type="administrativeStatus")
    if note:
        _sub(sec, "note", note)


def export_tbx(engine: Engine, statuses: tuple[str, ...] = EXPORTED) -> str:
    """The glossary as a TBX-Basic document (a string, UTF-8 XML declaration included)."""
    items = concepts(engine, statuses)
    index = resolve_related(items)
    root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "zh", "xmlns": NS})
    header = _sub(root, "tbxHeader")
    file_desc = _sub(header, "fileDesc")
    _sub(_sub(file_desc, "titleStmt"), "title", "kb payment glossary")
    _sub(_sub(file_desc, "sourceDesc"), "p",
         "Curated with kb from WeChat payment-industry group chats; definitions written by kb curators.")
    body = _sub(_sub(root, "text"), "body")
    for c in items:
        entry = _sub(body, "conceptEntry", id=f"c{c.id}")
        if c.category:
            _sub(entry, "descrip", c.category, type="subjectField")
        for name in c.related:
            target = index.get(name)
            attrs = {"type": "crossReference"}
            if target is not None:
                attrs["target"] = f"c{target.id}"
            _sub(entry, "ref", name, **attrs)
        if c.notes:
            _sub(entry, "note", c.notes)
        zh = _sub(entry, "langSec", **{"xml__lang": "zh"})
        if c.definition:
            group = _sub(zh, "descripGrp")
            _sub(group, "descrip", c.definition, type="definition")
            for source in c.sources:
                _sub(group, "admin", source, type="source")
        _term_sec(zh, c.term, STATUS.get(c.status, "admittedTerm-admn-sts"))
        for alias, origin in c.aliases:
            _term_sec(zh, alias, "admittedTerm-admn-sts",
                      f"merged into {c.term} by a curator" if origin == "merged" else None)
        if c.english:
            en = _sub(entry, "langSec", **{"xml__lang": "en"})
            _term_sec(en, c.english, STATUS.get(c.status, "admittedTerm-admn-sts"))
    ET.indent(root, space="  ")
    body_xml = ET.tostring(root, encoding="unicode")
    # ElementTree writes the namespace twice when given both register_namespace and xmlns; keep one
    body_xml = body_xml.replace(f' xmlns="{NS}" xmlns="{NS}"', f' xmlns="{NS}"')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<?xml-model href="{SCHEMA}" type="application/xml" '
            'schematypens="http://relaxng.org/ns/structure/1.0"?>\n' + body_xml + "\n")
