"""Never lose data, in a real browser: a server killed with SIGKILL mid-session, and two app processes at once.

Everything here is recorded through the pages (tapping and typing), then read back through a brand-new Store
(its own engine, as after a restart) and compared value by value with what was entered.
"""

import pytest
from playwright.sync_api import expect

from core.session import flow
from core.session.vocabulary import ClickFrequency, CountMethod, Movement, MuscleGroup, SessionStatus, Side, TrialStatus
from core.data.store import Store
from tests.helpers import DESKTOP, PHONE, answer_safety, change_settings, planned_session, save_test, settled, shot, sid_of, tap

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

SHORT_TIMERS = {"KNEECLICK_TIMER_SECONDS": "2"}


def fresh_read(db_url: str, session_id: str):
    """The session as a newly started process sees it: a new Store with its own engine."""
    store = Store.open(db_url)
    try:
        return store.get_session(session_id)
    finally:
        store.engine.dispose()


def recorded_tests(session) -> list[tuple]:
    """Every recorded test in order: (reps, clicks, pain, method)."""
    return [(m.reps, m.clicks, m.pain, m.method) for _, m in sorted(session.measurements.items())]


def step_text(page) -> str:
    """The progress line: "Step k of n · what this step is"."""
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def run_timer(page, position: int, total: int) -> None:
    """Start the stretch timer on screen and wait for its retest."""
    page.get_by_role("button", name="Start the 0:02 timer").click()
    expect(page.locator(".kc-timer")).to_be_visible()
    expect(page.get_by_text(f"Step {2 + 2 * position + 1} of {total}")).to_be_visible(timeout=20_000)
    settled(page)


def type_count(page, sid: str, tag: str, clicks: int, reps: int | None = None) -> None:
    """Type the count (and the reps done) into the test screen's number boxes, as a person correcting it."""
    page.locator(f".st-key-{sid}-test-{tag}-clicks input").fill(str(clicks))
    if reps is not None:
        page.locator(f".st-key-{sid}-reps-{tag} input").fill(str(reps))
    page.locator(f".st-key-{sid}-test-{tag}-clicks input").press("Enter")
    settled(page)


