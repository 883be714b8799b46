"""The curated glossary as YAML files: ``kb glossary export DIR`` / ``kb glossary import DIR``.

Layout (docs/glossary.md): one file per category, named by the category's
pinyin (``清算/结算`` → ``qingsuan-jiesuan.yaml``; no category →
``uncategorized.yaml``), plus ``_rejected.yaml`` listing rejected terms.
Files are UTF-8 without escapes, terms sorted by pinyin, keys in a fixed order,
so a change reads well in a code review.

Import is a logged decision by the curator ``glossary-import``. It never
silently overwrites a curator: when the database copy of a term differs from
the YAML and a curator changed it after the last export or import, the term is
reported as a conflict and left alone (``force=True`` overwrites).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pypinyin import lazy_pinyin
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb.curate import audit, lifecycle
from kb.errors import KbError
from kb.store import Decision, Setting, Term
from kb.store.normalize import term_key

IMPORT_CURATOR = "glossary-import"
REJECTED_FILE = "_rejected.yaml"
UNCATEGORIZED = "uncategorized"
FIELDS = ("term", "english", "definition", "aliases", "related", "notes")
EXPORTED_AT = "glossary.exported_at"
# the origins of the aliases export writes (not "extracted"), in the order it prefers one written form
CURATED_ALIASES = {"curated": 0, "imported": 1, "merged": 2}
HEADER = ("# kb curated glossary (docs/glossary.md). Edit, then `kb glossary import DIR`;\n"
          "# `kb glossary export DIR` rewrites this file from the database.\n")


class GlossaryError(KbError):
    """The glossary YAML has problems; every one is listed with its file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the glossary:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class ExportReport:
    files: list[Path] = field(default_factory=list)
    terms: int = 0
    rejected: int = 0
    removed: list[Path] = field(default_factory=list)
    # curators' work the glossary files cannot hold, on terms that are not approved: (term, what)
    not_exported: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)


# ---- YAML dumping ---------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block lists, literal blocks for multi-line text, never escaped Unicode."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: D102
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    if style:
        value = "\n".join(line.rstrip() for line in value.strip("\n").splitlines()) + "\n"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


