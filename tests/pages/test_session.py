"""The Session page through AppTest: a whole session, the stop rules, and resuming from the URL alone.

The tap counter is a components-v2 widget; AppTest stands in for it by setting its state
(``at.session_state[key] = {"count": n}``).  Timers use a FakeClock put in place of the page's clock.
"""


import pandas as pd
import pytest

import ui.session_common as ui
from core.session.clock import FakeClock
from core.session.protocol import RED_FLAG_QUESTIONS
from core.session.vocabulary import RED_FLAGS, CountMethod, MuscleGroup, SessionStatus, TrialStatus
from core.data.store import Store
from tests.helpers import markdown_rows


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ui, "CLOCK", fake)
    return fake


@pytest.fixture
def session_app(app_test, clock):
    def make(query=None):
        return app_test(page="session", query=query)

    return make


def ok(at):
    assert not at.exception, at.exception
    return at


def answer_safety(at, side="left", yes=(), frequency="often"):
    at.radio(key="safety-side").set_value(side)
    for name in RED_FLAGS:
        at.radio(key=f"safety-{name}").set_value("Yes" if name in yes else "No")
    at.radio(key="safety-frequency").set_value(frequency)
    at.form_submit_button[0].click().run()
    return ok(at)


def sid(at) -> str:
    return at.query_params["session"][0] if isinstance(at.query_params["session"], list) else at.query_params["session"]


def change_settings(at):
    """Setup: turn on "Change these settings" (the form behind today's one-line summary)."""
    at.toggle(key=f"{sid(at)}-setup-edit").set_value(True).run()
    return ok(at)


def plan(at, conditions=None, randomized=True, reps=10, seconds=90, movement="bodyweight_squat"):
    """Setup through its form (opened first if it is closed), then Plan the session."""
    s = sid(at)
    if not at.toggle(key=f"{s}-setup-edit").value:
        change_settings(at)
    at.radio(key=f"{s}-setup-movement").set_value(movement)
    at.number_input(key=f"{s}-setup-reps").set_value(reps)
    at.slider(key=f"{s}-setup-seconds").set_value(seconds)
    if conditions is not None:
        at.multiselect(key=f"{s}-setup-conditions").set_value(conditions)
    at.toggle(key=f"{s}-setup-random").set_value(randomized)
    at.form_submit_button[0].click().run()
    return ok(at)


def at_baseline(session_app):
    """A new session's page past the safety screen and setup (the defaults of :func:`plan`): (the app, its id)."""
    at = ok(session_app())
    answer_safety(at)
    plan(at)
    return at, sid(at)


def step_text(at) -> str:
    return at.get("progress")[0].proto.text


def do_test(at, tag, clicks, pain, *, typed=None, reps=None):
    """Count, rate pain and save the test on screen: ``tag`` is "b" (baseline) or "r<position>" (a retest)."""
    s = sid(at)
    at.session_state[f"{s}-test-{tag}-tap"] = {"count": clicks}
    at.run()
    assert at.number_input(key=f"{s}-test-{tag}-clicks").value == clicks, "the tapped count fills the box"
    if typed is not None:  # a typed number reaches the server with its own message, as the box loses focus
        at.number_input(key=f"{s}-test-{tag}-clicks").set_value(typed).run()
    if reps is not None:
        at.number_input(key=f"{s}-reps-{tag}").set_value(reps)
    at.segmented_control(key=f"{s}-pain-{tag}").set_value(pain)
    at.button(key=f"{s}-save-{tag}").click().run()
    return ok(at)


def summary_table(at) -> pd.DataFrame:
    """The summary's table as the page shows it (one Markdown table), its cells as text."""
    shown = [m.value for m in at.markdown if m.value.startswith("| Condition |")]
    assert len(shown) == 1, "the summary shows one table"
    return pd.DataFrame(markdown_rows(shown[0]))


def stretch_and_wait(at, clock, position, seconds=90):
    s = sid(at)
    at.button(key=f"{s}-start-{position}").click().run()
    ok(at)
    assert "Stretch" in step_text(at) or "Rest" in step_text(at)
    assert f"{s}-countdown-{position}" in [c.key for c in at.get("bidi_component")], "the countdown is shown"
    clock.advance(seconds / 2)
    at.run()
    assert at.button(key=f"{s}-restart-{position}"), "still timing halfway"
    clock.advance(seconds / 2)
    at.run()
    return ok(at)


