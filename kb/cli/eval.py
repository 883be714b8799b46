"""kb eval: score the database against the human digests."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from kb.cli.common import console, db_option
from kb.errors import KbError
from kb.eval.align import MARGIN, MIN_SIMILARITY, WINDOW_DAYS
from kb.eval.judged import JudgedScore, question_keys, read_judgments, score_judgments
from kb.eval.score import EvalReport, Miss, evaluate
from kb.store import open_db

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PRECISION_SAMPLE = Path(__file__).resolve().parents[2] / "benchmarks" / "qa_precision.tsv"


def _default(name: str) -> str | None:
    folder = CORPUS / name
    return str(folder) if folder.is_dir() else None


@click.command("eval")
@click.option("--digests", "digests_dir", type=click.Path(path_type=str), default=_default("digests"),
              show_default=True, help="Folder of human digests.")
@click.option("--logs", "logs_dir", type=click.Path(path_type=str), default=_default("logs"), show_default=True,
              help="Folder of the chat logs the digests were written from (parsed directly).")
@click.option("--window", type=click.IntRange(0, 60), default=WINDOW_DAYS, show_default=True,
              help="Search this many days around each day a digest names.")
@click.option("--shift", type=int, default=0, show_default=True,
              help="Move every digest date by this many days: a control run; with 60, almost nothing should align.")
@click.option("--min-similarity", type=click.FloatRange(0, 1), default=MIN_SIMILARITY, show_default=True,
              help="Least similarity for an alignment.")
@click.option("--margin", type=click.FloatRange(0, 1), default=MARGIN, show_default=True,
              help="Least lead of the best candidate over the runner-up.")
@click.option("--show-misses", type=click.IntRange(0), default=0, metavar="N",
              help="List N aligned questions the Q&A extractor missed (and N answer disagreements).")
@click.option("--judged", "judged_files", multiple=True, type=click.Path(dir_okay=False, path_type=str),
              default=(str(PRECISION_SAMPLE),) if PRECISION_SAMPLE.is_file() else (), show_default=True,
              help="Pairs judged by reading (TSV: group, date, seq, time, verdict, …): how many are still "
                   "extracted and how many of those were read right. Repeat for several files; any given "
                   "replaces the default.")
@click.option("--no-judged", is_flag=True, help="Leave out precision by reading.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option
def eval_command(digests_dir: str | None, logs_dir: str | None, window: int, shift: int, min_similarity: float,
                 margin: float, show_misses: int, judged_files: tuple[str, ...], no_judged: bool, as_json: bool,
                 db_url: str) -> None:
    """Score extracted Q&A and terms against the human digests.

    Each digest question is aligned to the chat message it came from (searching all
    groups around the digest's days), then looked up among the extracted Q&A pairs;
    digest keywords are looked up among the terms. See docs/evaluation.md.

    Example: kb eval --show-misses 10
    """
    if not digests_dir:
        raise KbError("no digest folder: give --digests DIR")
    if not logs_dir:
        raise KbError("no log folder: give --logs DIR")
    from kb.extract.qa import explain_unpaired
    from kb.rules.qa import load_qa_rules

    # a bad file fails before the long part
    judgments = [] if no_judged else [read_judgments(path) for path in judged_files]
    engine = open_db(db_url, create_file=False)
    rules = load_qa_rules()
    report = evaluate(engine, digests_dir, logs_dir, window=window, shift=shift, min_similarity=min_similarity,
                      margin=margin, explain=lambda ids: explain_unpaired(engine, ids, rules))
    keys = question_keys(engine) if judgments else None
    judged = [score for j in judgments for score in score_judgments(engine, j, keys)]
    if as_json:
        data = report.to_dict()
        data["misses"] = data["misses"][:show_misses]
        data["answer_misses"] = data["answer_misses"][:show_misses]
        data["judged"] = [{**asdict(score), "precision": _round(score.precision),
                           "right_kept": _round(score.right_kept)} for score in judged]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print(report, show_misses)
    _print_judged(judged)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _round(share: float | None) -> float | None:
    return None if share is None else round(share, 4)


def _print(report: EvalReport, show_misses: int) -> None:
    title = "kb eval" + (f" (control: dates shifted {report.shift:+d} days)" if report.shift else "")
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("of", justify="right")
    table.add_column("share", justify="right")
    table.add_row("digest questions aligned", str(report.aligned_questions), str(report.questions),
                  _pct(report.alignment_rate))
    table.add_row("  ambiguous / no match / too short",
                  f"{report.ambiguous} / {report.unmatched} / {report.too_short}", "", "")
    table.add_row("aligned questions in the database", str(report.matched_in_db), str(report.aligned_questions),
                  _pct(report.matched_in_db / report.aligned_questions if report.aligned_questions else 0))
    table.add_row("qa_recall", str(report.qa_recalled), str(report.aligned_questions), _pct(report.qa_recall))
    table.add_row("answer_agreement", str(report.answers_agreed), str(report.answers_expected),
                  _pct(report.answer_agreement))
    table.add_row("keyword_recall", str(report.keywords_found), str(report.keywords), _pct(report.keyword_recall))
    table.caption = (f"{report.digests} digests, {report.log_files} log files ({report.log_messages} messages) "
                     f"searched ±{report.window} days; {report.pairs_in_db} Q&A pairs and "
                     f"{report.terms_in_db} terms in the database")
    console.print(table)

    forms = Table(title="alignment by digest form", show_header=True, header_style="bold")
    forms.add_column("form")
    forms.add_column("questions", justify="right")
    forms.add_column("aligned", justify="right")
    for form, counts in sorted(report.by_form.items()):
        forms.add_row(form, str(counts["questions"]), str(counts["aligned"]))
    console.print(forms)

    if show_misses:
        _print_misses("missed questions", "message in the log", report.misses[:show_misses])
        _print_misses("answers that differ", "question in the log → extracted answers",
                      report.answer_misses[:show_misses])
        if report.missed_keywords:
            console.print("[bold]missed keywords:[/] " + escape("、".join(report.missed_keywords[:show_misses])))


def _print_judged(scores: list[JudgedScore]) -> None:
    if not scores:
        return
    table = Table(title="precision by reading (pairs judged by hand)", show_header=True, header_style="bold")
    for name, justify in (("judgments", "left"), ("judged", "right"), ("still pairs", "right"),
                          ("read right", "right"), ("right ones kept", "right")):
        table.add_column(name, justify=justify)
    absent: dict[str, int] = {}  # file -> pairs judged, when none of them is in this database
    for score in scores:
        if not score.in_database:
            absent[score.path] = score.judged
            continue
        judged = f"{score.judged}" + (f" ({score.in_database} here)" if score.in_database < score.judged else "")
        table.add_row(escape(f"{_shown(score.path)} {score.column}"), judged, f"{score.kept}",
                      f"{score.kept_right} ({_pct(score.precision)})", _pct(score.right_kept))
    table.caption = ("read right: of the judged pairs still extracted; pairs nobody judged are not counted "
                     "(docs/evaluation.md)")
    if table.rows:
        console.print(table)
    for path, judged in absent.items():
        console.print(escape(f"{_shown(path)}: none of its {judged} judged pairs' questions is in this database"))


def _shown(path: str) -> str:
    """A path as short as it can be said: relative to the working directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _print_misses(title: str, found: str, misses: list[Miss]) -> None:
    if not misses:
        return
    table = Table(title=title, show_header=True, header_style="bold", show_lines=True)
    table.add_column("digest question", overflow="fold")
    table.add_column(found, overflow="fold")
    table.add_column("why", overflow="fold")
    for miss in misses:
        why = miss.reason + (f"; nearest extracted question {miss.nearest_pair}" if miss.nearest_pair else "")
        table.add_row(escape(f"{miss.digest} {miss.label}: {miss.question}"),
                      escape(f"{miss.where} ({miss.similarity:.2f}): {miss.message}"), escape(why))
    console.print(table)
