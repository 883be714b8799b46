"""SKOS export as Turtle: one skos:Concept per approved term, in one skos:ConceptScheme.

prefLabel (zh, and en for the English name), altLabel for each alias,
hiddenLabel for the pinyin (with and without spaces, so search finds
"beifujin" and "bei fu jin"), definition, related (to other concepts),
scopeNote for the curator's notes; each category is a skos:Collection.
"""

from __future__ import annotations

from urllib.parse import quote

from pypinyin import lazy_pinyin
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from sqlalchemy.engine import Engine

from kb.curate.interchange import EXPORTED, concepts, resolve_related

BASE = "https://kb.example/glossary/"
KB = Namespace(BASE)
PINYIN_LANG = "zh-Latn-pinyin"


def pinyin_labels(text: str) -> list[str]:
    """Tone-less pinyin of a term: spaced syllables and joined, or nothing for a term without Chinese."""
    syllables = lazy_pinyin(text)
    if "".join(syllables) == text:  # nothing was Chinese
        return []
    spaced = " ".join(s.strip() for s in syllables if s.strip()).lower()
    joined = "".join(s.strip() for s in syllables).lower().replace(" ", "")
    return list(dict.fromkeys([joined, spaced]))


def concept_uri(ns: Namespace, key: str) -> URIRef:
    """A concept's URI, from its term key (stable across databases): <base>term/<percent-encoded key>."""
    return URIRef(ns["term/" + quote(key, safe="")])


def export_skos(engine: Engine, statuses: tuple[str, ...] = EXPORTED, base: str = BASE) -> str:
    """The glossary as SKOS in Turtle."""
    ns = Namespace(base)
    items = concepts(engine, statuses)
    index = resolve_related(items)
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("kb", ns)
    scheme = URIRef(ns["scheme"])
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("kb payment glossary", lang="en")))
    graph.add((scheme, DCTERMS.title, Literal("支付术语表", lang="zh")))
    collections: dict[str, URIRef] = {}
    for c in items:
        uri = concept_uri(ns, c.key)
        graph.add((uri, RDF.type, SKOS.Concept))
        graph.add((uri, SKOS.inScheme, scheme))
        graph.add((uri, SKOS.prefLabel, Literal(c.term, lang="zh")))
        if c.english:
            graph.add((uri, SKOS.prefLabel, Literal(c.english, lang="en")))
        for alias, _origin in c.aliases:
            graph.add((uri, SKOS.altLabel, Literal(alias, lang="zh")))
        for form in (c.term, *(a for a, _ in c.aliases)):
            for label in pinyin_labels(form):
                graph.add((uri, SKOS.hiddenLabel, Literal(label, lang=PINYIN_LANG)))
        if c.definition:
            graph.add((uri, SKOS.definition, Literal(c.definition, lang="zh")))
        if c.notes:
            graph.add((uri, SKOS.scopeNote, Literal(c.notes, lang="zh")))
        for name in c.related:
            target = index.get(name)
            if target is not None and target.id != c.id:
                graph.add((uri, SKOS.related, concept_uri(ns, target.key)))
        if c.category:
            if c.category not in collections:
                coll = URIRef(ns["category/" + quote(c.category, safe="")])
                collections[c.category] = coll
                graph.add((coll, RDF.type, SKOS.Collection))
                graph.add((coll, SKOS.prefLabel, Literal(c.category, lang="zh")))
            graph.add((collections[c.category], SKOS.member, uri))
    return graph.serialize(format="turtle")
