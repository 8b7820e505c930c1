"""A family of simulated-person generators, each with its priors written down.

Every generator is the baseline below with one thing changed (the thing that
matters for the ranking).  A person is drawn from the generator's priors, then
runs ``SESSIONS`` sessions of the fixed design: a baseline test, then each
tested group and the rest control once, in a random order, ``REPS`` reps per
test.  The same priors are what the Bayes-optimal ceiling (``ceiling.py``)
integrates over, so the ceiling is exactly "the best decision given this
generator's own priors".

Baseline priors (all independent; U = uniform, N = normal, logU = uniform on the log scale):

* number of culprits: 0, 1 or 2, a third each; culprits drawn without replacement
  from ``candidates`` (the four default groups); the first drawn is the "main" one
* effect of a culprit's stretch (multiplier of the click rate right after it):
  main U(0.25, 0.65), second U(0.45, 0.80); every other group and the control: 1
* click rate per rep on an average day: logU(0.4, 1.5)
* drift per extra test (multiplier): exp(N(-0.05, 0.06)), warm-up (fewer clicks as the session goes on)
* carry-over, per ``CARRY_MODELS``: after a stretch, ``carry`` x its log-effect is still present
  at the next test and is multiplied by ``fade`` at each further test (baseline: fading)
* day-to-day sd of the log click level: U(0.10, 0.35)
* count noise: gamma-Poisson with gamma shape U(4, 20) (smaller: more over-dispersed)
* miscounts: none (the ``miscounts`` generator: 15% of counts off by 1-3 clicks, either way)

Like core/analysis/simulate.py, every generator ties the drift to tests (each test multiplies the click rate by
``drift``, whatever its reps: the fatigue generator's fatigue too) and makes a stretch's effect independent of its
length.  :func:`simulate`'s ``length_exponent`` and ``drift_per_rep`` are the same variants as the simulator's (for
judging designs; the ceiling's priors do not know them, so the ceiling is only the ceiling without them).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from core.analysis.simulate import design_logs
from core.session import flow
from core.session.vocabulary import DEFAULT_GROUPS, MuscleGroup

DEFAULT: tuple[str, ...] = tuple(g.value for g in DEFAULT_GROUPS)
ALL_GROUPS: tuple[str, ...] = tuple(g.value for g in MuscleGroup if not g.is_control)
CONTROL = MuscleGroup.REST_CONTROL.value
SESSIONS = 3
#: The default session's reps and stretch length (14 and 70 s since issue 9's seventh round; 10 and 90 s before).
REPS = flow.DEFAULT_REPS
STRETCH_SECONDS = flow.DEFAULT_STRETCH_SECONDS

#: Carry-over models: (carry share range, fade-per-test range).  A test slot (a 70-90 s stretch, 10-14 reps,
#: typing) takes about 3 minutes, so "fading" (fade 0.45-0.8 per test) leaves 10-40% of the carried effect after
#: 15 minutes: the 10-30 minute fade of acute stretch effects (Behm et al. 2016) in /work/shared/domain-notes.md.
CARRY_MODELS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "none": ((0.0, 0.0), (0.0, 0.0)),
    "fading": ((0.2, 0.7), (0.45, 0.8)),
    "whole": ((0.3, 0.9), (1.0, 1.0)),
}


@dataclasses.dataclass(frozen=True)
class Priors:
    """Everything a generator randomizes, and how.  The ceiling integrates over exactly these."""

    candidates: tuple[str, ...] = DEFAULT  # groups a culprit can be
    tested: tuple[str, ...] = DEFAULT  # groups stretched in each session
    n_culprits: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)  # prior chance of 0, 1, 2 culprits
    main_effect: tuple[float, float] = (0.25, 0.65)
    second_effect: tuple[float, float] = (0.45, 0.80)
    base_rate: tuple[float, float] = (0.4, 1.5)  # log-uniform
    drift: tuple[float, float] = (-0.05, 0.06)  # mean, sd of the log drift per test
    carry: str = "fading"
    day_sd: tuple[float, float] = (0.10, 0.35)
    shape: tuple[float, float] = (4.0, 20.0)
    miscount: float = 0.0


#: name -> (what differs from the baseline, priors)
GENERATORS: dict[str, tuple[str, Priors]] = {
    "baseline": ("fading carry-over, warm-up drift (the defaults above)", Priors()),
    "no_carry": ("no carry-over at all", Priors(carry="none")),
    "whole_session": ("carry-over lasts the whole session (fade 1)", Priors(carry="whole")),
    "fatigue": ("drift the other way: more clicks as the session goes on, exp(N(+0.06, 0.04))",
                Priors(drift=(0.06, 0.04))),
    "day_to_day": ("large day-to-day variation: sd U(0.4, 0.8)", Priors(day_sd=(0.4, 0.8))),
    "overdispersed": ("strongly over-dispersed counts: gamma shape U(1.2, 3)", Priors(shape=(1.2, 3.0))),
    "miscounts": ("15% of counts off by 1-3 clicks", Priors(miscount=0.15)),
    "small_effects": ("weaker culprits: main U(0.5, 0.8), second U(0.65, 0.9)",
                      Priors(main_effect=(0.5, 0.8), second_effect=(0.65, 0.9))),
    "outside": ("culprits among all seven groups, only the four defaults tested",
                Priors(candidates=ALL_GROUPS)),
}


@dataclasses.dataclass
class Person:
    """The truth about one simulated knee."""

    effects: dict[str, float]  # every candidate group's multiplier (1 = no effect)
    base_rate: float
    drift: float
    carry: float
    fade: float
    day_sd: float
    shape: float
    miscount: float

    def culprits(self, groups: tuple[str, ...] | None = None) -> list[str]:
        """Culprit groups (among ``groups``, default all), strongest first."""
        pool = self.effects if groups is None else [g for g in self.effects if g in groups]
        return sorted((g for g in pool if self.effects[g] < 1), key=lambda g: self.effects[g])


@dataclasses.dataclass
class Data:
    """One person's sessions: the running order and the counts of every test."""

    orders: list[list[str]]  # per session, the conditions in running order (control included)
    counts: np.ndarray  # (sessions, 1 + conditions): the baseline test, then the test after each condition
    reps: int
    frame: pd.DataFrame  # the same, as rows of the CSV schema


