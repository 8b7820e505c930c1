"""Which groups are culprits, from the counts' own likelihood: importance sampling over everything else.

A port of the ceiling's exact posterior (:mod:`benchmarks.family.ceiling`, ``effects="spike_slab"`` with wide
nuisance priors) to kneeclick's own data path (issue 9, eighth round; built in benchmarks/family/exact.py in the
sixth round).  :func:`core.analysis.ranking.analyze_leg` reads ``p_culprit``, ``p_top`` and ``p_none`` from
:func:`for_fit` where it applies and hands them to :func:`core.analysis.decision.decide`; the intervals shown
stay the fit's.

:mod:`core.analysis.decision` reads the fit's contrasts through a normal approximation (their estimates with a
quasi-Poisson / gamma-Poisson sandwich covariance).  This module gives the same three quantities (each group's
chance of being a culprit, of being the biggest contributor, and the chance that no group beats resting) from
the exact likelihood of the counts, integrated over the nuisance parameters by importance sampling, for legs of
up to ``MAX_SESSIONS`` sessions with clicks and a rest control; beyond that, or when the sampling is too poor
(effective sample size below ``MIN_ESS``), :func:`for_fit` returns None and the decision keeps the normal
approximation.

The model of one leg
--------------------
Every test ``t`` (the baseline and each retest) of session ``s`` is a count ``y_t`` of clicks in ``reps_t`` reps:

    log mu_t = log reps_t + L_s + d * (test number)
               + rho * 1[t follows any condition]           (resting: the rest control's own effect)
               + theta_g * 1[t follows group g's stretch]    (g's effect beyond resting)
               + c * f**(k - 1) * theta_g                   (carry-over, g's retest k tests earlier)

    y_t ~ gamma-Poisson(mu_t, shape r)     (Var = mu + mu**2 / r)

and the decision's spike-and-slab prior on each ``theta_g`` (:mod:`core.analysis.decision`): a culprit with
chance ``PRIOR_CULPRIT``, then ``theta_g ~ N(log CULPRIT_EFFECT, CULPRIT_SD)``, otherwise ``N(0, NULL_SD)``.

Priors for everything else: wide, what a physiologist would grant for *any* person, not a generator's
---------------------------------------------------------------------------------------------------
* click level per rep on an average day: log-uniform over 0.05-20 (``BASE_RATE``); each session's level
  ``L_s`` around it with a day-to-day sd uniform over 0.05-1 (``DAY_SD``: from very steady to nearly threefold
  from day to day);
* drift per test ``d``: N(0, 0.25) (``DRIFT_SD``: warm-up or fatigue of up to about 40% per test either way);
* resting's own effect ``rho``: N(0, ``REST_SD``) (a minute of rest does about nothing beyond the drift);
* count noise: gamma-Poisson with shape uniform over 1-50 (``SHAPE``: from nearly Poisson to strongly
  over-dispersed);
* carry-over: none (0.25), fading (0.55: a share ``c`` of 0.2-0.75 at the next test, times ``f`` of 0.45-0.8 at
  each further one) or the whole session (0.20: ``c`` 0.25-1, no fading), ``CARRY``: the physiologist's prior
  the fit averages over too (acute stretch effects mostly fade within 10-30 minutes).

Sampling
--------
Shape and day-to-day sd are integrated over their priors on grids (``GRID_POINTS``, trapezoid rule); the
base rate in closed form; carry-over is drawn from its prior (the models stratified by their weights).  The drift,
``rho``, the ``theta_g`` and each session's level (as ``u_s``: its offset from the level that matches the
session's observed clicks given the rest) come from one multivariate t (``PROPOSAL_DF``, the sd inflated
``PROPOSAL_INFLATE`` times), first centred on the fit's estimates and covariance, then moved ``ADAPT`` times to the
weighted draws' mean and covariance (population Monte Carlo), before the final ``draws``.  Each draw's weight is
the likelihood times the prior densities over the proposal's.  Given a draw, which groups are culprits is
independent across groups (the prior is), so the posterior over the ``2**m`` sets of culprits is summed in
closed form per draw and never enumerated: ``p_culprit``, ``p_top`` (culprit and the biggest cut among the
culprits) and ``p_none`` are exact for the draws.  The random stream is seeded by the counts, so one dataset
always gives one answer.  Effective sample size (bench_ranking's tuning people, 3 sessions): median about
1,300 of 6,000 draws; it falls with more sessions (median about 500 at 5, often below ``MIN_ESS`` at 8 and
beyond), hence ``MAX_SESSIONS``.

Speed (issue 9, ninth round): the draws are the eighth round's, the answer the same to about 1e-6, at less than
half the time: the parts that do not change from draw to draw are computed once per leg (:class:`_Parts`), the
carry-over is summed per distinct gap (one power of the fade per gap, not per pair), the proposal's density
comes from the Cholesky factor that draws it, the logs of (shape + mean) are taken in single precision (this
machine's double-precision log is about ten times slower), and the draws go through the likelihood in blocks of
``BLOCK`` (fresh memory pages for whole-array temporaries cost more than the arithmetic here).  The time per leg
is printed by ``benchmarks/bench_ranking.py``.

Decided on bench_ranking's tuning seeds 0-299 (the schedule recalibrated on them, with an earlier, less
efficient proposal): an outlier component for miscounts (a share 0.05 of counts gamma-Poisson with shape 1,
dropped since: 0.255 of main culprits `likely` at 3 sessions against 0.262 without) and a tighter prior on
resting's effect (``REST_SD`` 0.1: 0.245) gained nothing.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Sequence

import numpy as np
from scipy import special

from core.analysis.decision import CULPRIT_EFFECT, CULPRIT_SD, HEAVY_SHAPE, NULL_SD, PRIOR_CULPRIT, SEED

#: Click level per rep on an average day: log-uniform over this range.
BASE_RATE = (0.05, 20.0)
#: Day-to-day sd of the log click level: uniform over this range.
DAY_SD = (0.05, 1.0)
#: Drift per test (log scale): N(0, DRIFT_SD).
DRIFT_SD = 0.25
#: Resting's own effect (log scale): N(0, REST_SD).
REST_SD = 0.2
#: Gamma shape of the count noise: uniform over this range.
SHAPE = (1.0, 50.0)
#: Carry-over models: name -> (prior weight, (share range at the next test), (fade range per further test)).
CARRY = {
    "none": (0.25, (0.0, 0.0), (1.0, 1.0)),
    "fading": (0.55, (0.2, 0.75), (0.45, 0.8)),
    "whole": (0.20, (0.25, 1.0), (1.0, 1.0)),
}
#: Importance-sampling draws.
DRAWS = 6000
#: Rounds that adapt the proposal to the weighted draws, and the draws of each.
ADAPT = 4
ADAPT_DRAWS = 2000
#: Proposal: multivariate t with these degrees of freedom, the fit's sd inflated by this factor.
PROPOSAL_DF = 5
PROPOSAL_INFLATE = 1.25
#: Draws whose likelihood is computed together (a block's arrays stay small).
BLOCK = 1000
#: Shape and day-to-day sd are integrated over their priors on grids of this many points (not sampled).
GRID_POINTS = 8
#: The session levels' first proposal takes the counts' noise as gamma-Poisson with this shape.
LEVEL_SHAPE = 10.0
#: Sessions with clicks beyond which :func:`analyze_exact` keeps the normal approximation (the draws' dimension
#: grows with the sessions, and the effective sample size falls).
MAX_SESSIONS = 8
#: Effective sample size below which :func:`analyze_exact` keeps the normal approximation.
MIN_ESS = 100.0


@dataclasses.dataclass(frozen=True)
class Leg:
    """One leg's tests, as the posterior needs them (only sessions with at least one click)."""

    session: np.ndarray  # (T,) int codes 0..S-1
    index: np.ndarray  # (T,) test number within its session, 0 = first test
    reps: np.ndarray  # (T,)
    clicks: np.ndarray  # (T,)
    rest: np.ndarray  # (T,) 1 when the test follows any condition (a stretch or the rest control)
    follows: np.ndarray  # (T,) index of the stretched group the test follows, -1 for none (baseline, control)
    #: carry-over pairs: (test, group, gap): group's retest was ``gap`` >= 1 tests before this test
    carry: tuple[np.ndarray, np.ndarray, np.ndarray]
    groups: int  # m: the stretched groups


