"""Is the "Is it working?" trend honest?  Coverage of its 95% interval and how often it says too_early.

Run from the project folder:  python benchmarks/bench_trend.py  [--people N] [--tune]

Simulated people doing a program: a quick check on about 3 days a week for 6 weeks (each day a 25% chance of
a second check), 10 reps each, one in ten checks skipped.  The true click rate per rep starts at a level drawn
per person (lognormal around 0.8) and changes by a true weekly factor drawn from 0.70-1.10 (30% fewer to 10%
more clicks a week), with day-to-day variation (a lognormal day effect, sd 0.1-0.5 per person), gamma-Poisson
(negative binomial) counts with a shape of 3-30, and 5% of counts miscounted by +-1-3.  This generator is not
the model kneeclick fits (a quasi-Poisson GLM on daily totals: core/analysis/trend.py).

Scored at weeks 2, 4 and 6 (the data up to that day): the interval's coverage of the true weekly change
(wherever an interval is given, and where a verdict is told), the too_early rate, and the verdicts told:
wrong direction (improving when the truth is a rise, or worsening when it is a fall), and improving among
people whose true change is 15% fewer clicks a week or more.

The one tuned constant, ``PRIOR_DISPERSION`` (the dispersion assumed before the data, worth ``PRIOR_DF`` days),
was chosen on the tuning seeds (0-399, ``--tune`` prints the candidates there); the figures are printed for the
tuning seeds and for held-out seeds (10000-10399) that no choice looked at.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.analysis import trend as trend_mod  # noqa: E402
from core.analysis.trend import TOO_EARLY, estimate_trend  # noqa: E402

TUNING = range(0, 400)
HELD_OUT = range(10_000, 10_400)
LOOKS_WEEKS = (2, 3, 4, 6)


@dataclasses.dataclass
class Person:
    points: pd.DataFrame
    weekly: float  # true factor per week


def make_person(seed: int) -> Person:
    rng = np.random.default_rng(seed)
    level = math.exp(rng.normal(math.log(0.8), 0.5))
    weekly = rng.uniform(0.70, 1.10)
    day_sd = rng.uniform(0.1, 0.5)
    shape = rng.uniform(3, 30)
    start = pd.Timestamp("2026-01-05")
    rows = []
    for day in range(43):
        if rng.random() > 3 / 7:
            continue
        effect = math.exp(rng.normal(0, day_sd))
        for _ in range(2 if rng.random() < 0.25 else 1):
            if rng.random() < 0.10:
                continue
            mean = 10 * level * weekly ** (day / 7) * effect
            clicks = int(rng.poisson(rng.gamma(shape, mean / shape)))
            if rng.random() < 0.05:
                clicks = max(0, clicks + int(rng.choice([-3, -2, -1, 1, 2, 3])))
            rows.append((start + pd.Timedelta(days=day, hours=int(rng.integers(7, 21))), min(clicks, 100), 10))
    return Person(pd.DataFrame(rows, columns=["at", "clicks", "reps"]), weekly)


def score(seeds: range, people: int | None = None) -> dict:
    seeds = list(seeds)[:people] if people else list(seeds)
    out = {w: {"n": 0, "early": 0, "ci": 0, "cover": 0, "told": 0, "told_cover": 0, "wrong": 0,
               "strong": 0, "strong_improving": 0, "flat_told": 0, "flat_false": 0} for w in LOOKS_WEEKS}  # fmt: skip
    for seed in seeds:
        person = make_person(seed)
        true_pct = 100 * (person.weekly - 1)
        first = person.points["at"].min().normalize() if len(person.points) else None
        for w in LOOKS_WEEKS:
            s = out[w]
            pts = person.points.loc[person.points["at"] < first + pd.Timedelta(days=7 * w)] if first is not None else person.points
            t = estimate_trend(pts)
            s["n"] += 1
            s["early"] += t.verdict == TOO_EARLY
            if t.ci_low_pct is not None:
                s["ci"] += 1
                hit = t.ci_low_pct <= true_pct <= t.ci_high_pct
                s["cover"] += hit
                if t.verdict != TOO_EARLY:
                    s["told"] += 1
                    s["told_cover"] += hit
                    s["wrong"] += (t.verdict == "improving" and true_pct > 0) or (t.verdict == "worsening" and true_pct < 0)
            if true_pct <= -15:
                s["strong"] += 1
                s["strong_improving"] += t.verdict == "improving"
            if abs(true_pct) < 3 and t.verdict != TOO_EARLY:
                s["flat_told"] += 1
                s["flat_false"] += t.verdict in ("improving", "worsening")
    return out


def _rate(a: int, b: int) -> str:
    return f"{a / b:.3f} (n={b})" if b else "-"


def report(title: str, seeds: range, people: int | None) -> None:
    t0 = time.perf_counter()
    out = score(seeds, people)
    n = len(list(seeds)[:people] if people else seeds)
    print(f"{title} ({n} people, {time.perf_counter() - t0:.0f} s)")
    print(f"  {'week':>4}  {'too_early':>16}  {'coverage (any CI)':>18}  {'coverage (told)':>18}  {'wrong direction':>18}  "
          f"{'improving | -15%+':>18}")  # fmt: skip
    for w, s in out.items():
        print(f"  {w:>4}  {_rate(s['early'], s['n']):>16}  {_rate(s['cover'], s['ci']):>18}  "
              f"{_rate(s['told_cover'], s['told']):>18}  {_rate(s['wrong'], s['told']):>18}  "
              f"{_rate(s['strong_improving'], s['strong']):>18}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=None, help="people per seed range (default 400)")
    ap.add_argument("--tune", action="store_true", help="print the candidates of PRIOR_DISPERSION on the tuning seeds")
    args = ap.parse_args()
    if args.tune:
        keep = trend_mod.PRIOR_DISPERSION
        for value in (1.0, 1.5, 2.0, 3.0):
            trend_mod.PRIOR_DISPERSION = value
            report(f"tuning seeds 0-399, PRIOR_DISPERSION = {value}", TUNING, args.people)
        trend_mod.PRIOR_DISPERSION = keep
        return
    print(f"PRIOR_DISPERSION = {trend_mod.PRIOR_DISPERSION} (worth {trend_mod.PRIOR_DF} days), too_early before "
          f"{trend_mod.MIN_DAYS} days over {trend_mod.MIN_SPAN_DAYS} days or while the interval holds "
          f"-{trend_mod.WIDE_PCT:.0f}% and +{trend_mod.WIDE_PCT:.0f}%; target coverage 0.93-0.97")  # fmt: skip
    report("tuning seeds 0-399", TUNING, args.people)
    report("held-out seeds 10000-10399", HELD_OUT, args.people)


if __name__ == "__main__":
    main()
