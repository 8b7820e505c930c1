"""The Bayes-optimal decision given a generator's own priors: the ceiling.

The unknown that matters is discrete: which tested groups are culprits (none,
one, or a main and a second one).  For each such configuration the marginal
likelihood of the counts is an integral over everything else the generator
randomizes (effect sizes, base rate, drift, carry-over, day-to-day levels,
over-dispersion, miscounts).  We compute it by importance sampling with common
random numbers across configurations:

* each session's log click level ``L_s`` is drawn from a Student-t proposal
  centred on that session's observed rate (the data pin it down far better
  than the prior does), and weighted by its prior density given ``day_sd``,
  with the log-uniform base rate integrated out in closed form;
* every other nuisance parameter is drawn from the generator's prior;
* the counts' likelihood is exactly the generator's: gamma-Poisson
  (negative binomial), mixed with the miscount shifts when there are any.

The posterior over configurations gives ``P(g is a culprit)`` and ``P(g is
the strongest tested culprit)`` for each tested group; the decisions are the
Bayes ones: rank by the second, call ``likely`` when the first reaches a
threshold (calibrated on no-culprit people of the tuning seeds).

The carry-over part of the prior can be replaced (``carry_weights``) by any
mix of the three carry-over models: that is how the benchmark measures what a
wrong carry-over assumption costs, everything else held at the generator's
own priors.

The prior over which groups are culprits and how strong they are can be
replaced too (``effects="spike_slab"``) by kneeclick's own (core.analysis.decision:
each group a culprit with chance ``PRIOR_CULPRIT`` independently, a culprit's
log effect N(log ``CULPRIT_EFFECT``, ``CULPRIT_SD``), any other group's
N(0, ``NULL_SD``)), everything else (counts, nuisance priors) left at the
generator's: benchmarks/bench_ranking_gap.py uses it to measure what the
decision's effect prior costs against the generator's.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from scipy import special, stats

from benchmarks.family.generators import CARRY_MODELS, CONTROL, Data, Priors

#: importance-sampling draws per person (checked on the tuning seeds, see the benchmark)
N_DRAWS = 4000
#: proposal for each session's log level: Student-t with these degrees of freedom, sd inflated by this factor
PROPOSAL_DF = 4
PROPOSAL_INFLATE = 1.5


@dataclasses.dataclass
class Posterior:
    """Per carry-over model k, configuration c and draw m: log (weight x likelihood)."""

    groups: list[str]  # the tested groups
    keys: list[tuple[int | None, ...]]  # (main, second) tested group index or None; or, spike-and-slab, the culprits
    log_prior: np.ndarray  # (C,)
    logw: np.ndarray  # (K, C, M)
    strongest: np.ndarray  # (C, M): index of the strongest tested culprit, -1 for none
    models: list[str]  # carry-over model names, in the order of axis K
    ess: float  # effective sample size of the generator's own model, summed over configurations' weights

    def decide(self, carry_weights: dict[str, float]) -> dict:
        """P(culprit), P(strongest) per group and P(no tested culprit), under a mix of carry-over models."""
        w = np.array([carry_weights.get(k, 0.0) for k in self.models], dtype=float)
        w = w / w.sum()
        with np.errstate(divide="ignore"):
            lw = self.logw + np.log(w)[:, None, None] + self.log_prior[None, :, None]
        lw = lw - lw.max()
        p = np.exp(lw).sum(axis=0)  # (C, M)
        p /= p.sum()
        n = len(self.groups)
        p_culprit = np.zeros(n)
        per_key = p.sum(axis=1)
        for key, pc in zip(self.keys, per_key):
            for g in set(key) - {None}:
                p_culprit[g] += pc
        p_strong = np.bincount(self.strongest[self.strongest >= 0], weights=p[self.strongest >= 0], minlength=n)
        none = float(sum(pc for k, pc in zip(self.keys, per_key) if not set(k) - {None}))
        return {"p_culprit": p_culprit, "p_strongest": p_strong, "p_none": none}


def configurations(priors: Priors) -> tuple[list[tuple[int | None, int | None]], np.ndarray]:
    """The distinct (main, second) placements on the tested groups, with their prior probabilities."""
    tested = {g: i for i, g in enumerate(priors.tested)}
    cand = priors.candidates
    prob: dict[tuple[int | None, int | None], float] = {}

    def add(key, p):
        prob[key] = prob.get(key, 0.0) + p

    p0, p1, p2 = priors.n_culprits
    add((None, None), p0)
    for a in cand:
        add((tested.get(a), None), p1 / len(cand))
    for a, b in itertools.permutations(cand, 2):
        add((tested.get(a), tested.get(b)), p2 / (len(cand) * (len(cand) - 1)))
    keys = [k for k in prob if prob[k] > 0]
    return keys, np.log(np.array([prob[k] for k in keys]))


def _log_level_prior(L: np.ndarray, sd: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """log of prod_s N(L_s; mu, sd^2) integrated over mu ~ U(lo, hi); L is (M, S), sd is (M,)."""
    S = L.shape[1]
    mean = L.mean(axis=1)
    ss = ((L - mean[:, None]) ** 2).sum(axis=1)
    z = np.sqrt(S) / sd
    mass = special.ndtr((hi - mean) * z) - special.ndtr((lo - mean) * z)
    return (-0.5 * S * np.log(2 * np.pi * sd**2) - ss / (2 * sd**2) + 0.5 * np.log(2 * np.pi * sd**2 / S)
            + np.log(np.maximum(mass, 1e-300)) - np.log(hi - lo))


def spike_slab_configurations(n: int) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Every set of culprits among ``n`` tested groups, with kneeclick's prior probability (independent groups)."""
    from core.analysis.decision import PRIOR_CULPRIT

    keys = [tuple(i for i in range(n) if bits >> i & 1) for bits in range(2**n)]
    return keys, np.array([len(k) * np.log(PRIOR_CULPRIT) + (n - len(k)) * np.log(1 - PRIOR_CULPRIT) for k in keys])


