"""kb term: scriptable curator decisions on one term (approve, reject, merge, edit, alias, show, undo)."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from kb.cli.common import console, db_option, err_console
from kb.curate import audit, lifecycle
from kb.store import Decision, Term, open_db

curator_option = click.option("--curator", help="Your name in the audit log (default: $KB_CURATOR, else the OS user).")
version_option = click.option(
    "--expect-version", "expected_version", type=int, metavar="N",
    help="Refuse the change unless the term is still at version N (what `kb term show` printed).")


def _done(decision: Decision, text: str) -> None:
    version = decision.after.get("version")
    tail = f" (version {version})" if version else ""
    console.print(f"{text}{tail} · decision #{decision.id} by {escape(decision.curator)}", soft_wrap=True)


@click.group("term")
def term_group() -> None:
    """Curator decisions on single terms, for scripts (kb review does the same interactively).

    Example: kb term approve 备付金 --definition "支付机构为办理客户委托的支付业务而收取的待付资金"
    """


@term_group.command("approve")
@click.argument("term")
@click.option("--definition", help="Set the definition while approving.")
@curator_option
@version_option
@db_option
def approve_command(term: str, definition: str | None, curator: str | None, expected_version: int | None,
                    db_url: str) -> None:
    """Approve a term (it enters the glossary).

    Example: kb term approve 备付金 --definition "…"
    """
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = lifecycle.approve(session, term, lifecycle.default_curator(curator), definition=definition,
                              expected_version=expected_version)
    _done(d, f"approved {escape(d.term)}")


@term_group.command("reject")
@click.argument("term")
@click.option("--note", help="Why (kept in the term's notes).")
@click.option("--force", is_flag=True, help="Reject an approved term too.")
@curator_option
@version_option
@db_option
def reject_command(term: str, note: str | None, force: bool, curator: str | None, expected_version: int | None,
                   db_url: str) -> None:
    """Reject a term: it leaves the queue and extraction never offers it again.

    Example: kb term reject 小额 --note "part of 小额支付系统, not a term"
    """
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = lifecycle.reject(session, term, lifecycle.default_curator(curator), note=note,
                             expected_version=expected_version, force=force)
    _done(d, f"rejected {escape(d.term)}")


@term_group.command("merge")
@click.argument("variant")
@click.option("--into", "into", required=True, metavar="TERM", help="The term the variant becomes an alias of.")
@click.option("--force", is_flag=True, help="Merge an approved term too (its definition is no longer shown).")
@curator_option
@version_option
@db_option
def merge_command(variant: str, into: str, force: bool, curator: str | None, expected_version: int | None,
                  db_url: str) -> None:
    """Merge a variant into a term: its name becomes an alias, its mentions follow.

    Example: kb term merge T0 --into T+0
    """
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = lifecycle.merge(session, variant, into, lifecycle.default_curator(curator),
                            expected_version=expected_version, force=force)
        n = len(d.after.get("moved", {}).get("mentions", []))
        target = d.after.get("merged_into")
    _done(d, f"merged {escape(d.term)} into {escape(str(target))} ({n} mentions moved)")


@term_group.command("edit")
@click.argument("term")
@click.option("--definition", help="The definition, in your own words.")
@click.option("--english", help="The English name.")
@click.option("--category", help="The category, e.g. 清算/结算, 收单, 账户, 备付金, 支付方式, 监管, 风控.")
@click.option("--related", multiple=True, help="A related term (repeat, or separate with commas); replaces the list.")
@click.option("--notes", help="Curator's notes.")
@click.option("--canonical", help="Another written form of the same key to show (e.g. a different case).")
@curator_option
@version_option
@db_option
def edit_command(term: str, curator: str | None, expected_version: int | None, db_url: str,
                 **fields: Any) -> None:
    """Change a term's curated fields; an empty value ("") clears a field.

    Example: kb term edit 清算 --english clearing --category 清算/结算 --related 结算,清分
    """
    changes = {k: v for k, v in fields.items() if v is not None and v != ()}
    if "related" in changes:
        changes["related"] = ",".join(changes["related"])
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = lifecycle.edit(session, term, lifecycle.default_curator(curator), expected_version=expected_version,
                           **changes)
        unknown = [name for name in d.after.get("related") or [] if name not in (d.before.get("related") or [])
                   and not _is_term(session, name)]
    _done(d, f"edited {escape(d.term)}: {escape(summary(d.before, d.after))}")
    if unknown:
        err_console.print(f"warning: no term (or a rejected one) is called {', '.join(unknown)}: the wiki shows "
                          f"{'it' if len(unknown) == 1 else 'them'} as related without a link", markup=False,
                          soft_wrap=True)


def _is_term(session: Any, name: str) -> bool:
    """Whether a name is a term the wiki can link to (a rejected one has no page)."""
    try:
        return lifecycle.find_term(session, name).status != "rejected"
    except lifecycle.TermNotFound:
        return False


@term_group.command("alias")
@click.argument("term")
@click.argument("alias")
@click.option("--remove", is_flag=True, help="Remove the alias instead of adding it.")
@curator_option
@version_option
@db_option
def alias_command(term: str, alias: str, remove: bool, curator: str | None, expected_version: int | None,
                  db_url: str) -> None:
    """Add (or --remove) another written form of a term.

    Example: kb term alias 备付金 客户备付金
    """
    action = lifecycle.remove_alias if remove else lifecycle.add_alias
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = action(session, term, alias, lifecycle.default_curator(curator), expected_version=expected_version)
    _done(d, f"{'removed' if remove else 'added'} alias {escape(alias)} of {escape(d.term)}")


@term_group.command("undo")
@curator_option
@db_option
def undo_command(curator: str | None, db_url: str) -> None:
    """Revert your last decision (the same as kb review --undo).

    Example: kb term undo --curator alice
    """
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        d = lifecycle.undo(session, lifecycle.default_curator(curator))
    console.print(f"undid decision #{d.undoes_id} on {escape(d.term)} · decision #{d.id} by {escape(d.curator)}",
                  soft_wrap=True)


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(v["alias"] if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def summary(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What a decision changed, as 'field: old → new; …'."""
    keys = [k for k in ("status", "canonical", "merged_into", "definition", "english", "category", "related",
                        "notes", "aliases") if before.get(k) != after.get(k)]
    parts = []
    for k in keys:
        old, new = _show(before.get(k)), _show(after.get(k))
        if len(old) > 40:
            old = old[:39] + "…"
        if len(new) > 40:
            new = new[:39] + "…"
        parts.append(f"{k}: {old} → {new}")
    return "; ".join(parts) or "no change"


