"""kb build: ingest, extract and render the wiki in one command."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click

from kb.cli.common import db_option


@click.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write the wiki into.")
@click.option("--group", help="Group name for every file (default: each file's folder name).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=str),
              help="Rules folder for extraction (default: the repository's rules/).")
@click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=str),
              help="Folder of Jinja2 templates that replace the package's ones.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes that segment new texts (default: every core, or $KB_WORKERS).")
@click.option("--force", is_flag=True, help="Extract everything, even if nothing changed since the last extraction.")
@click.option("--append-limit", type=click.FloatRange(0, 1), default=None, metavar="SHARE",
              help="New files are appended to the last extraction until they add this share of the messages "
                   "it read; then everything is extracted again (default 0.02; 0 never appends).")
@db_option
def build_command(paths: tuple[str, ...], out: str, group: str | None, rules_dir: str | None,
                  templates: str | None, workers: int | None, force: bool, append_limit: float | None,
                  db_url: str) -> None:
    """Ingest chat logs, extract terms and Q&A, and render the wiki: the whole pipeline in one command.

    Each stage prints one line when done. Files that are not chat logs are
    reported and skipped; the other stages still run.

    Example: kb build examples/logs --out site
    """
    from kb.cli.common import console, err_console
    from kb.cli.extract import appended_line
    from kb.cli.wiki import print_report, since_last_render
    from kb.ingest import discover
    from kb.publish.render import render_wiki
    from kb.store import open_db

    missing = [path for path in paths if not Path(path).exists()]
    if len(missing) == len(paths):
        raise click.ClickException(f"no such file or folder: {', '.join(missing)}")
    from kb.rules import check_rules

    check_rules(rules_dir)  # before ingesting: every problem of every rule file at once
    engine = open_db(db_url)

    started = time.perf_counter()
    with err_console.status("ingest…", spinner="dots"):
        report = _ingest(engine, discover(paths), group, workers)
    console.print(f"1/3 ingest: {len(report.files)} files, {report.messages_stored} messages stored, "
                  f"{len(report.rejected)} rejected ({time.perf_counter() - started:.1f} s)")
    for result in report.rejected:
        err_console.print(f"    skipped {result.where}: {result.reason}", markup=False, soft_wrap=True)
    for warning in report.warnings:
        err_console.print(f"    warning: {warning}", markup=False, soft_wrap=True)

    started = time.perf_counter()
    preloaded: list = []  # the wiki's data, read while the extraction's last stage ran (if it did)
    with contextlib.ExitStack() as held:  # (what meanwhile() holds frozen, until the wiki is rendered)
        try:
            from kb.extract import extract
        except ModuleNotFoundError as exc:
            if exc.name not in ("kb.extract", "kb.nlp"):
                raise
            console.print("2/3 extract: skipped (kb.extract is not installed)")
        else:
            with err_console.status("extract…", spinner="dots") as status:
                def on_progress(stage: str, done: int, total: int) -> None:
                    status.update(f"extract: {stage} {done}/{total}")

                def meanwhile() -> None:  # while the Q&A pairs are linked in a process of their own
                    from kb import heap
                    from kb.publish.data import preload

                    status.update("extract: qa (and reading the wiki's data)")
                    # paused until it is frozen (preload pauses the collector itself, but a collection
                    # between its return and the freeze would walk all it read), and frozen until the
                    # wiki is rendered (the ExitStack around the extraction and the wiki releases it)
                    with heap.paused_gc():
                        preloaded.append(preload(engine))
                        held.enter_context(heap.frozen())

                extracted = extract(engine, rules_dir=rules_dir, on_progress=on_progress, workers=workers,
                                    skip_unchanged=not force, append_limit=append_limit, meanwhile=meanwhile)
            terms = extracted.terms
            if getattr(extracted, "skipped", False):
                console.print(f"2/3 extract: nothing changed since the last extraction, skipped "
                              f"({time.perf_counter() - started:.1f} s)")
            elif getattr(extracted, "appended", None):
                console.print(f"2/3 extract: {appended_line(extracted)} ({time.perf_counter() - started:.1f} s)")
            else:
                console.print(f"2/3 extract: {getattr(terms, 'candidates', '?')} candidate terms, "
                              f"{getattr(terms, 'mentions', '?')} mentions, {getattr(terms, 'definitions', '?')} definitions"
                              + (f", Q&A {extracted.qa.get('pairs', '?')} pairs" if isinstance(extracted.qa, dict) else "")
                              + f" ({time.perf_counter() - started:.1f} s)")

        with err_console.status("wiki…", spinner="dots"):
            wiki = render_wiki(engine, out, templates=templates, preloaded=preloaded[0] if preloaded else None,
                               **since_last_render(engine, rules_dir))
        console.print("3/3 ", end="")
        print_report(console, wiki)
    if report.rejected:  # as kb ingest: the others are built, and the exit status says not all were
        raise click.ClickException(f"{len(report.rejected)} of {len(report.files)} files rejected "
                                   "(see above); the site is built from the others")


EARLY_MODEL_BYTES = 2_000_000  # a first build of this many bytes of logs or more loads pkuseg's model while it ingests


def _ingest(engine, files: list[Path], group: str | None, workers: int | None):
    """Ingest the files. On a first build of many logs (nothing segmented yet, at least
    EARLY_MODEL_BYTES of them, and more than one core) the ingest runs in a forked process while
    this one loads what the extraction reads first (kb.extract.load_early: pkuseg's model and
    jieba's word frequencies): one core each instead of one after the other (about 3 s of a
    first build of the corpus). The report, or the ingest's error, comes back from that process."""
    from kb.ingest import ingest

    try:
        from kb.extract import load_early
    except ImportError:  # kb.extract not installed (or a stand-in without it): nothing to load
        load_early = None
    if load_early is None or not _model_needed_next(engine, files, workers):
        return ingest(engine, files, group=group)
    from kb.nlp.parallel import Forked, stopped_on_error

    engine.dispose()  # the child opens connections of its own
    child = Forked(_ingest_child, engine, files, group, name="ingest")
    with stopped_on_error([child]):
        load_early()
    return child.result()


def _model_needed_next(engine, files: list[Path], workers: int | None) -> bool:
    import sqlalchemy as sa

    from kb.nlp import parallel
    from kb.store.models import Segment

    if not parallel.can_fork(workers):
        return False
    with engine.connect() as conn:
        if conn.execute(sa.select(Segment.text_hash).limit(1)).first() is not None:
            return False  # not a first build: what the extraction cuts, if anything, is not known yet
    size = 0
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            continue
    return size >= EARLY_MODEL_BYTES


def _ingest_child(_channel, engine, files: list[Path], group: str | None):
    """In the forked process (kb.nlp.parallel.Forked): the ingest's report."""
    from kb.ingest import ingest

    return ingest(engine, files, group=group)
