"""kb lookup: one term's definition, aliases, Q&A and where it was discussed."""

from __future__ import annotations

import json

import click

from kb.cli.common import db_option


@click.command("lookup")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--limit", type=click.IntRange(min=1), default=8, show_default=True, help="How many matches to consider.")
@db_option
def lookup_command(query: str, as_json: bool, limit: int, db_url: str) -> None:
    """Look a term up by hanzi, pinyin, initials, alias or close spelling.

    Prints the definition (a candidate term or definition is marked as not yet
    reviewed), aliases, the top Q&A and the chat days where it was discussed.
    Loads no NLP model: it answers in a fraction of a second.

    Example: kb lookup zjc
    """
    from kb.publish.lookup import lookup

    answer = lookup(query, db_url, limit=limit)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(format_answer(answer))


def format_answer(answer) -> str:
    """The answer as plain text (plain click output: importing rich would double the time of a lookup)."""
    head = click.style(answer.term, bold=True)
    if answer.pinyin:
        head += f"  {answer.pinyin}"
    if answer.english:
        head += f"  · {answer.english}"
    head += "  [approved]" if answer.reviewed else "  " + click.style("[candidate, not yet reviewed]", fg="yellow")
    lines = [head]
    if answer.category:
        lines.append(f"category:   {answer.category}")
    if answer.aliases:
        lines.append(f"aliases:    {', '.join(answer.aliases)}")
    if answer.definition:
        lines.append(f"definition: {answer.definition}")
    elif answer.candidate_definitions:
        lines.append("definition: " + click.style("(candidates, not reviewed)", fg="yellow"))
        for d in answer.candidate_definitions:
            lines.append(f"  - {d['text']}  ({d.get('speaker', '')}, {d.get('date', '')})")
    else:
        lines.append("definition: none yet")
    for qa in answer.qa:
        q = qa["question"]
        lines.append(f"Q {q.get('group', '')} {q.get('date', '')} {q.get('speaker', '')}: {q.get('text', '')}")
        for a in qa["answers"]:
            lines.append(f"  A {a.get('speaker', '')}: {a.get('text', '')}")
    if answer.discussed:
        lines.append(f"discussed ({answer.mentions} mentions): " + ", ".join(
            f"{d['group']} {d['date']} ({d['mentions']})" for d in answer.discussed))
    if answer.others:
        lines.append("also: " + ", ".join(
            o["term"] + ("" if o["status"] == "approved" else " (candidate)") for o in answer.others))
    return "\n".join(lines)