def test_a_whole_session_is_stored_as_entered(session_app, clock, store):
    at = ok(session_app())
    assert at.title[0].value == "Find what makes your knee click"
    assert "Step 1 of 14" in step_text(at)
    answer_safety(at)
    s = sid(at)
    assert "Step 2 of 14" in step_text(at)
    plan(at, randomized=True)
    session = store.get_session(s)
    order = [t.muscle_group for t in session.trials]
    assert sorted(order) == sorted([MuscleGroup.QUADRICEPS, MuscleGroup.HAMSTRINGS, MuscleGroup.CALVES,
                                    MuscleGroup.HIP_ABDUCTORS, MuscleGroup.REST_CONTROL])  # fmt: skip
    assert session.order_seed is not None and session.randomized
    from core.session.flow import plan_order, DEFAULT_CONDITIONS

    assert order == plan_order(DEFAULT_CONDITIONS, True, session.order_seed), "the stored seed reproduces the order"

    assert "Step 3 of 14" in step_text(at) and "Baseline" in step_text(at)
    do_test(at, "b", clicks=9, pain=0)
    entered = [(9, 0, CountMethod.TAP, 10)]
    plan_clicks = [(4, 1, None, None), (7, 0, 6, None), (8, 2, None, 8), (5, 0, None, None), (6, 1, None, None)]
    for position, (clicks, pain, typed, reps) in enumerate(plan_clicks, 1):
        label = order[position - 1]
        assert f"Step {2 + 2 * position} of 14" in step_text(at)
        stretch_and_wait(at, clock, position)
        assert f"Step {3 + 2 * position} of 14" in step_text(at) and "Retest" in step_text(at)
        if label.is_control:
            assert "rest" in step_text(at)
        do_test(at, f"r{position}", clicks, pain, typed=typed, reps=reps)
        entered.append((typed if typed is not None else clicks, pain,
                        CountMethod.MANUAL if typed is not None else CountMethod.TAP, reps or 10))  # fmt: skip

    assert at.title[0].value == "Session summary" and "Step 14 of 14" in step_text(at)
    assert at.success, "finished"
    loaded = store.get_session(s)
    assert loaded.status is SessionStatus.FINISHED
    got = [(m.clicks, m.pain, m.method, m.reps) for _, m in sorted(loaded.measurements.items())]
    assert got == entered
    assert all(t.status is TrialStatus.DONE for t in loaded.trials)
    assert [(t.before_seq, t.after_seq) for t in loaded.trials] == [(i, i + 1) for i in range(5)]
    table = summary_table(at)  # the summary: a plain table, one line per condition
    assert table["After"].tolist() == [str(c) for c, *_ in entered[1:]]
    assert not at.get("vega_lite_chart"), "the chart is drawn only when asked for"
    at.session_state[f"{s}-summary-chart"] = True  # open "See the chart"
    at.run()
    assert at.get("vega_lite_chart"), "the before/after chart is shown"
    assert [p.value for p in at.page_link if "Results" in p.value]
    frame = store.trials_frame([s])
    assert frame["clicks_before"].tolist() == [c for c, *_ in entered[:-1]]


def test_what_was_saved_stays_said_while_its_step_is_on_screen(session_app, store):
    """A rerun on the same step (a tap reported, the summary's chart opened) keeps the line saying what was
    saved: a line vanishing above the counter or the chart's heading would move what is under the finger."""
    at = answer_safety(ok(session_app()))
    plan(at, conditions=["calves", "rest_control"], randomized=False)
    s = sid(at)

    def said() -> list[str]:
        return [c.value for c in at.caption if "check_circle" in c.value]

    planned = said()
    assert len(planned) == 1 and "Session planned" in planned[0]
    at.session_state[f"{s}-test-b-tap"] = {"count": 3}
    at.run()  # a tap reported: the same step again
    assert said() == planned
    do_test(at, "b", clicks=3, pain=0)
    saved = said()
    assert len(saved) == 1 and "Saved: 3 clicks" in saved[0], "the next step says only its own message"
    at.run()
    assert said() == saved
    at.button(key=f"{s}-start-1").click().run()
    assert said() == [], "a step reached without a message shows none"


