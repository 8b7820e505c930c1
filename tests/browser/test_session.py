"""The guided session in a real browser: end to end on a phone, rapid taps, a reload mid-session.

Servers start fresh with ``KNEECLICK_TIMER_SECONDS`` so the stretch timers last seconds, not minutes.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from core.session import flow
from core.session.vocabulary import MuscleGroup, SessionStatus, Side, TrialStatus
from core.data.store import Store
from tests.helpers import DESKTOP, PHONE, answer_safety, change_settings, planned_session, save_test, settled, shot, sid_of, tap

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

TIMER = "2"


#: Counts every AudioContext the page makes: the countdown's end beep makes one.
COUNT_BEEPS = """
window.__beeps = 0;
const Real = window.AudioContext;
if (Real) {
  window.AudioContext = class extends Real { constructor(...a) { super(...a); window.__beeps += 1; } };
}
"""


#: Kept tap counts the browser holds besides this test's: three days old, in the format without a time, today's.
SEED_STORAGE = """() => {
  const day = 24 * 3600 * 1000;
  localStorage.setItem("kneeclick-old-test-b-tap", JSON.stringify({ count: 5, at: Date.now() - 3 * day }));
  localStorage.setItem("kneeclick-older-test-r1-tap", "4");
  localStorage.setItem("kneeclick-other-test-b-tap", JSON.stringify({ count: 2, at: Date.now() - 0.25 * day }));
  localStorage.setItem("not-kneeclick", "x");
}"""
#: The tap counts kept in localStorage, by key.
KEPT_TAPS = """() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith("kneeclick-") && k.endsWith("-tap"))
  .map((k) => { const v = JSON.parse(localStorage.getItem(k)); return [k, Number.isInteger(v) ? v : v.count]; }))"""


def in_view(page, locator, height):
    box = locator.bounding_box()
    assert box is not None
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, f"{locator} is at {box}, below the fold"


def test_a_two_condition_session_end_to_end_on_a_phone(server_factory, new_page, browser):
    server = server_factory(env={"KNEECLICK_TIMER_SECONDS": TIMER})
    page = new_page(viewport=PHONE)
    page.add_init_script(COUNT_BEEPS)
    page.goto(f"{server.url}/session")
    settled(page)
    expect(page.get_by_text("Step 1 of 14")).to_be_visible()
    answer_safety(page, "Right", "Often")
    shot(page, "session-phone-01-safety")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Set up today's test")).to_be_visible()
    sid = sid_of(page)
    settled(page)
    expect(page.get_by_text("Today: your right knee")).to_be_visible()
    shot(page, "session-phone-02-setup-summary")
    change_settings(page, sid)
    for group in ("Quadriceps", "Hamstrings", "Calves"):
        page.get_by_role("button", name=f"Remove {group}").click()
        page.get_by_text("Set up today's test").click()  # leave the field: a second tap inside it is ignored
        expect(page.get_by_role("button", name=f"Remove {group}")).to_have_count(0)
    expect(page.locator(f".st-key-{sid}-setup-conditions [data-tag]")).to_have_count(2)
    page.locator(f".st-key-{sid}-setup-random").get_by_text("Random order").click()
    shot(page, "session-phone-02-setup")
    page.get_by_role("button", name="Plan the session").click()

    # baseline: the counter and the Save button are on screen without scrolling
    expect(page.get_by_text("Step 3 of 8")).to_be_visible()
    settled(page)
    in_view(page, page.locator(".kc-tap"), PHONE["height"])
    in_view(page, page.get_by_role("button", name="Save this test"), PHONE["height"])
    tap(page, 6, 0.05)
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("6")
    page.locator(".kc-undo").click()
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("5")
    page.locator(".kc-tap").click()
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("6")
    shot(page, "session-phone-03-baseline")
    save_test(page, sid, "b", 0)

    counts = {1: 3, 2: 5}
    for position, label in ((1, "Stretch: hip abductors"), (2, "Rest (the control)")):
        expect(page.get_by_text(f"Step {2 + 2 * position} of 8")).to_be_visible()
        expect(page.get_by_text(label).first).to_be_visible()
        settled(page)
        shot(page, f"session-phone-04-stretch-{position}")
        in_view(page, page.get_by_role("button", name="Start the 0:02 timer"), PHONE["height"])
        page.get_by_role("button", name="Start the 0:02 timer").click()
        expect(page.locator(".kc-timer")).to_be_visible()
        shot(page, f"session-phone-05-timer-{position}")
        # the end cue: the panel turns (class kc-done, "Time is up") and a beep plays, then the retest opens
        expect(page.locator(".kc-timer.kc-done")).to_be_attached(timeout=10_000)
        expect(page.get_by_text(f"Step {3 + 2 * position} of 8")).to_be_visible(timeout=15_000)
        assert page.evaluate("window.__beeps") >= position
        settled(page)
        tap(page, counts[position], 0.05)
        expect(page.locator(f".st-key-{sid}-test-r{position}-clicks input")).to_have_value(str(counts[position]))
        save_test(page, sid, f"r{position}", 1)

    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    expect(page.get_by_text("Step 8 of 8")).to_be_visible()
    expect(page.get_by_role("link", name="See Results across sessions")).to_be_visible()
    expect(page.locator('[data-testid="stMarkdownContainer"] table td').first).to_be_visible()
    settled(page)
    def table_under_title() -> float:  # where the table is on the page (the page may scroll)
        title = page.get_by_role("heading", name="Session summary").bounding_box()
        return page.locator('[data-testid="stMarkdownContainer"] table').bounding_box()["y"] - title["y"]

    before = table_under_title()
    page.get_by_text("See the chart").click()  # drawn when asked for, below the table: nothing above it moves
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    settled(page)
    assert table_under_title() == before
    shot(page, "session-phone-06-summary")

    store = Store.open(server.db_url)
    session = store.get_session(sid)
    assert session.status is SessionStatus.FINISHED and session.side is Side.RIGHT
    assert [t.muscle_group for t in session.trials] == [MuscleGroup.HIP_ABDUCTORS, MuscleGroup.REST_CONTROL]
    assert [(m.clicks, m.pain) for m in session.measurements.values()] == [(6, 0), (3, 1), (5, 1)]
    assert session.stretch_seconds == flow.DEFAULT_STRETCH_SECONDS, "the test setting shortens the timer, not the recorded stretch length"
    store.engine.dispose()

    desk = browser.new_context(viewport=DESKTOP).new_page()
    desk.goto(f"{server.url}/session?session={sid}")
    settled(desk)
    desk.get_by_text("See the chart").click()
    expect(desk.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    expect(desk.locator('[data-testid="stMarkdownContainer"] table td').first).to_be_visible()
    time.sleep(0.5)  # let the table paint
    shot(desk, "session-desktop-summary")
    desk.context.close()


def test_25_rapid_taps_are_counted_as_25(server, new_page):
    store = Store.open(server.db_url)
    sid = planned_session(store)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    tap(page, 25, 0.05)  # 20 taps a second
    expect(page.locator(".kc-count")).to_have_text("25")
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("25")
    shot(page, "session-phone-25-taps")
    save_test(page, sid, "b", 0)
    expect(page.get_by_text("Stretch: calves").first).to_be_visible()
    assert store.get_session(sid).baseline.clicks == 25
    store.engine.dispose()


def test_a_reload_mid_session_resumes_with_every_value_kept(server_factory, new_page):
    server = server_factory()
    store = Store.open(server.db_url)
    sid = planned_session(store, order=(MuscleGroup.HAMSTRINGS, MuscleGroup.REST_CONTROL, MuscleGroup.CALVES))
    store.record_test(sid, 10, 7, pain=0)
    store.record_test(sid, 10, 4, pain=1, after_position=1)
    page = new_page(viewport=DESKTOP)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    expect(page.get_by_text("Step 6 of 10")).to_be_visible()
    page.get_by_role("button", name="Start the 1:30 timer").click()
    expect(page.locator(".kc-timer")).to_be_visible()
    time.sleep(2)

    page.reload()
    settled(page)
    expect(page.get_by_text("Step 6 of 10")).to_be_visible()
    # the countdown continues from the stored start (1:30 minus the time gone), it does not restart
    expect(page.locator(".kc-time")).to_have_text(re.compile(r"^1:[0-2]\d$"))
    shot(page, "session-desktop-reload-timer")

    # a retest half-counted, then a reload: the unsaved taps come back, the saved tests are intact
    store.update_flow(sid, {"timer": {"position": 2, "started_at": "2000-01-01T00:00:00+00:00", "seconds": 90}})
    page.reload()
    settled(page)
    expect(page.get_by_text("Retest after the rest")).to_be_visible()
    tap(page, 3, 0.05)
    expect(page.locator(f".st-key-{sid}-test-r2-clicks input")).to_have_value("3")
    # what else this browser kept: taps from three days ago, from before they carried a time, from a test of
    # another session this morning, and something that is not kneeclick's
    page.evaluate(SEED_STORAGE)
    page.reload()
    settled(page)
    expect(page.locator(".kc-count")).to_have_text("3")
    expect(page.locator(f".st-key-{sid}-test-r2-clicks input")).to_have_value("3")
    kept_here = f"kneeclick-{sid}-test-r2-tap"
    assert page.evaluate(KEPT_TAPS) == {kept_here: 3, "kneeclick-other-test-b-tap": 2}, "stale taps dropped at load"
    assert page.evaluate("localStorage.getItem('not-kneeclick')") == "x"
    shot(page, "session-desktop-reload-retest")
    save_test(page, sid, "r2", 0)
    expect(page.get_by_text("Stretch: calves").first).to_be_visible()
    page.wait_for_function(f"() => localStorage.getItem({kept_here!r}) === null", timeout=10_000)  # saved: forgotten
    assert page.evaluate(KEPT_TAPS) == {"kneeclick-other-test-b-tap": 2}
    s = store.get_session(sid)
    assert [(m.clicks, m.pain) for m in s.measurements.values()] == [(7, 0), (4, 1), (3, 0)]
    assert [t.status for t in s.trials] == [TrialStatus.DONE, TrialStatus.DONE, TrialStatus.PLANNED]
    store.engine.dispose()

    # the server crashes; a new one on the same store, a new tab with the same address: the same step
    server.stop(kill=True)
    again = server_factory(db_url=server.db_url)
    tab = new_page(viewport=PHONE)
    tab.goto(f"{again.url}/session?session={sid}")
    settled(tab)
    expect(tab.get_by_text("Step 8 of 10")).to_be_visible()
    expect(tab.get_by_text("Stretch: calves").first).to_be_visible()
    shot(tab, "session-phone-after-server-restart")
