"""kb review: the interactive review queue, one term per screen, one key per decision."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import click
import yaml
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from kb.cli.common import console, db_option
from kb.curate import lifecycle, review
from kb.errors import KbError
from kb.store import Term, open_db

KEYS = ("[bold]a[/] approve  [bold]1-3[/] approve with that definition  [bold]r[/] reject  [bold]e[/] edit  "
        "[bold]m[/] merge into…  [bold]s[/] skip  [bold]u[/] undo  [bold]q[/] quit")
FIELDS = ("definition", "english", "category", "related", "notes")


def render(out: Console, card: review.Card, progress: review.Progress, session_counts: Counter) -> None:
    """Draw one review screen."""
    if out.is_terminal:
        out.clear()
    done = f"{progress.decided}/{progress.total} decided · {progress.candidates} left"
    if progress.skipped:
        done += f" ({progress.skipped} skipped by you)"
    if session_counts:
        done += " · this session: " + ", ".join(f"{n} {k}" for k, n in sorted(session_counts.items()))
    out.rule(f"[bold]kb review[/] · {done}")
    head = Text.assemble((card.canonical, "bold cyan"), f"   score {card.score:.2f} · {card.n_mentions} mentions"
                         f" · version {card.version}")
    parts: list[Any] = [head]
    shown = []
    for name, value in sorted(card.signals.items()):
        if value is None or value == [] or value == {} or value == "":
            continue
        if isinstance(value, float):
            value = f"{value:.2f}"
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value[:6])
        elif isinstance(value, dict):
            value = ",".join(f"{k}={v}" for k, v in list(value.items())[:4])
        shown.append(f"{name} {value}")
    if shown:
        parts.append(Text.assemble(("signals  ", "bold"), (" · ".join(shown), "")))
    current = [(f, getattr(card, f)) for f in ("definition", "english", "category", "notes") if getattr(card, f)]
    for name in ("aliases", "related"):
        if getattr(card, name):
            current.append((name, ", ".join(getattr(card, name))))
    if current:
        parts.append(Text("curated", style="bold"))
        for name, value in current:
            parts.append(Text.assemble((f"  {name}: ", "dim"), value))
    parts.append(Text("in the chats", style="bold"))
    if not card.examples:
        parts.append(Text("  (no message mentions it yet)", style="dim"))
    chats = Table.grid(padding=(0, 1))
    chats.add_column(style="dim", no_wrap=True)
    chats.add_column(overflow="fold")
    for ex in card.examples:
        text = ex.text if len(ex.text) <= 240 else ex.text[:240] + "…"
        body = Text(text.replace("\n", " "))
        for start, end in ex.spans:
            if start < len(text):
                body.stylize("bold black on yellow", start, min(end, len(text)))
        chats.add_row(f"  {ex.date} {ex.time[:5]} {ex.speaker} ({ex.group})", body)
    if card.examples:
        parts.append(chats)
    if card.definitions:
        parts.append(Text("candidate definitions", style="bold"))
        for i, d in enumerate(card.definitions, 1):
            parts.append(Text.assemble((f"  {i}. ", "bold"), d))
    if card.variants:
        parts.append(Text.assemble(("likely variants  ", "bold"), ", ".join(card.variants)))
    out.print(Panel(Group(*parts), expand=True))
    out.print(KEYS)


def _editor_fields(card: review.Card) -> dict[str, Any] | None:
    template = (f"# Edit {card.canonical}; lines starting with # are ignored. Save and quit to apply.\n"
                + yaml.safe_dump({f: getattr(card, f) for f in FIELDS}, allow_unicode=True, sort_keys=False,
                                 width=10_000))
    edited = click.edit(template, extension=".yaml")
    if edited is None:
        return None
    data = yaml.safe_load(edited) or {}
    if not isinstance(data, dict):
        raise KbError("the edited text is not a YAML mapping of fields; nothing was changed")
    return {k: v for k, v in data.items() if k in FIELDS and v != getattr(card, k)} or None


def _prompt_fields(card: review.Card) -> dict[str, Any] | None:
    changes: dict[str, Any] = {}
    for field in ("definition", "english", "category", "related"):
        current = getattr(card, field)
        current = ", ".join(current) if isinstance(current, list) else current or ""
        hint = f" [{current}]" if current else ""
        value = click.prompt(f"{field}{hint} (Enter keeps, '-' clears)", default="", show_default=False)
        if value == "-":
            changes[field] = None if field != "related" else []
        elif value:
            changes[field] = value
    return changes or None


def edit_fields(card: review.Card) -> dict[str, Any] | None:
    """Ask for new field values: in $VISUAL/$EDITOR when set and on a terminal, else one prompt per field."""
    if (os.environ.get("VISUAL") or os.environ.get("EDITOR")) and sys.stdin.isatty():
        return _editor_fields(card)
    return _prompt_fields(card)


def run_review(engine, curator: str, *, getkey: Callable[[], str], ask: Callable[[str], str],
               edit: Callable[[review.Card], dict[str, Any] | None] = edit_fields, out: Console = console,
               limit: int | None = None) -> Counter:
    """The review loop: show the best undecided term, read one key, apply it; returns counts of decisions."""
    counts: Counter = Counter()
    seen: set[int] = set()
    first: int | None = None
    message: str | None = None
    while limit is None or sum(counts.values()) < limit:
        with Session(engine) as session:
            term = session.get(Term, first) if first is not None else None
            if term is None or term.status != "candidate":
                ids = review.queue(session, curator, exclude=seen, limit=1)
                if not ids:
                    out.print("[bold green]The queue is empty[/]: every candidate is decided or was skipped "
                              "in this session.")
                    break
                term = session.get(Term, ids[0])
            first = None
            card = review.card(session, term)
            render(out, card, review.progress(session, curator), counts)
        if message:
            out.print(message)
            message = None
        try:
            key = (getkey() or "q").lower()
        except (EOFError, KeyboardInterrupt):
            key = "q"
        if key in ("q", "\x03", "\x04"):
            break
        try:
            with lifecycle.transaction(engine) as session:
                if key == "a":
                    lifecycle.approve(session, card.canonical, curator, expected_version=card.version)
                    counts["approved"] += 1
                    seen.add(card.term_id)
                elif key in ("1", "2", "3") and int(key) <= len(card.definitions):
                    lifecycle.approve(session, card.canonical, curator, expected_version=card.version,
                                      definition=card.definitions[int(key) - 1])
                    counts["approved"] += 1
                    seen.add(card.term_id)
                elif key == "r":
                    lifecycle.reject(session, card.canonical, curator, expected_version=card.version)
                    counts["rejected"] += 1
                    seen.add(card.term_id)
                elif key == "s":
                    lifecycle.skip(session, card.canonical, curator)
                    counts["skipped"] += 1
                    seen.add(card.term_id)
                elif key == "m":
                    target = ask(f"merge {card.canonical} into").strip()
                    if target:
                        lifecycle.merge(session, card.canonical, target, curator, expected_version=card.version)
                        counts["merged"] += 1
                        seen.add(card.term_id)
                    else:
                        first = card.term_id
                elif key == "e":
                    changes = edit(card)
                    if changes:
                        lifecycle.edit(session, card.canonical, curator, expected_version=card.version, **changes)
                        counts["edited"] += 1
                    first = card.term_id
                elif key == "u":
                    undo = lifecycle.undo(session, curator)
                    counts["undone"] += 1
                    message = f"[yellow]undid[/] {escape(undo.term)}"
                    if undo.term_id is not None:
                        seen.discard(undo.term_id)
                        first = undo.term_id
                else:
                    first = card.term_id
                    message = f"[dim]unknown key {key!r}[/]"
        except KbError as exc:
            message = f"[red]{escape(exc.format_message())}[/]"
            first = card.term_id
    return counts


@click.command("review")
@click.option("--curator", help="Your name in the audit log (default: $KB_CURATOR, else the OS user).")
@click.option("--undo", "undo_last", is_flag=True, help="Revert your last decision and exit.")
@click.option("--limit", type=int, help="Stop after this many decisions.")
@db_option
def review_command(curator: str | None, undo_last: bool, limit: int | None, db_url: str) -> None:
    """Review candidate terms one screen at a time, best first; single keys decide.

    a approve, 1-3 approve with that candidate definition, r reject, e edit
    (definition, English, category, related in $EDITOR or at prompts), m merge
    into another term, s skip, u undo, q quit. Decisions are saved at once; the
    next session resumes where this one stopped.

    Example: kb review --curator alice
    """
    engine = open_db(db_url, create_file=False)
    curator = lifecycle.default_curator(curator)
    if undo_last:
        with lifecycle.transaction(engine) as session:
            decision = lifecycle.undo(session, curator)
            undone = decision.undoes_id
        console.print(f"undid decision #{undone} on {escape(decision.term)} (curator {escape(curator)})",
                      soft_wrap=True)
        return
    if not _keys_readable():
        raise KbError(NO_TERMINAL)
    try:
        counts = run_review(engine, curator, getkey=click.getchar,
                            ask=lambda text: click.prompt(text, default="", show_default=False), limit=limit)
    except OSError as exc:  # click reads single keys from the terminal, /dev/tty
        if exc.filename != "/dev/tty":
            raise
        raise KbError(NO_TERMINAL) from None
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no decisions"
    console.print(f"review by {escape(curator)}: {summary}", soft_wrap=True)


NO_TERMINAL = ("kb review reads single keys and needs an interactive terminal; in scripts use "
               "kb term approve|reject|merge|edit|alias (see kb term --help)")


def _keys_readable() -> bool:
    """Whether click.getchar can read a key: from a terminal on stdin or /dev/tty (kb review < file in a
    terminal still reads the keyboard), or from the input a test runner gives (click's termui._getchar)."""
    from click import termui

    if getattr(termui, "_getchar", None) is not None or sys.stdin.isatty():
        return True
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False
