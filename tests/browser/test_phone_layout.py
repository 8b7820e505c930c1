"""Every screen at 390 x 844 (and 1280 x 900): no sideways scrolling, nothing moving under the finger.

Screenshots of every page and step land in test-artifacts/screenshots/ (layout-<width>-<name>.png).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from core.data.store import Store
from core.session.vocabulary import RED_FLAGS, MuscleGroup
from tests.helpers import DESKTOP, PHONE, TABLE_EDGES, answer_safety, planned_session, save_test, settled, shot, sid_of, tap
from ui.warm import HIDDEN

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

NO_SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
#: Each data grid on show: its content's width and its box's (a grid wider than its box scrolls sideways inside it).
GRID_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .filter((grid) => grid.offsetParent !== null)
  .map((grid) => grid.querySelector(".dvn-scroller")).filter(Boolean).map((s) => [s.scrollWidth, s.clientWidth])"""
#: Each chart's drawing and the width it has: a drawing wider than its box is cut off (titles, labels).
CHART_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map((box) => {
  const drawn = box.querySelector("canvas, svg");
  return drawn ? [drawn.getBoundingClientRect().width, box.getBoundingClientRect().width] : [0, 0];
})"""




def fits(page, name: str, width: int) -> None:
    """The page is no wider than the screen; a screenshot is kept either way."""
    settled(page)
    time.sleep(0.3)  # let charts and tables take their size
    shot(page, f"layout-{width}-{name}")
    wide, screen = page.evaluate(NO_SIDEWAYS)
    assert wide <= screen, f"{name} at {width} px scrolls sideways: {wide} px wide on a {screen} px screen"
    for drawn, box in page.evaluate(CHART_WIDTHS):
        assert drawn <= box + 1, f"{name} at {width} px: a chart {drawn:.0f} px wide is cut to {box:.0f} px"
    for right, edge in page.evaluate(TABLE_EDGES):
        assert right <= edge + 1, f"{name} at {width} px: a table runs {right - edge:.0f} px past its box"
    # on a phone no grid scrolls sideways inside its box (a wide screen's detail table may: it has 11 columns)
    for inner, box in page.evaluate(GRID_WIDTHS) if width <= PHONE["width"] else ():
        assert inner <= box + 1, f"{name} at {width} px: a data grid {inner} px wide scrolls sideways in its {box} px box"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_and_no_session_step_scrolls_sideways(server_factory, new_page, viewport) -> None:
    server = server_factory(env={"KNEECLICK_TIMER_SECONDS": "2"})
    w = viewport["width"]
    page = new_page(viewport=viewport)
    menu_at = {}
    for name, path in [("results-example", "/results?example=true"), ("history-example", "/history?example=true"),
                       ("about", "/about"), ("session-safety", "/session")]:  # fmt: skip
        page.goto(server.url + path)
        fits(page, name, w)
        menu_at[name] = round(page.locator(".st-key-nav").bounding_box()["y"])
        if w == PHONE["width"]:  # the icons are hidden on a phone: each label sits in the middle of its link
            for link in page.locator(".st-key-nav a:visible").all():
                box, label = link.bounding_box(), link.locator("p").bounding_box()
                left, right = label["x"] - box["x"], box["x"] + box["width"] - label["x"] - label["width"]
                assert abs(left - right) <= 1.5, f"{name}: a menu label off-centre ({left:.0f} / {right:.0f} px)"
    assert len(set(menu_at.values())) == 1, f"the menu moves from page to page: {menu_at}"
    page.get_by_role("heading", name="Find what makes your knee click").click()  # a tap on a heading
    expect(page.locator('[data-testid="stHeaderActionElements"]:visible')).to_have_count(0)  # no link icon
    page.goto(server.url + "/history?example=true&open=example-07")  # one session opened, by its link
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    fits(page, "history-example-opened", w)

    store = Store.open(server.db_url)
    sid = planned_session(store, order=(MuscleGroup.CALVES, MuscleGroup.REST_CONTROL))
    store.engine.dispose()
    page.goto(f"{server.url}/session?session={sid}")
    fits(page, "session-baseline", w)
    tap(page, 4, 0.05)
    save_test(page, sid, "b", 0)
    for position in (1, 2):
        expect(page.get_by_text(f"Step {2 * position + 2} of")).to_be_visible()
        fits(page, f"session-stretch-{position}", w)
        page.get_by_role("button", name="Start the 0:02 timer").click()
        expect(page.locator(".kc-timer")).to_be_visible()
        fits(page, f"session-timer-{position}", w)
        expect(page.get_by_text(f"Step {2 * position + 3} of")).to_be_visible(timeout=15_000)
        fits(page, f"session-retest-{position}", w)
        tap(page, 2, 0.05)
        save_test(page, sid, f"r{position}", 0)
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    fits(page, "session-summary", w)
    page.get_by_text("See the chart").click()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    fits(page, "session-summary-chart", w)
    page.goto(server.url + "/results")
    fits(page, "results-own", w)


def test_on_a_phone_the_menu_and_disclaimer_take_one_line_each_at_most(server, new_page) -> None:
    page = new_page(viewport=PHONE)
    page.goto(server.url + "/session")
    settled(page)
    links = page.locator('.st-key-nav [data-testid="stPageLink"]')
    expect(links.last).to_contain_text("About")  # every link drawn with its text (not only its box)
    page.wait_for_function("document.fonts.status === 'loaded'")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    tops = [round(b["y"]) for b in boxes]
    assert max(tops) - min(tops) <= 2, f"the menu wraps: its links start at heights {tops}"
    assert max(b["x"] + b["width"] for b in boxes) <= PHONE["width"], f"a menu link runs off the screen: {boxes}"
    disclaimer = page.get_by_text("not medical advice")
    lines = disclaimer.evaluate("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
    assert lines <= 1.2, f"the disclaimer takes {lines:.1f} lines"


#: From the page's load on, every place the main action (``FIND`` returns it, or null) was drawn at: its top and
#: height, once per change (in a component's shadow root too). ``window.kcAtStop = true`` ends it (a press shrinks it).
PLACES_FROM_LOAD = """() => {
  window.kcAt = [];
  const find = () => {
    const el = (FIND)(document);
    if (el) return el;
    for (const host of document.querySelectorAll('*')) {
      const inner = host.shadowRoot && (FIND)(host.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  let el = null;
  const each = () => {
    if (window.kcAtStop) return;
    if (!el || !el.isConnected) el = find();
    const box = el && el.getBoundingClientRect();
    if (box && box.height > 0) {
      const at = `${box.top.toFixed(1)}/${box.height.toFixed(1)}`;
      if (window.kcAt[window.kcAt.length - 1] !== at) window.kcAt.push(at);
    }
    requestAnimationFrame(each);
  };
  requestAnimationFrame(each);
}"""
TAP = "(root) => root.querySelector('.kc-tap')"
START = "(root) => [...root.querySelectorAll('button')].find((b) => b.textContent.includes('Start the'))"


def places_from_load(page, find: str, late: tuple[str, ...] = ()) -> None:
    """Track the main action from the load (:data:`PLACES_FROM_LOAD`). ``late``: widget kinds whose code (Streamlit's
    ``static/js/<Kind>.<hash>.js``) reaches the browser 0.4 s late, so their placeholders are still on screen when
    the main action is drawn: the order a slow network or phone can give, made certain."""
    page.add_init_script(f"({PLACES_FROM_LOAD.replace('FIND', find)})()")
    for kind in late:
        page.route(f"**/static/js/{kind}.*.js", lambda route: (time.sleep(0.4), route.continue_()))


def drawn_at(page) -> list[str]:
    """Where the main action was drawn since the load (see :data:`PLACES_FROM_LOAD`); stops the tracking."""
    page.wait_for_timeout(500)
    page.evaluate("window.kcAtStop = true")
    return page.evaluate("window.kcAt")


def test_the_counter_appears_where_it_stays_and_stays_put_after_the_first_tap(server, new_page) -> None:
    """Opened straight at a test (a reload, a resumed session), the widgets above the counter first show
    Streamlit's 40 px placeholders while their code loads: the counter must not appear and then jump."""
    store = Store.open(server.db_url)
    sid = planned_session(store)
    store.engine.dispose()
    page = new_page(viewport=PHONE)
    # the menu's page links, the step's progress line, Tap | Record
    places_from_load(page, TAP, late=("PageLink", "Progress", "ButtonGroup"))
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    places = drawn_at(page)
    assert len(places) == 1, f"the counter moved after it appeared (top/height, px): {places}"
    before = page.locator(".kc-tap").bounding_box()
    tap(page, 1)
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("1")
    settled(page)
    time.sleep(0.5)
    after = page.locator(".kc-tap").bounding_box()
    assert abs(after["y"] - before["y"]) < 1 and abs(after["height"] - before["height"]) < 1, (before, after)


#: From now on, on every frame the browser draws: where Save is on the page (its top below the top of the page's
#: content, so scrolling to the top of a new step does not count; None while it is not shown).
SAVE_EACH_FRAME = """() => {
  window.kcSaveTops = [];
  const mine = (window.kcSaveRun = (window.kcSaveRun || 0) + 1);  // a later start ends this one's loop
  const each = () => {
    if (window.kcSaveRun !== mine) return;
    const save = [...document.querySelectorAll("button")].find((b) => b.textContent.includes("Save this test"));
    const box = save && save.getBoundingClientRect();
    const page = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
    window.kcSaveTops.push(box && box.height > 0 ? Math.round(box.top - page.top) : null);
    requestAnimationFrame(each);
  };
  requestAnimationFrame(each);
}"""


def save_never_moved(page, what: str) -> None:
    """Since :data:`SAVE_EACH_FRAME` started, Save was drawn at one place only, from its first frame on."""
    tops = [t for t in page.evaluate("window.kcSaveTops") if t is not None]
    assert tops, f"{what}: Save never shown"
    assert set(tops) == {tops[0]}, f"{what}: Save moved as the step was drawn (its top, frame by frame: {tops[:12]})"


def test_opened_at_a_stretch_its_start_button_appears_where_it_stays(server, new_page) -> None:
    """The same at a stretch: the screen-awake check above Start takes no room while it loads (nor after, in a
    browser that can keep the screen on)."""
    store = Store.open(server.db_url)
    sid = planned_session(store)
    store.record_test(sid, 10, 7, pain=0)
    store.engine.dispose()
    page = new_page(viewport=PHONE)
    places_from_load(page, START, late=("PageLink", "BidiComponent"))  # the menu; the screen-awake check is a component
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    expect(page.get_by_role("button", name="Start the")).to_be_visible()
    places = drawn_at(page)
    assert len(places) == 1, f"Start moved after it appeared (top/height, px): {places}"


def test_a_test_step_appears_whole_and_save_does_not_move_under_the_finger(server_factory, new_page) -> None:
    """The counter above Save is drawn with the rest of its step, not a frame or two after it, which pushed Save
    down by the counter's height just as it appeared (setup -> baseline, and the timer's end -> the retest)."""
    server = server_factory(env={"KNEECLICK_TIMER_SECONDS": "2"})
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session")
    settled(page)
    answer_safety(page, "Left", "Often")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Plan the session")).to_be_visible()
    settled(page)
    page.evaluate(SAVE_EACH_FRAME)
    page.get_by_role("button", name="Plan the session").click()
    expect(page.locator(".kc-tap")).to_be_visible()
    settled(page)
    page.wait_for_timeout(300)
    save_never_moved(page, "setup -> baseline")

    sid = sid_of(page)
    tap(page, 2, 0.05)
    save_test(page, sid, "b", 0)
    start = page.get_by_role("button", name=re.compile(r"^Start the 0:02 timer"))
    expect(start).to_be_visible()
    settled(page)
    start.click()
    expect(page.locator(".kc-timer")).to_be_visible()
    page.evaluate(SAVE_EACH_FRAME)  # Save is not on the stretch: it shows when the retest is drawn
    expect(page.get_by_role("button", name="Save this test")).to_be_visible(timeout=15_000)
    settled(page)
    page.wait_for_timeout(300)
    save_never_moved(page, "the timer's end -> the retest")


def test_a_zero_click_baseline_and_skip_ask_once_and_skip_is_apart_from_start(server, new_page) -> None:
    store = Store.open(server.db_url)
    sid = planned_session(store)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    save_test(page, sid, "b", 0)  # 0 clicks: asked, not ended
    expect(page.get_by_text("Is 0 right?")).to_be_visible()
    assert store.get_session(sid).baseline is None
    tap(page, 3, 0.05)  # it was a mistake: count again
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("3")
    page.get_by_role("button", name="Save this test").click()

    expect(page.get_by_role("button", name="Start the 1:30 timer")).to_be_visible()
    settled(page)
    start = page.get_by_role("button", name="Start the 1:30 timer").bounding_box()
    skip = page.get_by_role("button", name="Skip this condition").bounding_box()
    gap = skip["y"] - (start["y"] + start["height"])
    assert gap >= 40, f"Skip is {gap:.0f} px under Start the timer"
    shot(page, "layout-390-skip-apart")
    page.get_by_role("button", name="Skip this condition").click()  # a mis-tap opens the question only
    expect(page.get_by_role("button", name="Yes, skip it")).to_be_visible()
    page.keyboard.press("Escape")
    settled(page)
    assert all(t.status.value == "planned" for t in store.get_session(sid).trials), "nothing skipped"
    store.engine.dispose()


def test_the_calf_stretch_says_halfway_to_bend_the_knee(server_factory, new_page) -> None:
    server = server_factory(env={"KNEECLICK_TIMER_SECONDS": "6"})
    store = Store.open(server.db_url)
    sid = planned_session(store, order=(MuscleGroup.CALVES, MuscleGroup.REST_CONTROL))
    store.engine.dispose()
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    tap(page, 2, 0.05)
    save_test(page, sid, "b", 0)
    page.get_by_role("button", name="Start the 0:06 timer").click()
    msg = page.locator(".kc-timer .kc-msg")
    expect(msg).to_have_text("Hold the stretch")
    expect(msg).to_contain_text("Halfway: now bend the left knee", timeout=6_000)
    expect(page.locator(".kc-timer.kc-done")).to_have_count(0)  # halfway, not the end
    shot(page, "layout-390-calf-halfway")


def test_the_safety_form_names_the_open_question_and_scrolls_to_it(server, new_page) -> None:
    page = new_page(viewport=PHONE)
    page.goto(server.url + "/session")
    settled(page)
    # the next steps' widget kinds, drawn only so the browser loads their code: never seen, never in the way
    preload = page.locator(f".st-key-{HIDDEN}")
    expect(preload.locator('[data-testid="stMultiSelect"]')).to_have_count(1)
    expect(preload).to_be_hidden()
    expect(page.get_by_role("slider")).to_have_count(0)
    page.locator(".st-key-safety-side").get_by_text("Left", exact=True).click()
    for name in RED_FLAGS[:2]:
        page.locator(f".st-key-safety-{name}").get_by_text("No", exact=True).click()
    page.get_by_role("button", name="Continue").click()
    settled(page)
    expect(page.get_by_text("Not answered yet")).to_be_visible()
    question = page.locator(f".st-key-safety-{RED_FLAGS[2]}")
    expect(question).to_be_in_viewport()
    shot(page, "layout-390-safety-named")


#: An old browser, or a page opened over plain http at a network address: no wake lock, no microphone.
NO_WAKE_LOCK_NO_MIC = "delete Navigator.prototype.wakeLock; delete Navigator.prototype.mediaDevices;"


def test_a_browser_without_wake_lock_is_told_once_and_record_says_why_it_cannot(server, new_page) -> None:
    from ui.phone import NO_MIC_TEXT, WAKE_TEXT

    store = Store.open(server.db_url)
    sid = planned_session(store)
    store.engine.dispose()
    page = new_page(viewport=PHONE)
    page.add_init_script(NO_WAKE_LOCK_NO_MIC)
    page.goto(f"{server.url}/session?session={sid}")  # a test on screen: no message above the counter
    settled(page)
    time.sleep(0.5)
    told = page.get_by_text("This page cannot keep the screen awake")
    expect(told).to_be_hidden()
    page.goto(f"{server.url}/session")  # the safety questions: said there
    settled(page)
    expect(told).to_be_visible()
    expect(told).to_have_text(WAKE_TEXT.replace("`", ""))
    page.get_by_role("button", name="OK", exact=True).click()
    expect(told).to_be_hidden()
    page.reload()
    settled(page)
    time.sleep(0.5)
    expect(told).to_be_hidden()  # said once

    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    page.locator(f".st-key-{sid}-test-b-source").get_by_role("radio", name="Record", exact=True).click()
    settled(page)
    expect(page.get_by_text("This browser gives no microphone to this page, so it cannot record")).to_be_visible()
    assert NO_MIC_TEXT.split(",")[0] in page.evaluate("() => document.body.innerText")
    shot(page, "layout-390-no-microphone")
    page.get_by_role("button", name="Count by tapping instead").click()
    settled(page)
    expect(page.locator(".kc-tap")).to_be_visible()


#: For each chart: the names on its axes that Vega hid because they overlapped, and its parts (legends, axes,
#: marks) that run past the drawing's right edge, where the browser cuts them off.
CHART_PARTS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg')].map((svg) => {
  const right = svg.getBoundingClientRect().right;
  return {
    hidden: [...svg.querySelectorAll('g.role-axis-label text')].filter((t) => getComputedStyle(t).opacity === '0')
      .map((t) => t.textContent),
    labels: [...svg.querySelectorAll('g.role-axis-label text')].map((t) => t.textContent),
    past: [...svg.querySelectorAll('g.role-legend, g.role-axis')].filter((g) => g.getBoundingClientRect().right > right + 1)
      .map((g) => g.textContent.slice(0, 40)),
  };
})"""


@pytest.mark.parametrize("n", [3, 5])
def test_the_session_charts_every_condition_by_name_on_a_phone_with_its_legend_whole(server_factory, new_page, tmp_path, n):
    """The default session has five conditions, a planned one often three: on a 390 px screen the summary's chart
    names every one (none dropped for overlapping) and its legend is not cut off at the right."""
    db_url = f"sqlite:///{tmp_path / 'five.sqlite3'}"
    store = Store.open(db_url)
    order = (MuscleGroup.HIP_EXTERNAL_ROTATORS, MuscleGroup.QUADRICEPS, MuscleGroup.REST_CONTROL, MuscleGroup.CALVES,
             MuscleGroup.HAMSTRINGS)[:n]
    sid = planned_session(store, order=order)
    store.record_test(sid, 10, 12, pain=0)
    for position, clicks in enumerate((5, 9, 10, 7, 8)[:n], 1):
        store.record_test(sid, 10, clicks, pain=0, after_position=position)
    store.engine.dispose()
    server = server_factory(db_url=db_url)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    page.get_by_text("See the chart").click()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    fits(page, f"session-summary-chart-{n}", PHONE["width"])
    (chart,) = page.evaluate(CHART_PARTS)
    names = [f"{i}. {g.label}" for i, g in enumerate(order, 1)]
    assert set(names) <= set(chart["labels"]), chart["labels"]
    assert not set(names) & set(chart["hidden"]), f"names dropped for overlapping: {chart['hidden']}"
    assert not chart["past"], f"cut off at the right: {chart['past']}"


def test_what_save_answers_is_brought_on_screen_on_a_phone(server, new_page) -> None:
    """Save with 0 clicks at baseline asks "Is 0 right?", and Save without a pain score says what is missing:
    both below Save, where a phone's screen can end; each is brought into view, so the tap never seems to do
    nothing."""
    store = Store.open(server.db_url)
    sid = planned_session(store, order=(MuscleGroup.CALVES, MuscleGroup.REST_CONTROL))
    store.engine.dispose()
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session?session={sid}")
    expect(page.locator(".kc-tap")).to_be_visible()
    settled(page)
    page.get_by_role("button", name="Save this test").click()  # no pain chosen
    problem = page.locator(".st-key-step-problem")
    expect(problem).to_be_visible()
    expect(problem).to_be_in_viewport(ratio=1)
    shot(page, "layout-390-save-problem")
    save_test(page, sid, "b", 0)  # 0 clicks: the question
    question = page.locator(f".st-key-{sid}-zero-box")
    expect(question).to_be_visible()
    expect(question).to_be_in_viewport(ratio=1)  # the question and its Yes button, whole
    shot(page, "layout-390-zero-question")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_numbers_on_results_fit_the_screen_when_opened(server, new_page, viewport) -> None:
    """'The numbers' (the ranking's numbers and every condition of every session): on a phone the columns that
    fit, on a wide screen all of them; no grid scrolls sideways inside its box."""
    page = new_page(viewport=viewport)
    page.goto(server.url + "/results?example=true")
    settled(page)
    # "Click rate across sessions": its two-line title and three-row legend share the chart's box with the plot;
    # in the 300 px box it had, the plot was a strip about 45 px high on a phone
    rate = page.locator('[data-testid="stVegaLiteChart"]').nth(3)
    expect(rate).to_be_visible()
    assert rate.bounding_box()["height"] >= 380, rate.bounding_box()
    page.get_by_text("The numbers: the ranking and every condition of every session").first.click()
    grids = page.locator('[data-testid="stDataFrame"]:visible')
    expect(grids).to_have_count(2)
    grids.first.scroll_into_view_if_needed()
    fits(page, "results-example-numbers", viewport["width"])
