"""Simulated people with a known truth, for the benchmark and the tests.

A person has 0, 1 or 2 culprit groups.  Stretching a culprit multiplies the
click rate right after it by its effect (0.25-0.65 for the main culprit, a
weaker 0.45-0.8 for a second one); a share of that effect (on the log scale)
carries over to the later tests of the same session and fades with each test.
Other groups and the rest control do nothing.  On top of that: a warm-up drift
per test (mostly fewer clicks as the session goes on, sometimes more), day-to-
day variation of the click level, over-dispersed (gamma-Poisson) counts, and
occasional miscounts (a few clicks too many or too few).

Everything comes out as a DataFrame in the CSV schema, so the analysis sees
simulated people exactly as it sees real ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from core.session.vocabulary import DEFAULT_GROUPS, MuscleGroup

GROUPS: tuple[str, ...] = tuple(g.value for g in DEFAULT_GROUPS)
CONTROL = MuscleGroup.REST_CONTROL.value


@dataclasses.dataclass
class Person:
    """The truth about one simulated knee."""

    effects: dict[str, float]  # multiplier of the click rate right after each group's stretch (1 = none)
    base_rate: float  # clicks per rep on an average day
    drift: float  # multiplier per extra test (warm-up)
    carry: float  # share of a stretch's log-effect still present at the next test
    fade: float  # the carried share is multiplied by this at every further test
    day_sd: float  # sd of the day-to-day log click level
    shape: float  # gamma shape of the count noise (smaller: more over-dispersed)
    miscount: float  # chance a count is off by 1-3 clicks

    @property
    def culprits(self) -> list[str]:
        """Culprit groups, strongest first."""
        return sorted((g for g, e in self.effects.items() if e < 1), key=lambda g: self.effects[g])


def make_person(rng: np.random.Generator, n_culprits: int, groups: tuple[str, ...] = GROUPS) -> Person:
    effects = {g: 1.0 for g in groups}
    chosen = rng.choice(len(groups), size=n_culprits, replace=False)
    for rank, i in enumerate(chosen):
        effects[groups[i]] = float(rng.uniform(0.25, 0.65) if rank == 0 else rng.uniform(0.45, 0.8))
    return Person(
        effects=effects,
        base_rate=float(np.exp(rng.uniform(np.log(0.4), np.log(1.5)))),
        drift=float(np.exp(rng.normal(-0.05, 0.06))),
        carry=float(rng.uniform(0.0, 0.6)),
        fade=float(rng.uniform(0.5, 0.9)),
        day_sd=float(rng.uniform(0.1, 0.35)),
        shape=float(rng.uniform(4.0, 20.0)),
        miscount=0.05,
    )


def simulate_sessions(
    person: Person,
    n_sessions: int,
    rng: np.random.Generator,
    *,
    randomized: bool = True,
    control: bool = True,
    reps: int = 10,
    side: str = "left",
    prefix: str = "sim",
    start_day: int = 0,
) -> pd.DataFrame:
    """``n_sessions`` sessions as CSV-schema rows: a baseline, then each group (and the control) once."""
    groups = list(person.effects)
    if control:
        groups.append(CONTROL)
    rows = []
    for s in range(n_sessions):
        order = list(rng.permutation(groups)) if randomized else groups
        level = person.base_rate * np.exp(rng.normal(0, person.day_sd))
        carried = 0.0  # log-effect still present from earlier stretches

        def count(log_rate: float) -> int:
            lam = rng.gamma(person.shape, np.exp(log_rate) * reps / person.shape)
            n = int(rng.poisson(lam))
            if rng.random() < person.miscount:
                n = max(0, n + int(rng.choice([-3, -2, -1, 1, 2, 3])))
            return min(n, reps * 10)

        before = count(np.log(level))
        for pos, group in enumerate(order, start=1):
            effect = np.log(person.effects.get(group, 1.0))
            after = count(np.log(level) + pos * np.log(person.drift) + carried + effect)
            carried = carried * person.fade + person.carry * effect
            rows.append(
                dict(
                    session_id=f"{prefix}-{s + 1:02d}",
                    session_date=(pd.Timestamp("2026-01-01") + pd.Timedelta(days=start_day + 2 * s)).date().isoformat(),
                    side=side,
                    movement="bodyweight_squat",
                    position=pos,
                    muscle_group=group,
                    stretch_seconds=90,
                    reps_before=reps,
                    clicks_before=before,
                    reps_after=reps,
                    clicks_after=after,
                    pain_before=0,
                    pain_after=0,
                    notes="",
                )
            )
            before = after
    return pd.DataFrame(rows)


def naive_rule(frame: pd.DataFrame) -> list[tuple[str, float]]:
    """The article's rule on one pass: a group 'contributes' if the clicking dropped after its stretch.

    Returns (group, relative drop) for every stretched group, biggest drop first;
    a drop > 0 counts as a contributor.
    """
    out = []
    for r in frame.itertuples(index=False):
        if r.muscle_group == CONTROL:
            continue
        before = r.clicks_before / r.reps_before
        after = r.clicks_after / r.reps_after
        drop = (before - after) / before if before > 0 else 0.0
        out.append((str(r.muscle_group), float(drop)))
    out.sort(key=lambda t: -t[1])
    return out
