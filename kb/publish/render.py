"""Rendering the wiki: Jinja2 templates (the package's, overridable by a folder) over page contexts.

Every file is written inside the output folder: page paths are made of ids and
safe slugs only, and each is checked again before writing. A folder that is not
empty must carry the marker file of an earlier ``kb wiki`` run before anything in
it is replaced, so a mistyped ``--out ~`` cannot wipe anything.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.engine import Engine

from kb import heap
from kb.errors import KbError
from kb.publish import context as ctx
from kb.publish import data as data_module
from kb.publish.sitefiles import Changes, managed_files, remove_stale, write_if_changed
from kb.store.models import Definition, Message, Source

MARKER = ".kb-wiki"
MANAGED = ("terms", "day", "categories", "reading", "assets", "index.html", "az.html", "qa.html", "days.html",
           "qa-*.html")
ASSETS = ("style.css", "search.js")
OTHER_COST = 150


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
    skipped: int = 0     # pages not made again: nothing they show changed (render_wiki's ``appended``)

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
                on_page: Callable[[int], None] | None = None, version: str | None = None,
                appended: Callable[[str], list[str] | None] | None = None,
                preloaded: data_module.Preloaded | None = None) -> WikiReport:
    """Render the whole wiki of the database into the folder ``out``; returns what was written.

    ``version`` names the database's content (the extraction's fingerprint, kb.extract); it is
    kept in the folder's marker file. When the folder was rendered before, by this code with the
    same templates and title, and ``appended(that version)`` names the files appended to the
    database since (nothing else changed), only the pages those files can change are made: their
    day pages, the pages of the terms their messages mention, define or are asked about (and of
    the terms a changed definition links), and the indexes; every other page is left as it is,
    as a full render would leave it (tests/publish/test_render_appended.py compares the two).
    ``preloaded``: what kb.publish.data.preload read of the database since its last change but for
    the Q&A pairs (kb build reads it while they are linked); used when every page is made.
    """
    started = time.perf_counter()
    env = environment(templates)
    out = Path(out).expanduser()
    key = render_key(templates, title)
    previous = read_state(out)
    files = None
    if appended is not None and version and previous.get("render") == key and previous.get("version"):
        files = appended(previous["version"])
    out = prepare(out)
    changes = Changes(before=managed_files(out, MANAGED))
    report = WikiReport(out)
    touched: dict[str, set] | None = None
    blocks: dict[int, str] = {}

    def focus(partial: data_module.Data) -> tuple[set[int], set[int], set[int] | None]:
        nonlocal touched
        site = ctx.Site(partial)
        touched = _touched(engine, partial, site, files)
        if touched is None:  # every page is made
            return {s.id for s in partial.sources}, {t.id for t in partial.terms}, None

        def missing(path: str) -> bool:  # a page of the folder deleted since: made again
            return os.path.normpath(os.path.join(out, path)) not in changes.before
        touched["day"] |= {s.id for s in partial.sources if missing(site.day_urls[s.id])}
        touched["term"] |= {t.id for t in partial.terms if missing(ctx.term_url(t.id))}
        # the Q&A index shows the pairs asked before the appended files as the last render did (when
        # its pages are made by the package's templates, whose list of pairs previous_qa_blocks reads)
        new = touched["messages"]
        if not _overridden(templates, ("qa.html", "macros.html")):
            blocks.update((i, html) for i, html in previous_qa_blocks(out).items()
                          if i in partial.qa and partial.qa[i].question_id not in new)
        shown = {i for tid in touched["term"] if tid in partial.by_id for i in partial.by_id[tid].qa[:ctx.QA_SHOWN]}
        shown |= {t.qa[0] for t in partial.terms if t.qa}  # a reading list shows a term's best pair
        return touched["day"], touched["term"], shown | (partial.qa.keys() - blocks.keys())

    data = data_module.load(engine, focus=focus if files is not None else None,
                            preloaded=preloaded if files is None else None)
    report.seconds["load"] = time.perf_counter() - started
    report.terms, report.days = len(data.terms), len(data.sources)
    plan = ctx.page_plan(data, title=title, qa_blocks=blocks)  # empty unless focused
    makers = [planned.make for planned in plan]
    indexes: range | list[int] = range(len(plan))
    if touched is not None and files is not None:
        indexes = []
        for index, planned in enumerate(plan):
            if planned.id in touched[planned.kind]:
                indexes.append(index)
            else:  # nothing it shows changed: left as the last render wrote it
                changes.unchanged.add(os.path.normpath(os.path.join(out, planned.path)))
        report.skipped = len(plan) - len(indexes)
    # an index page (Q&A, reading list, …) costs about as much as 150 term or day pages
    cost = sum(1 if plan[i].kind != "other" else OTHER_COST for i in indexes)
    workers = _workers(cost) if data.spans is not None else 1  # else pages depend on earlier ones
    if workers > 1:
        for written, unchanged, count in _render_in_processes(env, out, makers, workers, indexes):
            changes.written |= written
            changes.unchanged |= unchanged
            report.pages += count
            if on_page is not None:
                on_page(report.pages)
    else:
        report.pages = _render_pages(env, out, makers, indexes, changes, on_page)
    report.pages += report.skipped
    report.seconds["pages"] = time.perf_counter() - started - report.seconds["load"]
    write_assets(out, data, changes)
    remove_stale(out, changes)
    write_state(out, {"version": version, "render": key})
    report.written, report.unchanged, report.removed = len(changes.written), len(changes.unchanged), len(changes.removed)
    report.seconds["total"] = time.perf_counter() - started
    return report


def _touched(engine: Engine, data: data_module.Data, site: ctx.Site, files: list[str]) -> dict[str, set] | None:
    """The day pages and term pages the appended ``files`` can change: {"day": source ids, "term":
    term ids, "other": {None}, "messages": the files' message ids} (every other page is always
    made); None when every page must be made (a new day took the address of an older one). ``data``
    needs no messages."""
    sources: set[int] = set()
    messages: set[int] = set()
    if files:
        with engine.connect() as conn:
            sources = set(conn.execute(sa.select(Source.id).where(Source.key.in_(files))).scalars())
            messages = set(conn.execute(sa.select(Message.id).where(Message.source_id.in_(sorted(sources)))).scalars())
    before = ctx.day_urls([s for s in data.sources if s.id not in sources])
    if any(site.day_urls[sid] != url for sid, url in before.items()):
        return None  # two groups' days share a name and the new one sorts first: pages link the old one's
    terms: set[int] = set()
    for mid in messages:
        terms.update(term_id for _start, _end, term_id in data.spans.get(mid, ()))  # examples, days, mentions
    for pair in data.qa.values():
        if pair.question_id in messages:
            terms.update(pair.term_ids)  # the pairs a term page shows
    for term in data.terms:
        shown = [d for d in term.candidate_definitions if d["message_id"] in messages]
        if not shown:
            continue
        terms.add(term.id)  # the candidate definitions it shows
        if term.definition or term.candidate_definitions[0]["message_id"] not in messages:
            continue  # its best definition, and so the terms it links as related, did not change
        # the terms its best definition mentioned before and mentions now show it among their related terms
        before = _best_before(engine, term.id, messages)
        terms.update(hit.term_id for hit in site.matcher.find(before or ""))
        terms.update(site.uses.get(term.id, ()))
    return {"day": sources, "term": terms, "other": {None}, "messages": messages}


QA_LIST = ('<div class="qa-list">', "</div><!-- /qa-list -->")  # what qa.html wraps its pairs in
QA_BLOCK = re.compile(r'<div class="qa" id="qa(\d+)">')
QA_PAGE = re.compile(r"qa(-[1-9][0-9]*)?\.html")


def previous_qa_blocks(out: Path) -> dict[int, Markup]:
    """The HTML of each Q&A pair on the Q&A index pages in ``out`` (qa.html, qa-2.html, …; pair
    id → markup), as the last render wrote them with the package's qa.html (which wraps them in
    a qa-list, each starting with its id, nothing between them); pages not found or not in that
    form give none."""
    blocks: dict[int, Markup] = {}
    for path in sorted(p for p in out.glob("qa*.html") if QA_PAGE.fullmatch(p.name)):
        try:
            text = _qa_list(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if text is None:
            continue
        starts = list(QA_BLOCK.finditer(text))
        if not starts or starts[0].start() != 0:
            continue
        for here, after in zip(starts, starts[1:] + [None]):
            blocks[int(here.group(1))] = Markup(text[here.start():after.start() if after else len(text)])
    return blocks


def _qa_list(page: str) -> str | None:
    """What a Q&A index page holds between its qa-list's start and end (None without one): two
    finds, where a lazy regex took 0.18 s over the 19 pages (19 MB) of the corpus's wiki."""
    start, end = QA_LIST
    first = page.find(start)
    if first < 0:
        return None
    last = page.find(end, first + len(start))
    return page[first + len(start):last] if last >= 0 else None


