"""The vocabulary of the kneeclick protocol, as plain Python types.

A *session* is one sitting on one leg: a safety screen, a baseline test, then a
series of *conditions* (one muscle-group stretch, or the rest control), each
followed by a retest.  Every test is a *measurement* (reps done, clicks heard,
pain 0-10).  A *trial* is one condition in its place in the order, pointing at
the measurement just before it and the one right after it.

The string values of the enums are contracts: they appear in the CSV schema,
the database and the command line.  Never rename them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum

from core.session.words import count


class MuscleGroup(StrEnum):
    """A condition of the experiment: a muscle group to stretch, or the rest control."""

    QUADRICEPS = "quadriceps"
    HAMSTRINGS = "hamstrings"
    CALVES = "calves"
    HIP_ABDUCTORS = "hip_abductors"
    HIP_FLEXORS = "hip_flexors"
    HIP_ADDUCTORS = "hip_adductors"
    HIP_EXTERNAL_ROTATORS = "hip_external_rotators"
    REST_CONTROL = "rest_control"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]

    @property
    def is_control(self) -> bool:
        return self is MuscleGroup.REST_CONTROL


_GROUP_LABELS = {
    MuscleGroup.QUADRICEPS: "Quadriceps",
    MuscleGroup.HAMSTRINGS: "Hamstrings",
    MuscleGroup.CALVES: "Calves",
    MuscleGroup.HIP_ABDUCTORS: "Hip abductors",
    MuscleGroup.HIP_FLEXORS: "Hip flexors",
    MuscleGroup.HIP_ADDUCTORS: "Hip adductors",
    MuscleGroup.HIP_EXTERNAL_ROTATORS: "Hip external rotators",
    MuscleGroup.REST_CONTROL: "Rest (control)",
}

#: The stretchable groups, in the order the app lists them.
STRETCH_GROUPS: tuple[MuscleGroup, ...] = tuple(g for g in MuscleGroup if not g.is_control)
#: The four groups the source article names; the default selection.
DEFAULT_GROUPS: tuple[MuscleGroup, ...] = (
    MuscleGroup.QUADRICEPS,
    MuscleGroup.HAMSTRINGS,
    MuscleGroup.CALVES,
    MuscleGroup.HIP_ABDUCTORS,
)


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class Movement(StrEnum):
    """The fixed test movement repeated before and after every condition."""

    BODYWEIGHT_SQUAT = "bodyweight_squat"
    STEP_DOWN = "step_down"
    SEATED_KNEE_EXTENSION = "seated_knee_extension"
    SIT_TO_STAND = "sit_to_stand"

    @property
    def label(self) -> str:
        return _MOVEMENT_TEXT[self][0]

    @property
    def how_to(self) -> str:
        return _MOVEMENT_TEXT[self][1]


_MOVEMENT_TEXT = {
    Movement.BODYWEIGHT_SQUAT: (
        "Bodyweight squat",
        "Feet hip-width apart, sit back to about chair height and stand up again, at a steady count of two down, two up.",
    ),
    Movement.STEP_DOWN: (
        "Step-down",
        "Stand on the bottom stair on the test leg, lower the other heel to the floor and straighten back up.",
    ),
    Movement.SEATED_KNEE_EXTENSION: (
        "Seated knee extension",
        "Sit tall on a chair, straighten the test knee fully, then lower the foot back to the floor.",
    ),
    Movement.SIT_TO_STAND: (
        "Sit-to-stand",
        "From a firm chair, arms crossed, stand up fully and sit back down without dropping.",
    ),
}


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    #: Ended early: pain, a new red flag, 0 clicks at baseline, or the person stopped.
    STOPPED = "stopped"
    #: The safety screen found a red flag; the protocol never started.
    BLOCKED = "blocked"


class SessionKind(StrEnum):
    """What a session is: the full stretch-and-retest experiment, or a quick check (the test alone)."""

    FULL = "full"
    #: Only the test (the same movement and reps as the last full session), no stretch: one point of the trend.
    QUICK_CHECK = "quick_check"


#: The CSV column (and trials-frame column) that says a row's session kind; empty or absent means ``full``.
SESSION_KIND_COLUMN = "session_kind"


class TrialStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    #: Skipped on purpose: recorded as skipped, never as zero clicks.
    SKIPPED = "skipped"


class CountMethod(StrEnum):
    """How a measurement's click count was produced."""

    TAP = "tap"
    AUDIO = "audio"
    MANUAL = "manual"
    IMPORT = "import"


class ClickFrequency(StrEnum):
    """The KOOS item: how often does the knee make noise when it moves?"""

    NEVER = "never"
    RARELY = "rarely"
    SOMETIMES = "sometimes"
    OFTEN = "often"
    ALWAYS = "always"


#: The red-flag questions of the safety screen, as SafetyScreen field names.
RED_FLAGS: tuple[str, ...] = (
    "pain_with_clicking",
    "swelling_or_warmth",
    "giving_way",
    "locking_or_catching",
    "began_with_injury",
    "cannot_fully_bend_or_straighten",
    "redness_or_fever",
)