def test_a_red_flag_blocks_the_protocol_and_the_answers_are_kept(session_app, store):
    at = ok(session_app())
    answer_safety(at, yes=("swelling_or_warmth",))
    assert at.title[0].value == "Please see a clinician first"
    text = " ".join(m.value for m in at.markdown)
    assert "Swelling or warmth means" in text
    shown = [c.key for c in at.get("bidi_component")]
    assert not [k for k in shown if k.startswith(sid(at))], f"no counter, no timer: {shown}"
    loaded = store.get_session(sid(at))
    assert loaded.status is SessionStatus.BLOCKED and loaded.safety.swelling_or_warmth and not loaded.trials
    assert loaded.safety.click_frequency.value == "often"


def test_unanswered_safety_questions_are_asked_again_and_nothing_is_stored(session_app, store):
    at = ok(session_app())
    at.radio(key="safety-side").set_value("right")
    at.form_submit_button[0].click().run()
    assert at.error and f"Not answered yet: “{RED_FLAG_QUESTIONS[RED_FLAGS[0]]}”" in at.error[0].value, "names the first open question"
    assert any(c.key.startswith("kneeclick-into-view") for c in at.get("bidi_component")), "and scrolls to it"
    assert store.list_sessions().empty


def test_pain_of_four_in_a_test_ends_the_session_with_advice(session_app, clock, store):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["calves", "rest_control"], randomized=False)
    do_test(at, "b", clicks=6, pain=1)
    stretch_and_wait(at, clock, 1)
    do_test(at, "r1", clicks=5, pain=4)
    assert at.title[0].value == "Session summary"
    assert any("do not push" in e.value for e in at.error)
    loaded = store.get_session(sid(at))
    assert loaded.status is SessionStatus.STOPPED and "Pain 4/10" in loaded.stop_reason
    assert loaded.measurements[1].clicks == 5, "the test that hurt is still recorded"
    assert loaded.trial(2).status is TrialStatus.PLANNED
    assert summary_table(at)["After"].tolist() == ["5", "not done"], "a condition the stop left out says so"


def test_a_zero_click_baseline_ends_kindly_and_says_why(session_app, store):
    at = ok(session_app())
    answer_safety(at, frequency="rarely")
    assert any("cavitation" in i.value for i in at.info), "rarely: the cavitation note"
    plan(at)
    do_test(at, "b", clicks=0, pain=0)
    s = sid(at)
    assert not [t for t in at.title if t.value == "Session summary"], "one press of Save with 0 clicks does not end the session"
    assert any("Is 0 right?" in w.value for w in at.warning)
    assert f"kneeclick-into-view-{s}-zero-box" in [c.key for c in at.get("bidi_component")], (
        "the question is brought into view: below Save it can be under the screen's edge")
    assert store.get_session(s).baseline is None, "nothing saved yet"
    at.button(key=f"{s}-zero-yes").click().run()
    ok(at)
    assert at.title[0].value == "Session summary"
    assert any("nothing for a stretch to reduce" in i.value for i in at.info)
    loaded = store.get_session(sid(at))
    assert loaded.status is SessionStatus.STOPPED and "nothing to measure" in loaded.stop_reason
    assert loaded.baseline.clicks == 0


def test_a_new_symptom_reported_mid_session_stops_it(session_app, clock, store):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["hamstrings", "rest_control"], randomized=False)
    do_test(at, "b", clicks=6, pain=0)
    s = sid(at)
    at.multiselect(key=f"{s}-new-flags").set_value(["giving_way"])
    at.button(key=f"{s}-stop").click().run()
    ok(at)
    assert any("new symptom" in e.value for e in at.error)
    assert any("ligament" in m.value for m in at.markdown)
    loaded = store.get_session(s)
    assert loaded.status is SessionStatus.STOPPED and "giving way" in loaded.stop_reason


def test_skip_records_skipped_not_zero(session_app, clock, store):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["quadriceps", "rest_control"], randomized=False)
    do_test(at, "b", clicks=6, pain=0)
    s = sid(at)
    stretch_and_wait(at, clock, 1)
    at.session_state[f"{s}-test-r1-tap"] = {"count": 3}  # half-counted, then skipped at the retest
    at.run()
    at.segmented_control(key=f"{s}-pain-r1").set_value(2)
    at.button(key=f"{s}-skip-1").click().run()
    ok(at)
    assert "Rest" in step_text(at)
    stretch_and_wait(at, clock, 2)
    assert at.number_input(key=f"{s}-test-r2-clicks").value == 0, "the skipped retest's taps do not carry over"
    assert at.segmented_control(key=f"{s}-pain-r2").value is None
    do_test(at, "r2", clicks=5, pain=0)
    loaded = store.get_session(s)
    assert loaded.status is SessionStatus.FINISHED
    assert loaded.trial(1).status is TrialStatus.SKIPPED and loaded.trial(1).after_seq is None
    assert store.trials_frame([s])["muscle_group"].tolist() == ["rest_control"]
    shown = summary_table(at)  # the summary, one line per condition, narrow enough for a phone
    assert list(shown.columns) == ["Condition", "Before", "After", "Change", "Pain"]
    assert shown.iloc[0][["Before", "After"]].tolist() == ["skipped", "skipped"]
    assert shown.iloc[1][["Before", "After", "Change"]].tolist() == ["6", "5", "\u22121"]  # a minus sign
    assert not shown.isna().any().any() and "None" not in shown.to_string()