def _overridden(templates: str | Path | None, names: tuple[str, ...]) -> bool:
    """Whether a --templates folder has its own version of one of these templates."""
    return templates is not None and any((Path(templates) / name).is_file() for name in names)


def _best_before(engine: Engine, term_id: int, messages: set[int]) -> str | None:
    """The best candidate definition of a term among those not in ``messages`` (data.load's order)."""
    query = (sa.select(Definition.text, Definition.message_id).where(Definition.term_id == term_id)
             .order_by(Definition.score.desc(), Definition.id))
    with engine.connect() as conn:
        for text, message_id in conn.execute(query):
            if message_id not in messages:
                return text
    return None


MARKER_TEXT = "written by kb wiki; its pages are replaced on the next run\n"


def read_state(out: Path) -> dict:
    """What the folder was last rendered from ({"version", "render"}): the marker's second line,
    written when a render is done (prepare() writes the first line alone)."""
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
        value = json.loads(lines[1]) if len(lines) > 1 else {}
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_state(out: Path, state: dict) -> None:
    (out / MARKER).write_text(MARKER_TEXT + json.dumps(state, sort_keys=True) + "\n", encoding="utf-8")


def render_key(templates: str | Path | None, title: str) -> str:
    """SHA-1 of what pages are made with besides the database: this package's code and templates,
    the code it uses from the rest of kb, a --templates folder's files, the title, and the versions
    of the libraries that write the HTML."""
    from importlib.metadata import version

    digest = hashlib.sha1(title.encode("utf-8"))
    for library in ("jinja2", "markupsafe", "pypinyin"):
        digest.update(f"{library} {version(library)}".encode())
    package = Path(__file__).resolve().parent
    kb_root = package.parent
    files = [kb_root / "privacy.py", kb_root / "store" / "normalize.py"]
    for folder in [package] + ([Path(templates)] if templates is not None else []):
        files += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".pyc")
    for path in files:
        digest.update(str(path).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


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
    env, out, makers, workers, indexes = _SHARED
    changes = Changes()
    count = _render_pages(env, out, makers, indexes[share::workers], changes)
    return changes.written, changes.unchanged, count


def _render_in_processes(env: jinja2.Environment, out: Path, makers: list, workers: int,
                         indexes: range | list[int] | None = None):
    """Render the pages (of ``indexes``, default all) in forked processes, each taking every n-th
    (they inherit the loaded data)."""
    global _SHARED
    _SHARED = (env, out, makers, workers, indexes if indexes is not None else range(len(makers)))
    try:  # (frozen: a worker's collections walk only what it makes, not the data it shares, kb.heap)
        with heap.frozen(), multiprocessing.get_context("fork").Pool(workers) as pool:
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
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # the state line follows when the render is done
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
