"""Calibrate ``LIKELY_P_SCHEDULE`` (core.analysis.decision) so that false ``likely`` stays at 5% over repeated looks.

Run from the project folder:  python -m core.analysis.calibrate  [--people N] [--first-seed S] [--level 0.05]

Simulated people with NO culprit (core.analysis.simulate, the four default groups, random order, rest control)
run five sessions and open Results after sessions 2, 3, 4 and 5.  At each look the leg has a ``likely`` exactly
when the first-ranked group's ``likely_statistic`` (its posterior chance of being a culprit, when it meets the
other rules) reaches the threshold for the sessions that group was tried in (``likely_threshold``).  A person
gets a false ``likely`` when that happens at any look.

The thresholds (for 2, 3, 4 and 5+ sessions) are set one after the other, as a group-sequential design spends its
error: the threshold for 2 sessions is the smallest two-decimal value that keeps the share of people with a false
``likely`` at 2 sessions within the first cumulative share of ``LIKELY_SPENDING`` (scaled to ``--level``); the
one for 3 sessions, with the first fixed, keeps the share with a false ``likely`` at 2 *or* 3 sessions within the
second; and so on, so that the last keeps the share over all four looks within ``level``.  Person ``i`` uses
the random stream ``[i]`` (seed = person number): the tuning range is seeds ``first_seed .. first_seed + people -
1``; report on another range (``benchmarks/bench_ranking.py`` uses a held-out range).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from core.analysis.decision import LIKELY_SPENDING, likely_threshold
from core.analysis.ranking import analyze
from core.analysis.simulate import make_person, simulate_sessions
from core.session import flow

LOOKS = (2, 3, 4, 5)
#: Seeds the schedule in core.analysis.decision was tuned on.
TUNING_SEEDS = range(0, 600)
#: The candidate thresholds: two decimals.
GRID = np.round(np.arange(0, 101) / 100, 2)


def look_statistics(seed: int, looks: tuple[int, ...] = LOOKS, draws: int = 1000, *, reps: int | None = None,
                    stretch_seconds: int | None = None, drift_per_rep: bool = False) -> list[tuple[float, int]]:
    """For a no-culprit person (random stream ``[seed]``), at each look: (``likely_statistic`` or 0, the sessions
    with clicks its group was tried in).  The sessions are the default design (``flow.DEFAULT_REPS`` reps,
    ``flow.DEFAULT_STRETCH_SECONDS`` stretches) unless ``reps`` / ``stretch_seconds`` say otherwise;
    ``drift_per_rep``: the simulator's variant whose drift grows with the reps."""
    rng = np.random.default_rng([seed])
    person = make_person(rng, 0)
    frame = simulate_sessions(person, max(looks), rng, reps=flow.DEFAULT_REPS if reps is None else reps,
                              stretch_seconds=flow.DEFAULT_STRETCH_SECONDS if stretch_seconds is None else
                              stretch_seconds, drift_per_rep=drift_per_rep)
    ids = sorted(frame["session_id"].unique())
    out = []
    for n in looks:
        (leg,) = analyze(frame[frame["session_id"].isin(ids[:n])], draws=draws)
        out.append((leg.likely_statistic or 0.0, leg.likely_sessions or n))
    return out


def false_likely(looks: list[tuple[float, int]], schedule: float | tuple[float, ...] | None = None) -> bool:
    """Whether a person with these looks (:func:`look_statistics`) sees a ``likely`` at any of them."""
    return any(stat > 0 and stat >= likely_threshold(n, schedule) for stat, n in looks)


def calibrate(people: list[list[tuple[float, int]]], spending: tuple[float, ...] = LIKELY_SPENDING,
              level: float = 0.05) -> tuple[float, ...]:
    """The schedule (thresholds for 2, 3, 4, 5+ sessions) that spends ``level`` as ``spending`` says (cumulative
    shares, the last one the whole ``level``; scaled by ``level / spending[-1]``)."""
    allowed = [level * s / spending[-1] for s in spending]
    stats = np.array([[s for s, _ in p] for p in people], dtype=float)
    index = np.array([[min(max(n, 2), 1 + len(spending)) - 2 for _, n in p] for p in people], dtype=int)
    schedule: list[float] = []
    for j, cap in enumerate(allowed):
        # earlier thresholds fixed; looks whose group had more sessions than j + 2 are not counted yet
        for t in GRID:
            thresholds = np.array(schedule + [t] + [np.inf] * (len(spending) - j - 1))
            hit = (stats > 0) & (stats >= thresholds[index])
            if hit.any(axis=1).mean() <= cap + 1e-12:
                schedule.append(float(t))
                break
        else:
            schedule.append(1.0)
    return tuple(schedule)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=len(TUNING_SEEDS))
    ap.add_argument("--first-seed", type=int, default=TUNING_SEEDS.start)
    ap.add_argument("--level", type=float, default=0.05, help="allowed share of people with any false likely")
    args = ap.parse_args(argv)
    people = [look_statistics(s) for s in range(args.first_seed, args.first_seed + args.people)]
    schedule = calibrate(people, LIKELY_SPENDING, args.level)
    print(f"{args.people} people with no culprit (seeds {args.first_seed}-{args.first_seed + args.people - 1}), "
          f"looks after sessions {', '.join(map(str, LOOKS))}, spending {LIKELY_SPENDING}")
    print(f"LIKELY_P_SCHEDULE = ({', '.join(f'{t:.2f}' for t in schedule)})  (2, 3, 4, 5+ sessions; false likely "
          f"over the looks at it on these people: {np.mean([false_likely(p, schedule) for p in people]):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