def _popovers(block) -> list:
    """The popovers under ``block`` (AppTest has no accessor for them)."""
    out = []
    for child in getattr(block, "children", {}).values():
        proto = getattr(child, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "Block" and proto.WhichOneof("type") == "popover":
            out.append(child)
        out += _popovers(child)
    return out


def test_the_baseline_says_how_to_do_the_movement_and_todays_order_behind_one_tap(session_app, store):
    """How to do the movement and today's order sit in a popover (its content is built only when opened, so
    the step stays quick), never among the count and Save; a retest ("the same again") does not repeat it."""
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["calves", "hamstrings", "rest_control"], randomized=False)
    (how,) = [p for p in _popovers(at.main) if p.proto.popover.label.startswith("How to do a bodyweight squat")]
    assert "today's order" in how.proto.popover.label
    words = "\n".join(m.value for m in how.markdown) + "\n".join(c.value for c in how.caption)
    assert "sit back to about chair height" in words
    trials = store.get_session(sid(at)).trials
    assert "\n".join(f"{t.position}. {t.muscle_group.label}" for t in trials) in words, "today's order, in order"
    assert "fixed" in words
    assert not [e for e in at.expander if "How to do" in e.label]


def test_bad_input_is_refused_with_a_message_and_nothing_is_written(session_app, store):
    at, s = at_baseline(session_app)
    at.session_state[f"{s}-test-b-tap"] = {"count": 5}
    at.run()
    at.button(key=f"{s}-save-b").click().run()  # no pain chosen
    assert any("0 (not at all) to 10" in e.value for e in at.error)
    at.session_state[f"{s}-test-b-tap"] = {"count": 50}
    at.run()
    at.number_input(key=f"{s}-reps-b").set_value(2)
    at.segmented_control(key=f"{s}-pain-b").set_value(0)
    at.button(key=f"{s}-save-b").click().run()
    assert at.error and "Not saved" in at.error[0].value and "more than 10 a rep" in at.error[0].value
    assert at.number_input(key=f"{s}-test-b-clicks").value == 50, "what was entered stays on screen to fix"
    assert store.get_session(s).measurements == {}


def test_a_save_that_overtakes_the_last_taps_box_update_stores_nothing_until_the_person_has_seen_the_count(
    session_app, store
):
    """Taps reach the server, each run puts the new count in the box; a Save pressed before the last of those runs
    reached the browser carries the box's older value: never stored as if the person had typed it."""
    at, s = at_baseline(session_app)
    box = f"{s}-test-b-clicks"
    at.session_state[f"{s}-test-b-tap"] = {"count": 5}
    at.run()
    at.segmented_control(key=f"{s}-pain-b").set_value(1).run()
    at.session_state[f"{s}-test-b-tap"] = {"count": 6}
    at.run()
    assert at.number_input(key=box).value == 6
    # the Save's message: the browser still had 5 in the box when it was pressed
    at.number_input(key=box).set_value(5)
    at.button(key=f"{s}-save-b").click().run()
    assert store.get_session(s).measurements == {}, "the box's older count is not stored"
    assert at.error and "taps counted 6" in at.error[0].value and "held 5" in at.error[0].value
    assert at.number_input(key=box).value == 6, "the box shows the taps again"
    at.button(key=f"{s}-save-b").click().run()
    ((_, m),) = store.get_session(s).measurements.items()
    assert (m.clicks, m.method) == (6, CountMethod.TAP)


