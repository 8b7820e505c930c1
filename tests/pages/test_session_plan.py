"""Setup pre-filled by the planner: a planned second session run through the Session page (AppTest), and a
settled answer said instead of a suggestion."""

import numpy as np
import pytest

import ui.session_common as ui
from core.analysis.planner import DEFAULT_SECONDS, plan_next
from core.analysis.simulate import Person, simulate_sessions
from core.data.csvio import import_csv, write_csv
from core.report.results import results_views
from core.session import flow
from core.session.clock import FakeClock
from core.session.vocabulary import RED_FLAGS, MuscleGroup, SessionStatus


def person(effects: dict, **kw) -> Person:
    base = dict(base_rate=1.2, drift=0.97, carry=0.2, fade=0.7, day_sd=0.15, shape=15.0, miscount=0.0)
    return Person(effects={g: 1.0 for g in ("quadriceps", "hamstrings", "calves", "hip_abductors")} | effects,
                  **(base | kw))


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ui, "CLOCK", fake)
    return fake


def ok(at):
    assert not at.exception, at.exception
    return at


def earlier(store, tmp_path, frame):
    path = tmp_path / "earlier.csv"
    write_csv(frame, path)
    import_csv(store, path)
    return store.trials_frame()


def start(app_test, side="left"):
    at = ok(app_test(page="session"))
    at.radio(key="safety-side").set_value(side)
    for name in RED_FLAGS:
        at.radio(key=f"safety-{name}").set_value("No")
    at.radio(key="safety-frequency").set_value("often")
    at.form_submit_button[0].click().run()
    ok(at)
    sid = at.query_params["session"]
    return at, sid[0] if isinstance(sid, list) else sid


def summary(at) -> str:
    """Setup's one-sentence summary of what will run."""
    return next(m.value for m in at.markdown if m.value.startswith("**Today:**"))


def progress(at) -> str:
    """The step line above every step: "Step k of n · what it is"."""
    return at.get("progress")[0].proto.text


def open_form(at, sid):
    at.toggle(key=f"{sid}-setup-edit").set_value(True).run()
    return ok(at)


def test_setup_suggests_the_plan_and_a_planned_second_session_runs_as_suggested(app_test, clock, store, tmp_path):
    frame = earlier(store, tmp_path, simulate_sessions(person({"hamstrings": 3.0, "calves": 0.5}), 1,
                                                       np.random.default_rng(5)))
    plan = plan_next(frame, "left")
    assert not plan.stop and plan.seconds <= DEFAULT_SECONDS
    at, sid = start(app_test)

    said = " ".join(i.value for i in at.info)
    assert "Suggested from your last sessions:" in said and "because" in said
    total = flow.total_steps(len(plan.conditions))
    assert f"Step 2 of {total}" in progress(at), "setup counts the steps of the session it suggests"
    assert plan.reasons[1:40] in said, "the plan's reasons are shown"
    assert f"({plan.reps} reps per test)" in summary(at) and f"{plan.stretch_seconds}-second" in summary(at)
    assert not at.number_input, "the form stays closed until asked for"
    open_form(at, sid)  # the form is filled in from the suggestion
    assert at.number_input(key=f"{sid}-setup-reps").value == plan.reps
    assert at.slider(key=f"{sid}-setup-seconds").value == plan.stretch_seconds
    assert sorted(at.multiselect(key=f"{sid}-setup-conditions").value) == sorted(plan.conditions)
    at.toggle(key=f"{sid}-setup-edit").set_value(False).run()
    at.button(key=f"{sid}-setup-go").click().run()  # one tap on the summary's button runs the suggestion
    ok(at)
    assert f"Step 3 of {total}" in progress(at), "the total stays what setup said"

    session = store.get_session(sid)
    assert [t.muscle_group.value for t in session.trials] == list(plan.conditions), "run in the plan's order"
    assert (session.reps_per_test, session.stretch_seconds, session.order_seed) == (plan.reps, plan.stretch_seconds,
                                                                                     plan.seed)
    # the whole planned session, test by test
    tags = ["b"] + [f"r{p}" for p in range(1, len(plan.conditions) + 1)]
    for tag in tags:
        if tag != "b":
            position = int(tag[1:])
            at.button(key=f"{sid}-start-{position}").click().run()
            clock.advance(plan.stretch_seconds + 1)
            at.run()
        ok(at)
        at.session_state[f"{sid}-test-{tag}-tap"] = {"count": 7}
        at.run()
        assert at.number_input(key=f"{sid}-reps-{tag}").value == plan.reps, "each test asks for the planned reps"
        at.segmented_control(key=f"{sid}-pain-{tag}").set_value(0)
        at.button(key=f"{sid}-save-{tag}").click().run()
        ok(at)
    assert at.title[0].value == "Session summary"
    done = store.get_session(sid)
    assert done.status is SessionStatus.FINISHED
    assert [m.reps for m in done.measurements.values()] == [plan.reps] * len(tags)
    # Results does not call the shorter planned session "stopped early": the store knows it ran as planned
    assert len(plan.conditions) < len(flow.DEFAULT_CONDITIONS)
    (view,) = results_views(store)
    assert not [f for f in view.leg.flags if f.kind == "stopped_early"]


