"""The term lifecycle: candidate → approved / rejected / merged, and curated fields.

Every function takes a Session, the curator's name and, for protection
against stale edits, the ``expected_version`` of the term the curator saw.
Each appends one Decision to the audit log and flushes; the caller commits
(:func:`transaction` does both and turns SQLAlchemy's StaleDataError into a
:class:`StaleEdit`).

Two guards keep two curators from overwriting each other:

* ``expected_version``: the version the curator's screen showed; if the term
  has moved on, the change is refused before anything is written.
* ``Term.version`` is SQLAlchemy's ``version_id_col``: every UPDATE says
  ``WHERE version = <the version this session loaded>``; if another session
  committed in between, no row matches and the change is refused.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from kb.curate import audit
from kb.errors import KbError
from kb.store import Alias, Decision, Definition, Mention, Term
from kb.store.normalize import term_key

STATUSES = ("candidate", "approved", "rejected", "merged")
EDITABLE = ("canonical", *audit.CURATED_FIELDS)


class CurateError(KbError):
    """A curator's decision that cannot be applied as asked."""


class TermNotFound(CurateError):
    """No term (nor alias) has the name given."""


class StaleEdit(CurateError):
    """The term changed after the curator looked at it; nothing was written."""


def default_curator(curator: str | None = None) -> str:
    """The curator's name: the one given, else $KB_CURATOR, else the OS user."""
    if curator:
        return curator
    if os.environ.get("KB_CURATOR"):
        return os.environ["KB_CURATOR"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session that commits at the end, rolls back on error, and reports stale edits clearly."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except StaleDataError:
            session.rollback()
            raise StaleEdit("someone else changed this term while you were editing it; nothing was written. "
                            "Show it again and redo your change.") from None
        except BaseException:
            session.rollback()
            raise


def find_term(session: Session, name: str) -> Term:
    """The term whose key or one of whose aliases' keys is the key of ``name``; failing that, for
    a number (``#12`` or ``12``), the term with that id, as kb lookup --json and the exports show it."""
    key = term_key(name.strip())
    term = session.scalars(select(Term).where(Term.key == key)).first()
    if term is None:
        term = session.scalars(select(Term).join(Alias, Alias.term_id == Term.id).where(Alias.key == key)).first()
    if term is None:
        number = name.strip().removeprefix("#")
        if number.isascii() and number.isdigit():
            term = session.get(Term, int(number))
    if term is None:
        raise TermNotFound(f"no term {name!r} (key {key!r}); `kb terms` lists the candidates")
    return term


def _resolve(session: Session, term: Term | str) -> Term:
    return find_term(session, term) if isinstance(term, str) else term


def _stale(session: Session, term: Term, seen: int | None) -> StaleEdit:
    if seen is not None and seen > (term.version or 0):
        return StaleEdit(f"{term.canonical!r} has no version {seen}: it is at version {term.version} "
                         f"(kb term show {term.canonical}); nothing was written.")
    last = audit.last_change(session, term)
    who = f" by {last.curator} at {last.at:%Y-%m-%d %H:%M:%S} ({last.action})" if last else ""
    return StaleEdit(
        f"{term.canonical!r} was changed{who} after you looked at it (you saw version {seen}, it is now "
        f"version {term.version}); nothing was written. Show it again (kb term show {term.canonical}) "
        f"and redo your change."
    )


def _guard(session: Session, term: Term, expected_version: int | None) -> None:
    if expected_version is not None and term.version != expected_version:
        raise _stale(session, term, expected_version)


def _touch(term: Term) -> None:
    """Mark the term changed, so its row is updated and its version steps even if only its aliases changed."""
    term.updated_at = audit.now()
    flag_modified(term, "updated_at")


def _refused(session: Session, term: Term, seen: int) -> StaleEdit:
    session.rollback()
    fresh = session.get(Term, term.id, populate_existing=True)
    if fresh is None:
        return StaleEdit(f"{term.canonical!r} was deleted by someone else; nothing was written")
    return _stale(session, fresh, seen)


def _flush(session: Session, term: Term) -> None:
    """Write the term (bumping its version); a concurrent commit makes this a StaleEdit."""
    seen = term.version
    _touch(term)
    try:
        session.flush()
    except StaleDataError:
        raise _refused(session, term, seen) from None


def _decide(session: Session, term: Term | str, curator: str, action: str, expected_version: int | None,
            change) -> Decision:
    """Apply ``change`` to the term as one decision: guard, snapshot before, change, flush once, log."""
    term = _resolve(session, term)
    _guard(session, term, expected_version)
    seen = term.version
    before = audit.snapshot(session, term)
    try:
        extra = change(term) or {}
        if term.version == seen:  # not flushed by the change itself: one UPDATE, one version step
            _touch(term)
        session.flush()
    except StaleDataError:
        raise _refused(session, term, seen) from None
    after = audit.snapshot(session, term) | extra
    return audit.record(session, term, curator, action, before, after)


def _not_merged(session: Session, term: Term) -> None:
    if term.status == "merged":
        target = session.get(Term, term.merged_into_id) if term.merged_into_id else None
        into = f" into {target.canonical!r}" if target else ""
        raise CurateError(f"{term.canonical!r} is merged{into}; decide on that term, or undo the merge first")


def approve(session: Session, term: Term | str, curator: str, *, definition: str | None = None,
            expected_version: int | None = None) -> Decision:
    """Approve a term (optionally setting its definition)."""
    def change(t: Term) -> None:
        _not_merged(session, t)
        t.status = "approved"
        if definition is not None:
            t.definition = definition.strip() or None
    return _decide(session, term, curator, "approve", expected_version, change)


def reject(session: Session, term: Term | str, curator: str, *, note: str | None = None,
           expected_version: int | None = None, force: bool = False) -> Decision:
    """Reject a term: it leaves the queue and extraction never offers it again. An approved term
    is rejected only with ``force`` (another curator approved it)."""
    def change(t: Term) -> None:
        _not_merged(session, t)
        if t.status == "approved" and not force:
            raise CurateError(f"{t.canonical!r} is an approved term; to reject it all the same, give --force")
        t.status = "rejected"
        if note:
            t.notes = note.strip()
    return _decide(session, term, curator, "reject", expected_version, change)


# control characters (\x0b, \r, NUL …) are not text: XML (TBX) cannot even hold most of them
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SINGLE_LINE = ("english", "category", "canonical")


def _clean(field: str, value: Any) -> Any:
    if field == "related":
        if isinstance(value, str):
            value = [part for part in (p.strip() for p in value.replace("，", ",").split(",")) if part]
        names = (_CONTROL.sub("", str(v)).strip() for v in value)
        return sorted(dict.fromkeys(name for name in names if name))
    if value is None:
        return None
    value = str(value).replace("\r\n", "\n")
    value = " ".join(value.split()) if field in SINGLE_LINE else _CONTROL.sub("", value)
    value = value.strip()
    return value or None


def edit(session: Session, term: Term | str, curator: str, *, expected_version: int | None = None,
         **fields: Any) -> Decision:
    """Change curated fields: definition, english, category, related (list or comma-separated), notes,
    canonical (only to a form with the same key; use merge for another term)."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise CurateError(f"cannot edit {', '.join(unknown)}; editable fields: {', '.join(EDITABLE)}")
    if not fields:
        raise CurateError("nothing to edit: give at least one field")

    def change(t: Term) -> None:
        for field, value in fields.items():
            value = _clean(field, value)
            if field == "canonical":
                if not value or term_key(value) != t.key:
                    raise CurateError(f"{value!r} is not a written form of {t.canonical!r} (keys differ); "
                                      f"to join two terms use `kb term merge`")
            setattr(t, field, value)
    return _decide(session, term, curator, "edit", expected_version, change)


def add_alias(session: Session, term: Term | str, alias: str, curator: str, *,
              expected_version: int | None = None) -> Decision:
    """Add another written form of a term."""
    alias = alias.strip()
    key = term_key(alias)

    def change(t: Term) -> None:
        other = session.scalars(select(Term).where(Term.key == key, Term.id != t.id)).first()
        if other is not None and other.status == "merged" and other.merged_into_id == t.id:
            raise CurateError(f"{alias!r} is already an alias of {t.canonical!r}")
        if other is not None:
            raise CurateError(f"{alias!r} is the term {other.canonical!r}; use `kb term merge {alias} --into "
                              f"{t.canonical}` to make it an alias")
        if key == t.key or any(a.key == key for a in t.aliases):
            raise CurateError(f"{alias!r} is already a form of {t.canonical!r}")
        t.aliases.append(Alias(alias=alias, key=key, origin="curated"))
    return _decide(session, term, curator, "alias", expected_version, change)


def remove_alias(session: Session, term: Term | str, alias: str, curator: str, *,
                 expected_version: int | None = None) -> Decision:
    """Remove a written form from a term."""
    key = term_key(alias.strip())

    def change(t: Term) -> None:
        found = [a for a in t.aliases if a.key == key]
        if not found:
            raise CurateError(f"{alias!r} is not an alias of {t.canonical!r}")
        for a in found:
            t.aliases.remove(a)
    return _decide(session, term, curator, "unalias", expected_version, change)


def merge(session: Session, variant: Term | str, into: Term | str, curator: str, *,
          expected_version: int | None = None, force: bool = False) -> Decision:
    """Make ``variant`` an alias of ``into``: its name, aliases, mentions and definitions follow.
    An approved variant is merged only with ``force``: its curated fields are left behind."""
    variant = _resolve(session, variant)
    target = _resolve(session, into)
    if target.id == variant.id:
        raise CurateError(f"cannot merge {variant.canonical!r} into itself")
    if variant.status == "merged" and variant.merged_into_id == target.id:
        raise CurateError(f"{variant.canonical!r} is already merged into {target.canonical!r}")
    if target.status in ("merged", "rejected"):
        raise CurateError(f"cannot merge into {target.canonical!r}: it is {target.status}")
    if variant.status == "approved" and not force:
        kept = [field for field in ("definition", "english", "category") if getattr(variant, field)]
        lost = f" (its {', '.join(kept)} would no longer be shown)" if kept else ""
        raise CurateError(f"{variant.canonical!r} is an approved term{lost}; to make it an alias of "
                          f"{target.canonical!r} all the same, give --force")

    def change(t: Term) -> dict[str, Any]:
        _not_merged(session, t)
        mention_ids = list(session.scalars(select(Mention.id).where(Mention.term_id == t.id)))
        definition_ids = list(session.scalars(select(Definition.id).where(Definition.term_id == t.id)))
        target_keys = {target.key, *(a.key for a in target.aliases)}
        moved_aliases = []
        for a in list(t.aliases):
            if a.key in target_keys:
                continue
            t.aliases.remove(a)
            target.aliases.append(a)
            target_keys.add(a.key)
            moved_aliases.append(a)
        name_alias = None
        upgraded = None
        if t.key not in target_keys:
            name_alias = Alias(alias=t.canonical, key=t.key, origin="merged")
            target.aliases.append(name_alias)
        else:  # the extractor found the name first (T0 among T+0's written forms): now a curator decided it
            upgraded = next((a for a in target.aliases if a.key == t.key and a.origin == "extracted"), None)
            if upgraded is not None:
                upgraded_was = upgraded.alias
                upgraded.origin, upgraded.alias = "merged", t.canonical
        if mention_ids:
            session.execute(update(Mention).where(Mention.term_id == t.id).values(term_id=target.id))
        if definition_ids:
            session.execute(update(Definition).where(Definition.term_id == t.id).values(term_id=target.id))
        target.n_mentions = (target.n_mentions or 0) + (t.n_mentions or 0)
        t.n_mentions = 0
        t.status = "merged"
        t.merged_into_id = target.id
        t.updated_at = target.updated_at = audit.now()
        session.flush()
        return {"moved": {"mentions": mention_ids, "definitions": definition_ids,
                          "aliases": [a.id for a in moved_aliases],
                          "name_alias": name_alias.id if name_alias is not None else None,
                          "upgraded_alias": [upgraded.id, upgraded_was] if upgraded is not None else None,
                          "n_mentions": n_before}}
    n_before = variant.n_mentions or 0
    return _decide(session, variant, curator, "merge", expected_version, change)


def skip(session: Session, term: Term | str, curator: str) -> Decision:
    """Note that the curator skipped a term in review (it moves to the end of their queue)."""
    term = _resolve(session, term)
    state = {"version": term.version, "status": term.status}
    return audit.record(session, term, curator, "skip", state, state)


def _restore(session: Session, term: Term, state: dict[str, Any]) -> None:
    term.canonical = state["canonical"]
    term.status = state["status"]
    term.merged_into_id = state.get("merged_into_id")
    for field in audit.CURATED_FIELDS:
        setattr(term, field, state.get(field) if field != "related" else list(state.get("related") or []))
    wanted = {(a["alias"], a["origin"]) for a in state.get("aliases", [])}
    have = {(a.alias, a.origin): a for a in term.aliases}
    for pair, alias in have.items():
        if pair not in wanted:
            term.aliases.remove(alias)
    for alias, origin in sorted(wanted - set(have)):
        term.aliases.append(Alias(alias=alias, key=term_key(alias), origin=origin))


def _curated(state: dict[str, Any], key: str) -> Any:
    """A field of a snapshot, its aliases without the extractor's (origin extracted)."""
    value = state.get(key)
    if key == "aliases":
        return [a for a in value or [] if a.get("origin") != "extracted"]
    return value


def undo(session: Session, curator: str) -> Decision:
    """Revert the curator's newest decision that is not yet undone; returns the undo decision."""
    decision = audit.last_undoable(session, curator)
    if decision is None:
        raise CurateError(f"{curator} has no decision to undo")
    term = session.get(Term, decision.term_id) if decision.term_id is not None else None
    if decision.action == "skip":
        return audit.record(session, term, curator, "undo", decision.after, decision.before,
                            name=decision.term, undoes=decision)
    if term is None:
        raise CurateError(f"cannot undo {decision.action} of {decision.term!r}: the term no longer exists")
    current = audit.snapshot(session, term)
    # what a curator decided must be as the decision left it; the extractor's own aliases may come and go
    if any(_curated(current, k) != _curated(decision.after, k) for k in current if k != "version"):
        last = audit.last_change(session, term)
        raise StaleEdit(f"cannot undo {decision.action} of {term.canonical!r}: it was changed afterwards"
                        + (f" by {last.curator} ({last.action})" if last else "")
                        + "; undo that change first, or edit the term")
    before = audit.snapshot(session, term)
    if not decision.before:  # the decision created the term (a glossary import): remove it again
        name = term.canonical
        for alias_row in session.scalars(select(Term).where(  # the alias rows the import made for it
                Term.merged_into_id == term.id, Term.origin == "imported", Term.status == "merged")):
            session.delete(alias_row)
        session.delete(term)
        session.flush()
        return audit.record(session, None, curator, "undo", before, {}, name=name, undoes=decision)
    if decision.action == "merge":
        moved = decision.after.get("moved", {})
        target = session.get(Term, decision.after.get("merged_into_id"))
        if target is not None:
            if moved.get("name_alias"):
                alias = session.get(Alias, moved["name_alias"])
                if alias is not None and alias.term_id == target.id:
                    target.aliases.remove(alias)
            if moved.get("upgraded_alias"):
                alias_id, written = moved["upgraded_alias"]
                alias = session.get(Alias, alias_id)
                if alias is not None and alias.term_id == target.id and alias.origin == "merged":
                    alias.origin, alias.alias = "extracted", written
            for alias_id in moved.get("aliases", []):
                alias = session.get(Alias, alias_id)
                if alias is not None and alias.term_id == target.id:
                    target.aliases.remove(alias)
                    term.aliases.append(alias)
            if moved.get("mentions"):
                session.execute(update(Mention).where(Mention.id.in_(moved["mentions"]),
                                                      Mention.term_id == target.id).values(term_id=term.id))
            if moved.get("definitions"):
                session.execute(update(Definition).where(Definition.id.in_(moved["definitions"]),
                                                         Definition.term_id == target.id).values(term_id=term.id))
            n = moved.get("n_mentions") or 0
            target.n_mentions = max(0, (target.n_mentions or 0) - n)
            term.n_mentions = n
            target.updated_at = audit.now()
            session.flush()
    _restore(session, term, decision.before)
    _flush(session, term)
    return audit.record(session, term, curator, "undo", before, audit.snapshot(session, term), undoes=decision)
