"""Appending new days to the last extraction instead of extracting everything again.

A full extraction's statistics are over the whole archive: a term's score depends on its
frequency, days and speakers everywhere, and the Q&A linker weighs shared words by their rarity
over all messages, so one new day changes them a little everywhere. Recomputing all of it costs
the same for one new day as for a hundred.

When the only change since the last extraction is new files (no file changed, no rule, no
curated term, no code), the new days are *appended* instead: their texts are segmented, the
terms as they stand are found in them (mentions, variant aliases, candidate definitions), and
their days are linked into Q&A pairs, with the bigram rarities of all the messages, the new
ones included (the counts are kept in the setting ``qa.linking``). What stays as the last full
extraction left it: the list of candidate terms and their scores and signals (a term first used
in the new days is not a candidate yet), and the pairs of the earlier days.

Appending stops being worth its drift once the appended messages reach ``APPEND_LIMIT`` of
those the last full extraction read: the next run extracts everything again. ``--force``
(``skip_unchanged=False``) always does. docs/build.md measures the drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kb.extract import fingerprint as fp
from kb.store.models import Message, Setting, Source

LINKING_SETTING = "qa.linking"  # kept by kb.extract.qa: the bigram counts and @name aliases of the last linking

APPEND_LIMIT = 0.02  # appended messages, as a share of those the last full extraction read (docs/build.md)


@dataclass
class Plan:
    """New files to append: their source ids and messages; ``since_full``: the messages appended
    since the last full extraction, these included, and ``files``: the keys of those files;
    ``full``: the messages the last full extraction read; ``limit``: the share of them
    appending may add before everything is extracted again; ``steps``: the appends since the
    last full extraction before this one (see appended_since)."""
    source_ids: list[int]
    messages: int
    since_full: int
    full: int
    files: list[str]
    limit: float
    steps: list[dict] = field(default_factory=list)

    @property
    def drift(self) -> float:
        return self.since_full / self.full if self.full else 1.0


def plan(engine: Engine, rules_dir: str | Path | None, state: dict, limit: float = APPEND_LIMIT) -> Plan | None:
    """The files to append, or None when everything must be extracted again (see the module)."""
    if not state.get("sources") or not state.get("full_messages") or "base" not in state:
        return None  # no full extraction yet, or one by a kb that kept no appending state
    if fp.base(engine, rules_dir) != state["base"]:
        return None
    hashes = fp.source_hashes(engine)
    old = state["sources"]
    if not fp.version(state) or any(hashes.get(key) != value for key, value in old.items()):
        return None  # a file changed (or went, or was stored again): its messages are not those extracted
    with engine.connect() as conn:
        current = {key: sid for sid, key in conn.execute(sa.select(Source.id, Source.key))}
        new_keys = sorted((key for key in current if key not in old), key=lambda k: current[k])
        new = [current[key] for key in new_keys]
        if not new or conn.execute(sa.select(Setting.key).where(Setting.key == LINKING_SETTING)).first() is None:
            return None
        count = sa.select(sa.func.count(Message.id))
        added = conn.execute(count.where(Message.source_id.in_(new))).scalar() or 0
        total = conn.execute(count).scalar() or 0
    if total - added != state.get("messages"):
        return None  # the old files' messages are not what the last extraction read
    since_full = state.get("appended_messages", 0) + added
    if since_full > limit * state["full_messages"]:
        return None
    step = {"from": fp.version(state), "files": new_keys}
    return Plan(new, added, since_full, state["full_messages"], state.get("appended_files", []) + new_keys, limit,
                [*state.get("steps", []), step])


def append(engine: Engine, new: Plan, rules_dir: str | Path | None = None, on_progress=None,
           workers: int | None = None):
    """Append the planned files: their mentions, definitions and Q&A pairs, and the state the next
    run reads, in one transaction (an append cut short leaves the database as it was, to be
    appended again); returns the ExtractReport."""
    from kb.extract import ExtractReport
    from kb.extract.qa import append_qa
    from kb.extract.run import append_terms, segmented_messages

    messages = segmented_messages(engine, new.source_ids, rules_dir, on_progress, workers)  # the cache: its own
    with engine.begin() as conn:
        terms = append_terms(conn, messages)
        qa = append_qa(conn, new.source_ids, rules_dir=rules_dir)
        new.steps[-1]["aliases"] = terms.aliases
        fp.store(conn, fp.fingerprint(conn, rules_dir), **state_after(conn, rules_dir, new))
    return ExtractReport(terms, qa, appended=new)


def current_version(engine: Engine, rules_dir: str | Path | None = None) -> str | None:
    """The version (fingerprint.version) of the extraction that made the database's output, or
    None when its inputs changed since (a file ingested, a curator's decision, other rules): then
    no extraction's output is what a wiki made from it shows."""
    state = fp.stored_state(engine)
    return fp.version(state) if state.get("hash") == fp.fingerprint(engine, rules_dir) else None


def appended_since(engine: Engine, version: str | None, rules_dir: str | Path | None = None,
                   current: str | None = None) -> list[str] | None:
    """The files appended since the extraction ``version`` (fingerprint.version), when nothing else
    changed since (so what was made from the other files is as it was then); None when that is not
    known: a full extraction since, a change extraction has not seen yet, or an append that gave
    terms new names (an alias can link text anywhere). The wiki renders only what the files touch
    (kb.publish.render). ``current``: current_version(), if already taken."""
    state = fp.stored_state(engine)
    now = current or current_version(engine, rules_dir)
    if not version or not now or now != fp.version(state):
        return None
    if version == now:
        return []
    files: list[str] = []
    for step in reversed(state.get("steps", [])):
        if step.get("aliases") != 0:
            return None
        files = step["files"] + files
        if step["from"] == version:
            return files
    return None


def state_after(engine: fp.Bind, rules_dir: str | Path | None, appended: Plan | None) -> dict:
    """What to keep beside the fingerprint for the next run to append to, after a full
    extraction (``appended`` None) or after appending."""
    with fp.connected(engine) as conn:
        messages = conn.execute(sa.select(sa.func.count(Message.id))).scalar() or 0
    previous = fp.stored_state(engine).get("run")  # extractions are numbered: the same history, the same ids
    return {"run": previous + 1 if isinstance(previous, int) else 1, "base": fp.base(engine, rules_dir),
            "sources": fp.source_hashes(engine),
            "messages": messages,
            "full_messages": appended.full if appended else messages,
            "appended_messages": appended.since_full if appended else 0,
            "appended_files": appended.files if appended else [], "steps": appended.steps if appended else []}