@dataclasses.dataclass(frozen=True)
class SafetyScreen:
    """Answers to the red-flag questions asked before anything else.

    ``True`` means the person answered *yes*.  Any yes blocks the protocol.
    """

    pain_with_clicking: bool = False
    swelling_or_warmth: bool = False
    giving_way: bool = False
    locking_or_catching: bool = False
    began_with_injury: bool = False
    cannot_fully_bend_or_straighten: bool = False
    redness_or_fever: bool = False
    click_frequency: ClickFrequency | None = None

    @property
    def red_flags(self) -> list[str]:
        """The names of the red-flag questions answered yes."""
        return [name for name in RED_FLAGS if getattr(self, name)]

    @property
    def passed(self) -> bool:
        return not self.red_flags

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["click_frequency"] = self.click_frequency.value if self.click_frequency else None
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> "SafetyScreen | None":
        if not data:
            return None
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if kwargs.get("click_frequency"):
            kwargs["click_frequency"] = ClickFrequency(kwargs["click_frequency"])
        return cls(**kwargs)


@dataclasses.dataclass
class Measurement:
    """One test: ``reps`` repetitions of the movement and the clicks counted in them."""

    seq: int  # 0 = baseline, then 1, 2, ... in the order recorded
    reps: int
    clicks: int
    pain: int | None = None  # 0-10, asked after each test
    method: CountMethod = CountMethod.TAP
    recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        validate_counts(self.reps, self.clicks)
        if self.pain is not None and not 0 <= self.pain <= 10:
            raise ValueError(f"pain must be 0-10, got {self.pain}")


@dataclasses.dataclass
class Trial:
    """One condition in its place in a session."""

    position: int  # 1-based place in the order
    muscle_group: MuscleGroup
    stretch_seconds: int
    status: TrialStatus = TrialStatus.PLANNED
    before_seq: int | None = None
    after_seq: int | None = None
    notes: str | None = None


@dataclasses.dataclass
class Session:
    id: str
    side: Side
    movement: Movement
    reps_per_test: int = 10
    stretch_seconds: int = 90
    session_date: str = ""  # ISO 8601 date or date-time, as entered or imported
    order_seed: int | None = None
    randomized: bool = True
    planned_order: list[MuscleGroup] = dataclasses.field(default_factory=list)
    safety: SafetyScreen | None = None
    status: SessionStatus = SessionStatus.IN_PROGRESS
    stop_reason: str | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    notes: str | None = None
    source: str = "app"  # app | import
    trials: list[Trial] = dataclasses.field(default_factory=list)
    measurements: dict[int, Measurement] = dataclasses.field(default_factory=dict)
    #: The guided flow's own state (running timer, why it stopped): see core/session/flow.py.  Stored as JSON.
    flow: dict = dataclasses.field(default_factory=dict)

    @property
    def kind(self) -> SessionKind:
        """A quick check or a full session (kept in ``flow["kind"]``; absent: full)."""
        return SessionKind((self.flow or {}).get("kind") or SessionKind.FULL.value)

    def trial(self, position: int) -> Trial:
        for t in self.trials:
            if t.position == position:
                return t
        raise KeyError(f"session {self.id} has no condition at position {position}")

    @property
    def baseline(self) -> Measurement | None:
        return self.measurements.get(0)

    @property
    def next_trial(self) -> Trial | None:
        """The first condition not yet done or skipped, or None when all are."""
        for t in sorted(self.trials, key=lambda t: t.position):
            if t.status is TrialStatus.PLANNED:
                return t
        return None

    @property
    def last_measurement(self) -> Measurement | None:
        if not self.measurements:
            return None
        return self.measurements[max(self.measurements)]


#: Upper bounds that catch typos (a count of 400 in 10 reps is a slip, not data).
MAX_REPS = 100
MAX_CLICKS_PER_REP = 10


def validate_counts(reps: int, clicks: int) -> None:
    """Raise ValueError with a plain message if a (reps, clicks) pair cannot be real."""
    if isinstance(reps, bool) or not isinstance(reps, int):
        raise ValueError(f"reps must be a whole number, got {reps!r}")
    if isinstance(clicks, bool) or not isinstance(clicks, int):
        raise ValueError(f"clicks must be a whole number, got {clicks!r}")
    if reps < 0 or clicks < 0:
        raise ValueError("reps and clicks cannot be negative")
    if reps > MAX_REPS:
        raise ValueError(f"reps must be at most {MAX_REPS}, got {reps}")
    if reps == 0 and clicks > 0:
        raise ValueError("clicks were counted in zero reps")
    if clicks > reps * MAX_CLICKS_PER_REP:
        raise ValueError(f"{count(clicks, 'click')} in {count(reps, 'rep')} is more than {MAX_CLICKS_PER_REP} a rep")
