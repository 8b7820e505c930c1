"""Where does kneeclick's power go against the ceiling?  An ablation on the family's TUNING seed.

Run from the project folder:  .venv/bin/python benchmarks/bench_ranking_gap.py [--people N] [--jobs J]

The family benchmark (benchmarks/bench_ranking_family.py) finds kneeclick's main culprit `likely` for fewer people
than the ceiling (the Bayes-optimal decision with each generator's own priors).  This script walks from one to the
other in steps, on the same people (the family's tuning seed, 1, with the family's own random streams), each step
changing one thing, so the differences say where the gap goes:

1. kneeclick as it is: its group-sequential schedule (the threshold for 3 sessions, spent for four looks);
2. kneeclick's statistic and rules (``p_culprit`` of the first-ranked group, a cut of 20%, the chain), with one
   threshold for ONE look at 3 sessions, set at 5% false `likely` over all generators' no-culprit people at once;
3. the same, the threshold set per generator (as the ceiling's is: it knows which generator a person is from);
4. kneeclick's ``p_culprit`` with the ceiling's rule (any group whose ``p_culprit`` passes, no cut, no chain),
   per generator;
5. kneeclick with the counts' own Laplace likelihood per configuration (``ranking.USE_LAPLACE``), as 2-4;
6. the Bayes machinery of the ceiling (the counts' exact gamma-Poisson likelihood, integrated over the
   generator's nuisance priors) with kneeclick's spike-and-slab prior over the culprits and their effects and
   kneeclick's carry-over average (none 0.25, fading 0.55, whole 0.20), per-generator threshold;
7. the same with the generator's own carry-over model;
8. the generator's own effect prior with kneeclick's carry-over average;
9. the ceiling (everything the generator's own).

``--vague`` runs instead step 6 with priors a person-agnostic model could state (every nuisance prior wide: gamma
shape U(1, 50), log drift per test N(0, 0.25), day-to-day sd U(0.05, 1), click rate per rep logU(0.05, 20), no
miscounts), and the same with only the over-dispersion left at the generator's: does the exact likelihood carry
the gain, or the generator's nuisance priors?  ``--vague "vague, Poisson counts"``: wide priors and plain
Poisson counts (no over-dispersion at all in the likelihood).

``--exact N`` judges the counts' own posterior (core/analysis/posterior.py, step 6 ported to kneeclick's data
path, which the verdicts read since issue 9's eighth round; ``ranking.USE_EXACT`` on and off) against the normal
approximation on bench_ranking's tuning seeds 0..N-1 (its streams, and
calibrate's for the people with no culprit): each path's schedule recalibrated on the same seeds by
``core.analysis.calibrate.calibrate`` (same spending), the verdicts' rules replayed on the ranked groups; it
prints the schedule, false `likely` over looks 2-5, the main culprit `likely` at 3 sessions, top-1, and the
effective sample size of the draws.

``--screen N`` screens fit settings on bench_ranking's own people instead (tuning seeds 0..N-1 of
core/analysis/simulate.py, streams as benchmarks/bench_ranking.py's): the main culprit's ``p_culprit`` (when it
ranks first and cuts 20%) against the threshold that gives 3.5% false `likely` for one look at 3 sessions on the
no-culprit people of the same seeds, for kneeclick as it is and with one setting of ``core.analysis.ranking``
changed (``SCREEN``).  A setting worth adopting must then beat it with the schedule recalibrated.

Steps 6-9 use the ceiling's rule (rank by the chance of being the strongest culprit, `likely` when P(culprit)
passes the threshold).  Every threshold here is set on these same people (95th percentile of the statistic over
no-culprit people), so all are at 5% false `likely` for one look: this is a diagnosis on tuning people, not a
held-out figure.  Figures are means over the generators (equal weight), then per generator for the largest steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread per worker process
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_ranking_family import PHYSIO_PRIOR  # noqa: E402
from benchmarks.bench_ranking_family import mean as family_mean  # noqa: E402
from benchmarks.bench_ranking_family import score as family_score  # noqa: E402
from benchmarks.family import ceiling as ceiling_mod  # noqa: E402
from benchmarks.family.generators import GENERATORS, draw_person, simulate  # noqa: E402
from benchmarks.pool import map_jobs  # noqa: E402
from core.analysis import ranking  # noqa: E402
from core.analysis.decision import INSUFFICIENT, LIKELY, MIN_LIKELY_CUT  # noqa: E402


def _kneeclick(frame, laplace: bool) -> dict:
    saved = ranking.USE_LAPLACE
    ranking.USE_LAPLACE = laplace
    try:
        (leg,) = ranking.analyze(frame, draws=1000)
    finally:
        ranking.USE_LAPLACE = saved
    rows = [(r.muscle_group, r.verdict, r.rate_ratio, r.p_culprit, r.p_top) for r in leg.ranking]
    return {"rows": rows, "stat": leg.likely_statistic or 0.0}


#: --vague: nuisance priors wide enough for anyone (what kneeclick could assume without knowing the generator)
VAGUE = dict(shape=(1.0, 50.0), drift=(0.0, 0.25), day_sd=(0.05, 1.0), base_rate=(0.05, 20.0), miscount=0.0)
#: --vague's variants: what each changes from VAGUE (given the generator's priors)
VAGUE_VARIANTS = {"vague nuisance": lambda p: {}, "vague but own dispersion": lambda p: {"shape": p.shape},
                  "vague, Poisson counts": lambda p: {"shape": (1e4, 2e4)}}


def one_person(task: tuple) -> dict:
    gen, g_idx, seed, i, draws, vague = task
    _, priors = GENERATORS[gen]
    rng = np.random.default_rng([seed, g_idx, i])  # the family benchmark's streams: the same people
    k = i % 3
    person = draw_person(priors, rng, k)
    data = simulate(person, priors, rng)
    tested = list(priors.tested)
    if vague:
        bayes = {}
        for n in vague:
            pri = dataclasses.replace(priors, **(VAGUE | VAGUE_VARIANTS[n](priors)))
            d = ceiling_mod.posterior(data, pri, np.random.default_rng([seed, g_idx, i, 3]), n_draws=2 * draws,
                                      effects="spike_slab").decide(PHYSIO_PRIOR)
            bayes[n] = {"ranked": [tested[j] for j in np.argsort(-d["p_strongest"], kind="stable")],
                        "p": dict(zip(tested, d["p_culprit"]))}
        return dict(gen=gen, k=k, culprits=person.culprits(priors.tested), all_culprits=person.culprits(),
                    bayes=bayes)
    own = ceiling_mod.posterior(data, priors, np.random.default_rng([seed, g_idx, i, 1]), n_draws=draws)
    ss = ceiling_mod.posterior(data, priors, np.random.default_rng([seed, g_idx, i, 3]), n_draws=2 * draws,
                               effects="spike_slab")
    bayes = {"ceiling": own.decide({priors.carry: 1.0}), "own effects, kneeclick carry": own.decide(PHYSIO_PRIOR),
             "spike-slab, own carry": ss.decide({priors.carry: 1.0}),
             "spike-slab, kneeclick carry": ss.decide(PHYSIO_PRIOR)}
    bayes = {n: {"ranked": [tested[j] for j in np.argsort(-d["p_strongest"], kind="stable")],
                 "p": dict(zip(tested, d["p_culprit"]))} for n, d in bayes.items()}
    return dict(gen=gen, k=k, culprits=person.culprits(priors.tested), all_culprits=person.culprits(), bayes=bayes,
                kneeclick=_kneeclick(data.frame, False), laplace=_kneeclick(data.frame, True))


#: --screen: fit settings tried against kneeclick as it is (name -> {ranking constant: value})
SCREEN = {"as it is": {}, "PHI_PRIOR_DF 12 (dispersion nearer 1)": {"PHI_PRIOR_DF": 12.0},
          "PRIOR_SD_DRIFT 0.15 (drift within ~15% per test)": {"PRIOR_SD_DRIFT": 0.15}}


def _screen_main(leg, main: str) -> float:
    first = leg.ranking[0] if leg.ranking else None
    if first is None or first.muscle_group != main or first.verdict == INSUFFICIENT or first.rate_ratio is None:
        return 0.0
    return float(first.p_culprit or 0.0) if first.rate_ratio <= 1 - MIN_LIKELY_CUT else 0.0


def screen_seed(seed: int) -> dict:
    from core.analysis.simulate import make_person, simulate_sessions

    out = {}
    for name, settings in SCREEN.items():
        saved = {k: getattr(ranking, k) for k in settings}
        for k, v in settings.items():
            setattr(ranking, k, v)
        try:
            stats_ = []
            for stream, k in (([seed], 0), ([seed, 1], 1), ([seed, 2], 2)):
                rng = np.random.default_rng(stream)
                person = make_person(rng, k)
                frame = simulate_sessions(person, 5, rng)  # as calibrate and bench_ranking draw them
                ids = sorted(frame["session_id"].unique())
                (leg,) = ranking.analyze(frame[frame["session_id"].isin(ids[:3])], draws=500)
                stats_.append(leg.likely_statistic or 0.0 if k == 0 else _screen_main(leg, person.culprits[0]))
        finally:
            for k, v in saved.items():
                setattr(ranking, k, v)
        out[name] = stats_
    return out


def screen(n: int, jobs: int) -> None:
    t0 = time.perf_counter()
    res = map_jobs(screen_seed, range(n), jobs, chunksize=5)
    print(f"bench_ranking's tuning seeds 0-{n - 1} ({time.perf_counter() - t0:.0f} s), one look at 3 sessions, "
          "threshold at 3.5% false `likely` on the no-culprit people")
    for name in SCREEN:
        null = np.array([r[name][0] for r in res])
        hits = np.array([h for r in res for h in r[name][1:]])
        t = float(np.quantile(null, 0.965))
        print(f"  {name:50s} threshold {t:.3f}: main culprit `likely` {np.mean(hits > t):.3f} ±"
              f"{1.96 * np.sqrt(np.mean(hits > t) * (1 - np.mean(hits > t)) / len(hits)):.3f} (n={len(hits)})")


def exact_seed(task: tuple[int, bool]) -> dict:
    """One tuning seed of bench_ranking for ``--exact``: the no-culprit person's four looks (as
    core.analysis.calibrate draws them), and the people with one and two culprits at 3 sessions (their ranked rows,
    to replay under any schedule); ``use_exact``: core's path with ``ranking.USE_EXACT`` on (else off)."""
    from benchmarks.family import exact
    from core.analysis.calibrate import LOOKS
    from core.analysis.simulate import make_person, simulate_sessions
    from core.session import flow

    seed, use_exact = task

    def leg(frame) -> dict:
        # core's own path either way: the counts' own likelihood (ranking.USE_EXACT) or the normal approximation
        use, ranking.USE_EXACT = ranking.USE_EXACT, use_exact
        try:
            (one,) = ranking.analyze(frame, draws=1000)
        finally:
            ranking.USE_EXACT = use
        return {"rows": [(r.muscle_group, r.verdict, r.rate_ratio, r.p_culprit, r.p_top, r.sessions)
                         for r in one.ranking], "p_none": one.p_none, "ess": None}

    design = dict(reps=flow.DEFAULT_REPS, stretch_seconds=flow.DEFAULT_STRETCH_SECONDS)  # the default session
    rng = np.random.default_rng([seed])
    frame = simulate_sessions(make_person(rng, 0), max(LOOKS), rng, **design)
    ids = sorted(frame["session_id"].unique())
    looks = []
    for n in LOOKS:
        stat, n_sess = exact.likely_statistic(leg(frame[frame["session_id"].isin(ids[:n])])["rows"])
        looks.append((stat, n_sess or n))
    out = {"looks": looks, "people": [], "ess": []}
    for k in (1, 2):
        rng = np.random.default_rng([seed, k])  # bench_ranking's streams
        person = make_person(rng, k)
        frame = simulate_sessions(person, 5, rng, **design)
        ids = sorted(frame["session_id"].unique())
        res = leg(frame[frame["session_id"].isin(ids[:3])])
        out["people"].append((k, person.culprits[0], res["rows"], res["p_none"]))
        out["ess"].append(res["ess"])
    return out