@pytest.mark.parametrize("widget", ["pain", "reps"])
def test_a_choice_made_before_the_last_taps_box_update_arrived_does_not_leave_the_older_count_in_the_box(
    session_app, store, widget
):
    """A pain score chosen, or the reps corrected, within the round trip after a tap: that message carries the
    count box's older value too; the taps' count goes back in the box, said below Save, and is what is stored."""
    at, s = at_baseline(session_app)
    box = f"{s}-test-b-clicks"
    at.session_state[f"{s}-test-b-tap"] = {"count": 5}
    at.run()
    at.session_state[f"{s}-test-b-tap"] = {"count": 6}
    at.run()
    at.number_input(key=box).set_value(5)  # the browser still had 5 in the box when the choice was sent
    if widget == "pain":
        at.segmented_control(key=f"{s}-pain-b").set_value(2).run()
    else:
        at.number_input(key=f"{s}-reps-b").set_value(9).run()
    assert at.number_input(key=box).value == 6, "the box shows the taps, not the older count"
    assert at.error and "taps counted 6" in at.error[0].value and "held 5" in at.error[0].value
    if widget == "reps":
        at.segmented_control(key=f"{s}-pain-b").set_value(2)
    at.button(key=f"{s}-save-b").click().run()
    ((_, m),) = store.get_session(s).measurements.items()
    assert (m.clicks, m.pain, m.reps, m.method) == (6, 2, 9 if widget == "reps" else 10, CountMethod.TAP)


def test_a_message_sent_before_the_last_taps_box_update_arrived_does_not_put_the_older_count_back(session_app, store):
    """Any message from the browser carries the count box's value. One sent before the last tap's reply arrived
    (another component's report: the wake lock's on load, while a reload's kept taps are reported) carries the
    box's older value: the box keeps the taps' count. A number then typed in the box is the person's, even that
    older one (put back once at most)."""
    at, s = at_baseline(session_app)
    box = f"{s}-test-b-clicks"
    at.session_state[f"{s}-test-b-tap"] = {"count": 2}
    at.run()
    at.session_state[f"{s}-test-b-tap"] = {"count": 3}
    at.run()
    assert at.number_input(key=box).value == 3
    at.number_input(key=box).set_value(2).run()  # the other report's message: the browser still had 2
    assert at.number_input(key=box).value == 3, "the box shows the taps, not the older count"
    assert not at.error
    at.number_input(key=box).set_value(2).run()  # typed by the person, after seeing 3
    assert at.number_input(key=box).value == 2
    at.segmented_control(key=f"{s}-pain-b").set_value(1)
    at.button(key=f"{s}-save-b").click().run()
    ((_, m),) = store.get_session(s).measurements.items()
    assert (m.clicks, m.method) == (2, CountMethod.MANUAL)


def test_a_number_typed_and_the_reps_corrected_in_one_run_of_a_busy_server_stand(session_app, store):
    """A busy server takes the box's own message and the reps' correction in one run: the number in the box was
    never one the page put there, so the person typed it, and it is kept, with no message and no second ask."""
    at, s = at_baseline(session_app)
    at.session_state[f"{s}-test-b-tap"] = {"count": 2}
    at.run()
    at.number_input(key=f"{s}-test-b-clicks").set_value(3)
    at.number_input(key=f"{s}-reps-b").set_value(7).run()
    assert at.number_input(key=f"{s}-test-b-clicks").value == 3
    assert not at.error
    at.segmented_control(key=f"{s}-pain-b").set_value(2)
    at.button(key=f"{s}-save-b").click().run()
    ((_, m),) = store.get_session(s).measurements.items()
    assert (m.clicks, m.reps, m.pain, m.method) == (3, 7, 2, CountMethod.MANUAL)


def test_a_number_typed_over_the_taps_is_stored_as_typed(session_app, store):
    at, s = at_baseline(session_app)
    at.session_state[f"{s}-test-b-tap"] = {"count": 6}
    at.run()
    at.number_input(key=f"{s}-test-b-clicks").set_value(5).run()  # typed: its own message
    at.segmented_control(key=f"{s}-pain-b").set_value(1)
    at.button(key=f"{s}-save-b").click().run()
    ((_, m),) = store.get_session(s).measurements.items()
    assert (m.clicks, m.method) == (5, CountMethod.MANUAL)
    assert not at.error