# ------------------------------------------------------------------------------------------------ SIGKILL
def test_sigkill_mid_session_loses_no_recorded_value_and_the_same_address_resumes(server_factory, new_page):
    server = server_factory(env=SHORT_TIMERS)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session")
    settled(page)

    # safety screen and setup, through the page: left leg, 8 reps, three conditions in random order
    answer_safety(page, "Left", "Sometimes")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Set up today's test")).to_be_visible()
    sid = sid_of(page)
    change_settings(page, sid)
    for group in ("Quadriceps", "Hamstrings"):
        page.get_by_role("button", name=f"Remove {group}").click()
        page.get_by_text("Set up today's test").click()
        expect(page.get_by_role("button", name=f"Remove {group}")).to_have_count(0)
    page.locator(f".st-key-{sid}-setup-reps input").fill("8")
    page.get_by_role("button", name="Plan the session").click()

    # baseline: 7 taps, pain 1
    expect(page.get_by_text("Step 3 of 10")).to_be_visible()
    settled(page)
    tap(page, 7, 0.05)
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("7")
    save_test(page, sid, "b", 1)

    # the first condition (whichever the random order put first), then its retest typed in: 3 clicks in 7 reps
    expect(page.get_by_text("Step 4 of 10")).to_be_visible()
    settled(page)
    seen = [step_text(page).split("·", 1)[1].strip()]
    run_timer(page, 1, 10)
    type_count(page, sid, "r1", 3, reps=7)
    save_test(page, sid, "r1", 2)

    # the second condition's timer is running when the server dies
    expect(page.get_by_text("Step 6 of 10")).to_be_visible()
    settled(page)
    seen.append(step_text(page).split("·", 1)[1].strip())
    page.get_by_role("button", name="Start the 0:02 timer").click()
    expect(page.locator(".kc-timer")).to_be_visible()
    shot(page, "sigkill-01-before-kill")
    server.stop(kill=True)
    assert server.proc.returncode == -9

    # every recorded value, read back by a brand-new Store
    s = fresh_read(server.db_url, sid)
    assert s.status is SessionStatus.IN_PROGRESS and s.side is Side.LEFT
    assert s.safety.red_flags == [] and s.safety.click_frequency is ClickFrequency.SOMETIMES
    assert (s.movement, s.reps_per_test, s.stretch_seconds) == (Movement.BODYWEIGHT_SQUAT, 8, flow.DEFAULT_STRETCH_SECONDS)
    assert s.randomized and s.order_seed is not None
    order = [t.muscle_group for t in s.trials]
    assert order == flow.plan_order((MuscleGroup.CALVES, MuscleGroup.HIP_ABDUCTORS, MuscleGroup.REST_CONTROL), True,
                                    s.order_seed), "the stored seed re-derives the stored order"  # fmt: skip
    assert s.planned_order == order
    assert seen == [flow.Step(flow.StepKind.STRETCH, 0, 0, trial=t).label for t in s.trials[:2]], "the order shown"
    assert recorded_tests(s) == [(8, 7, 1, CountMethod.TAP), (7, 3, 2, CountMethod.MANUAL)]
    assert [t.status for t in s.trials] == [TrialStatus.DONE, TrialStatus.PLANNED, TrialStatus.PLANNED]
    assert (s.trials[0].before_seq, s.trials[0].after_seq) == (0, 1)
    assert s.flow["timer"]["position"] == 2, "the running timer was stored when it started"
    recorded_at = [m.recorded_at for _, m in sorted(s.measurements.items())]

    # a new server on the same store; the same address resumes at the retest (the 2 s timer has run out)
    again = server_factory(db_url=server.db_url, env=SHORT_TIMERS)
    tab = new_page(viewport=PHONE)
    tab.goto(f"{again.url}/session?session={sid}")
    settled(tab)
    expect(tab.get_by_text("Step 7 of 10")).to_be_visible()
    assert "Retest after" in step_text(tab)
    shot(tab, "sigkill-02-after-restart")
    tap(tab, 5, 0.05)
    expect(tab.locator(f".st-key-{sid}-test-r2-clicks input")).to_have_value("5")
    save_test(tab, sid, "r2", 0)

    # and it can be finished: the third condition skipped, then the summary
    expect(tab.get_by_text("Step 8 of 10")).to_be_visible()
    settled(tab)
    tab.get_by_role("button", name="Skip this condition").click()  # asks once
    tab.get_by_role("button", name="Yes, skip it").click()
    expect(tab.get_by_role("heading", name="Session summary")).to_be_visible()
    expect(tab.get_by_text("Step 10 of 10")).to_be_visible()
    settled(tab)
    shot(tab, "sigkill-03-finished")

    done = fresh_read(server.db_url, sid)
    assert done.status is SessionStatus.FINISHED
    assert recorded_tests(done) == [(8, 7, 1, CountMethod.TAP), (7, 3, 2, CountMethod.MANUAL), (8, 5, 0, CountMethod.TAP)]
    assert [m.recorded_at for _, m in sorted(done.measurements.items())][:2] == recorded_at, "earlier tests untouched"
    assert [t.muscle_group for t in done.trials] == order
    assert [t.status for t in done.trials] == [TrialStatus.DONE, TrialStatus.DONE, TrialStatus.SKIPPED]
    assert [(t.before_seq, t.after_seq) for t in done.trials] == [(0, 1), (1, 2), (None, None)]


