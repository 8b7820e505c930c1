"""The guided session's logic without Streamlit: order, steps from the stored session, timers, stop rules."""

import datetime as dt

import pytest

from core.session import flow
from core.session.clock import FakeClock
from core.session.flow import Setup, StepKind, current_step
from core.session.vocabulary import Movement, MuscleGroup, SafetyScreen, SessionStatus, Side, TrialStatus
from core.data.store import Store, new_session_id
from core.report.summary import before_after_chart, summary_table
from core.session.timer import TIMER_ENV_VAR, Timer, effective_seconds, format_seconds, timer_override

Q, H, C, A, R = (MuscleGroup.QUADRICEPS, MuscleGroup.HAMSTRINGS, MuscleGroup.CALVES, MuscleGroup.HIP_ABDUCTORS,
                 MuscleGroup.REST_CONTROL)  # fmt: skip


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cstore(db_url, clock):
    s = Store.open(db_url, clock=clock)
    yield s
    s.engine.dispose()


def planned(store, order=(C, R, Q), *, seconds=90, safety=SafetyScreen()):
    session = store.create_session(flow.new_session(new_session_id(), Side.RIGHT, safety))
    store.save_setup(
        session.id, side=Side.RIGHT, movement=Movement.STEP_DOWN, reps_per_test=10, stretch_seconds=seconds,
        order_seed=7, randomized=True, trials=flow.planned_trials(order, seconds),
    )  # fmt: skip
    return store.get_session(session.id)


# ------------------------------------------------------------------- order
def test_a_random_order_is_reproducible_from_its_seed_and_varies_between_seeds():
    groups = flow.DEFAULT_CONDITIONS
    first = flow.plan_order(groups, True, 12345)
    assert first == flow.plan_order(groups, True, 12345)
    assert sorted(first) == sorted(groups)
    orders = {tuple(flow.plan_order(groups, True, seed)) for seed in range(200)}
    assert len(orders) > 60, "the seed really shuffles"
    # every condition lands first about equally often (the rest control is not stuck in one place)
    firsts = [flow.plan_order(groups, True, seed)[0] for seed in range(2000)]
    assert all(250 < firsts.count(g) < 550 for g in groups)


def test_a_fixed_order_is_the_chosen_one():
    assert flow.plan_order([H, R, Q], False, None) == [H, R, Q]
    with pytest.raises(ValueError):
        flow.plan_order([H, R], True, None)


def test_setup_problems_are_plain_and_the_rest_control_is_required():
    assert Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT).problems() == []
    assert any("rest control" in p for p in Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT, conditions=(Q, H)).problems())
    assert any("at least one" in p for p in Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT, conditions=(R,)).problems())
    assert any("60 to 120" in p for p in Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT, stretch_seconds=30).problems())
    assert any("Reps" in p for p in Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT, reps_per_test=0).problems())
    assert any("once" in p for p in Setup(Side.LEFT, Movement.BODYWEIGHT_SQUAT, conditions=(Q, Q, R)).problems())


# ------------------------------------------------------------------- timer
def test_timer_counts_down_from_the_stored_start(clock):
    t = Timer(clock.now(), 90)
    assert t.remaining(clock.now()) == 90 and not t.done(clock.now())
    clock.advance(30)
    assert t.remaining(clock.now()) == 60 and t.fraction(clock.now()) == pytest.approx(1 / 3)
    clock.advance(59.6)
    assert t.done(clock.now()), "within half a second of the end counts as over"
    clock.advance(100)
    assert t.remaining(clock.now()) == 0 and t.fraction(clock.now()) == 1
    back = Timer.from_dict(t.to_dict())
    assert back == t
    assert Timer(clock.now(), 90).remaining(clock.now() - dt.timedelta(seconds=500)) == 90, "clock set back"


def test_the_test_setting_shortens_timers_and_bad_values_are_refused():
    assert timer_override({}) is None
    assert effective_seconds(90, {}) == 90
    assert effective_seconds(90, {TIMER_ENV_VAR: "2"}) == 2
    for bad in ("fast", "-1", "nan"):
        with pytest.raises(ValueError, match=TIMER_ENV_VAR):
            timer_override({TIMER_ENV_VAR: bad})
    assert format_seconds(90) == "1:30" and format_seconds(0.2) == "0:01" and format_seconds(0) == "0:00"


