"""A program for the culprit: the daily stretch and strengthening exercise of one group, for a few weeks.

Plain logic (dates, the week a day falls in, what the Session page says today); the store keeps programs
(``core.data.store_programs``).  One program per leg at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from core.session.protocol import STRETCHES, Stretch
from core.session.vocabulary import MuscleGroup, Side
from core.session.words import count

#: How long a program runs unless the person chooses otherwise, in weeks.
DEFAULT_WEEKS = 6
MIN_WEEKS, MAX_WEEKS = 1, 26
#: Why six weeks, said in a caption where the length is chosen.
WHY_DEFAULT_WEEKS = (
    "Six weeks is the usual length over which stretching and strengthening programs for the kneecap are "
    "judged: shorter, and a change in the clicking is hard to tell from day-to-day ups and downs."
)
#: The nudge while a program runs: quick checks are what show whether the clicking goes down.
CHECK_NUDGE = (
    "A few times a week (say Monday, Wednesday and Friday), do a quick check: the same test as in your "
    "sessions, no stretches, about a minute. That is what shows whether the clicking goes down."
)


@dataclasses.dataclass(frozen=True)
class Program:
    """One leg's program: stretch and strengthen ``muscle_group`` every day from ``start_date`` for ``weeks``."""

    id: str
    side: Side
    muscle_group: MuscleGroup
    start_date: dt.date
    weeks: int = DEFAULT_WEEKS
    created_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    #: How the evidence stood when it was started (the group's verdict then), e.g. ``likely``.
    verdict: str | None = None

    @property
    def end_date(self) -> dt.date:
        """The last day of the program."""
        return self.start_date + dt.timedelta(weeks=self.weeks) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return MuscleGroup(self.muscle_group).label

    @property
    def active(self) -> bool:
        """Not ended by the person (a program past its last day stays until it is ended or replaced)."""
        return self.ended_at is None


def check_weeks(weeks: int) -> int:
    """``weeks`` if it is a whole number of weeks kneeclick offers, else ValueError saying the range."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise ValueError(f"a program lasts {MIN_WEEKS}-{MAX_WEEKS} whole weeks, got {weeks!r}")
    return weeks


def week_number(program: Program, today: dt.date) -> int:
    """The week ``today`` falls in: 1 on the start day and the six days after it; 0 before the start; past
    the last week it keeps counting (``weeks + 1`` ...)."""
    days = (today - program.start_date).days
    return 0 if days < 0 else days // 7 + 1


@dataclasses.dataclass(frozen=True)
class Today:
    """What the Session page says about a program on one day."""

    headline: str  # e.g. "Week 2 of 6: quadriceps program"
    status: str  # "not_started", "running" or "done"
    stretch: Stretch  # the group's stretch, written for the leg
    strengthen: str
    days_left: int  # days left after today (0 on the last day and after)
    nudge: str | None  # the quick-check nudge while it runs


def today_plan(program: Program, today: dt.date) -> Today:
    """What to do today, which week it is, and whether to nudge towards a quick check."""
    group = MuscleGroup(program.muscle_group)
    stretch = STRETCHES[group].for_side(program.side)
    name = group.label.lower()
    week = week_number(program, today)
    days_left = max(0, (program.end_date - today).days)
    if week == 0:
        days = (program.start_date - today).days
        headline = f"Your {name} program starts in {count(days, 'day')} ({program.start_date:%d %b %Y})"
        status, nudge = "not_started", None
    elif today > program.end_date:
        headline = f"Your {program.weeks}-week {name} program is done (it ended on {program.end_date:%d %b %Y})"
        status, nudge = "done", None
    else:
        headline = f"Week {week} of {program.weeks}: your {name} program"
        status, nudge = "running", CHECK_NUDGE
    return Today(headline, status, stretch, stretch.strengthen, days_left, nudge)


def daily_routine(program: Program) -> list[str]:
    """The program in a few lines (for the page and the report): the stretch, its hold, the strengthening."""
    group = MuscleGroup(program.muscle_group)
    stretch = STRETCHES[group].for_side(program.side)
    return [
        f"Every day: {stretch.name.lower()} on the {Side(program.side).value} leg, held about 30 seconds, 2-3 times (a minute or more in all).",
        f"Every other day, to strengthen: {stretch.strengthen[0].lower()}{stretch.strengthen[1:]}",
        f"From {program.start_date:%d %b %Y} to {program.end_date:%d %b %Y} ({count(program.weeks, 'week')}).",
    ]