# ------------------------------------------------------------------------------------- two app processes
def test_two_app_processes_and_two_tabs_on_one_store_lose_nothing(any_db_url, server_factory, new_page):
    setup = Store.open(any_db_url)
    x = planned_session(setup, order=(MuscleGroup.CALVES, MuscleGroup.REST_CONTROL))
    y = planned_session(setup, order=(MuscleGroup.HAMSTRINGS, MuscleGroup.REST_CONTROL))
    setup.engine.dispose()
    one = server_factory(db_url=any_db_url, env=SHORT_TIMERS)
    two = server_factory(db_url=any_db_url, env=SHORT_TIMERS)

    x_one = new_page(viewport=DESKTOP)  # session X on the first process
    y_two = new_page(viewport=DESKTOP)  # session Y on the second process, at the same time
    x_two = new_page(viewport=DESKTOP)  # session X again, in a tab on the second process
    for page, server, sid in ((x_one, one, x), (y_two, two, y), (x_two, two, x)):
        page.goto(f"{server.url}/session?session={sid}")
        settled(page)
        expect(page.get_by_text("Step 3 of 8")).to_be_visible()

    # both baselines saved at once, from the two processes
    tap(x_one, 6, 0.05)
    tap(y_two, 9, 0.05)
    tap(x_two, 4, 0.05)  # counted in the second tab of X, not saved yet
    for page, sid, n in ((x_one, x, 6), (y_two, y, 9), (x_two, x, 4)):
        expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value(str(n))
    x_one.locator(f".st-key-{x}-pain-b").get_by_role("radio", name="0", exact=True).click()
    y_two.locator(f".st-key-{y}-pain-b").get_by_role("radio", name="1", exact=True).click()
    x_two.locator(f".st-key-{x}-pain-b").get_by_role("radio", name="3", exact=True).click()
    for page in (x_one, y_two, x_two):
        settled(page)
    x_one.get_by_role("button", name="Save this test").click()
    y_two.get_by_role("button", name="Save this test").click()
    expect(x_one.get_by_text("Stretch: calves").first).to_be_visible()
    expect(y_two.get_by_text("Stretch: hamstrings").first).to_be_visible()

    # the second tab of X still shows the baseline, filled in: its Save must neither add a test nor replace the
    # first; the tab moves on to where the session is now
    expect(x_two.get_by_text("Baseline test").first).to_be_visible()
    x_two.get_by_role("button", name="Save this test").click()
    expect(x_two.get_by_text("Stretch: calves").first).to_be_visible()
    settled(x_two)
    assert recorded_tests(fresh_read(any_db_url, x)) == [(10, 6, 0, CountMethod.TAP)]

    # the retests: both tabs of X fill in the retest; the second saves first, then the first presses Save
    for page in (x_one, y_two):
        settled(page)
        run_timer(page, 1, 8)
    x_two.reload()
    settled(x_two)
    expect(x_two.get_by_text("Step 5 of 8")).to_be_visible()
    type_count(x_one, x, "r1", 8)  # the first tab fills in the same retest, not saved yet
    x_one.locator(f".st-key-{x}-pain-r1").get_by_role("radio", name="2", exact=True).click()
    settled(x_one)
    type_count(x_two, x, "r1", 2)
    save_test(x_two, x, "r1", 1)
    expect(x_two.get_by_text("Rest (the control)").first).to_be_visible()
    x_one.get_by_role("button", name="Save this test").click()  # the first tab still shows X's retest
    expect(x_one.get_by_text("Rest (the control)").first).to_be_visible()
    settled(x_one)
    assert recorded_tests(fresh_read(any_db_url, x)) == [(10, 6, 0, CountMethod.TAP), (10, 2, 1, CountMethod.MANUAL)]
    tap(y_two, 5, 0.05)
    expect(y_two.locator(f".st-key-{y}-test-r1-clicks input")).to_have_value("5")  # every tap has arrived
    save_test(y_two, y, "r1", 0)
    expect(y_two.get_by_text("Rest (the control)").first).to_be_visible()

    # both rest controls at once on the two processes, and both sessions finish
    for page in (x_one, y_two):
        settled(page)
        page.get_by_role("button", name="Start the 0:02 timer").click()
    for page in (x_one, y_two):
        expect(page.get_by_text("Step 7 of 8")).to_be_visible(timeout=20_000)
        settled(page)
    tap(x_one, 3, 0.05)
    expect(x_one.locator(f".st-key-{x}-test-r2-clicks input")).to_have_value("3")
    type_count(y_two, y, "r2", 4, reps=9)
    x_one.locator(f".st-key-{x}-pain-r2").get_by_role("radio", name="0", exact=True).click()
    y_two.locator(f".st-key-{y}-pain-r2").get_by_role("radio", name="2", exact=True).click()
    settled(x_one)
    settled(y_two)
    x_one.get_by_role("button", name="Save this test").click()
    y_two.get_by_role("button", name="Save this test").click()
    for page in (x_one, y_two):
        expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
        settled(page)
    shot(x_one, "two-processes-x-summary")
    shot(y_two, "two-processes-y-summary")

    sx, sy = fresh_read(any_db_url, x), fresh_read(any_db_url, y)
    assert recorded_tests(sx) == [(10, 6, 0, CountMethod.TAP), (10, 2, 1, CountMethod.MANUAL), (10, 3, 0, CountMethod.TAP)]
    assert recorded_tests(sy) == [(10, 9, 1, CountMethod.TAP), (10, 5, 0, CountMethod.TAP), (9, 4, 2, CountMethod.MANUAL)]
    for s, groups in ((sx, [MuscleGroup.CALVES, MuscleGroup.REST_CONTROL]),
                      (sy, [MuscleGroup.HAMSTRINGS, MuscleGroup.REST_CONTROL])):  # fmt: skip
        assert s.status is SessionStatus.FINISHED
        assert [t.muscle_group for t in s.trials] == groups
        assert [(t.status, t.before_seq, t.after_seq) for t in s.trials] == [
            (TrialStatus.DONE, 0, 1), (TrialStatus.DONE, 1, 2)
        ]  # fmt: skip
