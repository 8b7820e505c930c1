"""Reps against stretch length at equal time: which fixed design should the default session be?

Run from the project folder:  python benchmarks/bench_ranking_design.py  [--people N] [--first-seed S]
                                  [--designs 10/90,12/80,13/75,14/70,16/60] [--paired] [--schedule 0.99,0.8,0.87,0.88]
                                  [--length-exponent 0.5] [--family N] [--jobs J]

(about 1.5-4 minutes a design on 2 shared cores.)  The table in docs/ranking.md ("The default session") is the default run
with ``--paired``; its check that does not rest on each design's own calibration is ``--designs 10/90,14/70
--paired --schedule 0.99,0.8,0.87,0.88``.

Every design runs the four default groups and the rest control in random order, three sessions, within the
default session's time (``core.analysis.planner.session_seconds``: 4 s a rep for the baseline and each retest,
plus each stretch or rest): 10 reps with 90 s stretches (690 s, the default until issue 9's seventh round), 12 with
80 s (688 s), 13 with 75 s (687 s), 14 with 70 s (686 s, the default since), 16 with 60 s (684 s).
The people are bench_ranking's (core/analysis/simulate.py, the same random streams: seed ``s`` with ``k``
culprits uses ``[s, k]``, the no-culprit people of the looks ``[s]``), so the designs are compared on the same
people.  For each design:

1. its schedule (``LIKELY_P_SCHEDULE``) is recalibrated as ``python -m core.analysis.calibrate`` does (the same
   spending, false `likely` <= 5% over looks after sessions 2-5) on these seeds' no-culprit people run with that
   design;
2. under that schedule (the verdicts' rules replayed on the ranked groups), at 3 sessions: top-1 (one culprit
   ranked first), main culprit `likely` (people with 1 or 2 culprits), false `likely` over looks 2-5, 95% interval
   coverage (people with 0, 1 and 2 culprits);
3. the same people under the simulator's variants (never used for any choice, see core/analysis/simulate.py):
   ``length``: the effect's log size scales with the stretch's length ((t/90)^0.5: a 60 s stretch keeps 82% of
   it); ``length + drift/rep``: that, and the drift of a test grows with its reps (false `likely` over looks is
   then measured on no-culprit people with that drift, under the design's schedule).  Coverage is of the
   effect the person really had at that length.

Choose on the tuning seeds (0-599, the default); the held-out seeds (10000 on) are bench_ranking's to report.

``--family N``: then, with each design's schedule from above, kneeclick on N people per generator of the family
(benchmarks/family/generators.py; the family's tuning seed 1, the same people as bench_ranking_family's tuning
people) under the same three variants: top-1, culprit `likely`, false `likely` at one look after 3 sessions,
pooled over the nine generators, and the fatigue generator alone (where drift per rep matters most).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread per worker process
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.family.generators import GENERATORS, draw_person, simulate  # noqa: E402
from benchmarks.pool import map_jobs  # noqa: E402
from core.analysis.calibrate import LOOKS, calibrate, false_likely, look_statistics  # noqa: E402
from core.analysis.decision import LIKELY_SPENDING, MIN_LIKELY_CUT, likely_threshold  # noqa: E402
from core.analysis.planner import DEFAULT_SECONDS, session_seconds  # noqa: E402
from core.analysis.ranking import INSUFFICIENT, analyze  # noqa: E402
from core.analysis.simulate import LENGTH_EXPONENT, effect_at, make_person, simulate_sessions  # noqa: E402
from core.session import flow  # noqa: E402

SESSIONS = 3
#: (name, length exponent, drift per rep)
VARIANTS = (("as simulated", 0.0, False), ("length", LENGTH_EXPONENT, False),
            ("length + drift/rep", LENGTH_EXPONENT, True))


def variants(exponent: float = LENGTH_EXPONENT) -> tuple[tuple[str, float, bool], ...]:
    """``VARIANTS`` with another length exponent (``--length-exponent``, to see how much the choice rests on it)."""
    return tuple((name, exponent if e else 0.0, per_rep) for name, e, per_rep in VARIANTS)


def parse_designs(text: str) -> list[tuple[int, int]]:
    """``"10/90,16/60"`` -> [(10, 90), (16, 60)]; each must fit the default session's time and stretch range."""
    out = []
    for part in text.split(","):
        reps, seconds = (int(x) for x in part.split("/"))
        if not flow.STRETCH_MIN_SECONDS <= seconds <= flow.STRETCH_MAX_SECONDS:
            raise SystemExit(f"{part}: the stretch must be {flow.STRETCH_MIN_SECONDS}-{flow.STRETCH_MAX_SECONDS} s")
        if session_seconds(len(flow.DEFAULT_CONDITIONS), reps, seconds) > DEFAULT_SECONDS:
            raise SystemExit(f"{part}: longer than the default session ({DEFAULT_SECONDS} s)")
        out.append((reps, seconds))
    return out


def _rows(leg) -> list[tuple]:
    return [(r.muscle_group, r.verdict, r.rate_ratio, r.p_culprit, r.p_top, r.sessions) for r in leg.ranking]


