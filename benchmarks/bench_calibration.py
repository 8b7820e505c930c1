"""Do kneeclick's chances come true as often as they say?  P(top) and p_none, on tuning and held-out people.

Run from the project folder:  .venv/bin/python benchmarks/bench_calibration.py [--fit] [--people N] [--jobs J]

``P(top)`` is the chance a group is the biggest contributor (a culprit, and the strongest one); ``p_none`` the
chance that no group beats resting.  Said 0.6, it should come true about 60% of the time (issue 9).  The posterior
as computed is under-confident, so Results shows it sharpened by one power (``decision.P_TOP_POWER``: every
chance of the vector ``P(top)..., p_none`` raised to it and renormalised, kept at most each group's P(culprit);
the ranking and the verdicts do not change).  This script collects each person's raw vector (power 1) once, then scores it raw and at a power:

- tuning: core/analysis/simulate.py's people, seeds 0 on (``--people``), a third each with 0, 1 and 2 culprits,
  3 sessions of the fixed design (the same people as bench_ranking.py's tuning range), and the family's tuning
  seed 1 (``--family-tune-seed``: benchmarks/family/generators.py, nine generators that differ in carry-over,
  drift, day-to-day variation, over-dispersion, miscounts, effect sizes and culprits outside the tested groups;
  ``--family-people`` a generator).  ``--fit`` chooses the power on both together, by the largest likelihood of
  the truth (the strongest tested culprit, or "none"), and prints it;
- held out: the same simulator, seeds 31200 on (``--held-out-people``; never used for any choice);
- the family, held-out seed 9 (``--family-seed``), ``--family-people`` a generator, 3 sessions;
- after 5 sessions: the held-out simulator people again, later (the power was chosen at 3).

Per set: the binned calibration (said, came true, n), the log loss of the truth, and the Brier score, raw and at the
power.  A person whose culprits are all outside the tested groups counts as "none" (no tested group beats resting).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_ranking import binned_calibration  # noqa: E402
from benchmarks.pool import map_jobs  # noqa: E402
from core.analysis import decision  # noqa: E402
from core.analysis.ranking import analyze  # noqa: E402
from core.analysis.simulate import make_person, simulate_sessions  # noqa: E402
from core.session import flow  # noqa: E402

HELD_OUT = 31200
FAMILY_SEED = 9
FAMILY_TUNE_SEED = 1


def _vector(frame, truths: list[str]) -> tuple[np.ndarray, int, int | None, np.ndarray] | None:
    """The leg's raw ``(P(top)..., p_none)``, the index of the truth in it (the last index: "none"), the leg's
    over-dispersion band (``decision.dispersion_band``) and its groups' ``p_culprit`` (the bounds of the shown
    chances: ``decision.sharpen``)."""
    decision.P_TOP_POWER = 1.0  # raw: the power is applied afterwards, so one run scores every power
    (leg,) = analyze(frame, draws=1000)
    rows = [r for r in leg.ranking if r.p_top is not None]
    if leg.p_none is None or not rows:
        return None
    v = np.array([r.p_top for r in rows] + [leg.p_none])
    names = [r.muscle_group for r in rows]
    truth = names.index(truths[0]) if truths and truths[0] in names else len(names)
    return v, truth, leg.band, np.array([r.p_culprit for r in rows])


def simulator_person(task: tuple[int, int]) -> dict:
    seed, sessions = task
    out = {}
    for k in (0, 1, 2):
        rng = np.random.default_rng([seed, k])
        person = make_person(rng, k)
        frame = simulate_sessions(person, max(sessions), rng, reps=flow.DEFAULT_REPS,
                                  stretch_seconds=flow.DEFAULT_STRETCH_SECONDS)  # fmt: skip
        ids = sorted(frame["session_id"].unique())
        for n in sessions:  # the first n sessions are the same whatever the total (one random stream)
            out[(k, n)] = _vector(frame[frame["session_id"].isin(ids[:n])], person.culprits)
    return out


def family_person(task: tuple[str, int, int, int]) -> dict:
    from benchmarks.family.generators import GENERATORS, draw_person, simulate

    gen, g_idx, seed, i = task
    _, priors = GENERATORS[gen]
    rng = np.random.default_rng([seed, g_idx, i])
    person = draw_person(priors, rng, i % 3)
    data = simulate(person, priors, rng)
    return {"gen": gen, "v": _vector(data.frame, person.culprits(priors.tested))}


def _at(v: np.ndarray, power, band: int | None = None, c: np.ndarray | None = None) -> np.ndarray:
    """``v`` as Results would show it at ``power`` (one number, or one per band: a dict; a band it lacks is left as
    it is), kept coherent with the groups' ``p_culprit`` ``c``."""
    pw = power.get(band, 1.0) if isinstance(power, dict) else power
    p, none = decision.sharpen(v[:-1], float(v[-1]), pw, p_culprit=c)
    return np.append(p, none)


def log_loss(items, power) -> float:
    return float(-np.mean([np.log(max(_at(v, power, b, c)[t], 1e-12)) for v, t, b, c in items]))


def brier(items, power) -> float:
    return float(np.mean([np.sum((_at(v, power, b, c) - np.eye(len(v))[t]) ** 2) for v, t, b, c in items]))


def binned(items, power, which: str) -> str:
    pairs = []
    for v, t, b, c in items:
        q = _at(v, power, b, c)
        idx = range(len(q) - 1) if which == "top" else [len(q) - 1]
        pairs += [(q[j], j == t) for j in idx]
    return binned_calibration(pairs, indent=8)