@term_group.command("show")
@click.argument("term")
@db_option
def show_command(term: str, db_url: str) -> None:
    """Show a term: status, version, curated fields, aliases and its decision history.

    Example: kb term show 备付金
    """
    with lifecycle.transaction(open_db(db_url, create_file=False)) as session:
        t = lifecycle.find_term(session, term)
        merged = session.get(Term, t.merged_into_id) if t.merged_into_id else None
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="bold")
        fields.add_column(overflow="fold")
        rows = [
            ("term", t.canonical), ("status", t.status + (f" into {merged.canonical}" if merged else "")),
            ("version", str(t.version)), ("origin", t.origin), ("score", f"{t.score or 0:.3f}"),
            ("mentions", str(t.n_mentions or 0)), ("definition", _show(t.definition)),
            ("english", _show(t.english)), ("category", _show(t.category)),
            ("aliases", _show(sorted(a.alias for a in t.aliases))), ("related", _show(t.related)),
            ("notes", _show(t.notes)),
        ]
        for name, value in rows:
            fields.add_row(name, escape(value))
        console.print(fields)
        decisions = sorted(audit.history(session, t) + audit.merges_into(session, t), key=lambda d: d.id)
        if decisions:
            table = Table(title="decisions", header_style="bold")
            for column in ("#", "at (UTC)", "curator", "action", "change"):
                table.add_column(column, overflow="fold")
            for d in decisions:
                if d.term_id != t.id:  # a variant merged into this term (or that merge undone)
                    moved = len(((d.before if d.undoes_id else d.after) or {}).get("moved", {}).get("mentions", []))
                    change = (f"{d.term} merged into it ({moved} mentions moved)" if not d.undoes_id
                              else f"undoes #{d.undoes_id}: {d.term} is no longer merged into it")
                    table.add_row(str(d.id), f"{d.at:%Y-%m-%d %H:%M:%S}", escape(d.curator), d.action, escape(change))
                    continue
                change = summary(d.before, d.after)
                if d.undoes_id:
                    change = f"undoes #{d.undoes_id}: {change}"
                table.add_row(str(d.id), f"{d.at:%Y-%m-%d %H:%M:%S}", escape(d.curator), d.action, escape(change))
            console.print(table)
