"""Quick checks through AppTest: one tap from the start screen, the light safety screen, the test, the summary;
three of them, then Results shows "Is it working?"."""

import json

import pytest

import ui.session_common as ui
from core.session import flow
from core.session.clock import FakeClock
from core.session.vocabulary import Movement, MuscleGroup, SafetyScreen, SessionKind, SessionStatus, Side
from core.data.store import new_session_id
from core.report.trend_chart import TITLE as TREND_TITLE
from tests.pages.test_session import do_test, ok, sid, step_text


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ui, "CLOCK", fake)
    return fake


def full_session(store, side=Side.RIGHT, movement=Movement.STEP_DOWN, reps=12):
    """A finished full session: the quick check repeats its leg, movement and reps."""
    s = store.create_session(flow.new_session(new_session_id(), side, SafetyScreen()))
    store.save_setup(s.id, side=side, movement=movement, reps_per_test=reps, stretch_seconds=90, order_seed=None,
                     randomized=False, trials=flow.planned_trials([MuscleGroup.CALVES, MuscleGroup.REST_CONTROL], 90))  # fmt: skip
    store.record_test(s.id, reps, 9, pain=0)
    store.record_test(s.id, reps, 5, pain=0, after_position=1)
    store.record_test(s.id, reps, 8, pain=0, after_position=2)
    store.set_status(s.id, SessionStatus.FINISHED)
    return s.id


def quick_check(at, clicks, pain=0):
    at.button(key="quick-check").click().run()
    ok(at)
    assert "Step 1 of 3" in step_text(at) and "Quick check" in step_text(at)
    assert at.radio(key="quick-side").value == "right", "the leg of the last full session"
    assert any("12 step-downs" in m.value for m in at.markdown), "the movement and reps of the last full session"
    at.button(key="quick-none").click().run()
    ok(at)
    assert "Step 2 of 3" in step_text(at)
    s = sid(at)
    do_test(at, "b", clicks=clicks, pain=pain, reps=None)
    assert "Step 3 of 3" in step_text(at)
    said = f"{clicks} click" if clicks == 1 else f"{clicks} clicks"
    assert any(f"Quick check saved: {said} in 12 reps." in e.value for e in at.success)
    assert [t.value for t in at.title] == ["Quick check"], "not 'Session summary'"
    assert not [c for c in at.caption if "Saved:" in c.value], "said once, in the box"
    at.button(key="quick-done").click().run()
    return s


def test_three_quick_checks_are_stored_and_results_shows_is_it_working(app_test, clock, store):
    full_session(store)
    at = ok(app_test(page="session"))
    ids = [quick_check(at, clicks) for clicks in (7, 0, 1)]  # 0 clicks is a result, not a stop; "1 click"
    for s, clicks in zip(ids, (7, 0, 1)):
        stored = store.get_session(s)
        assert stored.kind is SessionKind.QUICK_CHECK and stored.status is SessionStatus.FINISHED
        assert (stored.side, stored.movement, stored.baseline.reps, stored.baseline.clicks) == (Side.RIGHT, Movement.STEP_DOWN, 12, clicks)
        assert stored.trials == []
    at.switch_page("pages/results.py").run()
    ok(at)
    assert [h.value for h in at.header] == ["Is it working?"]
    assert [h.value for h in at.subheader if h.value == "Right knee"] == ["Right knee"]
    text = "\n".join(m.value for m in at.markdown)
    # 4 tests today (the session's baseline and three checks): honest, too early
    assert "**Too early to tell: it needs tests on at least 6 days spread over at least 2 weeks (so far: 1 day)." in text
    trend_charts = [c for c in at.get("vega_lite_chart") if json.loads(c.proto.spec).get("title") == TREND_TITLE]
    assert len(trend_charts) == 1
    data = json.loads(trend_charts[0].proto.spec)
    assert data["height"] == 220 and data["width"] == "container", "sized by the phone's width"


def test_a_red_flag_in_the_quick_check_blocks_it_with_the_advice(app_test, clock, store):
    full_session(store)
    at = ok(app_test(page="session"))
    at.button(key="quick-check").click().run()
    at.button(key="quick-yes-button").click().run()
    at.multiselect(key="quick-flags").set_value(["giving_way"]).run()
    at.button(key="quick-stop").click().run()
    ok(at)
    stored = store.get_session(sid(at))
    assert stored.status is SessionStatus.BLOCKED and stored.kind is SessionKind.QUICK_CHECK
    assert stored.safety.red_flags == ["giving_way"]
    assert at.title[-1].value == "Please see a clinician first"


def test_back_returns_to_the_start_screen(app_test, clock, store):
    at = ok(app_test(page="session"))
    offer = at.button(key="quick-check")
    assert offer.proto.type == "secondary", "a new person is not steered to the quick check"
    assert any("Start with the full session below" in m.value for m in at.markdown)
    offer.click().run()
    assert at.radio(key="quick-side").value is None, "no full session yet: the leg is asked"
    at.button(key="quick-back").click().run()
    ok(at)
    assert "Step 1 of 14" in step_text(at)
    assert store.list_sessions().empty


def test_history_opens_a_quick_check_with_its_test(app_test, clock, store):
    full_session(store)
    at = ok(app_test(page="session"))
    assert at.button(key="quick-check").proto.type == "primary", "after a full session it is the one-tap action"
    s = quick_check(at, 4)
    at.switch_page("pages/history.py").run()
    at.selectbox(key="open").set_value(s).run()
    ok(at)
    assert "Quick check: 4 clicks in 12 reps." in [t.value for t in at.text]


def test_checks_over_five_weeks_then_three_more_show_it_is_working(app_test, clock, store):
    import datetime as dt

    from core.analysis.trend import IMPROVING, estimate_trend, trend_points

    full_session(store)
    today = dt.date.today()
    for days_ago, clicks in ((35, 22), (31, 20), (28, 19), (24, 16), (21, 15), (17, 13), (14, 12), (10, 10), (7, 9)):
        made = flow.new_quick_check(new_session_id(), Side.RIGHT, Movement.STEP_DOWN, 12, SafetyScreen())
        made.session_date = (today - dt.timedelta(days=days_ago)).isoformat()
        made = store.create_session(made)
        store.record_test(made.id, 12, clicks, pain=0)
        store.set_status(made.id, SessionStatus.FINISHED)
    at = ok(app_test(page="session"))
    for clicks in (7, 6, 8):
        quick_check(at, clicks)
    trend = estimate_trend(trend_points(store.trials_frame(checks=True), "right"))
    assert trend.verdict == IMPROVING and trend.checks == 13  # 9 + 3 checks and the full session's baseline
    at.switch_page("pages/results.py").run()
    ok(at)
    text = "\n".join(m.value for m in at.markdown)
    assert f"**{trend.sentence}**" in text
    assert trend.sentence.startswith("It seems to be working: about ")
