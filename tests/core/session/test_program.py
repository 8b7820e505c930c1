"""A program's dates and what the Session page says on a given day."""

import datetime as dt

import pytest

from core.session.program import (
    CHECK_NUDGE,
    DEFAULT_WEEKS,
    Program,
    check_weeks,
    daily_routine,
    today_plan,
    week_number,
)
from core.session.vocabulary import MuscleGroup, Side

START = dt.date(2026, 11, 2)  # a Monday


def program(weeks: int = DEFAULT_WEEKS, group=MuscleGroup.CALVES, side=Side.LEFT) -> Program:
    return Program(id="p1", side=side, muscle_group=group, start_date=START, weeks=weeks)


def test_six_weeks_end_on_the_day_before_the_seventh_week_starts():
    assert program().end_date == dt.date(2026, 12, 13)
    assert program(weeks=1).end_date == dt.date(2026, 11, 8)


@pytest.mark.parametrize(
    "day, week",
    [(-1, 0), (0, 1), (6, 1), (7, 2), (13, 2), (35, 6), (41, 6), (42, 7)],
)
def test_week_one_is_the_start_day_and_the_six_days_after_it(day, week):
    assert week_number(program(), START + dt.timedelta(days=day)) == week


def test_a_running_program_says_the_week_and_nudges_towards_a_quick_check():
    today = today_plan(program(), START + dt.timedelta(days=9))
    assert today.status == "running"
    assert today.headline == "Week 2 of 6: your calves program"
    assert today.nudge == CHECK_NUDGE
    assert today.stretch.name == "Wall calf stretch"
    assert "left" in " ".join(today.stretch.steps) and "right" not in today.stretch.cue
    assert today.strengthen.startswith("Slow calf raises")
    assert today.days_left == 41 - 9


def test_before_the_start_it_counts_down_and_after_the_end_it_says_done_without_a_nudge():
    before = today_plan(program(), START - dt.timedelta(days=2))
    assert before.status == "not_started" and "starts in 2 days" in before.headline and before.nudge is None
    last = today_plan(program(), program().end_date)
    assert last.status == "running" and last.headline.startswith("Week 6 of 6") and last.days_left == 0
    after = today_plan(program(), program().end_date + dt.timedelta(days=1))
    assert after.status == "done" and "is done" in after.headline and after.nudge is None


def test_the_routine_names_the_stretch_for_the_leg_the_strengthening_and_the_dates():
    lines = daily_routine(program(group=MuscleGroup.QUADRICEPS, side=Side.RIGHT))
    assert "standing quad stretch on the right leg" in lines[0]
    assert "wall sits or slow step-downs" in lines[1]
    assert "02 Nov 2026 to 13 Dec 2026 (6 weeks)" in lines[2]


@pytest.mark.parametrize("weeks", [0, 27, 2.5, True, "6"])
def test_a_length_that_is_not_1_to_26_whole_weeks_is_refused(weeks):
    with pytest.raises(ValueError, match="1-26 whole weeks"):
        check_weeks(weeks)
