"""Shared fixtures: a temporary store, AppTest for pages, and a real browser.

Browser tests start `streamlit run` on a free localhost port with their own
temporary database, wait for /_stcore/health, and drive Debian's Chromium
(/usr/bin/chromium, or $KNEECLICK_CHROMIUM) headless through Playwright.  Every
page a browser test opened is saved as a screenshot under
test-artifacts/screenshots/ when the test ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM_ARGS, DESKTOP, ROOT, SCREENSHOTS, Server, chromium_path, slug, start_server


# ---------------------------------------------------------------- the store
@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite store for this test, also exported as KNEECLICK_DB_URL."""
    url = f"sqlite:///{tmp_path / 'kneeclick.sqlite3'}"
    monkeypatch.setenv("KNEECLICK_DB_URL", url)
    return url


@pytest.fixture
def store(db_url: str):
    from core.data.store import Store

    s = Store.open(db_url)
    yield s
    s.engine.dispose()


# ------------------------------------------------------------------ AppTest
@pytest.fixture
def app_test(db_url: str):
    """A factory: ``app_test(page="results", query={"example": "true"})`` runs app.py on this test's store
    (``secrets`` and ``user``: Streamlit's secrets and the signed-in user, for hosted mode)."""
    from streamlit.testing.v1 import AppTest

    def make(
        page: str | None = None, query: dict | None = None, *, secrets: dict | None = None, user: dict | None = None
    ) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if secrets is not None:
            at.secrets = secrets
        if user is not None:
            at.user = dict(user)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        if page:
            at.switch_page(f"pages/{page}.py")
            at.run()
        return at

    return make


# ------------------------------------------------------------------ browser
@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator:
    """``server_factory(db_url=None, env=None)`` starts a fresh server; all are stopped after the test."""
    started: list[Server] = []

    def start(db_url: str | None = None, env: dict | None = None) -> Server:
        url = db_url or f"sqlite:///{tmp_path / 'browser.sqlite3'}"
        server = start_server(url, tmp_path / f"server-{len(started)}.log", env=env)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def server(server_factory) -> Server:
    """One freshly started server with an empty store."""
    return server_factory()


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if exe is None or not Path(exe).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run must install Debian's chromium")
        pytest.skip("Chromium not found (apt-get install chromium, or set KNEECLICK_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def patient_expect():
    """Each step is a server round trip; on a loaded 2-core machine one can take longer than expect's 5 s."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def new_page(browser, request) -> Iterator:
    """``new_page(viewport=PHONE, **context_kwargs)``: a page in a fresh browser context."""
    contexts = []

    def make(viewport: dict = DESKTOP, **context_kwargs):
        ctx = browser.new_context(viewport=viewport, **context_kwargs)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, ctx in enumerate(contexts):
        for j, page in enumerate(ctx.pages):
            try:
                page.screenshot(path=SCREENSHOTS / f"{slug(request.node.name)}-end-{i}-{j}.png", full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test's own result
                pass
        ctx.close()


# --------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server the tests start themselves (tests/pg.py); stopped at the end of the run.

    Where it cannot run, the tests that need it fail in CI (CI=true) and skip elsewhere, saying why.
    """
    from tests.pg import PgUnavailable, start

    try:
        server = start()
    except PgUnavailable as e:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {e}")
        pytest.skip(f"PostgreSQL not available: {e}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """An empty database of its own on the test PostgreSQL server."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_db_url(request, tmp_path: Path):
    """A factory of empty store URLs: the test runs once on SQLite files, once on PostgreSQL databases."""
    count = iter(range(1_000_000))
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path / f'store-{next(count)}.sqlite3'}"
    server = request.getfixturevalue("pg_server")
    return server.new_database


@pytest.fixture
def any_db_url(new_db_url) -> str:
    """An empty store URL, once on SQLite and once on PostgreSQL."""
    return new_db_url()


@pytest.fixture
def open_store():
    """``open_store(url)``: Store.open, with every engine disposed when the test ends (PostgreSQL has few slots)."""
    from core.data.store import Store

    opened = []

    def make(url: str, **kw):
        s = Store.open(url, **kw)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.engine.dispose()