def test_a_new_apptest_with_the_same_url_resumes_mid_session(session_app, clock, store, db_url):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["calves", "hamstrings", "rest_control"], randomized=False)
    do_test(at, "b", clicks=7, pain=0)
    s = sid(at)
    at.button(key=f"{s}-start-1").click().run()
    clock.advance(30)

    # a reload: a brand-new script session with only the URL, and a restarted store connection
    again = ok(session_app(query={"session": s}))
    assert "Step 4 of 10" in step_text(again) and "calves" in step_text(again)
    assert again.button(key=f"{s}-restart-1"), "the stretch timer is still running"
    clock.advance(60)
    again.run()
    assert "Retest after calves" in step_text(again)
    do_test(again, "r1", clicks=3, pain=0)
    fresh_store = Store.open(db_url)
    loaded = fresh_store.get_session(s)
    assert [(m.clicks, m.pain) for m in loaded.measurements.values()] == [(7, 0), (3, 0)]
    third = ok(session_app(query={"session": s}))
    assert "Stretch: hamstrings" in step_text(third)
    fresh_store.engine.dispose()


def test_an_unknown_session_in_the_url_is_a_message(session_app):
    at = ok(session_app(query={"session": "nope"}))
    assert at.error and "not in your store" in at.error[0].value


def test_a_stale_double_save_does_not_record_twice(session_app, store):
    at, s = at_baseline(session_app)
    other = ok(session_app(query={"session": s}))  # the same session open in a second tab
    do_test(at, "b", clicks=6, pain=0)
    # the old tab still shows the baseline screen: its save arrives after the first tab's
    other.segmented_control(key=f"{s}-pain-b").set_value(0)
    other.button(key=f"{s}-save-b").click().run()
    ok(other)
    assert list(store.get_session(s).measurements) == [0]
    assert "Stretch" in step_text(other) or "Rest" in step_text(other), "the old tab moves on to the real step"


def test_the_session_page_offers_to_resume_the_latest_unfinished_session(session_app, store):
    at, s = at_baseline(session_app)
    do_test(at, "b", clicks=6, pain=0)
    fresh = ok(session_app())  # the bare Session page, as from the menu
    assert any("unfinished session" in m.value and "0 of 5" in m.value for m in fresh.markdown)
    fresh.button(key="resume").click().run()
    ok(fresh)
    assert sid(fresh) == s and "Step 4 of 14" in step_text(fresh)


def test_a_bad_timer_test_setting_is_a_clear_message(session_app, monkeypatch):
    at = ok(session_app())
    answer_safety(at)
    plan(at)
    do_test(at, "b", clicks=6, pain=0)
    monkeypatch.setenv("KNEECLICK_TIMER_SECONDS", "fast")
    at.run()
    assert at.error and "KNEECLICK_TIMER_SECONDS must be a number" in at.error[0].value


def test_skip_pressed_as_the_timer_runs_out_still_skips_that_condition(session_app, clock, store):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=["calves", "rest_control"], randomized=False)
    do_test(at, "b", clicks=6, pain=0)
    s = sid(at)
    at.button(key=f"{s}-start-1").click().run()
    clock.advance(200)  # the timer ends between the screen being drawn and the tap
    at.button(key=f"{s}-skip-1").click().run()
    ok(at)
    assert store.get_session(s).trial(1).status is TrialStatus.SKIPPED
    assert "Rest" in step_text(at)


def _layout(node, path=()) -> list:
    """Where every element sits in the page's tree: a widget whose place changes is remounted by the browser."""
    out = []
    for i, child in getattr(node, "children", {}).items():
        out.append(path + (i,))
        out.extend(_layout(child, path + (i,)))
    return out


def test_the_first_tap_does_not_move_the_counter(session_app, store):
    """A one-time message ("Session planned") must not shift the counter on the rerun a tap causes:
    a component that moves is remounted in the browser and loses the taps made while it is."""
    at = answer_safety(session_app())
    at = plan(at)
    assert "Baseline" in step_text(at)
    before = _layout(at.main)
    at.session_state[f"{sid(at)}-test-b-tap"] = {"count": 1}
    at.run()
    ok(at)
    assert _layout(at.main) == before


def test_the_rest_step_names_itself_once_and_says_its_one_instruction_as_a_sentence(session_app, store, clock):
    from core.session.protocol import STRETCHES

    at = ok(session_app())
    answer_safety(at, frequency="often")
    plan(at, conditions=["rest_control", "calves"], randomized=False, seconds=70)
    do_test(at, "b", clicks=5, pain=0)
    text = [m.value for m in at.markdown]
    rest = STRETCHES[MuscleGroup.REST_CONTROL]
    assert [h.value for h in at.subheader] == [rest.name]
    assert not [t for t in text if rest.name in t], "the heading names it; the lines below do not repeat it"
    assert "**1:10** of rest" in text
    assert rest.steps[0] in text and not any(t.startswith("1. ") for t in text), "one instruction: no list of one"