# ------------------------------------------------------------------- steps
def test_steps_follow_the_stored_session_through_a_whole_session(cstore, clock):
    assert current_step(None, clock.now()).kind is StepKind.SAFETY
    session = cstore.create_session(flow.new_session(new_session_id(), Side.LEFT, SafetyScreen()))
    step = current_step(cstore.get_session(session.id), clock.now())
    assert (step.kind, step.number) == (StepKind.SETUP, 2)
    s = planned(cstore, order=(C, R))
    step = current_step(s, clock.now())
    assert (step.kind, step.number, step.total) == (StepKind.BASELINE, 3, 8)
    cstore.record_test(s.id, 10, 6, pain=0)
    seen = []
    for position in (1, 2):
        s = cstore.get_session(s.id)
        step = current_step(s, clock.now())
        assert (step.kind, step.trial.position) == (StepKind.STRETCH, position)
        seen.append((step.number, step.label))
        cstore.update_flow(s.id, {"timer": {"position": position, **Timer(clock.now(), 90).to_dict()}})
        clock.advance(45)
        step = current_step(cstore.get_session(s.id), clock.now())
        assert step.kind is StepKind.TIMING and step.timer.remaining(clock.now()) == 45
        clock.advance(45)
        step = current_step(cstore.get_session(s.id), clock.now())
        assert (step.kind, step.trial.position) == (StepKind.RETEST, position)
        seen.append((step.number, step.label))
        cstore.record_test(s.id, 10, 4, pain=1, after_position=position)
    assert seen == [(4, "Stretch: calves"), (5, "Retest after calves"), (6, "Rest (the control)"),
                    (7, "Retest after the rest")]  # fmt: skip
    step = current_step(cstore.get_session(s.id), clock.now())
    assert step.kind is StepKind.ENDING and step.ending.status is SessionStatus.FINISHED


def test_a_timer_for_another_condition_does_not_count(cstore, clock):
    s = planned(cstore)
    cstore.record_test(s.id, 10, 6, pain=0)
    cstore.update_flow(s.id, {"timer": {"position": 2, **Timer(clock.now(), 90).to_dict()}})
    clock.advance(100)
    step = current_step(cstore.get_session(s.id), clock.now())
    assert (step.kind, step.trial.position) == (StepKind.STRETCH, 1)


def test_skipped_conditions_are_passed_over_and_not_zero(cstore, clock):
    s = planned(cstore)
    cstore.record_test(s.id, 10, 6, pain=0)
    cstore.skip_trial(s.id, 1)
    step = current_step(cstore.get_session(s.id), clock.now())
    assert (step.kind, step.trial.position) == (StepKind.STRETCH, 2)
    table = summary_table(cstore.get_session(s.id))
    assert table.loc[0, "Status"] == "skipped" and table["Before"].isna()[0] and table["After"].isna()[0]


# -------------------------------------------------------------- stop rules
@pytest.mark.parametrize("pain,stops", [(3, False), (4, True), (9, True)])
def test_pain_of_four_or_more_in_any_test_ends_the_session(cstore, clock, pain, stops):
    s = planned(cstore)
    cstore.record_test(s.id, 10, 6, pain=0)
    cstore.record_test(s.id, 10, 5, pain=pain, after_position=1)
    step = current_step(cstore.get_session(s.id), clock.now())
    if stops:
        assert step.kind is StepKind.ENDING
        assert (step.ending.status, step.ending.code) == (SessionStatus.STOPPED, flow.STOP_PAIN)
        assert f"Pain {pain}/10" in step.ending.reason
    else:
        assert step.kind is StepKind.STRETCH


def test_a_baseline_of_zero_clicks_ends_kindly(cstore, clock):
    s = planned(cstore)
    cstore.record_test(s.id, 10, 0, pain=0)
    step = current_step(cstore.get_session(s.id), clock.now())
    assert step.ending.code == flow.STOP_NO_CLICKS and "nothing to measure" in step.ending.reason
    # zero clicks after a stretch is a result, not a stop
    s2 = planned(cstore)
    cstore.record_test(s2.id, 10, 5, pain=0)
    cstore.record_test(s2.id, 10, 0, pain=0, after_position=1)
    assert current_step(cstore.get_session(s2.id), clock.now()).kind is StepKind.STRETCH