def replay(rows: list[tuple], schedule) -> set[str]:
    """The groups `likely` under ``schedule`` (decision.decide's rules on the ranked rows)."""
    from core.analysis.decision import likely_threshold

    likely, chain = set(), True
    for g, v, rr, p, _, n in rows:
        ok = (chain and v != INSUFFICIENT and rr is not None and rr <= 1 - MIN_LIKELY_CUT
              and p >= likely_threshold(n, schedule))
        if ok:
            likely.add(g)
        chain = chain and ok
    return likely


def exact_screen(n: int, jobs: int, first: int = 0) -> None:
    from core.analysis.calibrate import calibrate, false_likely

    for use_exact in (False, True):
        t0 = time.perf_counter()
        res = map_jobs(exact_seed, [(s, use_exact) for s in range(first, first + n)], jobs, chunksize=5)
        took = time.perf_counter() - t0
        schedule = calibrate([r["looks"] for r in res])
        false = np.mean([false_likely(r["looks"], schedule) for r in res])
        hits3 = [main in replay(rows, schedule) for r in res for _, main, rows, _ in r["people"]]
        top1 = [rows[0][0] == main for r in res for k, main, rows, _ in r["people"] if k == 1]
        # one look at 3 sessions, the threshold at the schedule's 3.75% false `likely` by that look
        one = float(np.quantile([r["looks"][1][0] for r in res], 1 - 0.0375))
        hits1 = [main in replay(rows, one) for r in res for _, main, rows, _ in r["people"]]
        ess = [e for r in res for e in r["ess"]]
        used = [e for e in ess if e is not None]
        name = "exact counts" if use_exact else "normal approximation"
        print(f"{name:22s} seeds {first}-{first + n - 1} ({took:.0f} s): "
              f"schedule {schedule}, false over looks {false:.3f}, main culprit `likely` at 3 sessions "
              f"{np.mean(hits3):.3f} ±{1.96 * np.sqrt(np.mean(hits3) * (1 - np.mean(hits3)) / len(hits3)):.3f} "
              f"(n={len(hits3)}), top-1 {np.mean(top1):.3f} (n={len(top1)}); one look at 3 sessions (threshold "
              f"{one:.3f}): {np.mean(hits1):.3f}"
              + (f"; exact posterior used for {len(used)}/{len(ess)} culprit people, ESS median {np.median(used):.0f}, "
                 f"5th pct {np.quantile(used, 0.05):.0f}" if used else ""))


