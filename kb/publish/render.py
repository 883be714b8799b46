"""Rendering the wiki: Jinja2 templates (the package's, overridable by a folder) over page contexts.

Every file is written inside the output folder: page paths are made of ids and
safe slugs only, and each is checked again before writing. A folder that is not
empty must carry the marker file of an earlier ``kb wiki`` run before anything in
it is replaced, so a mistyped ``--out ~`` cannot wipe anything.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
from sqlalchemy.engine import Engine

from kb.errors import KbError
from kb.publish import context as ctx
from kb.publish import data as data_module
from kb.publish.sitefiles import Changes, managed_files, remove_stale, write_if_changed

MARKER = ".kb-wiki"
MANAGED = ("terms", "day", "categories", "reading", "assets", "index.html", "az.html", "qa.html", "days.html",
           "qa-*.html")
ASSETS = ("style.css", "search.js")


@dataclass
class WikiReport:
    out: Path
    pages: int = 0
    terms: int = 0
    days: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    written: int = 0     # files written: new, or their content changed
    unchanged: int = 0   # files an earlier render wrote with the same bytes: left alone
    removed: int = 0     # files of an earlier render that this one no longer makes

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def environment(templates: str | Path | None = None) -> jinja2.Environment:
    """Jinja2 with autoescape on; a --templates folder's files win over the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise KbError(f"{folder}: templates folder not found")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(resources.files("kb.publish") / "templates")))
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, auto_reload=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_wiki(engine: Engine, out: str | Path, templates: str | Path | None = None,
                title: str = "Payment knowledge base",
                on_page: Callable[[int], None] | None = None) -> WikiReport:
    """Render the whole wiki of the database into the folder ``out``; returns what was written."""
    started = time.perf_counter()
    env = environment(templates)
    out = prepare(Path(out))
    changes = Changes(before=managed_files(out, MANAGED))
    report = WikiReport(out)
    data = data_module.load(engine)
    report.seconds["load"] = time.perf_counter() - started
    report.terms, report.days = len(data.terms), len(data.sources)
    makers = ctx.page_makers(data, title=title)
    workers = _workers(len(makers)) if data.spans is not None else 1  # else pages depend on earlier ones
    if workers > 1:
        for written, unchanged, count in _render_in_processes(env, out, makers, workers):
            changes.written |= written
            changes.unchanged |= unchanged
            report.pages += count
            if on_page is not None:
                on_page(report.pages)
    else:
        report.pages = _render_pages(env, out, makers, range(len(makers)), changes, on_page)
    report.seconds["pages"] = time.perf_counter() - started - report.seconds["load"]
    write_assets(out, data, changes)
    remove_stale(out, changes)
    report.written, report.unchanged, report.removed = len(changes.written), len(changes.unchanged), len(changes.removed)
    report.seconds["total"] = time.perf_counter() - started
    return report


def _render_pages(env: jinja2.Environment, out: Path, makers: list, indexes: range | list[int], changes: Changes,
                  on_page: Callable[[int], None] | None = None) -> int:
    """Build, render and write the pages of these indexes; the number written."""
    cache: dict[str, jinja2.Template] = {}
    made: set[str] = set()  # folders write() has created and checked
    count = 0
    for index in indexes:
        page = makers[index]()
        template = cache.get(page.template) or _template(env, page.template)
        cache[page.template] = template
        try:
            html = template.render(page.context)
        except jinja2.TemplateError as exc:
            raise KbError(f"template {page.template}: {exc.__class__.__name__}: {exc}") from None
        write(out, page.path, html, made, changes)
        count += 1
        if on_page is not None:
            on_page(count)
    return count


def _workers(pages: int) -> int:
    """Processes to render with: every core ($KB_WORKERS overrides), one for a small wiki or without fork."""
    if pages < 2000 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = os.environ.get("KB_WORKERS")
    return max(1, int(wanted) if wanted and wanted.isdigit() else (os.cpu_count() or 1))


_SHARED: tuple | None = None  # what forked render workers inherit: (env, out, makers, workers)


def _render_share(share: int) -> tuple[set[str], set[str], int]:
    env, out, makers, workers = _SHARED
    changes = Changes()
    count = _render_pages(env, out, makers, range(share, len(makers), workers), changes)
    return changes.written, changes.unchanged, count


def _render_in_processes(env: jinja2.Environment, out: Path, makers: list, workers: int):
    """Render every page in forked processes, each taking every n-th page (they inherit the loaded data)."""
    global _SHARED
    _SHARED = (env, out, makers, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap_unordered(_render_share, range(workers))
    finally:
        _SHARED = None


def _template(env: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise KbError(f"template {exc.name} not found (in --templates nor in the package)") from None
    except jinja2.TemplateSyntaxError as exc:
        raise KbError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None


def prepare(out: Path) -> Path:
    """The output folder, created (an earlier wiki's pages are replaced only if it holds the marker).

    Pages of an earlier render are not deleted here: render_wiki rewrites those that changed
    and removes those it no longer makes (kb.publish.sitefiles).
    """
    out = out.expanduser()
    if out.exists() and not out.is_dir():
        raise KbError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise KbError(f"{out}: folder is not empty and was not written by kb wiki; choose an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by kb wiki; its pages are replaced on the next run\n", encoding="utf-8")
    return out.resolve()


def write(out: Path, relative: str, text: str, made: set[str] | None = None, changes: Changes | None = None) -> Path:
    """Write a file at out/relative (out resolved), refusing any path that would land outside out.

    Unchanged content is not written again (recorded in ``changes`` when given).
    """
    path = os.path.normpath(os.path.join(out, relative))
    folder = os.path.dirname(path)
    if os.path.isabs(relative) or not folder.startswith(str(out)) or \
            (folder != str(out) and not folder.startswith(str(out) + os.sep)):
        raise KbError(f"refusing to write {relative!r}: outside {out}")
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if os.path.realpath(folder) != folder:  # a symlinked folder could lead outside
            raise KbError(f"refusing to write {relative!r}: {folder} is a link")
        if made is not None:
            made.add(folder)
    wrote = write_if_changed(path, text)
    if changes is not None:
        changes.record(path, wrote)
    return Path(path)



def write_assets(out: Path, data: data_module.Data, changes: Changes | None = None) -> None:
    """style.css and search.js from the package, and index.js: the search index as a script (works from file://)."""
    assets = resources.files("kb.publish") / "templates" / "assets"
    for name in ASSETS:
        write(out, f"assets/{name}", (assets / name).read_text(encoding="utf-8"), changes=changes)
    entries = json.dumps(ctx.search_index(data), ensure_ascii=True, separators=(",", ":"))
    entries = entries.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    write(out, "assets/index.js", f"window.KB_INDEX = {entries};\n", changes=changes)
