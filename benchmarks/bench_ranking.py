"""How often does kneeclick name the right culprit, compared with the article's rule?

Run from the project folder:  python benchmarks/bench_ranking.py  [--people N] [--seed S]

Simulated people (core/analysis/simulate.py) with 0, 1 or 2 culprit groups among the
four default groups.  For each person: the article's rule on one pass in a
fixed order without a control, and kneeclick's ranking on 1, 3 and 5 sessions
in random order with a rest control (the first 1 or 3 sessions are the start of
the same 5).  Figures:

- top-1: people with one culprit whose culprit is ranked first;
- false likely: people with no culprit given any `likely` (naive: any drop);
- culprit likely: people with culprits whose main culprit is `likely` (naive: it dropped);
- main culprit `unlikely`: people with culprits whose main culprit is called `unlikely` (a harmful miss);
- both in top 2: people with two culprits who have both ranked in the top two.

A last column repeats 3 sessions with 20 reps per test instead of 10.

Then the time to analyse one leg with 1,000 sessions (target <= 0.5 s).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.analysis.ranking import LIKELY, UNLIKELY, analyze  # noqa: E402
from core.analysis.simulate import make_person, naive_rule, simulate_sessions  # noqa: E402

SESSIONS = (1, 3, 5)
NAMES = {
    "top1": "top-1 accuracy (one culprit)",
    "false_likely": "no culprit, yet any `likely`",
    "culprit_likely": "main culprit is `likely`",
    "culprit_unlikely": "main culprit called `unlikely`",
    "both_top2": "both culprits in top 2",
}


COLUMNS = ["naive", *[f"{n} session{'s' if n > 1 else ''}" for n in SESSIONS], "3 x 20 reps"]


def one_person(args: tuple[int, int]) -> list[tuple[str, int, list[str], list[str], set[str], list | None]]:
    """Everything scored for simulated person ``i`` (its own random stream, so results do not depend on --jobs)."""
    seed, i = args
    rng = np.random.default_rng([seed, i])
    k = i % 3  # 0, 1, 2 culprits in equal shares
    person = make_person(rng, k)
    culprits = person.culprits
    out = []
    # the article's rule: one fixed-order pass, no control
    naive = naive_rule(simulate_sessions(person, 1, rng, randomized=False, control=False))
    out.append(("naive", k, culprits, [g for g, _ in naive], {g for g, d in naive if d > 0}, None))
    frame = simulate_sessions(person, max(SESSIONS), rng)
    runs = []
    for n, col in zip(SESSIONS, COLUMNS[1:]):
        ids = sorted(frame["session_id"].unique())[:n]
        runs.append((col, frame[frame["session_id"].isin(ids)]))
    # the same person, 3 sessions with 20 reps per test instead of 10
    runs.append((COLUMNS[-1], simulate_sessions(person, 3, rng, reps=20)))
    for col, data in runs:
        (leg,) = analyze(data, draws=1000)
        verdicts = [(r.muscle_group, r.verdict) for r in leg.ranking]
        out.append((col, k, culprits, [g for g, _ in verdicts], {g for g, v in verdicts if v == LIKELY}, verdicts))
    return out


def run(people: int, seed: int, jobs: int = 2) -> dict:
    tally = {c: {k: [] for k in NAMES} for c in COLUMNS}
    tasks = [(seed, i) for i in range(people)]
    if jobs > 1:
        with multiprocessing.Pool(jobs) as pool:
            results = pool.map(one_person, tasks, chunksize=20)
    else:
        results = [one_person(t) for t in tasks]
    for person in results:
        for col, k, culprits, ranked, flagged, verdicts in person:
            _score(tally[col], k, culprits, ranked, flagged, verdicts)
    return tally


def _score(t: dict, k: int, culprits: list[str], ranked: list[str], flagged: set[str], results=None) -> None:
    if k == 0:
        t["false_likely"].append(bool(flagged))
        return
    t["culprit_likely"].append(culprits[0] in flagged)
    if results is not None:
        t["culprit_unlikely"].append((culprits[0], UNLIKELY) in results)
    if k == 1:
        t["top1"].append(ranked[0] == culprits[0])
    else:
        t["both_top2"].append(set(culprits) <= set(ranked[:2]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1200, help="simulated people (a third each with 0, 1, 2 culprits)")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (results do not depend on it)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    tally = run(args.people, args.seed, args.jobs)
    elapsed = time.perf_counter() - t0
    names = NAMES
    cols = list(tally)
    print(f"{args.people} simulated people (seed {args.seed}), four groups; naive = the article's rule on one "
          "fixed-order pass without a control;"
          "\n'3 x 20 reps' = 3 sessions with 20 reps per test instead of 10")
    print(f"{'':32s}" + "".join(f"{c:>13s}" for c in cols))
    for key, label in names.items():
        cells = []
        for c in cols:
            v = tally[c][key]
            if not v:
                cells.append("-")
                continue
            cells.append(f"{np.mean(v):8.2f} ±{1.96 * np.sqrt(np.mean(v) * (1 - np.mean(v)) / len(v)):.2f}")
        print(f"{label:32s}" + "".join(f"{x:>13s}" for x in cells))
    n = {key: len(tally[cols[0]][key]) for key in names}
    print(f"(people per figure: {n['top1']} with one culprit, {n['false_likely']} with none, {n['both_top2']} with two; "
          "± is a 95% margin)")
    print("targets at 3 sessions: top-1 >= 0.85, false likely <= 0.05")
    print(f"accuracy run took {elapsed:.0f} s with {args.jobs} worker(s)")
    # speed: one leg with 1,000 sessions
    rng = np.random.default_rng(1)
    big = simulate_sessions(make_person(rng, 1), 1000, rng)
    analyze(big)  # warm up imports and caches
    times = []
    for _ in range(5):
        t = time.perf_counter()
        analyze(big)
        times.append(time.perf_counter() - t)
    print(f"analysis of 1,000 sessions ({len(big)} rows): median {np.median(times):.3f} s over 5 runs (target <= 0.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