@dataclasses.dataclass(frozen=True)
class Exact:
    """The posterior from the counts' likelihood."""

    p_culprit: np.ndarray  # (m,)
    p_top: np.ndarray  # (m,)
    p_none: float
    ess: float  # effective sample size of the draws
    #: posterior mean of log(gamma shape of the counts): small = strongly over-dispersed counts
    log_shape: float = math.nan
    #: posterior chance that the counts' gamma shape is below ``decision.HEAVY_SHAPE`` (strongly over-dispersed)
    p_heavy: float = math.nan


def _seed(leg: Leg) -> np.random.Generator:
    data = np.concatenate([leg.session, leg.index, leg.reps, leg.clicks, leg.follows]).astype(np.int64).tobytes()
    return np.random.default_rng([SEED, zlib.crc32(data)])


def _grid(lo: float, hi: float, n: int, geometric: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Points over [lo, hi] and their weights under a uniform prior there (trapezoid rule; the weights sum to 1);
    ``geometric``: points evenly spaced on the log scale (where a likelihood changes fastest at the low end)."""
    x = np.geomspace(lo, hi, n) if geometric else np.linspace(lo, hi, n)
    w = np.zeros(n)
    w[1:] += np.diff(x) / 2
    w[:-1] += np.diff(x) / 2
    return x, w / w.sum()


def _mass_below(x: np.ndarray, cut: float) -> np.ndarray:
    """Weights ``c`` such that ``c @ f`` is the integral over [x[0], cut] of the piecewise-linear interpolant of
    ``f`` on the points ``x`` (what the trapezoid rule integrates), over the length of [x[0], x[-1]] (so, with
    :func:`_grid`'s weights, ``c @ f / (w @ f)`` is the mass below ``cut`` of the density ``f`` on the grid)."""
    c = np.zeros(len(x))
    for j in range(len(x) - 1):
        lo, hi = x[j], x[j + 1]
        if cut >= hi:
            c[j] += (hi - lo) / 2
            c[j + 1] += (hi - lo) / 2
        elif cut > lo:
            a, h = cut - lo, hi - lo
            c[j] += a - a * a / (2 * h)
            c[j + 1] += a * a / (2 * h)
    return c / (x[-1] - x[0])


def _log_normal(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return -0.5 * ((x - mean) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))


class _Parts:
    """What :func:`log_weights` needs of a leg that does not change from draw to draw (computed once per leg and
    reused by every round of draws)."""

    def __init__(self, leg: Leg):
        m = leg.groups
        y = leg.clicks.astype(float)
        T = len(y)
        self.y = y
        self.member = _member(leg)
        self.session = leg.session
        self.observed = self.y @ self.member + 0.5  # (S,)
        self.S = self.member.shape[1]
        # the linear predictor without levels and carry-over: log reps + (drift, rho, theta) @ design.T
        design = np.zeros((T, 2 + m))
        design[:, 0] = leg.index
        design[:, 1] = leg.rest
        has = np.flatnonzero(leg.follows >= 0)
        design[has, 2 + leg.follows[has]] = 1.0
        self.design_t = design.T.copy()
        self.log_reps = np.log(leg.reps.astype(float))
        # carry-over: one (m, T) matrix per distinct gap, so fade ** (gap - 1) is taken once per gap, not per pair
        t_idx, g_idx, gap = leg.carry
        self.gaps = np.unique(gap)
        self.carry = np.zeros((len(self.gaps), m, T))
        for j, g in enumerate(self.gaps):
            sel = gap == g
            np.add.at(self.carry[j], (g_idx[sel], t_idx[sel]), 1.0)
        # the gamma-Poisson shape's grid and the parts of its likelihood that do not depend on the draw
        self.r_grid, r_w = _grid(*SHAPE, GRID_POINTS, geometric=True)
        self.log_r_w = np.log(r_w)
        # the shape's posterior mass below HEAVY_SHAPE from its posterior weights on the grid
        self.heavy_w = _mass_below(self.r_grid, HEAVY_SHAPE) / r_w
        self.const = (special.gammaln(y[None] + self.r_grid[:, None]) - special.gammaln(self.r_grid)[:, None]
                      - special.gammaln(y + 1)[None] + (self.r_grid * np.log(self.r_grid))[:, None]).sum(axis=1)
        self.r32 = self.r_grid.astype(np.float32)
        self.ry = self.r_grid[:, None] + y[None]  # (G, T)
        sd_grid, sd_w = _grid(*DAY_SD, GRID_POINTS)
        self.sd_grid, self.log_sd_w = sd_grid, np.log(sd_w)


def _logsumexp(a: np.ndarray, log_w: np.ndarray) -> np.ndarray:
    """log sum_i exp(a[i] + log_w[i]) over the first axis (scipy's logsumexp without its per-call overhead)."""
    a = a + log_w[:, None]
    top = a.max(axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return top + np.log(np.exp(a - top).sum(axis=0))


def log_weights(leg: Leg, mean: np.ndarray, cov: np.ndarray, draws: int = DRAWS,
                rng: np.random.Generator | None = None, full: bool = False,
                parts: _Parts | None = None, shape: bool = False) -> tuple[np.ndarray, ...]:
    """Draws of the groups' effects beyond resting, ``theta`` (M, m), and each draw's log weight (M,): the
    counts' likelihood times the priors of everything but ``theta`` over the proposal's density (``theta``'s
    own prior depends on which groups are culprits and is added by :func:`exact_posterior`).  ``full``: the
    proposal's draws (drift, rho, theta, u) instead of theta alone.

    ``mean``, ``cov``: the proposal's centre and covariance (a multivariate t, the sd inflated
    ``PROPOSAL_INFLATE`` times) for (drift, rho, theta_1..m, u_1..S), where each session's level is ``L_s =
    centre_s + u_s`` and ``centre_s`` is the level that matches the session's observed clicks given the rest.
    ``parts``: the leg's fixed parts (:class:`_Parts`), when the caller already has them.  ``shape``: also
    return each draw's posterior mean of log(shape) and posterior chance that the shape is below
    ``HEAVY_SHAPE``, given the draw (a third and a fourth array, (M,))."""
    rng = _seed(leg) if rng is None else rng
    parts = _Parts(leg) if parts is None else parts
    m = leg.groups
    M = int(draws)
    k = 2 + m + parts.S
    # (drift, rho, theta, u): one multivariate t; its log density from the same Cholesky factor that draws it
    V = PROPOSAL_INFLATE**2 * (np.asarray(cov, float) + 1e-9 * np.eye(k))
    chol = np.linalg.cholesky(V)
    z = rng.standard_normal((M, k))
    chi = rng.chisquare(PROPOSAL_DF, size=M) / PROPOSAL_DF
    x = mean[None] + (z @ chol.T) / np.sqrt(chi)[:, None]
    maha = np.einsum("ij,ij->i", z, z) / chi
    log_q = (special.gammaln((PROPOSAL_DF + k) / 2) - special.gammaln(PROPOSAL_DF / 2)
             - 0.5 * k * math.log(PROPOSAL_DF * math.pi) - np.log(np.diag(chol)).sum()
             - 0.5 * (PROPOSAL_DF + k) * np.log1p(maha / PROPOSAL_DF))
    theta = x[:, 2:2 + m]
    # carry-over from its prior, the models stratified by their weights
    counts = np.floor(np.array([w for w, _, _ in CARRY.values()]) * M).astype(int)
    counts[1] += M - counts.sum()
    share = np.empty(M)
    fade = np.empty(M)
    at = 0
    for n, (_, (c_lo, c_hi), (f_lo, f_hi)) in zip(counts, CARRY.values()):
        share[at:at + n] = rng.uniform(c_lo, c_hi, size=n)
        fade[at:at + n] = rng.uniform(f_lo, f_hi, size=n)
        at += n
    # the rest, a block of draws at a time: each block's arrays stay small enough to be reused from the heap
    # (whole-array temporaries of this size cost more in fresh memory pages than in arithmetic)
    blocks = [_log_lik_prior(parts, x[i:i + BLOCK], share[i:i + BLOCK], fade[i:i + BLOCK], log_shape=True)
              if shape else (_log_lik_prior(parts, x[i:i + BLOCK], share[i:i + BLOCK], fade[i:i + BLOCK]),)
              for i in range(0, M, BLOCK)]
    lw = np.concatenate([b[0] for b in blocks]) - log_q
    out = (x if full else theta), np.where(np.isfinite(lw), lw, -np.inf)
    return out + tuple(np.concatenate([b[j] for b in blocks]) for j in (1, 2)) if shape else out


def _log_lik_prior(parts: _Parts, x: np.ndarray, share: np.ndarray, fade: np.ndarray,
                   log_shape: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counts' log likelihood plus the log priors of the drift, rho and the session levels, for draws ``x``
    of (drift, rho, theta, u) with carry-over ``share`` and ``fade``.  ``log_shape``: also each draw's posterior
    mean of log(shape) over the shape's grid, and its posterior chance that the shape is below ``HEAVY_SHAPE``."""
    m = x.shape[1] - 2 - parts.S
    drift, rho, theta, u = x[:, 0], x[:, 1], x[:, 2:2 + m], x[:, 2 + m:]
    # the linear predictor without the session levels
    eta = x[:, :2 + m] @ parts.design_t + parts.log_reps[None]
    for g, onto in zip(parts.gaps, parts.carry):
        eta += ((share * fade ** (g - 1.0))[:, None] * theta) @ onto
    # each session's level: the level that matches its observed clicks given the rest, plus u
    e0 = np.exp(eta)
    L = np.log(parts.observed[None] / (e0 @ parts.member)) + u
    eta += L[:, parts.session]
    mu = e0 * np.exp(L)[:, parts.session]
    # the gamma-Poisson likelihood of the counts, integrated over the shape's prior on a grid (trapezoid); the
    # logs of (shape + mean) in single precision (about ten times faster here; their error, about 1e-4 in a
    # log weight, is far below the sampling's)
    mu32 = mu.astype(np.float32)
    ye = eta @ parts.y
    per_r = np.stack([c + ye - np.log(r + mu32).astype(float) @ ry
                      for c, r, ry in zip(parts.const, parts.r32, parts.ry)])
    loglik = _logsumexp(per_r, parts.log_r_w)
    # the session levels' prior, integrated over the day-to-day sd's prior on a grid
    level = _log_level_prior(L, parts.sd_grid, *np.log(BASE_RATE))
    lw = (loglik + _logsumexp(level, parts.log_sd_w) + _log_normal(drift, 0.0, DRIFT_SD)
          + _log_normal(rho, 0.0, REST_SD))
    if not log_shape:
        return lw
    with np.errstate(invalid="ignore"):
        post_r = np.nan_to_num(np.exp(per_r + parts.log_r_w[:, None] - loglik[None]))  # (G, M): per draw
    return lw, np.log(parts.r_grid) @ post_r, parts.heavy_w @ post_r


def _log_level_prior(L: np.ndarray, sd: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """log of prod_s N(L_s; mu, sd^2) integrated over mu ~ U(lo, hi); L is (M, S), sd is (G,): (G, M)."""
    S = L.shape[1]
    mean = L.mean(axis=1)[None]
    ss = ((L - mean.T) ** 2).sum(axis=1)[None]
    sd = np.asarray(sd, float)[:, None]
    z = np.sqrt(S) / sd
    mass = special.ndtr((hi - mean) * z) - special.ndtr((lo - mean) * z)
    return (-0.5 * S * np.log(2 * np.pi * sd**2) - ss / (2 * sd**2) + 0.5 * np.log(2 * np.pi * sd**2 / S)
            + np.log(np.maximum(mass, 1e-300)) - np.log(hi - lo))


def _member(leg: Leg) -> np.ndarray:
    """(T, S): 1 where a test belongs to a session."""
    member = np.zeros((len(leg.clicks), int(leg.session.max()) + 1))
    member[np.arange(len(leg.clicks)), leg.session] = 1.0
    return member


def _theta_prior(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and group: log (prior chance x density) of ``theta`` as a culprit (b) and as not one (a)."""
    b = math.log(PRIOR_CULPRIT) + _log_normal(theta, math.log(CULPRIT_EFFECT), CULPRIT_SD)
    a = math.log(1 - PRIOR_CULPRIT) + _log_normal(theta, 0.0, NULL_SD)
    return a, b


def exact_posterior(leg: Leg, mean: np.ndarray, cov: np.ndarray, draws: int = DRAWS,
                    rng: np.random.Generator | None = None) -> Exact:
    """``p_culprit``, ``p_top`` and ``p_none`` of the leg's ``m`` stretched groups (see the module's docstring).

    ``mean``, ``cov``: a first guess of the posterior of (drift, rho, theta_1..m), e.g. the fit's estimates
    and covariance.  ``ADAPT`` rounds of ``ADAPT_DRAWS`` draws move the proposal to the weighted draws' mean and
    covariance (population Monte Carlo) before the final ``draws``."""
    rng = _seed(leg) if rng is None else rng
    parts = _Parts(leg)
    member = parts.member
    tot, n_tests = leg.clicks @ member, member.sum(axis=0)
    S, k0 = len(tot), len(mean)
    # the session levels' offsets u start independent, about as spread as their clicks allow
    mean = np.concatenate([np.asarray(mean, float), np.zeros(S)])
    cov = np.block([[np.asarray(cov, float), np.zeros((k0, S))],
                    [np.zeros((S, k0)), np.diag(1.0 / (tot + 1.0) + 1.0 / (n_tests * LEVEL_SHAPE))]])
    k = len(mean)
    for _ in range(ADAPT):
        x, lw = log_weights(leg, mean, cov, ADAPT_DRAWS, rng, full=True, parts=parts)
        a, b = _theta_prior(x[:, 2:2 + leg.groups])
        logW = lw + np.logaddexp(a, b).sum(axis=1)
        if not np.isfinite(logW).any():
            break
        W = np.exp(logW - logW.max())
        W /= W.sum()
        mu = W @ x
        d = x - mu
        c = (d * W[:, None]).T @ d
        ess = 1.0 / np.sum(W**2)
        # with few effective draws, lean on the previous proposal's covariance
        lam = min(1.0, ess / (10.0 * k))
        mean, cov = mu, lam * c + (1 - lam) * cov / PROPOSAL_INFLATE**2 + 1e-6 * np.eye(k)
    theta, lw, log_r, heavy = log_weights(leg, mean, cov, draws, rng, parts=parts, shape=True)
    # per draw and group: log (prior chance x density) of theta as a culprit (b) and as not one (a)
    a, b = _theta_prior(theta)
    both = np.logaddexp(a, b)
    r = np.exp(b - both)  # P(culprit | this draw)
    logW = lw + both.sum(axis=1)
    W = np.exp(logW - logW.max())
    W /= W.sum()
    ess = float(1.0 / np.sum(W**2))
    p_culprit = W @ r
    p_none = float(W @ np.prod(1 - r, axis=1))
    # P(g is a culprit and the biggest cut among the culprits | draw): g a culprit, every group cutting more not
    order = np.argsort(theta, axis=1)
    r_sorted = np.take_along_axis(r, order, axis=1)
    before = np.cumprod(np.concatenate([np.ones((len(r), 1)), 1 - r_sorted[:, :-1]], axis=1), axis=1)
    top_sorted = r_sorted * before
    top = np.zeros_like(r)
    np.put_along_axis(top, order, top_sorted, axis=1)
    p_top = W @ top
    return Exact(p_culprit, p_top, p_none, ess, float(W @ log_r), float(W @ heavy))


# ------------------------------------------------------------------ kneeclick's data path
def leg_of(tests, stretch_groups: Sequence[str]) -> Leg | None:
    """The leg's tests in sessions with clicks, as :func:`exact_posterior` reads them (None when more than
    ``MAX_SESSIONS`` sessions have clicks)."""
    totals = np.bincount(tests.session, weights=tests.clicks, minlength=len(tests.session_ids))
    keep = totals[tests.session] > 0
    codes, sess = np.unique(tests.session[keep], return_inverse=True)
    if not 0 < len(codes) <= MAX_SESSIONS:
        return None
    gi = {g: i for i, g in enumerate(stretch_groups)}
    rows = np.flatnonzero(keep)
    after = [tests.after[i] for i in rows]
    rest = np.array([a is not None for a in after], dtype=float)
    follows = np.array([gi.get(a, -1) if a is not None else -1 for a in after], dtype=int)
    gaps = tests.gaps if tests.gaps is not None else [dict.fromkeys(e, 1) for e in tests.earlier]
    pairs = [(j, gi[g], gaps[i].get(g, 1)) for j, i in enumerate(rows) for g in tests.earlier[i] if g in gi]
    t_idx, g_idx, gap = (np.array(v, dtype=int) for v in zip(*pairs)) if pairs else (np.zeros(0, int),) * 3
    return Leg(sess, tests.index[keep], tests.reps[keep], tests.clicks[keep], rest, follows,
               (t_idx, g_idx, gap.astype(float)), len(stretch_groups))


def for_fit(tests, fit, stretch_groups: Sequence[str], control: str, draws: int = DRAWS,
            keep_poor: bool = False) -> Exact | None:
    """The exact posterior of ``stretch_groups`` (each against the rest ``control``) for a leg whose tests and fit
    are ``tests`` and ``fit`` (``core.analysis.ranking``'s ``Tests`` and ``Fit``), or None where the normal
    approximation stays: no rest control in the fit, more than ``MAX_SESSIONS`` sessions with clicks, or an
    effective sample size below ``MIN_ESS`` (``keep_poor``: returned all the same, for its ``ess``)."""
    col = {g: j + 1 for j, g in enumerate(fit.groups)}
    if control not in col or not stretch_groups or any(g not in col for g in stretch_groups):
        return None
    data = leg_of(tests, stretch_groups)
    if data is None:
        return None
    L = np.zeros((2 + len(stretch_groups), len(fit.beta)))
    L[0, 0] = 1.0
    L[1, col[control]] = 1.0
    for i, g in enumerate(stretch_groups):
        L[2 + i, col[g]] = 1.0
        L[2 + i, col[control]] = -1.0
    post = exact_posterior(data, L @ fit.beta, L @ fit.cov @ L.T, draws)
    return post if post.ess >= MIN_ESS or keep_poor else None