def slug(category: str | None) -> str:
    """The file name stem of a category: its pinyin, ASCII, words joined by '-'."""
    if not category:
        return UNCATEGORIZED
    text = "".join(lazy_pinyin(category)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or UNCATEGORIZED


def sort_key(name: str) -> tuple[str, str]:
    return ("".join(lazy_pinyin(name)).lower(), name)


def term_entry(term: Term) -> dict[str, Any]:
    """One term as its YAML mapping (empty fields left out)."""
    entry: dict[str, Any] = {"term": term.canonical}
    if term.english:
        entry["english"] = term.english
    if term.definition:
        entry["definition"] = term.definition
    # the curated names only, one written form per key: the extractor's variants of a name (PBOC
    # beside pboc, 中国人 民银行) are its own, found again by every extraction, and import keeps them
    forms: dict[str, str] = {}
    for alias in sorted(term.aliases, key=lambda a: (CURATED_ALIASES.get(a.origin, 9), sort_key(a.alias))):
        if alias.key != term.key and alias.origin in CURATED_ALIASES:
            forms.setdefault(alias.key, alias.alias)
    aliases = sorted(forms.values(), key=sort_key)
    if aliases:
        entry["aliases"] = aliases
    if term.related:
        entry["related"] = sorted(term.related, key=sort_key)
    if term.notes:
        entry["notes"] = term.notes
    return entry


def export_glossary(engine: Engine, directory: str | Path) -> ExportReport:
    """Write approved terms (one file per category) and rejected terms to ``directory``.

    YAML files in the directory that this export did not write are removed, so the
    directory always mirrors the database.
    """
    directory = Path(directory)
    foreign = [path for path in sorted(directory.glob("*.yaml")) if not _is_glossary_file(path)]
    if foreign:
        shown = ", ".join(str(path) for path in foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise KbError(f"{shown}: not a glossary file (no terms: or rejected: list); export removes the YAML "
                      f"files of {directory} it does not write, so it writes only into a glossary folder or a new one")
    directory.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    with lifecycle.transaction(engine) as session:
        approved = list(session.scalars(select(Term).where(Term.status == "approved")))
        rejected = list(session.scalars(select(Term).where(Term.status == "rejected")))
        by_file: dict[str, tuple[str | None, list[Term]]] = {}
        for term in approved:
            by_file.setdefault(slug(term.category), (term.category, []))[1].append(term)
        written: set[Path] = set()
        for stem, (category, terms) in sorted(by_file.items()):
            terms.sort(key=lambda t: sort_key(t.canonical))
            path = directory / f"{stem}.yaml"
            text = HEADER + dump(
                {"category": category, "terms": [term_entry(t) for t in terms]})
            path.write_text(text, encoding="utf-8")
            written.add(path)
            report.files.append(path)
            report.terms += len(terms)
        if rejected:
            rejected.sort(key=lambda t: sort_key(t.canonical))
            path = directory / REJECTED_FILE
            entries = [{"term": t.canonical, **({"notes": t.notes} if t.notes else {})} for t in rejected]
            path.write_text(HEADER
                            + "# Terms curators rejected: extraction never offers them again.\n"
                            + dump({"rejected": entries}), encoding="utf-8")
            written.add(path)
            report.files.append(path)
            report.rejected = len(rejected)
        for path in sorted(directory.glob("*.yaml")):
            if path not in written:
                path.unlink()
                report.removed.append(path)
        report.not_exported = _unexported_work(session)
        # what the files now say is what the database said up to this decision
        stamp = {"at": audit.now().isoformat(), "last_decision": session.scalar(select(func.max(Decision.id))) or 0}
        setting = session.get(Setting, EXPORTED_AT)
        if setting is None:
            session.add(Setting(key=EXPORTED_AT, value=stamp))
        else:
            setting.value = stamp
    return report


def _unexported_work(session: Session) -> list[tuple[str, str]]:
    """Curators' edits, aliases and merges on candidate terms, not undone: the glossary holds approved
    and rejected terms only, so a database rebuilt from it would not have them."""
    undone = set(session.scalars(select(Decision.undoes_id).where(Decision.undoes_id.is_not(None))))
    found: dict[str, list[str]] = {}
    for decision, status, target in session.execute(
            select(Decision, Term.status, Term.merged_into_id).join(Term, Term.id == Decision.term_id)
            .where(Decision.action.in_(("edit", "alias", "unalias", "merge")), Decision.curator != IMPORT_CURATOR)
            .order_by(Decision.id)):
        if decision.id in undone:
            continue
        if decision.action == "merge":
            into = session.get(Term, target) if target else None
            if into is not None and into.status == "candidate":
                found.setdefault(into.canonical, []).append(f"merge of {decision.term}")
        elif status == "candidate":
            found.setdefault(decision.term, []).append(decision.action)
    return [(name, ", ".join(dict.fromkeys(what))) for name, what in sorted(found.items(), key=lambda kv: sort_key(kv[0]))]


def _is_glossary_file(path: Path) -> bool:
    """Whether a YAML file is one an export wrote or a curator wrote like one: the export's header,
    or a mapping of ``category``/``terms`` or ``rejected`` only. Export removes such files when
    it writes no term into them, and no other file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if text.startswith(HEADER.splitlines()[0]):
        return True
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and bool(data) and (set(data) <= {"category", "terms"} or set(data) == {"rejected"})


# ---- YAML loading ---------------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Records the line of every mapping as ``__line__`` (1-based)."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass
class Entry:
    term: str
    key: str
    category: str | None
    fields: dict[str, Any]
    aliases: list[str]
    where: str


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def load_glossary(directory: str | Path) -> tuple[list[Entry], list[Entry]]:
    """Read and validate every YAML file; returns (approved entries, rejected entries).

    All problems of all files are collected and raised together as a GlossaryError.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise KbError(f"{directory}: not a folder (expected the glossary folder, e.g. glossary/)")
    problems: list[str] = []
    approved: list[Entry] = []
    rejected: list[Entry] = []
    seen: dict[str, tuple[str, str]] = {}  # key -> (where, written form) of its first listing
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            problems.append(f"{where}: not valid UTF-8 YAML: {getattr(exc, 'problem', None) or exc}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}:1: expected a mapping with 'terms:' (or 'rejected:')")
            continue
        listing = "rejected" if path.name == REJECTED_FILE else "terms"
        allowed_top = {"rejected"} if listing == "rejected" else {"category", "terms"}
        for key in sorted(set(data) - allowed_top - {"__line__"}):
            problems.append(f"{path}:{data['__line__']}: unknown key {key!r} (allowed: {', '.join(sorted(allowed_top))})")
        category = _text(data.get("category"))
        items = data.get(listing) or []
        if not isinstance(items, list):
            problems.append(f"{path}:{data['__line__']}: '{listing}' must be a list")
            continue
        allowed = set(FIELDS) if listing == "terms" else {"term", "notes"}
        for item in items:
            if not isinstance(item, dict):
                problems.append(f"{path}: each entry of '{listing}' must be a mapping with 'term:'")
                continue
            where = f"{path}:{item['__line__']}"
            for key in sorted(set(item) - allowed - {"__line__"}):
                problems.append(f"{where}: unknown field {key!r} (allowed: {', '.join(sorted(allowed))})")
            name = _text(item.get("term"))
            if not name:
                problems.append(f"{where}: entry without 'term'")
                continue
            fields: dict[str, Any] = {}
            for key in ("english", "definition", "notes"):
                if key in allowed:
                    fields[key] = _text(item.get(key))
            lists: dict[str, list[str]] = {}
            for key in ("aliases", "related"):
                value = item.get(key) or []
                if key not in allowed:
                    continue
                if isinstance(value, str) or not isinstance(value, list):
                    problems.append(f"{where}: {key!r} of {name!r} must be a list")
                    value = []
                lists[key] = [t for t in (_text(v) for v in value) if t]
            if "related" in lists:
                fields["related"] = sorted(dict.fromkeys(lists["related"]))
            key = term_key(name)
            for form in (name, *lists.get("aliases", [])):
                form_key = term_key(form)
                if form_key in seen:
                    first_where, first_form = seen[form_key]
                    same = f" as {first_form!r}" if first_form != form else ""
                    place = f"in the entry of {name!r}" if first_where == where else f"at {first_where}"
                    problems.append(f"{where}: {form!r} is already listed{same} {place} "
                                    "(names that differ only in case, width, spaces or traditional characters are one name)")
                seen.setdefault(form_key, (where, form))
            entry = Entry(term=name, key=key, category=category, fields=fields,
                          aliases=list(dict.fromkeys(lists.get("aliases", []))), where=where)
            (rejected if listing == "rejected" else approved).append(entry)
    if problems:
        raise GlossaryError(problems)
    return approved, rejected


# ---- import into the database ---------------------------------------------------------------------

def _synced_after(session: Session, term: Term) -> Decision | None:
    """The newest curator change made after the last glossary export or import of this term, if any."""
    exported = session.get(Setting, EXPORTED_AT)
    last_import = session.scalars(select(Decision.id).where(
        Decision.term_id == term.id, Decision.curator == IMPORT_CURATOR).order_by(Decision.id.desc())).first()
    query = select(Decision).where(Decision.term_id == term.id, Decision.curator != IMPORT_CURATOR,
                                   Decision.action != "skip")
    if last_import is not None:
        query = query.where(Decision.id > last_import)
    if exported is not None and isinstance(exported.value, dict):
        query = query.where(Decision.id > int(exported.value.get("last_decision") or 0))
    return session.scalars(query.order_by(Decision.id.desc()).limit(1)).first()


def _differs(term: Term, entry: Entry, status: str) -> bool:
    if term.status != status or term.canonical != entry.term:
        return True
    if status == "rejected":
        return bool(entry.fields.get("notes")) and term.notes != entry.fields["notes"]
    if term.category != entry.category:
        return True
    for key, value in entry.fields.items():
        current = sorted(term.related or []) if key == "related" else getattr(term, key)
        if current != value:
            return True
    curated = {a.key for a in term.aliases if a.origin != "extracted"}
    want = {term_key(a) for a in entry.aliases} - {term.key}
    if want - curated:  # missing, or only found by the extractor so far
        return True
    return bool(curated - want)


def _apply(session: Session, term: Term, entry: Entry, status: str) -> None:
    from kb.store import Alias

    term.status = status
    term.canonical = entry.term
    term.merged_into_id = None
    if status == "rejected":
        if entry.fields.get("notes"):
            term.notes = entry.fields["notes"]
        return
    term.category = entry.category
    for key, value in entry.fields.items():
        setattr(term, key, value)
    want = {term_key(a): a for a in entry.aliases if term_key(a) != term.key}
    for alias in list(term.aliases):
        if alias.key not in want and alias.origin != "extracted":
            term.aliases.remove(alias)
    for key, alias in want.items():
        same_key = [a for a in term.aliases if a.key == key]
        if any(a.origin != "extracted" for a in same_key):
            continue
        found = next((a for a in same_key if a.alias == alias), None)
        if found is not None:  # the extractor found the name first: now the glossary lists it
            found.origin = "imported"
        else:
            term.aliases.append(Alias(alias=alias, key=key, origin="imported"))


def _import_one(session: Session, entry: Entry, status: str, curator: str, force: bool,
                report: ImportReport) -> Term | None:
    term = session.scalars(select(Term).where(Term.key == entry.key)).first()
    if term is None:
        term = Term(canonical=entry.term, key=entry.key, status=status, origin="imported", signals={},
                    related=[], score=0.0, n_mentions=0)
        session.add(term)
        _apply(session, term, entry, status)
        lifecycle._flush(session, term)  # noqa: SLF001 - same package
        audit.record(session, term, curator, "import", {}, audit.snapshot(session, term))
        (report.created if status == "approved" else report.rejected).append(entry.term)
        return term
    if not _differs(term, entry, status):
        report.unchanged.append(entry.term)
        return term
    if not force:
        newer = _synced_after(session, term)
        if newer is not None:
            report.conflicts.append((entry.term, f"{newer.curator} changed it in the database "
                                                 f"({newer.action}, {newer.at:%Y-%m-%d %H:%M:%S}) after the last "
                                                 f"export/import; export first, or import with --force"))
            return None
    before = audit.snapshot(session, term)
    _apply(session, term, entry, status)
    lifecycle._flush(session, term)  # noqa: SLF001
    audit.record(session, term, curator, "import", before, audit.snapshot(session, term))
    (report.updated if status == "approved" else report.rejected).append(entry.term)
    return term


def _merge_alias_terms(session: Session, term: Term, entry: Entry, curator: str, report: ImportReport) -> None:
    """Give each alias a 'merged' term row, so extraction maps the alias to the term."""
    for alias in entry.aliases:
        key = term_key(alias)
        if key == term.key:
            continue
        other = session.scalars(select(Term).where(Term.key == key)).first()
        if other is None:
            session.add(Term(canonical=alias, key=key, status="merged", merged_into_id=term.id, origin="imported",
                             signals={}, related=[], score=0.0, n_mentions=0))
            session.flush()
        elif other.status == "candidate":
            lifecycle.merge(session, other, term, curator)
        elif other.status == "merged" and other.merged_into_id == term.id:
            continue
        elif other.status == "merged" and other.merged_into_id is None:
            other.merged_into_id = term.id
        else:
            report.conflicts.append((alias, f"listed as an alias of {entry.term!r} at {entry.where}, but it is "
                                            f"itself {other.status} in the database"))


def import_glossary(engine: Engine, directory: str | Path, *, curator: str = IMPORT_CURATOR,
                    force: bool = False) -> ImportReport:
    """Load the glossary YAML into the database; idempotent, every change a logged decision."""
    approved, rejected = load_glossary(directory)
    report = ImportReport()
    with lifecycle.transaction(engine) as session:
        for entry in approved:
            term = _import_one(session, entry, "approved", curator, force, report)
            if term is not None:
                _merge_alias_terms(session, term, entry, curator, report)
        for entry in rejected:
            _import_one(session, entry, "rejected", curator, force, report)
    return report
