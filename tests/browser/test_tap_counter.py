"""The tap counter from one test to the next, in a real browser: each test counts from 0, whatever the test before
counted, even when Save is pressed right after fast taps; taps kept across a reload come back to their own test.

Each test has its own counter (its key, its count in the page, its taps kept in the browser): a count must
never show up in the next test, and a reload must bring back this test's taps and no other's.
"""

import re

import pytest
from playwright.sync_api import expect

from core.data.store import Store
from core.session.vocabulary import CountMethod, MuscleGroup
from tests.helpers import PHONE, planned_session, settled, tap

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

SHORT_TIMERS = {"KNEECLICK_TIMER_SECONDS": "2"}


def stored(db_url: str, sid: str) -> list[tuple]:
    """Every recorded test of ``sid`` in order, as a new process reads it: (clicks, pain, method)."""
    store = Store.open(db_url)
    try:
        return [(m.clicks, m.pain, m.method) for _, m in sorted(store.get_session(sid).measurements.items())]
    finally:
        store.engine.dispose()


def pain(page, sid: str, tag: str, value: int) -> None:
    page.locator(f".st-key-{sid}-pain-{tag}").get_by_role("radio", name=str(value), exact=True).click()
    settled(page)


def fast_taps_then_save(page, sid: str, tag: str, n: int, kept: int = 0) -> None:
    """``n`` taps as fast as the browser takes them, and Save as soon as the count box shows them (``kept``: taps
    already counted)."""
    tap(page, n)
    expect(page.locator(f".st-key-{sid}-test-{tag}-clicks input")).to_have_value(str(kept + n))
    page.get_by_role("button", name="Save this test").click()


def test_each_test_counts_from_zero_after_fast_taps_saved_at_once_and_a_reload_brings_back_its_own(
    db_url, server_factory, new_page
):
    setup = Store.open(db_url)
    sid = planned_session(setup, order=(MuscleGroup.CALVES, MuscleGroup.REST_CONTROL))
    setup.engine.dispose()
    server = server_factory(db_url=db_url, env=SHORT_TIMERS)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    expect(page.get_by_text("Step 3 of 8")).to_be_visible()

    # the baseline: 6 fast taps and Save at once, while their reports are still on their way
    pain(page, sid, "b", 1)
    tap(page, 6)
    page.get_by_role("button", name="Save this test").click()
    # A Save that overtakes the last taps' runs carries the box's older count: that is never stored. Either the
    # taps are saved at once, or nothing is, the box shows the taps again with a message, and Save stores them.
    refused = page.get_by_text("Not saved yet: your taps counted")
    expect(page.get_by_text("Step 4 of 8").or_(refused)).to_be_visible()
    settled(page)
    if refused.is_visible():
        assert stored(db_url, sid) == []
        expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value(re.compile("[1-6]"))
        page.get_by_role("button", name="Save this test").click()
        expect(page.get_by_text("Step 4 of 8")).to_be_visible()
        settled(page)
    # Never the box's older count stored as if typed ("manual"); the taps as the Save carried them (all 6 unless
    # the last tap's report was still on its way: that tap is the next report's, not this test's loss to hide).
    ((clicks, said, method),) = stored(db_url, sid)
    assert method == CountMethod.TAP and 1 <= clicks <= 6 and said == 1

    # the stretch, its timer, and the retest
    page.get_by_role("button", name="Start the 0:02 timer").click()
    expect(page.locator(".kc-timer")).to_be_visible()
    expect(page.get_by_text("Step 5 of 8")).to_be_visible(timeout=20_000)
    settled(page)

    # the retest's counter counts from 0, and so does its box: nothing of the baseline's taps
    shown = page.locator(".kc-counter")
    expect(shown).to_have_count(1)
    expect(shown).to_be_visible()
    expect(shown.locator(".kc-count")).to_have_text("0")
    expect(page.locator(f".st-key-{sid}-test-r1-clicks input")).to_have_value("0")

    # taps kept across a reload come back to this test, and only to it
    tap(page, 2)
    expect(page.locator(f".st-key-{sid}-test-r1-clicks input")).to_have_value("2")
    page.reload()
    settled(page)
    expect(page.locator(".kc-counter .kc-count")).to_have_text("2")
    expect(page.locator(f".st-key-{sid}-test-r1-clicks input")).to_have_value("2")

    # fast taps right before Save, on top of the two kept: saved as 5, and the next retest starts from 0
    pain(page, sid, "r1", 2)
    fast_taps_then_save(page, sid, "r1", 3, kept=2)
    expect(page.get_by_text("Step 6 of 8")).to_be_visible()
    settled(page)
    assert stored(db_url, sid)[1:] == [(5, 2, CountMethod.TAP)]
    page.get_by_role("button", name="Start the 0:02 timer").click()
    expect(page.get_by_text("Step 7 of 8")).to_be_visible(timeout=20_000)
    settled(page)
    expect(page.locator(".kc-counter .kc-count")).to_have_text("0")
    expect(page.locator(f".st-key-{sid}-test-r2-clicks input")).to_have_value("0")
    pain(page, sid, "r2", 0)
    fast_taps_then_save(page, sid, "r2", 1)
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    settled(page)
    assert stored(db_url, sid)[1:] == [(5, 2, CountMethod.TAP), (1, 0, CountMethod.TAP)]
