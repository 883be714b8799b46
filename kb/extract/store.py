"""Writing extraction output: terms upserted by key (curator decisions untouched), mentions, definitions.

Re-extraction only writes ``score``, ``signals``, ``n_mentions`` and ``extracted_at`` of
existing terms and creates new candidates; it never changes a status, a merge or a
curated field. A key (or alias key) of a rejected term is never created again. A merged
term's mentions go to the term it was merged into. Candidates no longer found that no
curator has touched are deleted. Mentions and definitions are recomputed every run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kb.store.bulk import insert_many
from kb.store.models import Alias, Decision, Definition, Mention, Term
from kb.store.normalize import term_key

CHUNK = 500


@dataclass
class Existing:
    id: int
    key: str
    canonical: str
    status: str
    merged_into_id: int | None
    origin: str


def load_existing(conn: Connection) -> tuple[dict[int, Existing], dict[str, int], set[str], set[int]]:
    """Terms by id, key/alias key -> id (not rejected), keys of rejected terms, ids with decisions."""
    terms = {row.id: Existing(row.id, row.key, row.canonical, row.status, row.merged_into_id, row.origin)
             for row in conn.execute(sa.select(Term.id, Term.key, Term.canonical, Term.status,
                                               Term.merged_into_id, Term.origin))}
    owners: dict[str, int] = {}
    rejected: set[str] = set()
    for term in terms.values():
        if term.status == "rejected":
            rejected.add(term.key)
        else:
            owners[term.key] = term.id
    for term_id, key in conn.execute(sa.select(Alias.term_id, Alias.key)):
        owner = terms.get(term_id)
        if owner is None:
            continue
        if owner.status == "rejected":
            rejected.add(key)
        else:
            owners.setdefault(key, term_id)
    decided = {tid for tid in conn.execute(sa.select(Decision.term_id).distinct()).scalars() if tid is not None}
    return terms, owners, rejected, decided


def removed_aliases(conn: Connection) -> set[tuple[int, str]]:
    """(term id, alias key) of the aliases curators removed (kb term alias --remove), not undone and not
    added back since: extraction does not add them again, whatever the chat or the rules say."""
    undone = set(conn.execute(sa.select(Decision.undoes_id).where(Decision.undoes_id.is_not(None))).scalars())
    removed: set[tuple[int, str]] = set()
    for decision_id, term_id, before, after in conn.execute(
            sa.select(Decision.id, Decision.term_id, Decision.before, Decision.after)
            .where(Decision.action.in_(("alias", "unalias")), Decision.term_id.is_not(None)).order_by(Decision.id)):
        if decision_id in undone:
            continue
        had = {term_key(a["alias"]) for a in (before or {}).get("aliases", [])}
        has = {term_key(a["alias"]) for a in (after or {}).get("aliases", [])}
        removed |= {(term_id, key) for key in had - has}
        removed -= {(term_id, key) for key in has - had}
    return removed


def resolve(terms: dict[int, Existing], term_id: int) -> int:
    """Follow merges to the term that receives mentions."""
    seen = set()
    while term_id in terms and terms[term_id].status == "merged" and terms[term_id].merged_into_id \
            and term_id not in seen:
        seen.add(term_id)
        term_id = terms[term_id].merged_into_id
    return term_id


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class StoreReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped_rejected: int = 0


def upsert_terms(conn: Connection, candidates: list, now: dt.datetime,
                 removed: Collection[tuple[int, str]]) -> tuple[dict[str, int], StoreReport]:
    """Create or update a term per candidate; return candidate key -> term id (after merges). The
    aliases of ``removed`` (removed_aliases) are not declared again."""
    terms, owners, rejected, decided = load_existing(conn)
    report = StoreReport()
    found: dict[str, int] = {}
    updates: dict[int, dict] = {}
    new_rows = []
    new_aliases: dict[str, list[str]] = {}
    declared: dict[int, set[str]] = {}
    for cand in candidates:
        variant_keys = {cand.key, *(term_key(s) for s in cand.surfaces)}
        owner = owners.get(cand.key) or next((owners[k] for k in variant_keys if k in owners), None)
        if owner is None and (variant_keys & rejected):
            report.skipped_rejected += 1
            continue
        if owner is not None:
            target = resolve(terms, owner)
            found[cand.key] = target
            declared[target] = declared.get(target, set()) | set(cand.aliases)
            if target not in updates or updates[target]["score"] < cand.score:
                updates[target] = {"id": target, "score": cand.score, "signals": cand.signals}
            continue
        canonical = cand.canonical[:128]
        new_rows.append({"canonical": canonical, "key": cand.key[:128], "status": "candidate",
                         "origin": "extracted", "score": cand.score, "signals": cand.signals,
                         "n_mentions": 0, "related": [], "version": 1, "extracted_at": now})
        new_aliases[cand.key] = sorted({s for s in cand.surfaces if s != canonical}
                                       | set(cand.signals.get("abbreviations") or {}) | cand.aliases)
        owners[cand.key] = -1
    table = Term.__table__
    for chunk in chunks(list(updates.values())):
        conn.execute(sa.update(table).where(table.c.id == sa.bindparam("tid"))
                     .values(score=sa.bindparam("score"), signals=sa.bindparam("signals"), extracted_at=now),
                     [{"tid": u["id"], "score": u["score"], "signals": u["signals"]} for u in chunk])
    report.updated = len(updates)
    insert_many(conn, table, new_rows)
    report.created = len(new_rows)
    if new_rows:
        ids = dict(conn.execute(sa.select(Term.key, Term.id).where(Term.extracted_at == now)).all())
        for row in new_rows:
            found[row["key"]] = ids[row["key"]]
        alias_rows = [{"term_id": ids[key], "alias": alias[:128], "key": term_key(alias)[:128], "origin": "extracted"}
                      for key, aliases in new_aliases.items() for alias in aliases]
        insert_many(conn, Alias.__table__, alias_rows)
    # aliases declared by abbreviation rules, for terms that exist already
    known: dict[int, set[str]] = {}
    for term_id, alias in conn.execute(sa.select(Alias.term_id, Alias.alias)):
        known.setdefault(term_id, set()).add(alias)
    extra = [{"term_id": tid, "alias": a[:128], "key": term_key(a)[:128], "origin": "extracted"}
             for tid, aliases in declared.items() for a in sorted(aliases)
             if a not in known.get(tid, set()) and terms.get(tid) and a != terms[tid].canonical
             and (tid, term_key(a)[:128]) not in removed]
    insert_many(conn, Alias.__table__, extra)
    # stale candidates: extracted, never decided on, not found now
    keep = set(found.values())
    stale = [t.id for t in terms.values() if t.status == "candidate" and t.origin == "extracted"
             and t.id not in decided and t.id not in keep]
    for chunk in chunks(stale):
        conn.execute(sa.delete(Alias.__table__).where(Alias.term_id.in_(chunk)))
        conn.execute(sa.delete(Mention.__table__).where(Mention.term_id.in_(chunk)))
        conn.execute(sa.delete(Definition.__table__).where(Definition.term_id.in_(chunk)))
        conn.execute(sa.delete(table).where(table.c.id.in_(chunk)))
    report.deleted = len(stale)
    return found, report


def mention_keys(conn: Connection, extra: dict[str, int]) -> dict[str, int]:
    """Every key that mentions a term: keys and alias keys of terms not rejected, merged ones to their target."""
    terms, owners, _rejected, _decided = load_existing(conn)
    keys = {key: resolve(terms, tid) for key, tid in owners.items() if tid in terms}
    for key, tid in extra.items():
        keys.setdefault(key, tid)
    return {k: v for k, v in keys.items() if k and terms.get(v) and terms[v].status != "rejected"}


def add_variant_aliases(conn: Connection, mentions: list[dict], removed: Collection[tuple[int, str]]) -> int:
    """Every written form a term was mentioned in becomes an (extracted) alias, unless it is one already
    or a curator removed it (``removed``, from removed_aliases)."""
    seen: dict[int, set[str]] = {}
    for row in mentions:
        seen.setdefault(row["term_id"], set()).add(row["surface"])
    if not seen:
        return 0
    canonical = dict(conn.execute(sa.select(Term.id, Term.canonical)).all())
    known: dict[int, set[str]] = {}
    for term_id, alias in conn.execute(sa.select(Alias.term_id, Alias.alias)):
        known.setdefault(term_id, set()).add(alias)
    rows = [{"term_id": tid, "alias": surface[:128], "key": term_key(surface)[:128], "origin": "extracted"}
            for tid, surfaces in seen.items() for surface in sorted(surfaces)
            if surface.strip() and surface != canonical.get(tid) and surface not in known.get(tid, set())
            and (tid, term_key(surface)[:128]) not in removed]
    insert_many(conn, Alias.__table__, rows)
    return len(rows)


def add_output(conn: Connection, mentions: list[dict], definitions: list[dict]) -> None:
    """Add mentions and definitions (of messages that had none), and count the mentions in each term's n_mentions."""
    insert_many(conn, Mention.__table__, mentions)
    insert_many(conn, Definition.__table__, definitions)
    counts: dict[int, int] = {}
    for row in mentions:
        counts[row["term_id"]] = counts.get(row["term_id"], 0) + 1
    table = Term.__table__
    for chunk in chunks([{"tid": tid, "n": n} for tid, n in sorted(counts.items())]):
        conn.execute(sa.update(table).where(table.c.id == sa.bindparam("tid"))
                     .values(n_mentions=table.c.n_mentions + sa.bindparam("n")), chunk)


def replace_output(conn: Connection, mentions: list[dict], definitions: list[dict]) -> None:
    """Replace all mentions and definitions, and set each term's n_mentions."""
    conn.execute(sa.delete(Mention.__table__))
    conn.execute(sa.delete(Definition.__table__))
    conn.execute(sa.update(Term.__table__).values(n_mentions=0))
    add_output(conn, mentions, definitions)