def one_seed(task: tuple) -> dict:
    """One seed, one design: the looks (as simulated, and with drift per rep) and each variant's people."""
    seed, reps, seconds, length_exponent = task
    out = {"looks": look_statistics(seed, reps=reps, stretch_seconds=seconds),
           "looks_drift": look_statistics(seed, reps=reps, stretch_seconds=seconds, drift_per_rep=True)}
    for name, exponent, per_rep in variants(length_exponent):
        people = []
        for k in (0, 1, 2):
            if k == 0 and exponent and not per_rep:
                people.append(out["as simulated"][0])  # no effects: the length changes nothing
                continue
            rng = np.random.default_rng([seed, k])
            person = make_person(rng, k)
            frame = simulate_sessions(person, SESSIONS, rng, reps=reps, stretch_seconds=seconds,
                                      length_exponent=exponent, drift_per_rep=per_rep)
            (leg,) = analyze(frame, draws=1000)
            truth = {g: effect_at(e, seconds, exponent) for g, e in person.effects.items()}
            cover = [r.ci_low <= truth[r.muscle_group] <= r.ci_high for r in leg.ranking if r.ci_low is not None]
            people.append((k, person.culprits[0] if k else None, _rows(leg), cover))
        out[name] = people
    return out


def replay(rows: list[tuple], schedule) -> set[str]:
    """The groups `likely` under ``schedule``: core.analysis.decision.decide's rules on the ranked rows."""
    likely, chain = set(), True
    for g, v, rr, p, _, n in rows:
        ok = (chain and v != INSUFFICIENT and rr is not None and rr <= 1 - MIN_LIKELY_CUT
              and p is not None and p >= likely_threshold(n, schedule))
        if ok:
            likely.add(g)
        chain = chain and ok
    return likely


FAMILY_SEED = 1  # the family's tuning seed


def family_person(task: tuple) -> dict:
    """One family person (bench_ranking_family's stream ``[seed, generator, i]``) run with one design and variant."""
    gen, g_idx, i, reps, seconds, exponent, per_rep = task
    _, priors = GENERATORS[gen]
    rng = np.random.default_rng([FAMILY_SEED, g_idx, i])
    person = draw_person(priors, rng, i % 3)
    data = simulate(person, priors, rng, reps=reps, stretch_seconds=seconds, length_exponent=exponent,
                    drift_per_rep=per_rep)
    (leg,) = analyze(data.frame, draws=1000)
    return {"gen": gen, "culprits": person.culprits(priors.tested), "all": person.culprits(), "rows": _rows(leg)}


def family(people: int, reps: int, seconds: int, schedule, jobs: int, length_exponent: float = LENGTH_EXPONENT
           ) -> dict[str, dict[str, tuple]]:
    """Per variant: (top-1, culprit `likely`, false `likely`) over all generators and on the fatigue one."""
    out = {}
    for name, exponent, per_rep in variants(length_exponent):
        tasks = [(gen, g, i, reps, seconds, exponent, per_rep) for g, gen in enumerate(GENERATORS)
                 for i in range(people)]
        recs = map_jobs(family_person, tasks, jobs, chunksize=10)
        cells = {}
        for label, pick in (("all nine", lambda r: True), ("fatigue", lambda r: r["gen"] == "fatigue")):
            rs = [r for r in recs if pick(r)]
            top1 = [r["rows"][0][0] == r["culprits"][0] for r in rs if len(r["all"]) == 1 and r["culprits"]]
            hit = [r["culprits"][0] in replay(r["rows"], schedule) for r in rs if r["culprits"]]
            false = [bool(replay(r["rows"], schedule)) for r in rs if not r["culprits"]]
            cells[label] = (np.mean(top1), np.mean(hit), np.mean(false), len(top1), len(hit), len(false))
        out[name] = cells
    return out


def _share(v) -> str:
    v = np.asarray(v, dtype=float)
    m = float(v.mean())
    return f"{m:.3f} ±{1.96 * np.sqrt(m * (1 - m) / len(v)):.3f}"


def summarize(res: list[dict], reps: int, seconds: int, fixed=None) -> dict:
    """The design's schedule and, per variant: top-1, culprit `likely`, false over looks, coverage.

    Also, as simulated, two views that do not rest on this design's own calibration (a threshold set on a few
    dozen no-culprit people's tail moves a few points either way): ``fixed`` (a schedule given, e.g. the one in
    use) and ``one look``: one look at 3 sessions with the threshold at the 96.25th percentile of this design's
    no-culprit people there (the 3.75% the schedule spends by then)."""
    schedule = calibrate([r["looks"] for r in res], LIKELY_SPENDING)
    out = {"schedule": schedule, "seconds": session_seconds(len(flow.DEFAULT_CONDITIONS), reps, seconds)}
    people = [p for r in res for p in r["as simulated"]]
    if fixed is not None:
        out["fixed"] = ([main in replay(rows, fixed) for k, main, rows, _ in people if k],
                        [false_likely(r["looks"], fixed) for r in res])
    one = float(np.quantile([r["looks"][1][0] for r in res], 1 - LIKELY_SPENDING[1]))
    out["one look"] = (one, [main in replay(rows, one) for k, main, rows, _ in people if k])
    for name, _, per_rep in VARIANTS:
        people = [p for r in res for p in r[name]]
        looks = [r["looks_drift" if per_rep else "looks"] for r in res]
        out[name] = {
            "top1": [rows[0][0] == main for k, main, rows, _ in people if k == 1],
            "likely": [main in replay(rows, schedule) for k, main, rows, _ in people if k],
            "false": [false_likely(lk, schedule) for lk in looks],
            "cover": [c for *_, cover in people for c in cover],
        }
    return out


