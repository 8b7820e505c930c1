"""How far is kneeclick's ranking from the best possible, on generators it was not shaped on?

Run from the project folder:  .venv/bin/python benchmarks/bench_ranking_family.py [--quick] [--people N]

A family of simulated-person generators (benchmarks/family/generators.py), each the baseline with one thing
changed: carry-over (none, fading, whole session), drift direction (warm-up, fatigue), day-to-day variation,
over-dispersion, miscounts, effect sizes, culprits outside the four tested groups.  Every person runs 3 sessions
of the fixed design (baseline test, then the four default groups and the rest control in random order, the
default session's reps and stretch length: ``flow.DEFAULT_REPS``, ``flow.DEFAULT_STRETCH_SECONDS``).  On the same people:

- kneeclick: ``core.analysis.ranking.analyze`` as it is (nothing of it is tuned here);
- glm: the plain Poisson GLM with session as a factor (statsmodels), Bonferroni one-sided Wald `likely`;
- ceiling: the Bayes-optimal decision with the generator's own priors (benchmarks/family/ceiling.py): rank by
  P(strongest culprit), `likely` when P(culprit) reaches a threshold set on the tuning seeds' no-culprit people;
- Bayes with a carry-over assumption (none / fading / whole / average): the ceiling's machinery with the
  carry-over prior replaced, everything else at the generator's own priors, its threshold set the same way as the
  ceiling's.  This isolates what a carry-over assumption costs.

Figures: top-1 = people with one culprit (tested) whose culprit is ranked first; culprit likely = people with a
tested culprit whose strongest tested culprit is `likely`; false likely = people with no tested culprit given
any `likely`.  Each cell: held-out seeds, then (tuning seeds).  The tuning seeds set the ceiling's numerical
settings (checked: draws) and the thresholds; nothing else.
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

from benchmarks.family import ceiling as ceiling_mod  # noqa: E402
from benchmarks.family import methods  # noqa: E402
from benchmarks.family.generators import GENERATORS, REPS, STRETCH_SECONDS, draw_person, simulate  # noqa: E402
from benchmarks.paired import paired_interval  # noqa: E402
from benchmarks.pool import map_jobs  # noqa: E402

#: a physiologist's prior over the carry-over models: acute stretch effects mostly fade within ~10-30 min
#: (Behm et al. 2016), a session is ~15 min, so fading is most plausible, none (a very short-lived effect)
#: next, an effect that holds unchanged for the whole session least
PHYSIO_PRIOR = {"none": 0.25, "fading": 0.55, "whole": 0.20}
VARIANTS = {"Bayes, assume no carry-over": {"none": 1.0}, "Bayes, assume fading": {"fading": 1.0},
            "Bayes, assume whole session": {"whole": 1.0}, "Bayes, average (physiologist prior)": PHYSIO_PRIOR}
SPLITS = ("held-out", "tuning")


def one_person(task: tuple) -> dict:
    """Everything scored for one simulated person (its own random stream, so results do not depend on --jobs)."""
    gen, g_idx, split, seed, i, draws, check = task
    _, priors = GENERATORS[gen]
    rng = np.random.default_rng([seed, g_idx, i])
    k = i % 3
    person = draw_person(priors, rng, k)
    data = simulate(person, priors, rng)
    tested = list(priors.tested)
    post = ceiling_mod.posterior(data, priors, np.random.default_rng([seed, g_idx, i, 1]), n_draws=draws)
    bayes = {"ceiling": post.decide({priors.carry: 1.0})}
    bayes.update({name: post.decide(w) for name, w in VARIANTS.items()})
    rec = dict(gen=gen, split=split, k=k, culprits=person.culprits(priors.tested), all_culprits=person.culprits(),
               tested=tested, ess=post.ess, bayes=bayes, kneeclick=methods.kneeclick(data),
               glm=methods.glm(data, tested), c_own=bayes["ceiling"]["p_culprit"])
    if check:  # the same person with 4x the draws: are the ceiling's numbers settled?
        big = ceiling_mod.posterior(data, priors, np.random.default_rng([seed, g_idx, i, 2]), n_draws=4 * draws)
        d = big.decide({priors.carry: 1.0})
        rec["check"] = (int(np.argmax(d["p_strongest"])) == int(np.argmax(bayes["ceiling"]["p_strongest"])),
                        float(np.max(np.abs(d["p_culprit"] - bayes["ceiling"]["p_culprit"]))))
    return rec


def bayes_decision(dec: dict, tested: list[str], tau: float) -> tuple[list[str], set[str]]:
    order = np.argsort(-dec["p_strongest"], kind="stable")
    return [tested[j] for j in order], {tested[j] for j in range(len(tested)) if dec["p_culprit"][j] > tau}


def threshold(records: list[dict], name: str) -> float:
    """The 95th percentile of the largest P(culprit) among tuning people with no tested culprit."""
    vals = [float(np.max(r["bayes"][name]["p_culprit"])) for r in records if not r["culprits"]]
    return float(np.quantile(vals, 0.95)) if vals else 0.95


def score(records: list[dict], decide) -> dict:
    top1, hit, false = [], [], []
    for r in records:
        ranked, likely = decide(r)
        c = r["culprits"]
        if not c:
            false.append(bool(likely))
            continue
        hit.append(c[0] in likely)
        if len(r["all_culprits"]) == 1:
            top1.append(ranked[0] == c[0])
    return {"top1": top1, "hit": hit, "false": false}


def mean(v) -> float:
    return float(np.mean(v)) if len(v) else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=240, help="held-out people per generator (a third each 0/1/2 culprits)")
    ap.add_argument("--tune-people", type=int, default=None, help="tuning people per generator (default: as many as --people)")
    ap.add_argument("--seed", type=int, default=2, help="held-out seed range: people [seed, generator, 0..N)")
    ap.add_argument("--tune-seed", type=int, default=1, help="tuning seed range (must differ from --seed)")
    ap.add_argument("--draws", type=int, default=ceiling_mod.N_DRAWS, help="importance-sampling draws of the ceiling")
    ap.add_argument("--quick", action="store_true", help="about a minute: 30 held-out and 30 tuning people, 2,000 draws")
    ap.add_argument("--generators", nargs="*", default=list(GENERATORS), choices=list(GENERATORS))
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (results do not depend on it)")
    args = ap.parse_args(argv)
    if args.quick:
        args.people, args.tune_people, args.draws = 30, 30, 2000
    tune_n = args.tune_people if args.tune_people is not None else args.people
    if args.seed == args.tune_seed:
        ap.error("--seed and --tune-seed must differ: report on people the settings were not tuned on")
    n_check = 3 if args.quick else 12
    tasks = []
    for g_idx, gen in enumerate(GENERATORS):
        if gen not in args.generators:
            continue
        tasks += [(gen, g_idx, "tuning", args.tune_seed, i, args.draws, i < n_check) for i in range(tune_n)]
        tasks += [(gen, g_idx, "held-out", args.seed, i, args.draws, False) for i in range(args.people)]
    t0 = time.perf_counter()
    records = map_jobs(one_person, tasks, args.jobs, chunksize=4)
    elapsed = time.perf_counter() - t0

    tuning = [r for r in records if r["split"] == "tuning"]
    tau = {(gen, name): threshold([r for r in tuning if r["gen"] == gen], name)
           for gen in args.generators for name in ["ceiling", *VARIANTS]}

    def deciders(gen: str) -> dict:
        out = {"kneeclick": lambda r: r["kneeclick"], "plain Poisson GLM": lambda r: r["glm"]}
        for name in VARIANTS:
            out[name] = lambda r, n=name: bayes_decision(r["bayes"][n], r["tested"], tau[gen, n])
        out["ceiling (own priors)"] = lambda r: bayes_decision(r["bayes"]["ceiling"], r["tested"], tau[gen, "ceiling"])
        return out

    results = {}  # (gen, method, split) -> scores
    for gen in args.generators:
        for method, f in deciders(gen).items():
            for split in SPLITS:
                results[gen, method, split] = score([r for r in records if r["gen"] == gen and r["split"] == split], f)
    method_names = list(deciders(args.generators[0]))

    print(f"{args.people} held-out people (seed {args.seed}) and {tune_n} tuning people (seed {args.tune_seed}) per "
          f"generator; 3 sessions, random order, rest control, {REPS} reps, {STRETCH_SECONDS} s stretches; "
          f"ceiling with {args.draws} draws")
    print("each cell: held-out (tuning).  top-1: one culprit ranked first; hit: culprit `likely`; false: any "
          "`likely` with no culprit; gap: top-1 minus the ceiling's")

    def cell(v_held, v_tune) -> str:
        return f"{v_held:5.2f} ({v_tune:4.2f})"

    def table(gens: list[str]) -> None:
        print(f"  {'':38s}{'top-1':>14s}{'hit':>14s}{'false':>14s}{'gap':>15s}")
        for m in method_names:
            row = []
            vals = {}
            for split in SPLITS:
                vals[split] = {key: mean([mean(results[g, m, split][key]) for g in gens]) for key in ("top1", "hit", "false")}
                vals[split]["gap"] = vals[split]["top1"] - mean(
                    [mean(results[g, "ceiling (own priors)", split]["top1"]) for g in gens])
            for key in ("top1", "hit", "false", "gap"):
                row.append(cell(vals["held-out"][key], vals["tuning"][key]))
            print(f"  {m:38s}" + "".join(f"{c:>14s}" if j < 3 else f"{c:>15s}" for j, c in enumerate(row)))

    def gap_line(gens: list[str]) -> str:
        """kneeclick's top-1 minus the ceiling's, read person by person (both rank the same people)."""
        parts = []
        for split in SPLITS:
            d = np.concatenate([np.subtract(results[g, "kneeclick", split]["top1"],
                                            results[g, "ceiling (own priors)", split]["top1"], dtype=float)
                                for g in gens])
            m, lo, hi = paired_interval(d)
            parts.append(f"{split} {m:+.3f} ({lo:+.3f} to {hi:+.3f}, n={d.size})")
        return "kneeclick's top-1 gap to the ceiling, same people, 95% interval: " + "; ".join(parts)

    for gen in args.generators:
        held = results[gen, "kneeclick", "held-out"]
        print(f"\n{gen}: {GENERATORS[gen][0]}  (held-out: {len(held['top1'])} one-culprit, {len(held['hit'])} with a "
              f"culprit, {len(held['false'])} with none; ceiling's likely threshold {tau[gen, 'ceiling']:.2f})")
        table([gen])
        print("  " + gap_line([gen]))
    n1 = mean([len(results[g, "kneeclick", "held-out"]["top1"]) for g in args.generators])
    print(f"\n(95% margins on held-out figures near 0.8: about ±{1.96 * np.sqrt(0.16 / n1):.2f} per generator, "
          f"±{1.96 * np.sqrt(0.16 / (n1 * len(args.generators))):.2f} overall; gaps between methods on the same "
          "people are tighter: each generator's gap line reads them person by person)")
    print(f"\noverall (mean over the {len(args.generators)} generators, equal weight)")
    table(list(args.generators))
    print("  " + gap_line(list(args.generators)))

    # the carry-over question: what each assumption loses against each generator's ceiling
    print("\ncarry-over assumption: loss against the ceiling, held-out (tuning); top-1 points lost / culprit-`likely` "
          "points lost")
    print(f"  {'generator':16s}" + "".join(f"{n.replace('Bayes, ', ''):>34s}" for n in VARIANTS))
    losses = {n: {s: [] for s in SPLITS} for n in VARIANTS}
    for gen in args.generators:
        row = []
        for n in VARIANTS:
            parts = []
            for split in SPLITS:
                c = results[gen, "ceiling (own priors)", split]
                v = results[gen, n, split]
                lt, lh = mean(c["top1"]) - mean(v["top1"]), mean(c["hit"]) - mean(v["hit"])
                losses[n][split].append((lt, lh))
                parts.append(f"{lt:+.2f}/{lh:+.2f}")
            row.append(f"{parts[0]} ({parts[1]})")
        print(f"  {gen:16s}" + "".join(f"{c:>34s}" for c in row))
    for label, agg in (("mean", np.mean), ("worst", np.max)):
        row = []
        for n in VARIANTS:
            parts = [f"{agg([x[0] for x in losses[n][s]]):+.2f}/{agg([x[1] for x in losses[n][s]]):+.2f}" for s in SPLITS]
            row.append(f"{parts[0]} ({parts[1]})")
        print(f"  {label:16s}" + "".join(f"{c:>34s}" for c in row))

    checks = [r["check"] for r in records if "check" in r] or [(float("nan"), float("nan"))]
    ess = [r["ess"] for r in records]
    print(f"\nceiling numerics (tuning seeds, {len(checks)} people re-run with {4 * args.draws} draws): same first-ranked "
          f"group {mean([c[0] for c in checks]):.2f}, largest change of P(culprit) median {np.median([c[1] for c in checks]):.3f}"
          f", max {max(c[1] for c in checks):.3f}; effective sample size median {np.median(ess):.0f}, 5th percentile "
          f"{np.quantile(ess, 0.05):.0f}")
    print(f"run took {elapsed:.0f} s with {args.jobs} worker(s) for {len(records)} people")
    return 0


if __name__ == "__main__":
    sys.exit(main())