def draw_person(priors: Priors, rng: np.random.Generator, n_culprits: int) -> Person:
    effects = {g: 1.0 for g in priors.candidates}
    chosen = rng.choice(len(priors.candidates), size=n_culprits, replace=False)
    for rank, i in enumerate(chosen):
        lo, hi = priors.main_effect if rank == 0 else priors.second_effect
        effects[priors.candidates[i]] = float(rng.uniform(lo, hi))
    (c_lo, c_hi), (f_lo, f_hi) = CARRY_MODELS[priors.carry]
    return Person(
        effects=effects,
        base_rate=float(np.exp(rng.uniform(*np.log(priors.base_rate)))),
        drift=float(np.exp(rng.normal(*priors.drift))),
        carry=float(rng.uniform(c_lo, c_hi)),
        fade=float(rng.uniform(f_lo, f_hi)),
        day_sd=float(rng.uniform(*priors.day_sd)),
        shape=float(rng.uniform(*priors.shape)),
        miscount=priors.miscount,
    )


def simulate(person: Person, priors: Priors, rng: np.random.Generator, n_sessions: int = SESSIONS,
             reps: int = REPS, side: str = "left", *, stretch_seconds: int = STRETCH_SECONDS,
             length_exponent: float = 0.0, drift_per_rep: bool = False) -> Data:
    """``n_sessions`` sessions of the fixed design: baseline, then each tested group and the control, random order.

    ``length_exponent`` / ``drift_per_rep``: the variants of core.analysis.simulate (off by default; the draws do
    not depend on them)."""
    sessions = [simulate_session(person, priors, rng, s, reps=reps, side=side, stretch_seconds=stretch_seconds,
                                 length_exponent=length_exponent, drift_per_rep=drift_per_rep)
                for s in range(n_sessions)]
    return combine(sessions)


def simulate_session(person: Person, priors: Priors, rng: np.random.Generator, s: int, order: list[str] | None = None,
                     reps: int = REPS, side: str = "left", *, stretch_seconds: int = STRETCH_SECONDS,
                     length_exponent: float = 0.0, drift_per_rep: bool = False) -> Data:
    """Session number ``s`` (from 0): a baseline test, then each condition of ``order`` (default: every tested
    group and the control, shuffled by ``rng``), ``reps`` reps per test and ``stretch_seconds`` stretches.
    A group outside the person's candidates has no effect."""
    if order is None:
        conditions = [*priors.tested, CONTROL]
        order = [conditions[i] for i in rng.permutation(len(conditions))]
    log_effects, log_drift = design_logs(person.effects, person.drift, reps, stretch_seconds, length_exponent,
                                         drift_per_rep)
    level = np.log(person.base_rate) + rng.normal(0.0, person.day_sd)
    carried = 0.0

    def count(log_rate: float) -> int:
        lam = rng.gamma(person.shape, np.exp(log_rate) * reps / person.shape)
        n = int(rng.poisson(lam))
        if person.miscount and rng.random() < person.miscount:
            n = max(0, n + int(rng.choice([-3, -2, -1, 1, 2, 3])))
        return n

    ys = [count(level)]
    for pos, group in enumerate(order, start=1):
        effect = log_effects.get(group, 0.0)
        ys.append(count(level + pos * log_drift + carried + effect))
        carried = carried * person.fade + person.carry * effect
    rows = [dict(
        session_id=f"sim-{s + 1:02d}",
        session_date=(pd.Timestamp("2026-01-01") + pd.Timedelta(days=2 * s)).date().isoformat(),
        side=side, movement="bodyweight_squat", position=pos, muscle_group=group,
        stretch_seconds=stretch_seconds, reps_before=reps, clicks_before=ys[pos - 1], reps_after=reps,
        clicks_after=ys[pos], pain_before=0, pain_after=0, notes="",
    ) for pos, group in enumerate(order, start=1)]
    return Data([list(order)], np.asarray([ys], dtype=float), reps, pd.DataFrame(rows))


def combine(sessions: list[Data]) -> Data:
    """Sessions of one person as one :class:`Data` (``counts`` and ``reps`` only make sense for equal designs)."""
    return Data([o for d in sessions for o in d.orders], np.concatenate([d.counts for d in sessions])
                if len({d.counts.shape[1] for d in sessions}) == 1 else np.empty((0, 0)), sessions[0].reps,
                pd.concat([d.frame for d in sessions], ignore_index=True))
