"""kb qa: list the extracted question-and-answer pairs with their citations."""

from __future__ import annotations

import click
from rich.markup import escape

from kb.cli.common import console, db_option
from kb.store import open_db


def _cite(message: dict) -> str:
    return f"{message['group']} {message['date']} {message['time']} {message['speaker']}"


@click.command("qa")
@click.option("--term", help="Only pairs about this term (canonical name or alias).")
@click.option("--date", "dates", metavar="DAY|FROM..TO", help="One day (2017-05-23) or a range (2017-05-01..2017-05-31).")
@click.option("--group", help="Only this chat group (e.g. proddev).")
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Only pairs scoring at least this (0..1: how likely the pair reads right).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many pairs.")
@click.option("--sample", type=click.IntRange(min=1), metavar="N",
              help="N pairs at random among those that match (instead of the first ones), to judge precision.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample: the same seed, the same pairs.")
@db_option
def qa_command(term: str | None, dates: str | None, group: str | None, min_score: float | None, limit: int,
               sample: int | None, seed: int, db_url: str) -> None:
    """List question-and-answer pairs found in the chat, each citing group, date, time and speaker.

    Example: kb qa --term 资金池 --date 2017-05-01..2017-06-30
    (or kb qa --sample 100 --seed 7 to read a random sample of all pairs)
    """
    from kb.extract.qa_query import UnknownTerm, count_pairs, list_pairs

    engine = open_db(db_url, create_file=False)
    try:
        pairs = list_pairs(engine, term=term, dates=dates, group=group, min_score=min_score, limit=limit,
                           sample=sample, seed=seed)
    except UnknownTerm as exc:
        raise UnknownTerm(exc.name, _did_you_mean(db_url, exc.name)) from None
    matching = len(pairs) if sample or len(pairs) < limit else count_pairs(
        engine, term=term, dates=dates, group=group, min_score=min_score)
    if not pairs:
        console.print("No Q&A pairs match: run kb extract first, or widen the filters.")
        return
    for pair in pairs:
        q = pair["question"]
        terms = f"  [dim]terms: {escape(', '.join(pair['terms']))}[/dim]" if pair["terms"] else ""
        console.print(f"[bold]Q{pair['id']}[/bold] score {pair['score']:.2f}  [cyan]{escape(_cite(q))}[/cyan]{terms}")
        console.print(f"  {escape(q['text'])}")
        for answer in pair["answers"]:
            if answer.get("own"):  # 问题：… 回答：…: the question's own message
                console.print(f"  [green]A[/green] in the question's own message ({answer['score']:.2f})")
                continue
            console.print(f"  [green]A[/green] [cyan]{escape(_cite(answer))}[/cyan] ({answer['score']:.2f})")
            console.print(f"    {escape(answer['text'])}")
        console.print()
    if sample:
        console.print(f"{len(pairs)} pair(s) drawn at random (--seed {seed})")
    else:
        console.print(f"{len(pairs)} pair(s)" + (f" of {matching} (--limit {limit})" if matching > len(pairs) else ""))


def _did_you_mean(db_url: str, name: str) -> str:
    """kb lookup's best matches of a name that is no term (pinyin, initials, a typo), as a hint."""
    from kb.publish.lookup import connect, find

    db = connect(db_url)
    try:
        names = list(dict.fromkeys(match.term for match in find(db, name, limit=3)))
    finally:
        db.close()
    return f" (did you mean {' or '.join(names)}?)" if names else ""
