"""Issue 12, finding 3, in Chromium: an imported session's hostile id, stop reason and notes show as the text
they are.  No image is fetched from their host, no link to it appears, no icon or formula is drawn from them."""

import urllib.parse

import pytest
from playwright.sync_api import expect

from core.data.csvio import import_csv
from core.data.store import Store
from tests.helpers import PHONE, exception_count, shot, wait_for_app
from tests.pages.test_plain_text import HOSTILE, HOSTILE_ID, hostile_csv

pytestmark = pytest.mark.browser


def no_markup_from(page) -> None:
    assert page.locator('img[src*="evil.example"], a[href*="evil.example"]').count() == 0
    assert page.locator(".katex").count() == 0, "no formula drawn from user text"
    assert exception_count(page) == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"


def test_hostile_text_stays_plain_in_the_browser(server_factory, new_page, tmp_path, patient_expect):
    url = f"sqlite:///{tmp_path / 'hostile.sqlite3'}"
    store = Store.open(url)
    import_csv(store, hostile_csv())
    store.engine.dispose()
    server = server_factory(db_url=url)
    fetched = []
    page = new_page(viewport=PHONE)
    page.on("request", lambda r: fetched.append(r.url) if urllib.parse.urlparse(r.url).hostname == "evil.example" else None)

    page.goto(f"{server.url}/history?open={urllib.parse.quote(HOSTILE_ID, safe='')}")
    wait_for_app(page)
    expect(page.get_by_text(f"id {HOSTILE_ID}")).to_be_visible()
    expect(page.get_by_text(f"Stopped: {HOSTILE}")).to_be_visible()
    page.get_by_role("button", name="Delete this session").click()
    expect(page.get_by_text("cannot be undone")).to_be_visible()
    wait_for_app(page)
    no_markup_from(page)
    shot(page, "plain-text-history-phone")

    page.goto(f"{server.url}/session?session={urllib.parse.quote(HOSTILE_ID, safe='')}")
    wait_for_app(page)
    expect(page.get_by_text("The session ended early.")).to_be_visible()
    expect(page.get_by_text(HOSTILE, exact=True)).to_be_visible()
    no_markup_from(page)
    shot(page, "plain-text-summary-phone")
    assert not fetched, f"the page asked a foreign host for {fetched}"
