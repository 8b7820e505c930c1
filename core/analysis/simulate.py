"""Simulated people with a known truth, for the benchmark and the tests.

A person has 0, 1 or 2 culprit groups.  Stretching a culprit multiplies the
click rate right after it by its effect (0.25-0.65 for the main culprit, a
weaker 0.45-0.8 for a second one); a share of that effect (on the log scale)
carries over to the later tests of the same session and fades with each test.
Other groups and the rest control do nothing.  On top of that: a warm-up drift
per test (mostly fewer clicks as the session goes on, sometimes more), day-to-
day variation of the click level, over-dispersed (gamma-Poisson) counts, and
occasional miscounts (a few clicks too many or too few).

What the default generator does not model, and the variants that do (for judging designs, never for tuning):

* **Stretch length.**  By default a stretch's effect does not depend on how long it was held, which flatters
  short stretches.  ``length_exponent`` > 0 scales the effect's log size by
  ``(stretch_seconds / REFERENCE_STRETCH_SECONDS) ** length_exponent`` (:func:`effect_at`).
  ``LENGTH_EXPONENT`` (0.5) is the variant the benchmarks use: a square-root dose-response, so a 60 s stretch keeps
  82% of a 90 s stretch's log effect and 120 s gets 115%.  It is an assumption, not a fit: no study measures
  how clicking depends on the hold.  Why a square root: acute stretch effects grow with the hold with
  diminishing returns (Behm et al. 2016 review: clearly larger effects from 60 s or more per muscle than from
  less, nowhere near proportional to the time); a linear dose (exponent 1) would make a 60 s stretch a third
  weaker than a 90 s one, more than that supports, and 0 (the default) is the other edge.
* **Drift per rep.**  The drift is tied to tests: each test multiplies the click rate by ``drift`` whatever its
  reps, so more reps per test cost nothing in warm-up or fatigue.  ``drift_per_rep`` makes the log drift of a
  test scale with its reps (``reps / REFERENCE_REPS`` times it), as if the movement itself, not the test count,
  warmed up or tired the knee.

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
#: The stretch length and reps the default generator's effects and drift stand for (the old default session).
REFERENCE_STRETCH_SECONDS = 90
REFERENCE_REPS = 10
#: The length-scaled variant's exponent (see the module docstring): 60 s keeps 82% of the log effect, 120 s 115%.
LENGTH_EXPONENT = 0.5


def effect_at(effect: float, stretch_seconds: float, length_exponent: float = 0.0) -> float:
    """A stretch's multiplier of the click rate when held ``stretch_seconds`` (``effect`` at the reference 90 s):
    its log size scaled by ``(stretch_seconds / 90) ** length_exponent`` (0: length does not matter)."""
    if effect <= 0:
        raise ValueError(f"effect must be positive, got {effect}")
    scale = (stretch_seconds / REFERENCE_STRETCH_SECONDS) ** length_exponent
    return float(effect) if scale == 1 else float(np.exp(np.log(effect) * scale))


def design_logs(effects: dict[str, float], drift: float, reps: int, stretch_seconds: float,
                length_exponent: float = 0.0, drift_per_rep: bool = False) -> tuple[dict[str, float], float]:
    """Each group's log effect and the log drift per test of sessions of ``reps`` reps and ``stretch_seconds``
    stretches, under the module docstring's variants (``length_exponent``, ``drift_per_rep``; off: as drawn)."""
    log_effects = {g: float(np.log(effect_at(e, stretch_seconds, length_exponent))) for g, e in effects.items()}
    return log_effects, float(np.log(drift)) * (reps / REFERENCE_REPS if drift_per_rep else 1.0)

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
    controls: int = 1,
    reps: int = 10,
    stretch_seconds: int = REFERENCE_STRETCH_SECONDS,
    length_exponent: float = 0.0,
    drift_per_rep: bool = False,
    side: str = "left",
    prefix: str = "sim",
    start_day: int = 0,
) -> pd.DataFrame:
    """``n_sessions`` sessions as CSV-schema rows: a baseline, then each group once and the rest control
    ``controls`` times (1 or 2; none when ``control`` is False), in random order unless ``randomized`` is False.

    ``stretch_seconds`` is written to every row; it changes the effects only with ``length_exponent`` > 0, and
    ``drift_per_rep`` ties the drift to the reps (the module docstring's variants).  The random draws do not
    depend on these three, so the same stream gives the same person the same noise under every variant."""
    groups = list(person.effects)
    log_effects, log_drift = design_logs(person.effects, person.drift, reps, stretch_seconds, length_exponent,
                                         drift_per_rep)
    if control:
        groups += [CONTROL] * int(controls)
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
            effect = log_effects.get(group, 0.0)
            after = count(np.log(level) + pos * log_drift + carried + effect)
            carried = carried * person.fade + person.carry * effect
            rows.append(
                dict(
                    session_id=f"{prefix}-{s + 1:02d}",
                    session_date=(pd.Timestamp("2026-01-01") + pd.Timedelta(days=start_day + 2 * s)).date().isoformat(),
                    side=side,
                    movement="bodyweight_squat",
                    position=pos,
                    muscle_group=group,
                    stretch_seconds=stretch_seconds,
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
