"""Playwright driving Debian's /usr/bin/chromium, headless, phone-sized, with every off-machine request blocked."""

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.factories import restore_migrated_rows

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # Live-server tests run in transactions that flush the database: serialized rollback puts back what
            # migrations created (role groups and their permissions, the home page, schedules) before each test.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)


def pytest_collection_finish(session):
    """On SQLite, browser tests get a test database in a file instead of in memory. Django's live server hands its
    in-memory connection to every request thread, so two overlapping requests (a page opening while the last page's
    heartbeat is in flight) interleave their transactions on one connection and one fails with a 500. With a file,
    each request has its own connection and waits for the write lock (timeout, IMMEDIATE transactions), as under
    `make run`. Decided here, after deselection, so a run without browser tests keeps the faster in-memory database."""
    if not any("tests/browser/" in item.nodeid for item in session.items):
        return
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        folder = tempfile.mkdtemp(prefix="anjian-browser-")
        session.config.stash[_DB_FOLDER] = folder
        db.setdefault("TEST", {})["NAME"] = str(Path(folder) / "test.sqlite3")


def pytest_sessionfinish(session):
    folder = session.config.stash.get(_DB_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


_DB_FOLDER = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _migrated_rows(transactional_db):
    """Belt and braces beside serialized rollback: the live server's thread may get a connection without the
    serialized copy, so put back the reference rows if a flush removed them."""
    restore_migrated_rows()


@pytest.fixture(scope="session")
def chromium_browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is not installed, and REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium_browser, live_server):
    """A 360×740 page in a fresh context; `phone.external_requests` lists anything that tried to leave the machine."""
    context = chromium_browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    allowed = urlparse(live_server.url).netloc
    external: list[str] = []

    def guard(route):
        netloc = urlparse(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or netloc == allowed:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.external_requests = external
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def login(live_server):
    def _login(page, username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return _login
