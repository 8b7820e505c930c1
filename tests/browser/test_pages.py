"""In a real browser: every page opens by deep link on a fresh server, with the app's own navigation."""

import pytest
from playwright.sync_api import expect

from tests.helpers import DESKTOP, PHONE, shot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = {
    "session": "Find what makes your knee click",
    "results": "Results",
    "history": "History",
    "about": "About kneeclick",
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_opens_by_deep_link_on_a_fresh_server(server_factory, new_page, viewport):
    for path, heading in [("", PAGES["session"]), *PAGES.items()]:
        server = server_factory()  # fresh server: the first visitor arrives by deep link
        page = new_page(viewport=viewport)
        page.goto(f"{server.url}/{path}")
        wait_for_app(page)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        # the app's own menu (every page linked), not Streamlit's legacy pages/ sidebar
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(len(PAGES))
        expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        expect(page.get_by_text("not medical advice")).to_have_count(1)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page).to_have_url(f"{server.url}/{path or 'session'}")  # the root URL opens /session
        shot(page, f"deeplink-{path or 'root'}-{viewport['width']}")
        page.context.close()
        server.stop()