def _paired(a, b) -> str:
    """Mean paired difference a - b (same people) with a 95% margin."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return f"{d.mean():+.3f} ±{1.96 * d.std(ddof=1) / np.sqrt(len(d)):.3f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=600, help="seeds (each: people with 0, 1 and 2 culprits)")
    ap.add_argument("--first-seed", type=int, default=0, help="0: the tuning seeds (choose here)")
    ap.add_argument("--designs", default="10/90,12/80,13/75,14/70,16/60",
                    help="reps/stretch seconds, comma-separated; the first is what --paired compares with")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (results do not depend on it)")
    ap.add_argument("--paired", action="store_true",
                    help="also each design's paired difference from the first design, same people (±: 95%% margin)")
    ap.add_argument("--length-exponent", type=float, default=LENGTH_EXPONENT,
                    help="the length-scaled variants' exponent (0.5: 60 s keeps 82%% of the log effect)")
    ap.add_argument("--schedule", type=lambda t: tuple(float(x) for x in t.split(",")), default=None,
                    help="also score every design under this one schedule (2, 3, 4, 5+ sessions, comma-separated)")
    ap.add_argument("--family", type=int, default=0, help="people per family generator (0: none)")
    args = ap.parse_args(argv)
    designs = parse_designs(args.designs)
    seeds = range(args.first_seed, args.first_seed + args.people)
    print(f"seeds {seeds.start}-{seeds.stop - 1}, {SESSIONS} sessions, the four groups and the rest control; each "
          f"design's schedule recalibrated on these seeds (spending {LIKELY_SPENDING}); default session "
          f"{DEFAULT_SECONDS} s; length-scaled variants: (t/90)^{args.length_exponent:g}")
    print(f"{'design':>8s} {'variant':>20s}  {'top-1':>13s}  {'culprit likely':>13s}  {'false, looks 2-5':>13s}  "
          f"{'coverage':>8s}")
    first = None
    for reps, seconds in designs:
        t0 = time.perf_counter()
        res = map_jobs(one_seed, [(s, reps, seconds, args.length_exponent) for s in seeds], args.jobs, chunksize=10)
        fig = summarize(res, reps, seconds, args.schedule)
        first = first or fig
        for name, *_ in VARIANTS:
            v = fig[name]
            print(f"{reps:>3d}/{seconds:<4d} {name:>20s}  {_share(v['top1'])}  {_share(v['likely'])}  "
                  f"{_share(v['false'])}  {np.mean(v['cover']):.3f}")
            if args.paired and fig is not first:
                print(f"{'':>8s} {'minus the first':>20s}  " + "  ".join(
                    _paired(v[key], first[name][key]) for key in ("top1", "likely", "false")))
        if args.schedule:
            hits, false = fig["fixed"]
            print(f"{'':>8s} under the schedule {args.schedule}: culprit likely {_share(hits)}, false over looks "
                  f"{_share(false)}" + (f" (minus the first: {_paired(hits, first['fixed'][0])})"
                                        if args.paired and fig is not first else ""))
        one, hits = fig["one look"]
        print(f"{'':>8s} one look at 3 sessions, threshold {one:.3f} (3.75% of no-culprit people past it): culprit "
              f"likely {_share(hits)}" + (f" (minus the first: {_paired(hits, first['one look'][1])})"
                                          if args.paired and fig is not first else ""))
        print(f"         schedule {fig['schedule']}, {fig['seconds']} s a session, "
              f"{time.perf_counter() - t0:.0f} s to run; n = {len(fig['as simulated']['top1'])} one-culprit, "
              f"{len(fig['as simulated']['likely'])} culprit, {len(fig['as simulated']['false'])} no-culprit people",
              flush=True)
        if args.family:
            t0 = time.perf_counter()
            for name, cells in family(args.family, reps, seconds, fig["schedule"], args.jobs,
                                      args.length_exponent).items():
                print(f"{'':>8s} family, {name:>20s}: " + "; ".join(
                    f"{label} top-1 {a:.3f} culprit likely {b:.3f} false {c:.3f} (n={n1}/{n2}/{n3})"
                    for label, (a, b, c, n1, n2, n3) in cells.items()))
            print(f"{'':>8s} family: {args.family} people per generator (tuning seed {FAMILY_SEED}), one look at 3 "
                  f"sessions, {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
