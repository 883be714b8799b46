"""The wiki in real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser), from file://.

Screenshots go to tests/output/<test name>/. Skipped without /usr/bin/chromium unless KB_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from publish_data import add_day, fill
from sqlalchemy.orm import Session

from kb.publish.render import render_wiki
from kb.store import open_db

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[1] / "output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("KB_REQUIRE_BROWSER") == "1":
            pytest.fail("KB_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium not installed")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    kb = fill(f"sqlite:///{folder / 'kb.sqlite'}")
    engine = open_db(kb.url)
    with Session(engine) as session:
        add_day(session, "hostile", dt.date(2024, 3, 9), [
            ("09:00:00", '"><img src=x onerror="window.pwned=1;alert(1)">', "<script>window.pwned=2;alert(2)</script>"),
            ("09:00:01", "<b onmouseover=alert(3)>x</b>", "<img src=x onerror=alert(4)> javascript:alert(5)"),
        ], links={1: [{"title": "<svg onload=alert(6)>", "url": "javascript:alert(7)"}]})
        session.commit()
    render_wiki(engine, folder / "site")
    engine.dispose()
    return kb, folder / "site"


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.shots = OUTPUT / request.node.name
    yield page
    context.close()


def screenshot(page, name: str, **options) -> None:
    page.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(page.shots / name), **options)


def test_home_page_loads_without_console_errors(site, page):
    _, root = site
    page.goto((root / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert page.title() == "Payment knowledge base"
    assert page.locator("h1").inner_text() == "Payment knowledge base"
    assert page.evaluate("window.KB_INDEX.length") == 5
    screenshot(page, "home.png", full_page=True)
    assert page.problems == []


def test_term_page_shows_its_definition(site, page):
    kb, root = site
    page.goto((root / "terms" / f"{kb.terms['资金池']}.html").as_uri())
    assert page.locator("h1").inner_text() == "资金池"
    assert page.locator(".definition .curated").inner_text() == "把用户资金混在平台账户里沉淀，和备付金的集中存管相反。"
    assert "zi jin chi" in page.locator(".pinyin").inner_text()
    screenshot(page, "term.png", full_page=True)
    assert page.problems == []


def test_search_zjc_finds_the_term(site, page):
    kb, root = site
    page.goto((root / "index.html").as_uri())
    page.locator("#search").press_sequentially("zjc")
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert first.inner_text() == "资金池"
    screenshot(page, "search.png")
    page.locator("#search").press("Enter")
    page.wait_for_url(f"**/terms/{kb.terms['资金池']}.html")
    assert page.locator("h1").inner_text() == "资金池"
    assert page.problems == []


@pytest.mark.parametrize("query, expected", [("资金", "资金池"), ("beifujin", "备付金"), ("cash", "资金池"),
                                             ("客户备付金", "备付金")])
def test_search_by_hanzi_pinyin_english_alias(site, page, query, expected):
    _, root = site
    page.goto((root / "az.html").as_uri())
    page.locator("#search").fill(query)
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert first.inner_text() == expected


def test_hostile_chat_runs_nothing(site, page):
    _, root = site
    page.goto((root / "day" / "hostile" / "2024-03-09.html").as_uri())
    page.wait_for_load_state("load")
    page.mouse.move(200, 200)
    for link in page.locator("main a").all():
        link.hover()
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned=2;alert(2)</script>" in page.locator("ol.chat").inner_text()
    screenshot(page, "hostile.png", full_page=True)
    assert page.problems == []
