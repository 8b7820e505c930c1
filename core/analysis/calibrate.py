"""Calibrate ``LIKELY_P`` (core.analysis.decision) so that false ``likely`` stays at 5% over repeated looks.

Run from the project folder:  python -m core.analysis.calibrate  [--people N] [--first-seed S] [--level 0.05]

Simulated people with NO culprit (core.analysis.simulate, the four default groups, random order, rest control)
run five sessions and open Results after sessions 2, 3, 4 and 5.  At each look the leg has a ``likely`` exactly
when the first-ranked group's ``likely_statistic`` (its posterior chance of being a culprit, when it meets the
other rules) reaches ``LIKELY_P``; so a person gets a false ``likely`` at some look exactly when the largest
statistic over the looks reaches it.  The threshold is the ``1 - level`` quantile of that largest statistic over
the tuning people, rounded up to two decimals.  Person ``i`` uses the random stream ``[i]`` (seed = person
number): the tuning range is seeds ``first_seed .. first_seed + people - 1``; report on another range
(``benchmarks/bench_ranking.py`` uses a held-out range).
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from core.analysis.ranking import analyze
from core.analysis.simulate import make_person, simulate_sessions

LOOKS = (2, 3, 4, 5)
#: Seeds the constant in core.analysis.decision was tuned on.
TUNING_SEEDS = range(0, 600)


def largest_statistic(seed: int, looks: tuple[int, ...] = LOOKS, draws: int = 1000) -> float:
    """The largest ``likely_statistic`` a no-culprit person (random stream ``[seed]``) reaches over the looks."""
    rng = np.random.default_rng([seed])
    person = make_person(rng, 0)
    frame = simulate_sessions(person, max(looks), rng)
    ids = sorted(frame["session_id"].unique())
    best = 0.0
    for n in looks:
        (leg,) = analyze(frame[frame["session_id"].isin(ids[:n])], draws=draws)
        best = max(best, leg.likely_statistic or 0.0)
    return best


def threshold(statistics: list[float], level: float = 0.05) -> float:
    """The smallest two-decimal threshold at or above the ``1 - level`` quantile of the largest statistics."""
    q = float(np.quantile(np.asarray(statistics), 1 - level))
    return min(1.0, math.ceil(q * 100 - 1e-9) / 100)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=len(TUNING_SEEDS))
    ap.add_argument("--first-seed", type=int, default=TUNING_SEEDS.start)
    ap.add_argument("--level", type=float, default=0.05, help="allowed share of people with any false likely")
    args = ap.parse_args(argv)
    stats = [largest_statistic(s) for s in range(args.first_seed, args.first_seed + args.people)]
    t = threshold(stats, args.level)
    print(f"{args.people} people with no culprit (seeds {args.first_seed}-{args.first_seed + args.people - 1}), "
          f"looks after sessions {', '.join(map(str, LOOKS))}")
    print(f"LIKELY_P = {t:.2f}  (false likely at it on these people: {np.mean(np.asarray(stats) >= t):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
