"""The guided session as plain logic: setup, order planning, the current step, stop rules.

The page never remembers where a person is: it asks :func:`current_step` with
the session as stored and the time now.  So a reload, a closed tab or a
restarted server lands on the same step, and every rule here is unit-tested
without Streamlit.

A session's flow state that has no column of its own (the running stretch
timer, why it stopped) lives in ``Session.flow``, a small JSON dict the store
keeps beside the safety answers:

- ``timer``: ``{"position": p, "started_at": iso, "seconds": s}``, the stretch timer of the condition at ``p``;
- ``stop``: ``{"code": one of STOP_CODES, "new_red_flags": [...], "pain": n}``;
- ``kind``: ``"quick_check"`` for a quick check (absent: a full session), see :func:`new_quick_check`.

A *quick check* is a session with no conditions: the safety answer, one test (stored as its baseline, the same
movement and reps as the last full session) and its summary.  It ends as soon as that test is saved; 0 clicks
is a result there (the clicking may be gone), not a reason to stop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from collections.abc import Iterable, Sequence
from enum import StrEnum

from core.session.vocabulary import (
    DEFAULT_GROUPS,
    MAX_REPS,
    RED_FLAGS,
    Measurement,
    Movement,
    MuscleGroup,
    SafetyScreen,
    Session,
    SessionKind,
    SessionStatus,
    Side,
    Trial,
    TrialStatus,
)
from core.session.protocol import RED_FLAG_REASONS
from core.session.timer import Timer
from core.session.words import count

#: Pain at or above this (0-10) in any test ends the session.
PAIN_STOP = 4
STRETCH_MIN_SECONDS = 60
STRETCH_MAX_SECONDS = 120
#: The default session: 14 reps per test and 70 s stretches (686 s of testing and stretching for the four groups
#: and the rest control, within the standard 690 s that 10 reps and 90 s took).  Chosen by
#: benchmarks/bench_ranking_design.py on tuning seeds 0-599 (issue 9, seventh round), each design with its
#: ``likely`` schedule recalibrated: the main culprit ``likely`` at 3 sessions 0.297 against 0.228 with 10 / 90,
#: top-1 0.853 against 0.827, false ``likely`` over looks 0.050 for both; and, unlike 16 reps with 60 s stretches
#: (0.329, but top-1 0.028 lower there), no worse where a stretch's effect shrinks with its length (log effect x
#: (t/90)^0.5: culprit ``likely`` 0.254 against 0.228, top-1 0.810 against 0.827).  The person can change both.
DEFAULT_STRETCH_SECONDS = 70
DEFAULT_REPS = 14
#: The default conditions: the article's four groups and the rest control.
DEFAULT_CONDITIONS: tuple[MuscleGroup, ...] = (*DEFAULT_GROUPS, MuscleGroup.REST_CONTROL)

STOP_PAIN = "pain"
STOP_RED_FLAG = "red_flag"
STOP_NO_CLICKS = "no_clicks"
STOP_PERSON = "person"
STOP_BLOCKED = "blocked"
STOP_CODES = (STOP_PAIN, STOP_RED_FLAG, STOP_NO_CLICKS, STOP_PERSON, STOP_BLOCKED)

RED_FLAG_SHORT: dict[str, str] = {
    "pain_with_clicking": "pain",
    "swelling_or_warmth": "swelling or warmth",
    "giving_way": "giving way",
    "locking_or_catching": "locking or catching",
    "began_with_injury": "began with an injury",
    "cannot_fully_bend_or_straighten": "cannot fully bend or straighten",
    "redness_or_fever": "redness or fever",
}

#: What to do next, said once the session has ended for that reason.
ADVICE: dict[str, str] = {
    STOP_BLOCKED: (
        "Please see a clinician (your GP or a physiotherapist) about this knee before trying this test. "
        "Clicking is usually harmless when it is painless, but the answers above point to something "
        "stretching will not fix, and testing could make it worse."
    ),
    STOP_PAIN: (
        "The test stopped because the movement hurt. kneeclick is only for painless clicking: do not push "
        "through pain. Rest the knee today. If the pain is still there in a few days, or keeps coming back "
        "with the clicking, see a clinician (your GP or a physiotherapist)."
    ),
    STOP_RED_FLAG: (
        "The test stopped because of a new symptom. Rest the knee and see a clinician (your GP or a "
        "physiotherapist) before testing again."
    ),
    STOP_NO_CLICKS: (
        "Your knee did not click in the baseline test, so there is nothing for a stretch to reduce today. "
        "That is good news for the knee, and it is not counted as a result. Try another day, at a time "
        "when it usually clicks."
    ),
    STOP_PERSON: "You stopped the session. Every test you saved is kept; the rest are marked as not done.",
}


class StepKind(StrEnum):
    SAFETY = "safety"  # no session yet
    BLOCKED = "blocked"  # the safety screen found a red flag
    SETUP = "setup"
    BASELINE = "baseline"
    STRETCH = "stretch"  # instructions; the timer not started yet
    TIMING = "timing"  # the stretch timer is running
    RETEST = "retest"
    ENDING = "ending"  # the stored data says the session is over: apply ``Step.ending`` and look again
    SUMMARY = "summary"


@dataclasses.dataclass(frozen=True)
class Ending:
    status: SessionStatus
    code: str | None  # a STOP_CODES value; None when finished normally
    reason: str | None


@dataclasses.dataclass(frozen=True)
class Step:
    kind: StepKind
    number: int  # 1-based place among ``total`` steps
    total: int
    trial: Trial | None = None
    timer: Timer | None = None
    ending: Ending | None = None
    quick: bool = False  # a step of a quick check

    @property
    def label(self) -> str:
        if self.kind is StepKind.SAFETY:
            return "Quick check: how is the knee today" if self.quick else "Safety questions"
        if self.kind is StepKind.BLOCKED:
            return "Safety questions: see a clinician first"
        if self.kind is StepKind.SETUP:
            return "Set up the session"
        if self.kind is StepKind.BASELINE:
            return "Quick check: the test" if self.quick else "Baseline test"
        if self.quick:
            return "Quick check saved"
        if self.trial is not None:
            group = self.trial.muscle_group
            if self.kind is StepKind.RETEST:
                return f"Retest after {'the rest' if group.is_control else group.label.lower()}"
            return "Rest (the control)" if group.is_control else f"Stretch: {group.label.lower()}"
        return "Summary"

    @property
    def progress(self) -> str:
        return f"Step {self.number} of {self.total}"


# ------------------------------------------------------------------ safety
def blocked_reason(safety: SafetyScreen) -> str:
    flags = ", ".join(RED_FLAG_SHORT[f] for f in safety.red_flags)
    return f"Safety screen: {flags}. The protocol did not start."


def red_flag_reasons(flags: Iterable[str]) -> list[str]:
    """Why each answered red flag matters, in the order of the questions."""
    chosen = set(flags)
    return [RED_FLAG_REASONS[f] for f in RED_FLAGS if f in chosen]


def new_session(session_id: str, side: Side | str, safety: SafetyScreen) -> Session:
    """The session created when the safety screen is answered: blocked on any red flag, else awaiting setup.

    The movement is the default until setup; a blocked session never gets one of its own.
    """
    session = Session(
        id=session_id,
        side=Side(side),
        movement=Movement.BODYWEIGHT_SQUAT,
        reps_per_test=DEFAULT_REPS,
        stretch_seconds=DEFAULT_STRETCH_SECONDS,
        safety=safety,
        source="app",
    )
    if not safety.passed:
        session.status = SessionStatus.BLOCKED
        session.stop_reason = blocked_reason(safety)
        session.flow = {"stop": {"code": STOP_BLOCKED, "new_red_flags": safety.red_flags}}
    return session


def new_quick_check(
    session_id: str, side: Side | str, movement: Movement | str, reps: int, safety: SafetyScreen
) -> Session:
    """A quick check: the test alone (``movement`` and ``reps`` as in the last full session), no conditions.

    Blocked on any red flag, like a full session; else it goes straight to its test.
    """
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPS:
        raise ValueError(f"reps must be a whole number from 1 to {MAX_REPS}, got {reps!r}")
    session = new_session(session_id, side, safety)
    session.movement = Movement(movement)
    session.reps_per_test = reps
    session.stretch_seconds = 0
    session.flow = {**session.flow, "kind": SessionKind.QUICK_CHECK.value}
    return session


#: A quick check's steps: the safety answer, the test, the summary.
QUICK_CHECK_STEPS = 3


# ------------------------------------------------------------------- setup
@dataclasses.dataclass(frozen=True)
class Setup:
    side: Side
    movement: Movement
    reps_per_test: int = DEFAULT_REPS
    stretch_seconds: int = DEFAULT_STRETCH_SECONDS
    conditions: tuple[MuscleGroup, ...] = DEFAULT_CONDITIONS
    randomized: bool = True

    def problems(self) -> list[str]:
        """Plain messages for every choice that cannot be used; empty when the setup is fine."""
        out = []
        if isinstance(self.reps_per_test, bool) or not isinstance(self.reps_per_test, int) or not 1 <= self.reps_per_test <= MAX_REPS:
            out.append(f"Reps per test must be a whole number from 1 to {MAX_REPS}.")
        if (
            isinstance(self.stretch_seconds, bool)
            or not isinstance(self.stretch_seconds, int)
            or not STRETCH_MIN_SECONDS <= self.stretch_seconds <= STRETCH_MAX_SECONDS
        ):
            out.append(f"The stretch length must be {STRETCH_MIN_SECONDS} to {STRETCH_MAX_SECONDS} seconds.")
        groups = [MuscleGroup(g) for g in self.conditions]
        if len(set(groups)) != len(groups):
            out.append("Each condition can be chosen only once.")
        if MuscleGroup.REST_CONTROL not in groups:
            out.append(
                "Keep the rest control: without it there is no way to tell a stretch's effect from the change "
                "that repeating the movement causes by itself."
            )
        if not any(not g.is_control for g in groups):
            out.append("Choose at least one muscle group to stretch.")
        return out


def new_seed() -> int:
    """A fresh random seed for the order (stored, so the order can be re-derived and audited)."""
    return secrets.randbits(31)


def plan_order(conditions: Sequence[MuscleGroup], randomized: bool, seed: int | None) -> list[MuscleGroup]:
    """The order the conditions run in: shuffled by ``seed``, or exactly as given when fixed."""
    order = [MuscleGroup(g) for g in conditions]
    if randomized:
        if seed is None:
            raise ValueError("a randomized order needs a seed")
        random.Random(seed).shuffle(order)
    return order


def planned_trials(order: Sequence[MuscleGroup], stretch_seconds: int) -> list[Trial]:
    return [Trial(position=i, muscle_group=MuscleGroup(g), stretch_seconds=stretch_seconds) for i, g in enumerate(order, 1)]


# ------------------------------------------------------------------- steps
def total_steps(conditions: int) -> int:
    """Safety, setup, baseline, a stretch and a retest per condition, summary."""
    return 4 + 2 * conditions


def _stretch_number(position: int) -> int:
    return 2 + 2 * position


def running_timer(session: Session, position: int) -> Timer | None:
    """The stretch timer started for the condition at ``position``, if any."""
    data = (session.flow or {}).get("timer")
    if not data or data.get("position") != position:
        return None
    return Timer.from_dict(data)


def ending_due(session: Session) -> Ending | None:
    """Whether the stored data says an in-progress session is over (a stop rule met, or all conditions done)."""
    if session.status is not SessionStatus.IN_PROGRESS:
        return None
    if session.kind is SessionKind.QUICK_CHECK:  # over once its one test is saved; 0 clicks is a result
        if session.baseline is None:
            return None
        m = session.baseline
        if m.pain is not None and m.pain >= PAIN_STOP:
            return Ending(SessionStatus.STOPPED, STOP_PAIN, f"Pain {m.pain}/10 in the quick check: stop at {PAIN_STOP} or more.")
        return Ending(SessionStatus.FINISHED, None, None)
    if not session.trials:
        return None
    for seq in sorted(session.measurements):
        decision = stop_after_test(session.measurements[seq], baseline=seq == 0)
        if decision is not None:
            return decision
    if session.baseline is not None and session.next_trial is None:
        return Ending(SessionStatus.FINISHED, None, None)
    return None


def current_step(session: Session | None, now: dt.datetime) -> Step:
    """Where the person is, from the stored session alone."""
    if session is None:
        return Step(StepKind.SAFETY, 1, total_steps(len(DEFAULT_CONDITIONS)))
    if session.kind is SessionKind.QUICK_CHECK:
        return _quick_step(session)
    n = len(session.trials) or len(DEFAULT_CONDITIONS)
    total = total_steps(n)
    if session.status is SessionStatus.BLOCKED:
        return Step(StepKind.BLOCKED, 1, total)
    if session.status is not SessionStatus.IN_PROGRESS:
        return Step(StepKind.SUMMARY, total, total)
    if not session.trials:
        return Step(StepKind.SETUP, 2, total)
    ending = ending_due(session)
    if ending is not None:
        return Step(StepKind.ENDING, total, total, ending=ending)
    if session.baseline is None:
        return Step(StepKind.BASELINE, 3, total)
    trial = session.next_trial
    assert trial is not None  # ending_due covers "all resolved"
    timer = running_timer(session, trial.position)
    number = _stretch_number(trial.position)
    if timer is None:
        return Step(StepKind.STRETCH, number, total, trial=trial)
    if not timer.done(now):
        return Step(StepKind.TIMING, number, total, trial=trial, timer=timer)
    return Step(StepKind.RETEST, number + 1, total, trial=trial, timer=timer)


def _quick_step(session: Session) -> Step:
    total = QUICK_CHECK_STEPS
    if session.status is SessionStatus.BLOCKED:
        return Step(StepKind.BLOCKED, 1, total, quick=True)
    if session.status is not SessionStatus.IN_PROGRESS:
        return Step(StepKind.SUMMARY, total, total, quick=True)
    ending = ending_due(session)
    if ending is not None:
        return Step(StepKind.ENDING, total, total, ending=ending, quick=True)
    return Step(StepKind.BASELINE, 2, total, quick=True)


def next_seq(session: Session) -> int:
    """The seq the next recorded test will get."""
    return 0 if not session.measurements else max(session.measurements) + 1


# -------------------------------------------------------------- stop rules
def stop_after_test(m: Measurement, *, baseline: bool) -> Ending | None:
    """The stop rule for one recorded test: pain >= PAIN_STOP, or 0 clicks at baseline."""
    which = "the baseline test" if baseline else "a retest"
    if m.pain is not None and m.pain >= PAIN_STOP:
        return Ending(SessionStatus.STOPPED, STOP_PAIN, f"Pain {m.pain}/10 in {which}: sessions stop at {PAIN_STOP} or more.")
    if baseline and m.clicks == 0:
        return Ending(SessionStatus.STOPPED, STOP_NO_CLICKS, f"No clicks in the baseline test ({count(m.reps, 'rep')}): nothing to measure today.")
    return None


def red_flag_ending(flags: Iterable[str]) -> Ending:
    flags = [f for f in RED_FLAGS if f in set(flags)]
    if not flags:
        raise ValueError("no red flag given")
    names = ", ".join(RED_FLAG_SHORT[f] for f in flags)
    return Ending(SessionStatus.STOPPED, STOP_RED_FLAG, f"New symptom during the session: {names}.")


def person_ending(note: str | None = None) -> Ending:
    note = (note or "").strip()
    return Ending(SessionStatus.STOPPED, STOP_PERSON, "Stopped by the person" + (f": {note}" if note else "."))


def stop_code(session: Session) -> str | None:
    """Why an ended session ended (a STOP_CODES value), or None if it finished or is still running."""
    stop = (session.flow or {}).get("stop") or {}
    if stop.get("code"):
        return stop["code"]
    if session.status is SessionStatus.BLOCKED:
        return STOP_BLOCKED
    return None


def new_red_flags(session: Session) -> list[str]:
    return list(((session.flow or {}).get("stop") or {}).get("new_red_flags") or [])


def advice(session: Session) -> str | None:
    code = stop_code(session)
    return ADVICE.get(code) if code else None


def trial_state(session: Session, trial: Trial) -> str:
    """``done``, ``skipped``, ``not done`` (the session ended first) or ``planned``."""
    if trial.status is TrialStatus.DONE:
        return "done"
    if trial.status is TrialStatus.SKIPPED:
        return "skipped"
    return "planned" if session.status is SessionStatus.IN_PROGRESS else "not done"