def test_a_settled_answer_is_said_instead_of_a_suggestion(app_test, store, tmp_path):
    earlier(store, tmp_path, simulate_sessions(person({"calves": 0.3}, base_rate=2.0), 8, np.random.default_rng(3),
                                               reps=15))
    at, sid = start(app_test)
    assert "already answer" in " ".join(s.value for s in at.success) and "calves" in at.success[0].value
    assert f"Step 2 of {flow.total_steps(len(flow.DEFAULT_CONDITIONS))}" in progress(at), "the standard session's"
    assert not [i for i in at.info if "Suggested" in i.value]
    assert f"({flow.DEFAULT_REPS} reps per test)" in summary(at)
    open_form(at, sid)
    assert at.number_input(key=f"{sid}-setup-reps").value == flow.DEFAULT_REPS
    assert sorted(at.multiselect(key=f"{sid}-setup-conditions").value) == sorted(
        g.value for g in flow.DEFAULT_CONDITIONS)


def test_no_earlier_session_on_the_leg_means_no_suggestion(app_test, store, tmp_path):
    earlier(store, tmp_path, simulate_sessions(person({"calves": 0.5}), 1, np.random.default_rng(2), side="right"))
    at, sid = start(app_test, side="left")
    assert not [i for i in at.info if "Suggested" in i.value] and not at.success
    open_form(at, sid)
    assert at.number_input(key=f"{sid}-setup-reps").value == flow.DEFAULT_REPS
    assert MuscleGroup.REST_CONTROL.value in at.multiselect(key=f"{sid}-setup-conditions").value


def test_one_tap_plans_the_standard_session_said_in_the_summary(app_test, store):
    at, sid = start(app_test, side="right")
    said = summary(at)
    assert "your right knee" in said and "bodyweight squat" in said and "in a random order" in said
    for group in flow.DEFAULT_CONDITIONS:
        assert group.is_control or group.label.lower() in said
    at.button(key=f"{sid}-setup-go").click().run()
    ok(at)
    session = store.get_session(sid)
    assert (session.side.value, session.movement.value, session.reps_per_test, session.stretch_seconds) == (
        "right", "bodyweight_squat", flow.DEFAULT_REPS, flow.DEFAULT_STRETCH_SECONDS)
    assert sorted(t.muscle_group for t in session.trials) == sorted(flow.DEFAULT_CONDITIONS)
    assert session.randomized and session.order_seed is not None


def test_the_test_movement_stays_the_one_used_last_time_on_that_leg(app_test, store, tmp_path):
    frame = simulate_sessions(person({"calves": 0.5}), 1, np.random.default_rng(4))
    frame["movement"] = "step_down"
    earlier(store, tmp_path, frame)
    at, sid = start(app_test)
    assert "step-down" in summary(at)
    open_form(at, sid)
    assert at.radio(key=f"{sid}-setup-movement").value == "step_down"
    at, sid = start(app_test, side="right")  # nothing on the right leg yet: the first movement
    assert "bodyweight squat" in summary(at)
