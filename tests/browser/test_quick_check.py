"""A quick check in a real browser on a phone (390 x 844): fewer than 10 taps from the start screen to the saved
test, every screen without sideways scrolling, and Results' "Is it working?" on the phone."""

import pytest
from playwright.sync_api import expect

from core.data.store import Store
from core.session.vocabulary import SessionKind, SessionStatus, Side
from tests.helpers import PHONE, settled, shot, sid_of
from tests.pages.test_quick_check import full_session
from ui.warm import HIDDEN

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]


def no_sideways(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"


def test_a_quick_check_on_a_phone_in_under_ten_taps(server_factory, new_page, db_url, tmp_path):
    store = Store.open(db_url)
    full_session(store)  # right knee, 12 step-downs: what the quick check repeats
    server = server_factory(db_url=db_url)
    page = new_page(viewport=PHONE)
    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        locator.click()
        taps += 1

    page.goto(f"{server.url}/session")
    settled(page)
    no_sideways(page)
    shot(page, "quick-check-phone-00-start")
    offer = page.get_by_role("button", name="Quick check")
    box = offer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], "the offer is on the first screen"
    tap(offer)

    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    settled(page)
    expect(page.get_by_text("12 step-downs")).to_be_visible()
    preload = page.locator(f".st-key-{HIDDEN}")  # reached from a link too: the test's widgets load here, unseen
    expect(preload.locator('[data-testid="stButtonGroup"]')).to_have_count(1)
    expect(preload).to_be_hidden()
    no_sideways(page)
    shot(page, "quick-check-phone-01-safety")
    tap(page.get_by_role("button", name="None of these: start the check"))

    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    settled(page)
    sid = sid_of(page)
    no_sideways(page)
    for _ in range(3):
        tap(page.locator(".kc-tap"))
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("3")
    tap(page.locator(f".st-key-{sid}-pain-b").get_by_role("radio", name="0", exact=True))
    shot(page, "quick-check-phone-02-test")
    tap(page.get_by_role("button", name="Save this test"))

    expect(page.get_by_text("Quick check saved: 3 clicks in 12 reps.")).to_be_visible()
    settled(page)
    no_sideways(page)
    shot(page, "quick-check-phone-03-saved")
    assert taps < 10, f"{taps} taps"
    assert taps == 7  # Quick check, None of these, 3 clicks, pain, Save

    stored = store.get_session(sid)
    assert stored.kind is SessionKind.QUICK_CHECK and stored.status is SessionStatus.FINISHED
    assert (stored.side, stored.baseline.reps, stored.baseline.clicks, stored.baseline.pain) == (Side.RIGHT, 12, 3, 0)

    page.get_by_role("link", name="See whether it is working, on Results").click()
    expect(page.get_by_role("heading", name="Is it working?")).to_be_visible()
    settled(page)
    chart = page.locator("[data-testid='stVegaLiteChart']").last
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the chart fits the phone"
    no_sideways(page)
    shot(page, "quick-check-phone-04-results")
    store.engine.dispose()
