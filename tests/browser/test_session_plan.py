"""A planned second session in a real browser, on a phone: Setup shows the suggestion and its reason, filled in,
and the session runs as planned."""

import numpy as np
import pytest
from playwright.sync_api import expect

from core.analysis.planner import plan_next
from core.analysis.simulate import Person, simulate_sessions
from core.data.csvio import import_csv, write_csv
from core.data.store import Store
from core.session.vocabulary import MuscleGroup, SessionStatus
from tests.helpers import PHONE, TABLE_EDGES, answer_safety, change_settings, save_test, settled, shot, sid_of, tap

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]


def test_a_planned_second_session_on_a_phone(server_factory, new_page, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'planned.sqlite3'}"
    store = Store.open(db_url)
    person = Person(effects={"quadriceps": 1.0, "hamstrings": 3.0, "calves": 0.5, "hip_abductors": 1.0},
                    base_rate=1.2, drift=0.97, carry=0.2, fade=0.7, day_sd=0.15, shape=15.0, miscount=0.0)
    write_csv(simulate_sessions(person, 1, np.random.default_rng(5)), tmp_path / "first.csv")
    import_csv(store, tmp_path / "first.csv")
    plan = plan_next(store.trials_frame(), "left")
    store.engine.dispose()
    assert not plan.stop

    server = server_factory(db_url=db_url, env={"KNEECLICK_TIMER_SECONDS": "2"})
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/session")
    settled(page)
    answer_safety(page, "Left", "Often")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Suggested from your last sessions:")).to_be_visible()
    settled(page)
    sid = sid_of(page)
    expect(page.get_by_text("because", exact=False).first).to_be_visible()
    expect(page.get_by_text(f"({plan.reps} reps per test)", exact=False)).to_be_visible()
    expect(page.get_by_text(f"Step 2 of {4 + 2 * len(plan.conditions)}")).to_be_visible()  # the suggested session's
    shot(page, "session-plan-phone-00-summary")
    change_settings(page, sid)  # the form, filled in from the suggestion
    expect(page.locator(f".st-key-{sid}-setup-reps input")).to_have_value(str(plan.reps))
    stretch_groups = [c for c in plan.conditions if c != "rest_control"]
    expect(page.locator(f".st-key-{sid}-setup-conditions [data-tag]")).to_have_count(len(plan.conditions))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    shot(page, "session-plan-phone-01-setup")
    page.get_by_role("button", name="Plan the session").click()

    n = len(plan.conditions)
    expect(page.get_by_text(f"Step 3 of {4 + 2 * n}")).to_be_visible()
    settled(page)
    tap(page, 5, 0.05)
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("5")
    save_test(page, sid, "b", 0)
    for position, condition in enumerate(plan.conditions, 1):
        label = "Rest (the control)" if condition == "rest_control" else \
            f"Stretch: {MuscleGroup(condition).label.lower()}"
        expect(page.get_by_text(f"Step {2 + 2 * position} of {4 + 2 * n}")).to_be_visible()
        expect(page.get_by_text(label).first).to_be_visible()
        settled(page)
        page.get_by_role("button", name="Start the 0:02 timer").click()
        expect(page.get_by_text(f"Step {3 + 2 * position} of {4 + 2 * n}")).to_be_visible(timeout=15_000)
        settled(page)
        tap(page, 3, 0.05)
        expect(page.locator(f".st-key-{sid}-test-r{position}-clicks input")).to_have_value("3")
        save_test(page, sid, f"r{position}", 0)
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    settled(page)
    shot(page, "session-plan-phone-02-summary")
    for right, edge in page.evaluate(TABLE_EDGES):  # three conditions' counts and pain: every column on screen
        assert right <= edge + 1, f"the summary's table runs {right - edge:.0f} px past its box"

    store = Store.open(db_url)
    session = store.get_session(sid)
    store.engine.dispose()
    assert session.status is SessionStatus.FINISHED
    assert [t.muscle_group.value for t in session.trials] == list(plan.conditions)
    assert session.reps_per_test == plan.reps and session.stretch_seconds == plan.stretch_seconds
    assert [m.reps for m in session.measurements.values()] == [plan.reps] * (n + 1)
    assert len(stretch_groups) >= 2
