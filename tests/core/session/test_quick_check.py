"""The quick check in the flow: safety answer, one test, summary; it ends after its test, 0 clicks included."""

import pytest

from core.data.store import Store, new_session_id
from core.session import flow
from core.session.clock import FakeClock
from core.session.flow import StepKind, current_step
from core.session.vocabulary import Movement, SafetyScreen, SessionKind, SessionStatus, Side


@pytest.fixture
def cstore(db_url):
    s = Store.open(db_url, clock=FakeClock())
    yield s
    s.engine.dispose()


def started(store, safety=SafetyScreen(), reps=12):
    made = flow.new_quick_check(new_session_id(), Side.LEFT, Movement.SIT_TO_STAND, reps, safety)
    return store.get_session(store.create_session(made).id)


def test_a_quick_check_goes_straight_to_its_test_and_ends_after_it(cstore):
    s = started(cstore)
    assert s.kind is SessionKind.QUICK_CHECK and s.trials == [] and s.reps_per_test == 12
    step = current_step(s, cstore.clock.now())
    assert (step.kind, step.number, step.total, step.label) == (StepKind.BASELINE, 2, 3, "Quick check: the test")
    cstore.record_test(s.id, 12, 5, pain=0)
    step = current_step(cstore.get_session(s.id), cstore.clock.now())
    assert step.kind is StepKind.ENDING and step.ending.status is SessionStatus.FINISHED


def test_zero_clicks_is_a_result_of_a_quick_check_not_a_stop(cstore):
    s = started(cstore)
    cstore.record_test(s.id, 12, 0, pain=0)
    ending = current_step(cstore.get_session(s.id), cstore.clock.now()).ending
    assert ending.status is SessionStatus.FINISHED and ending.code is None


def test_pain_stops_a_quick_check_with_the_pain_advice(cstore):
    s = started(cstore)
    cstore.record_test(s.id, 12, 5, pain=flow.PAIN_STOP)
    ending = current_step(cstore.get_session(s.id), cstore.clock.now()).ending
    assert (ending.status, ending.code) == (SessionStatus.STOPPED, flow.STOP_PAIN)


def test_a_red_flag_blocks_a_quick_check_like_a_session(cstore):
    s = started(cstore, safety=SafetyScreen(swelling_or_warmth=True))
    assert s.status is SessionStatus.BLOCKED and s.kind is SessionKind.QUICK_CHECK
    step = current_step(s, cstore.clock.now())
    assert (step.kind, step.total) == (StepKind.BLOCKED, 3)


def test_a_finished_quick_check_shows_its_summary(cstore):
    s = started(cstore)
    cstore.record_test(s.id, 12, 5, pain=0)
    cstore.set_status(s.id, SessionStatus.FINISHED)
    step = current_step(cstore.get_session(s.id), cstore.clock.now())
    assert (step.kind, step.number, step.total, step.label) == (StepKind.SUMMARY, 3, 3, "Quick check saved")


def test_reps_must_be_usable():
    with pytest.raises(ValueError):
        flow.new_quick_check("x", Side.LEFT, Movement.SIT_TO_STAND, 0, SafetyScreen())