def fit_power(items) -> float:
    res = optimize.minimize_scalar(lambda a: log_loss(items, a), bounds=(0.5, 4.0), method="bounded",
                                   options={"xatol": 1e-3})  # fmt: skip
    return float(res.x)


def fit_by_band(items) -> dict:
    """One power per over-dispersion band (a band with fewer than 100 people keeps 1.0)."""
    bands = sorted({b for _, _, b in items}, key=lambda b: -1 if b is None else b)
    return {b: round(fit_power(its), 3) if len(its := [i for i in items if i[2] == b]) >= 100 else 1.0 for b in bands}


def _name(power) -> str:
    if isinstance(power, dict):
        return "powers by band " + ", ".join(f"{b}: {p:.2f}" for b, p in power.items())
    return f"power {power:.2f}"


def report(name: str, items, power: float) -> None:
    print(f"\n{name}: {len(items)} people")
    print(f"  log loss {log_loss(items, 1.0):.4f} raw -> {log_loss(items, power):.4f} at {_name(power)}; "
          f"Brier {brier(items, 1.0):.4f} -> {brier(items, power):.4f}")  # fmt: skip
    for which, label in (("top", "P(top)"), ("none", "p_none")):
        print(f"  {label}, raw:\n        " + binned(items, 1.0, which))
        print(f"  {label}, at {_name(power)}:\n        " + binned(items, power, which))


def main(argv=None) -> int:
    shipped = decision.P_TOP_POWER
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="choose the power on the tuning people and report at it")
    ap.add_argument("--power", type=float, default=None, help=f"report at this power (default: the shipped {shipped})")
    ap.add_argument("--people", type=int, default=600, help="tuning seeds (3 people each)")
    ap.add_argument("--held-out", type=int, default=HELD_OUT)
    ap.add_argument("--held-out-people", type=int, default=600, help="held-out seeds (3 people each)")
    ap.add_argument("--family-seed", type=int, default=FAMILY_SEED)
    ap.add_argument("--family-tune-seed", type=int, default=FAMILY_TUNE_SEED)
    ap.add_argument("--family-people", type=int, default=240, help="people a generator (a third each 0/1/2 culprits)")
    ap.add_argument("--by-band", action="store_true", help="with --fit: one power per over-dispersion band")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if args.held_out < 20000:
        ap.error("--held-out must be outside the tuning and seen-before ranges (20000 on)")
    t0 = time.perf_counter()
    if args.family_seed == args.family_tune_seed:
        ap.error("--family-seed and --family-tune-seed must differ")
    from benchmarks.family.generators import GENERATORS

    tune = map_jobs(simulator_person, [(s, (3,)) for s in range(args.people)], args.jobs, 8)
    items = [r[(k, 3)] for r in tune for k in (0, 1, 2) if r[(k, 3)] is not None]
    fam_tasks = [(g, gi, args.family_tune_seed, i) for gi, g in enumerate(GENERATORS) for i in range(args.family_people)]
    fam_tune = [r["v"] for r in map_jobs(family_person, fam_tasks, args.jobs, 8) if r["v"] is not None]
    power = fit_power(items + fam_tune) if args.fit else (shipped if args.power is None else args.power)
    if args.fit and args.by_band:
        power = fit_by_band(items + fam_tune)
        print(f"{_name(power)} chosen on the tuning people of both (bands: decision.dispersion_band, 0 the heaviest); "
              "people a band: " + ", ".join(f"{b}: {sum(i[2] == b for i in items + fam_tune)}" for b in power))
    elif args.fit:
        print(f"power chosen on the tuning people of both (largest likelihood of the truth): {power:.3f}; "
              f"on the simulator's alone it would be {fit_power(items):.3f}, on the family's alone {fit_power(fam_tune):.3f}")
    report(f"tuning, simulator seeds 0-{args.people - 1}, 3 sessions", items, power)
    report(f"tuning, the family's seed {args.family_tune_seed}, all nine generators, 3 sessions", fam_tune, power)
    held = map_jobs(simulator_person, [(args.held_out + s, (3, 5)) for s in range(args.held_out_people)], args.jobs, 8)
    hi = args.held_out + args.held_out_people - 1
    for n in (3, 5):
        report(f"held out, seeds {args.held_out}-{hi}, {n} sessions",
               [r[(k, n)] for r in held for k in (0, 1, 2) if r[(k, n)] is not None], power)  # fmt: skip
    tasks = [(g, gi, args.family_seed, i) for gi, g in enumerate(GENERATORS) for i in range(args.family_people)]
    fam = map_jobs(family_person, tasks, args.jobs, 8)
    every = [r["v"] for r in fam if r["v"] is not None]
    report(f"the family, seed {args.family_seed}, all nine generators, 3 sessions", every, power)
    print("\nper generator: log loss raw -> at the power (lower is better); P(top) said 0.5-0.7 came true, raw -> at it")
    for g in GENERATORS:
        its = [r["v"] for r in fam if r["gen"] == g and r["v"] is not None]
        mid = []
        for pw in (1.0, power):
            said = [(q[j], j == t) for v, t, b, c in its for q in [_at(v, pw, b, c)] for j in range(len(q) - 1)
                    if 0.5 <= q[j] < 0.7]  # fmt: skip
            mid.append(f"{np.mean([s for s, _ in said]):.2f} -> {np.mean([h for _, h in said]):.2f} (n={len(said)})"
                       if said else "none")  # fmt: skip
        print(f"  {g:14s} {log_loss(its, 1.0):.4f} -> {log_loss(its, power):.4f}   said/true raw {mid[0]}, at it {mid[1]}")
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