# ------------------------------------------------------------------ decisions
def kneeclick_chain(rec: dict, tau: float | None) -> tuple[list[str], set[str]]:
    """kneeclick's ranking; `likely` by its own rules with threshold ``tau`` (None: its own verdicts)."""
    ranked = [g for g, *_ in rec["rows"]]
    if tau is None:
        return ranked, {g for g, v, *_ in rec["rows"] if v == LIKELY}
    likely, chain = set(), True
    for g, v, rr, p, _ in rec["rows"]:
        ok = chain and v != INSUFFICIENT and rr is not None and rr <= 1 - MIN_LIKELY_CUT and p is not None and p > tau
        if ok:
            likely.add(g)
        chain = chain and ok
    return ranked, likely


def kneeclick_any(rec: dict, tau: float) -> tuple[list[str], set[str]]:
    """kneeclick's ranking; `likely`: any group whose p_culprit passes ``tau`` (the ceiling's rule)."""
    return [g for g, *_ in rec["rows"]], {g for g, v, rr, p, _ in rec["rows"] if p is not None and p > tau}


def bayes_rule(rec: dict, name: str, tau: float) -> tuple[list[str], set[str]]:
    d = rec["bayes"][name]
    return d["ranked"], {g for g, p in d["p"].items() if p > tau}


