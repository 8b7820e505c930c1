"""How well does kneeclick's ranking name the culprit, on the seeds it was tuned on and on held-out seeds?

Run from the project folder:  python benchmarks/bench_ranking.py  [--people N] [--held-out S] [--held-out-people N]
[--ranges tuning,seen-before,held-out] [--jobs J]

Simulated people (core/analysis/simulate.py, the four default groups), the fixed design: 3 sessions, random
order, rest control, the default session's reps and stretch length (``flow.DEFAULT_REPS``,
``flow.DEFAULT_STRETCH_SECONDS``).  Three seed ranges: the tuning seeds (0 on, ``--people`` of them, within the
range LIKELY_P_SCHEDULE and COV_SCALE in core/analysis/decision.py were set on; the schedule by ``python -m
core.analysis.calibrate`` on ``calibrate.TUNING_SEEDS``, 0-1999 since issue 9's ninth round); "seen before"
(10000 on, ``--people`` of them: the held-out range of rounds up to issue 9's eighth, whose figures were read
before the ninth round's choices, so no longer held out); and held out (``--held-out``, default 20000, and
``--held-out-people``, default 1,200, so that a share near 5% is known to about +-0.012; never used for any
choice).  Person seed ``s`` with ``k`` culprits uses the random stream ``[s, k]``; the people with no culprit
for the repeated looks use the stream ``[s]``, exactly as the calibration does.

Figures per range:

- top-1: people with one culprit whose culprit is ranked first (3 sessions);
- culprit `likely`: people with one or two culprits whose main culprit is `likely` (3 sessions, and the same
  people after 5 sessions);
- culprit `unlikely`: the main culprit called `unlikely` (a harmful miss);
- false `likely` over looks: people with no culprit who see any `likely` when they open Results after sessions
  2, 3, 4 and 5 (target <= 0.05);
- coverage: the share of 95% intervals (each group against resting) that hold the true effect (target 0.93-0.97);
- P(top) calibration: predicted P(top) in bins against how often that group is the true main culprit;
  ``p_none`` likewise against "this person has no culprit".  These are the chances Results shows, calibrated by
  ``decision.P_TOP_POWER`` (benchmarks/bench_calibration.py scores the raw and the shown side by side).

Then the time to analyse one leg of 3 and of 5 sessions at the default design (the counts' own posterior:
Results pays it per leg; target <= 0.1 s) and one leg with 1,000 sessions (the normal approximation; target
<= 0.5 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.pool import map_jobs  # noqa: E402
from core.analysis.calibrate import LEVEL, LOOKS, TUNING_SEEDS, false_likely, look_statistics  # noqa: E402
from core.analysis.decision import (COV_SCALE, LIKELY_P_SCHEDULE, LIKELY_SPENDING, SHAPE_EDGES,  # noqa: E402
                                    SHAPE_SHIFTS, SHIFTED_MAX)
from core.analysis.ranking import LIKELY, UNLIKELY, analyze  # noqa: E402
from core.analysis.simulate import make_person, simulate_sessions  # noqa: E402
from core.session import flow  # noqa: E402

#: First seed of each range; the held-out one is ``--held-out``.
RANGES = {"tuning": 0, "seen-before": 10000}
HELD_OUT = 20000
HELD_OUT_PEOPLE = 1200
SESSIONS = 3
LATER = 5
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)


def one_seed(seed: int) -> dict:
    """Everything scored for seed ``seed``."""
    out = {"looks": false_likely(look_statistics(seed)), "cover": [], "ptop": [], "pnone": []}
    for k in (0, 1, 2):
        rng = np.random.default_rng([seed, k])
        person = make_person(rng, k)
        # the first SESSIONS sessions are the same whether LATER or SESSIONS are simulated (one random stream)
        frame = simulate_sessions(person, LATER if k else SESSIONS, rng, reps=flow.DEFAULT_REPS,
                                  stretch_seconds=flow.DEFAULT_STRETCH_SECONDS)
        ids = sorted(frame["session_id"].unique())
        (leg,) = analyze(frame[frame["session_id"].isin(ids[:SESSIONS])], draws=1000)
        main = person.culprits[0] if k else None
        if k:
            (later,) = analyze(frame, draws=1000)
            out[f"later{k}"] = {r.muscle_group: r.verdict for r in later.ranking}[main] == LIKELY
        if k == 1:
            out["top1"] = leg.ranking[0].muscle_group == main
        if k:
            verdict = {r.muscle_group: r.verdict for r in leg.ranking}[main]
            out[f"likely{k}"] = verdict == LIKELY
            out[f"unlikely{k}"] = verdict == UNLIKELY
        for r in leg.ranking:
            if r.ci_low is not None:
                out["cover"].append(r.ci_low <= person.effects[r.muscle_group] <= r.ci_high)
                out["ptop"].append((r.p_top, r.muscle_group == main))
        if leg.p_none is not None:
            out["pnone"].append((leg.p_none, k == 0))
    return out


def binned_calibration(pairs: list[tuple[float, bool]], indent: int = 6) -> str:
    """(said, came true) pairs in ``BINS``: one line a bin that has any, "said 0.59, came true 0.69 (n=323)"."""
    p = np.array([a for a, _ in pairs])
    hit = np.array([b for _, b in pairs], dtype=float)
    cells = []
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        sel = (p >= lo) & (p < hi)
        if sel.sum():
            cells.append(f"{lo:.1f}-{min(hi, 1):.1f}: said {p[sel].mean():.2f}, came true {hit[sel].mean():.2f} (n={sel.sum()})")
    return ("\n" + " " * indent).join(cells)


def _leg(sessions: int, seed: int):
    """One leg of ``sessions`` sessions at the default design (a person with one culprit)."""
    rng = np.random.default_rng([seed, 1])
    frame = simulate_sessions(make_person(rng, 1), sessions, rng, reps=flow.DEFAULT_REPS,
                              stretch_seconds=flow.DEFAULT_STRETCH_SECONDS)
    return frame[frame["side"] == frame["side"].iloc[0]]


def _median_time(frames, runs: int = 5) -> float:
    """Median over ``runs`` rounds of the time ``analyze`` takes per frame (after one warm-up round)."""
    for f in frames:
        analyze(f)
    times = []
    for _ in range(runs):
        for f in frames:
            t = time.perf_counter()
            analyze(f)
            times.append(time.perf_counter() - t)
    return float(np.median(times))


def report(name: str, first: int, people: int, jobs: int) -> None:
    seeds = range(first, first + people)
    t0 = time.perf_counter()
    res = map_jobs(one_seed, seeds, jobs, chunksize=10)
    took = time.perf_counter() - t0

    def share(key: str, keys=None) -> str:
        v = [r[k] for r in res for k in (keys or [key]) if k in r]
        m = float(np.mean(v))
        return f"{m:.3f} ±{1.96 * np.sqrt(m * (1 - m) / len(v)):.3f} (n={len(v)})"

    cover = [c for r in res for c in r["cover"]]
    print(f"\n{name} seeds {first}-{first + people - 1} ({took:.0f} s), {SESSIONS} sessions, fixed design "
          f"({flow.DEFAULT_REPS} reps, {flow.DEFAULT_STRETCH_SECONDS} s stretches):")
    print(f"  top-1 (one culprit)                     {share('top1')}")
    print(f"  main culprit `likely`                   {share('', ['likely1', 'likely2'])}   (target >= 0.30)")
    print(f"  ... the same people after {LATER} sessions     {share('', ['later1', 'later2'])}")
    print(f"  main culprit `unlikely` (harmful miss)  {share('', ['unlikely1', 'unlikely2'])}")
    print(f"  false `likely`, looks after {','.join(map(str, LOOKS))}   {share('looks')}   (target <= 0.05)")
    print(f"  95% interval coverage                   {np.mean(cover):.3f} (n={len(cover)})   (target 0.93-0.97)")
    print("  P(top) calibration (all groups):\n      " + binned_calibration([p for r in res for p in r["ptop"]]))
    print("  p_none calibration (came true = no culprit):\n      " + binned_calibration([p for r in res for p in r["pnone"]]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=600,
                    help="seeds in the tuning and seen-before ranges (each: people with 0, 1 and 2 culprits)")
    ap.add_argument("--held-out", type=int, default=HELD_OUT, help="first held-out seed")
    ap.add_argument("--held-out-people", type=int, default=HELD_OUT_PEOPLE, help="seeds in the held-out range")
    ap.add_argument("--ranges", default="tuning,seen-before,held-out", help="which ranges to run, comma-separated")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (results do not depend on it)")
    args = ap.parse_args(argv)
    print(f"LIKELY_P_SCHEDULE = {LIKELY_P_SCHEDULE} for 2, 3, 4, 5+ sessions (spending {LIKELY_SPENDING} scaled "
          f"to {LEVEL}; calibrated on seeds {TUNING_SEEDS.start}-{TUNING_SEEDS.stop - 1} by python -m "
          f"core.analysis.calibrate); COV_SCALE = {COV_SCALE}")
    print(f"shifted by the leg's over-dispersion band (posterior mean log shape below {SHAPE_EDGES[0]}, up to "
          f"{SHAPE_EDGES[1]}, from {SHAPE_EDGES[1]}): SHAPE_SHIFTS = {SHAPE_SHIFTS}, at most {SHIFTED_MAX} "
          f"(python -m core.analysis.calibrate --shifts)")
    ranges = {"tuning": (RANGES["tuning"], args.people), "seen-before": (RANGES["seen-before"], args.people),
              "held-out": (args.held_out, args.held_out_people)}
    for name in args.ranges.split(","):
        first, people = ranges[name]
        label = {"seen-before": "seen-before (not held out: read before this round's choices)"}.get(name, name)
        report(label, first, people, args.jobs)
    print(f"\ntime to analyse one leg (median per leg over 5 runs; this machine, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start: the figures grow with whatever else runs on it):")
    for sessions in (3, 5):
        t = _median_time([_leg(sessions, seed) for seed in range(5)])
        print(f"  {sessions} sessions, {flow.DEFAULT_REPS} reps and {flow.DEFAULT_STRETCH_SECONDS} s (5 people): "
              f"{t:.3f} s   (target <= 0.1 s; Results pays it per leg)")
    rng = np.random.default_rng(1)
    big = simulate_sessions(make_person(rng, 1), 1000, rng)
    print(f"  1,000 sessions ({len(big)} rows, both legs): {_median_time([big]):.3f} s   (target <= 0.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
