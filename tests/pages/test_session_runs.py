"""Each action on the Session page costs one script run: the write happens in the button's callback and the same
run draws the next step (a second run, ``st.rerun()`` after a write, doubles what a phone waits for every Save).

Runs are counted in AppTest's own script runner: the ``SCRIPT_STARTED`` events of each ``at.run()``.
"""

import pytest
from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from core.session.vocabulary import SessionStatus
from tests.pages.test_session import answer_safety, change_settings, clock, ok, plan, session_app, sid, step_text  # noqa: F401 - fixtures and helpers


@pytest.fixture
def runs(monkeypatch) -> list[int]:
    """Script runs started by each ``at.run()``, in order."""
    counts: list[int] = []
    real = LocalScriptRunner.run

    def run(self, *args, **kwargs):
        try:
            return real(self, *args, **kwargs)
        finally:
            counts.append(self.events.count(ScriptRunnerEvent.SCRIPT_STARTED))

    monkeypatch.setattr(LocalScriptRunner, "run", run)
    return counts


def one_run(at, runs: list[int], action) -> None:
    """``action(at)`` (a click and ``.run()``) took exactly one script run, without an error."""
    before = len(runs)
    action(at)
    ok(at)
    assert runs[before:] == [1], f"expected one script run for this action, got {runs[before:]}"


def save(tag: str, clicks: int, pain: int):
    def act(at):
        s = sid(at)
        at.session_state[f"{s}-test-{tag}-tap"] = {"count": clicks}
        at.segmented_control(key=f"{s}-pain-{tag}").set_value(pain)
        at.button(key=f"{s}-save-{tag}").click().run()

    return act


def test_every_save_and_step_change_of_a_session_is_one_script_run(session_app, clock, store, runs):
    at = ok(session_app())
    one_run(at, runs, lambda at: answer_safety(at))  # safety -> setup
    assert "Set up" in step_text(at)
    one_run(at, runs, change_settings)  # the form behind today's settings
    one_run(at, runs, lambda at: plan(at, conditions=["calves", "rest_control"], randomized=False))
    assert "Baseline" in step_text(at)
    s = sid(at)

    one_run(at, runs, save("b", clicks=6, pain=0))  # save the baseline -> the first stretch
    assert "Stretch" in step_text(at) and list(store.get_session(s).measurements) == [0]
    one_run(at, runs, lambda at: at.button(key=f"{s}-start-1").click().run())  # start the timer
    assert at.button(key=f"{s}-restart-1"), "the countdown is on screen"
    clock.advance(90)
    at.run()
    assert "Retest" in step_text(at)
    one_run(at, runs, save("r1", clicks=4, pain=0))  # save a retest -> the next stretch
    one_run(at, runs, lambda at: at.button(key=f"{s}-start-2").click().run())
    clock.advance(90)
    at.run()
    one_run(at, runs, save("r2", clicks=5, pain=1))  # save the last retest -> the summary, finished on the way
    assert at.title and at.title[-1].value == "Session summary"
    session = store.get_session(s)
    assert session.status is SessionStatus.FINISHED
    assert [(m.clicks, m.pain) for m in session.measurements.values()] == [(6, 0), (4, 0), (5, 1)], "each saved once"


def test_a_refused_save_is_one_run_and_says_why(session_app, clock, store, runs):
    at = answer_safety(ok(session_app()))
    plan(at)
    s = sid(at)
    at.session_state[f"{s}-test-b-tap"] = {"count": 5}
    at.run()
    one_run(at, runs, lambda at: at.button(key=f"{s}-save-b").click().run())  # no pain chosen
    assert any("0 (not at all) to 10" in e.value for e in at.error)
    assert store.get_session(s).measurements == {}


def test_each_step_of_a_quick_check_is_one_script_run(session_app, clock, store, runs):
    at = ok(session_app())
    one_run(at, runs, lambda at: at.button(key="quick-check").click().run())  # the offer -> its safety screen
    one_run(at, runs, lambda at: at.radio(key="quick-side").set_value("left").run())
    one_run(at, runs, lambda at: at.button(key="quick-none").click().run())  # start -> the test
    assert "Step 2 of 3" in step_text(at)
    one_run(at, runs, save("b", clicks=3, pain=0))  # save -> the summary, finished on the way
    (check,) = store.list_sessions()["id"]
    assert store.get_session(check).status is SessionStatus.FINISHED
    assert [m.clicks for m in store.get_session(check).measurements.values()] == [3]
    one_run(at, runs, lambda at: at.button(key="quick-done").click().run())  # Done -> the start screen
    assert at.button(key="quick-check")