def statistic(rec: dict, how: str, name: str) -> float:
    """The largest value a no-culprit person's statistic takes (what the threshold must exceed for no `likely`)."""
    if how == "chain":
        rows = rec[name]["rows"]
        g, v, rr, p, _ = rows[0] if rows else (None, INSUFFICIENT, None, None, None)
        return float(p) if v != INSUFFICIENT and rr is not None and rr <= 1 - MIN_LIKELY_CUT and p is not None else 0.0
    if how == "any":
        return max([float(p) for *_, p, _ in rec[name]["rows"] if p is not None] or [0.0])
    return max(rec["bayes"][name]["p"].values())


def tau_of(records: list[dict], how: str, name: str) -> float:
    vals = [statistic(r, how, name) for r in records if not r["culprits"]]
    return float(np.quantile(vals, 0.95)) if vals else 0.95


def score(records: list[dict], decide) -> dict:
    """The family benchmark's top-1, hit and false rates (its :func:`score`, averaged)."""
    return {k: family_mean(v) for k, v in family_score(records, decide).items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=240, help="tuning people per generator (the family's default: 240)")
    ap.add_argument("--seed", type=int, default=1, help="the family's tuning seed")
    ap.add_argument("--draws", type=int, default=ceiling_mod.N_DRAWS)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--vague", nargs="*", choices=list(VAGUE_VARIANTS), default=None,
                    help="step 6 with wide nuisance priors instead (see above); names: which variants (default: the "
                         "first two)")
    ap.add_argument("--screen", type=int, default=0, metavar="N", help="screen SCREEN's fit settings on N seeds")
    ap.add_argument("--exact", type=int, default=0, metavar="N",
                    help="the counts' own posterior against the normal approximation on bench_ranking's tuning "
                         "seeds 0..N-1, each with its schedule recalibrated on the same seeds")
    args = ap.parse_args(argv)
    if args.exact:
        exact_screen(args.exact, args.jobs)
        return 0
    if args.screen:
        screen(args.screen, args.jobs)
        return 0
    if args.vague is not None and not args.vague:
        args.vague = list(VAGUE_VARIANTS)[:2]
    tasks = [(gen, g_idx, args.seed, i, args.draws, tuple(args.vague or ()))
             for g_idx, gen in enumerate(GENERATORS) for i in range(args.people)]
    t0 = time.perf_counter()
    records = map_jobs(one_person, tasks, args.jobs, chunksize=4)
    took = time.perf_counter() - t0
    gens = list(GENERATORS)
    by_gen = {g: [r for r in records if r["gen"] == g] for g in gens}
    if args.vague:
        names = tuple(args.vague)
        print(f"{args.people} tuning people per generator (seed {args.seed}), {len(records)} people in {took:.0f} s; "
              f"exact counts, kneeclick's spike-and-slab prior and carry-over average, {2 * args.draws} draws")
        print(f"  {'generator':16s}" + "".join(f"{n:>30s}" for n in names) + "   (top-1 / hit / false)")
        rows = {n: [] for n in names}
        for g in gens:
            cells = []
            for n in names:
                t = tau_of(by_gen[g], "bayes", n)
                sc = score(by_gen[g], lambda r, n=n, t=t: bayes_rule(r, n, t))
                rows[n].append(sc)
                cells.append(f"{sc['top1']:.2f} / {sc['hit']:.2f} / {sc['false']:.2f}")
            print(f"  {g:16s}" + "".join(f"{c:>30s}" for c in cells))
        print(f"  {'mean':16s}" + "".join(
            f"{' / '.join(f'{np.mean([r[k] for r in rows[n]]):.3f}' for k in ('top1', 'hit', 'false')):>30s}"
            for n in names))
        pooled_v = {n: tau_of(records, "bayes", n) for n in names}
        means = {n: [score(by_gen[g], lambda r, n=n: bayes_rule(r, n, pooled_v[n])) for g in gens] for n in names}
        print(f"  {'pooled thresh.':16s}" + "".join(
            f"{' / '.join(f'{np.mean([r[k] for r in means[n]]):.3f}' for k in ('top1', 'hit', 'false')):>30s}"
            for n in names) + "   (one threshold for all generators: "
            + ", ".join(f"{pooled_v[n]:.3f}" for n in names) + ")")
        return 0
    pooled = {(how, name): tau_of(records, how, name) for how, name in (("chain", "kneeclick"), ("chain", "laplace"))}

    def per_gen(how, name):
        return {g: tau_of(by_gen[g], how, name) for g in gens}

    steps = {
        "1 kneeclick as it is (schedule, 4 looks)": {
            g: (lambda r: kneeclick_chain(r["kneeclick"], None)) for g in gens},
        "2 kneeclick rules, 1 look, pooled threshold": {
            g: (lambda r, t=pooled["chain", "kneeclick"]: kneeclick_chain(r["kneeclick"], t)) for g in gens},
        "3 kneeclick rules, 1 look, per generator": {
            g: (lambda r, t=t: kneeclick_chain(r["kneeclick"], t)) for g, t in per_gen("chain", "kneeclick").items()},
        "4 kneeclick p_culprit, ceiling's rule": {
            g: (lambda r, t=t: kneeclick_any(r["kneeclick"], t)) for g, t in per_gen("any", "kneeclick").items()},
        "5a Laplace, rules, 1 look, pooled": {
            g: (lambda r, t=pooled["chain", "laplace"]: kneeclick_chain(r["laplace"], t)) for g in gens},
        "5b Laplace, rules, per generator": {
            g: (lambda r, t=t: kneeclick_chain(r["laplace"], t)) for g, t in per_gen("chain", "laplace").items()},
        "5c Laplace p_culprit, ceiling's rule": {
            g: (lambda r, t=t: kneeclick_any(r["laplace"], t)) for g, t in per_gen("any", "laplace").items()},
    }
    for label, name in (("6 exact counts, kneeclick prior+carry", "spike-slab, kneeclick carry"),
                        ("7 exact counts, kneeclick prior, own carry", "spike-slab, own carry"),
                        ("8 exact counts, own prior, kneeclick carry", "own effects, kneeclick carry"),
                        ("9 ceiling (all the generator's own)", "ceiling")):
        steps[label] = {g: (lambda r, n=name, t=t: bayes_rule(r, n, t)) for g, t in per_gen("bayes", name).items()}

    table = {s: {g: score(by_gen[g], f[g]) for g in gens} for s, f in steps.items()}
    print(f"{args.people} tuning people per generator (seed {args.seed}, the family's streams), 3 sessions; "
          f"{len(records)} people in {took:.0f} s with {args.jobs} worker(s); ceiling {args.draws} draws, "
          f"spike-and-slab {2 * args.draws}")
    print(f"pooled one-look thresholds: kneeclick {pooled['chain', 'kneeclick']:.3f}, Laplace "
          f"{pooled['chain', 'laplace']:.3f} (kneeclick's schedule at 3 sessions: 0.80)")
    print(f"\n  {'mean over the 9 generators':46s}{'top-1':>8s}{'hit':>8s}{'false':>8s}")
    for s in steps:
        m = {k: np.mean([table[s][g][k] for g in gens]) for k in ("top1", "hit", "false")}
        print(f"  {s:46s}{m['top1']:8.3f}{m['hit']:8.3f}{m['false']:8.3f}")
    print("\nhit per generator:")
    print(f"  {'step':46s}" + "".join(f"{g[:9]:>10s}" for g in gens))
    for s in steps:
        print(f"  {s:46s}" + "".join(f"{table[s][g]['hit']:10.2f}" for g in gens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