def posterior(data: Data, priors: Priors, rng: np.random.Generator, n_draws: int = N_DRAWS,
              models: tuple[str, ...] = tuple(CARRY_MODELS), effects: str = "own") -> Posterior:
    """The posterior over culprit configurations; ``effects``: "own" (the generator's prior over culprits and
    their effects) or "spike_slab" (kneeclick's, see the module's docstring)."""
    groups = list(priors.tested)
    gi = {g: i for i, g in enumerate(groups)}
    keys, log_prior = configurations(priors) if effects == "own" else spike_slab_configurations(len(groups))
    M = n_draws
    y = data.counts  # (S, P)
    S, P = y.shape
    reps = float(data.reps)
    yf = y.reshape(-1)
    pos = np.tile(np.arange(P, dtype=float), S)

    # each session's log level: a Student-t proposal around its observed rate
    tot = y.sum(axis=1)
    centre = np.log((tot + 0.5) / (reps * P))
    spread = PROPOSAL_INFLATE * np.sqrt(1.0 / (tot + 1.0) + 0.15**2 + np.mean(priors.day_sd) ** 2 / S)
    t = rng.standard_t(PROPOSAL_DF, size=(M, S))
    L = centre + spread * t
    log_q = (stats.t.logpdf(t, PROPOSAL_DF) - np.log(spread)).sum(axis=1)

    # nuisance parameters from the generator's prior
    day_sd = rng.uniform(*priors.day_sd, size=M)
    log_drift = rng.normal(*priors.drift, size=M)
    shape = rng.uniform(*priors.shape, size=M)
    e1 = np.log(rng.uniform(*priors.main_effect, size=M))
    e2 = np.log(rng.uniform(*priors.second_effect, size=M))
    lw0 = _log_level_prior(L, day_sd, *np.log(priors.base_rate)) - log_q  # (M,)
    if effects == "spike_slab":
        from core.analysis.decision import CULPRIT_EFFECT, CULPRIT_SD, NULL_SD

        theta_culprit = np.log(CULPRIT_EFFECT) + CULPRIT_SD * rng.standard_normal((M, len(groups)))
        theta_null = NULL_SD * rng.standard_normal((M, len(groups)))

    base = np.log(reps) + np.repeat(L, P, axis=1) + log_drift[:, None] * pos[None, :]  # (M, T)
    r = shape[:, None]
    # the parts of the negative-binomial log pmf that do not depend on the configuration
    if priors.miscount > 0:
        shifts = np.array([0, -3, -2, -1, 1, 2, 3])
        ns = np.maximum(yf[None, :] - shifts[:, None], -1)[:, None, :]  # (7, 1, T); -1: cannot show as y
        n0 = np.maximum(ns, 0)
        const = np.where(ns >= 0, special.gammaln(n0 + r[None]) - special.gammaln(r[None])
                         - special.gammaln(n0 + 1) + r[None] * np.log(r[None]), -np.inf)  # (7, M, T)
    else:
        const = (special.gammaln(yf[None, :] + r) - special.gammaln(r) - special.gammaln(yf + 1) + r * np.log(r)).sum(axis=1)

    log_r = np.log(r)
    m = priors.miscount
    if m > 0:
        n_low = np.arange(4, dtype=float)[:, None, None]  # true counts 0..3 (a shift down to 0 shows as 0)
        const_low = (special.gammaln(n_low + r[None]) - special.gammaln(r[None]) - special.gammaln(n_low + 1)
                     + r[None] * log_r[None])
        zero = yf == 0
        # P(shows as 0 | true n) summed over the down-shifts -1..-3: n=0: 3 of them, n=1: 3, n=2: 2, n=3: 1
        down_w = np.array([3.0, 3.0, 2.0, 1.0])[:, None, None]

    def loglik(eta: np.ndarray) -> np.ndarray:
        log_rmu = np.log(r + np.exp(eta))
        if m == 0:
            return const + (yf * eta - (r + yf) * log_rmu).sum(axis=1)
        # a count shows as the true count n, or (with chance m) as n shifted by one of +-1..3, floored at 0
        pmf = np.exp(const + n0 * (eta - log_rmu)[None] - (r * log_rmu)[None])  # (7, M, T)
        shown = pmf[1:].sum(axis=0)
        if zero.any():
            low = np.exp(const_low + n_low * (eta - log_rmu)[None] - (r * log_rmu)[None])
            shown = np.where(zero[None, :], (down_w * low).sum(axis=0), shown)
        return np.log((1 - m) * pmf[0] + m / 6 * shown).sum(axis=1)

    # where each tested group sits in each session
    where = np.full((S, len(groups)), -1)
    for s, order in enumerate(data.orders):
        for q, g in enumerate(order, start=1):
            if g != CONTROL and g in gi:
                where[s, gi[g]] = q

    logw = np.empty((len(models), len(keys), M))
    for k, name in enumerate(models):
        (c_lo, c_hi), (f_lo, f_hi) = CARRY_MODELS[name]
        carry = rng.uniform(c_lo, c_hi, size=M)[:, None]
        fade = rng.uniform(f_lo, f_hi, size=M)[:, None]
        # A[g]: (M, T) exposure of each test to group g's log-effect (1 right after it, carry x fade^k later)
        A = np.zeros((len(groups), M, S * P))
        for g in range(len(groups)):
            for s in range(S):
                q = where[s, g]
                if q < 0:
                    continue
                A[g, :, s * P + q] = 1.0
                for p in range(q + 1, P):
                    A[g, :, s * P + p] = (carry * fade ** (p - q - 1))[:, 0]
        for c, key in enumerate(keys):
            eta = base.copy()
            if effects == "spike_slab":
                for g in range(len(groups)):
                    eta += (theta_culprit if g in key else theta_null)[:, g:g + 1] * A[g]
            else:
                a, b = key
                if a is not None:
                    eta += e1[:, None] * A[a]
                if b is not None:
                    eta += e2[:, None] * A[b]
            logw[k, c] = lw0 + loglik(eta)

    strongest = np.full((len(keys), M), -1)
    for c, key in enumerate(keys):
        if effects == "spike_slab":
            if key:
                strongest[c] = np.array(key)[np.argmin(theta_culprit[:, list(key)], axis=1)]
            continue
        a, b = key
        if a is not None and b is not None:
            strongest[c] = np.where(e1 <= e2, a, b)
        elif a is not None or b is not None:
            strongest[c] = a if a is not None else b
    own = logw[models.index(priors.carry)] + log_prior[:, None] if priors.carry in models else logw[0]
    wn = np.exp(own - own.max())
    ess = float(wn.sum() ** 2 / (wn**2).sum())
    return Posterior(groups, keys, log_prior, logw, strongest, list(models), ess)