def test_a_red_flag_at_the_safety_screen_blocks_and_is_recorded(cstore, clock):
    screen = SafetyScreen(giving_way=True, locking_or_catching=True)
    session = cstore.create_session(flow.new_session(new_session_id(), Side.LEFT, screen))
    loaded = cstore.get_session(session.id)
    assert loaded.status is SessionStatus.BLOCKED and loaded.trials == []
    assert loaded.safety.red_flags == ["giving_way", "locking_or_catching"]
    assert "giving way" in loaded.stop_reason and flow.stop_code(loaded) == flow.STOP_BLOCKED
    assert current_step(loaded, clock.now()).kind is StepKind.BLOCKED
    with pytest.raises(ValueError):
        cstore.save_setup(
            session.id, side=Side.LEFT, movement=Movement.STEP_DOWN, reps_per_test=10, stretch_seconds=90,
            order_seed=None, randomized=False, trials=flow.planned_trials([Q, R], 90),
        )  # fmt: skip


def test_ending_writes_status_reason_and_code_together(cstore, clock):
    s = planned(cstore)
    ending = flow.red_flag_ending(["swelling_or_warmth"])
    cstore.update_flow(s.id, {"stop": {"code": ending.code, "new_red_flags": ["swelling_or_warmth"]}},
                       status=ending.status, reason=ending.reason)  # fmt: skip
    loaded = cstore.get_session(s.id)
    assert loaded.status is SessionStatus.STOPPED and loaded.finished_at == clock.now()
    assert flow.stop_code(loaded) == flow.STOP_RED_FLAG and flow.new_red_flags(loaded) == ["swelling_or_warmth"]
    assert loaded.safety == SafetyScreen(), "the safety answers are untouched by the flow state"
    assert current_step(loaded, clock.now()).kind is StepKind.SUMMARY
    assert [t.status for t in loaded.trials] == [TrialStatus.PLANNED] * 3
    assert summary_table(loaded)["Status"].tolist() == ["not done"] * 3


def test_setup_happens_once(cstore):
    s = planned(cstore)
    with pytest.raises(ValueError, match="already set up"):
        cstore.save_setup(
            s.id, side=Side.LEFT, movement=Movement.STEP_DOWN, reps_per_test=10, stretch_seconds=90,
            order_seed=None, randomized=False, trials=flow.planned_trials([Q, R], 90),
        )  # fmt: skip
    assert [t.muscle_group for t in cstore.get_session(s.id).trials] == [C, R, Q]


# ------------------------------------------------------------------ summary
def test_summary_table_and_chart_show_each_condition_before_and_after(cstore):
    s = planned(cstore, order=(Q, R, H))
    cstore.record_test(s.id, 10, 8, pain=0)
    cstore.record_test(s.id, 10, 3, pain=1, after_position=1)
    cstore.skip_trial(s.id, 2)
    cstore.record_test(s.id, 10, 4, pain=0, after_position=3)
    s = cstore.get_session(s.id)
    table = summary_table(s)
    assert table[["Order", "Condition", "Status"]].values.tolist() == [
        [1, "Quadriceps", "done"], [2, "Rest (control)", "skipped"], [3, "Hamstrings", "done"],
    ]  # fmt: skip
    assert table["Before"].tolist()[0::2] == [8, 3] and table["After"].tolist()[0::2] == [3, 4]
    assert table["Change"].tolist()[0::2] == [-5, 1]
    spec = before_after_chart(s).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert sorted((v["label"], v["when"], v["clicks"]) for v in values) == [
        ("1. Quadriceps", "After", 3), ("1. Quadriceps", "Before", 8),
        ("3. Hamstrings", "After", 4), ("3. Hamstrings", "Before", 3),
    ]  # fmt: skip
    empty = planned(cstore)
    assert before_after_chart(empty) is None
