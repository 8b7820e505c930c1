"""Which stretch cut the clicking, and how sure that is.

Everything here works on a plain DataFrame in the CSV schema (see
``core.data.store.CSV_COLUMNS``), so the app, ``kneeclick analyze`` on CSV files and
the benchmark share one code path.  The left and the right knee are separate
experiments: :func:`analyze` splits by ``side`` and never pools them.

One session
-----------
:func:`compare_counts` compares two counts with their exposures (clicks in
reps) by the conditional binomial test: given ``n = before + after`` clicks,
the ``after`` count is Binomial(n, p) with ``p = r_a*rate_a / (r_b*rate_b +
r_a*rate_a)``; no change means ``p0 = r_a / (r_a + r_b)``.  The exact
(Clopper-Pearson) interval for ``p`` maps one-to-one onto the rate ratio
``after/before = p/(1-p) * r_b/r_a``.  :func:`session_table` applies it to
every condition of every session.

Across sessions: the model
--------------------------
Every test of a session (the baseline and each retest) is one count ``y`` of
clicks in ``reps`` repetitions.  We model

    log E[y] = log(reps) + a_session + d * (test number)
               + sum_g b_g * 1[test right after g]
               + c * sum_g (b_g - b_ref) * f**(k_g - 1) * 1[g's own retest was k_g >= 1 tests earlier]

* ``a_session``: each session's own click level (day-to-day variation).  These
  fixed effects are not estimated one by one: conditioning on each session's
  total turns the Poisson model into a multinomial one over the tests of the
  session, whose estimate of everything else is exactly that of the Poisson
  regression with session dummies (Hausman, Hall & Griliches 1984) and whose
  cost does not grow with the number of sessions.  Using every test, rather
  than dividing by the noisy test just before, avoids regression to the mean.
  The fit is a short Newton iteration written here (numpy) rather than
  statsmodels' GLM, because it needs the penalty below and must stay fast with
  hundreds of sessions; tests/core/analysis/test_ranking.py checks that, without the
  penalty, it gives statsmodels' Poisson GLM estimates and covariance.
* ``d``: drift along the test order (warm-up: repeating the movement changes the
  clicking by itself), a constant change per test on the log scale.
* ``b_g``: the immediate effect of stretching group ``g`` (and of the rest
  control), on the log scale.  The ranking reports ``exp(b_g - b_rest)``: how
  much more the stretch cut the clicking than resting did.  With no rest
  control it reports ``exp(b_g)``, the effect against the drift the model
  expects from the test order alone (weaker evidence: the drift is then only
  inferred, never measured).
* ``c``: carry-over: the share (on the log scale) of a stretch's effect beyond the control's (``b_ref =
  b_rest``; with no control, the average stretch's) still present at the next test of the same session, fading
  by ``f`` at each further test (``c * f**(k-1)`` at ``k`` tests later).  Carrying the stretch's whole effect
  instead would let "every stretch cuts a little, and it lasts" explain a warm-up drift exactly, and credit
  every group for it.  The data barely identify ``c`` and ``f``, so the fit is repeated over three carry-over
  models and averaged, each point weighted by its (Laplace-approximated) marginal likelihood times a
  physiologist's prior (``CARRY_MODELS``: none 0.25, fading 0.55, the whole session 0.20; acute stretch effects
  mostly fade within 10-30 minutes, and the family benchmark found this average the safest choice across
  generators).  The intervals include the uncertainty about the carry-over (taking the best share alone made
  them about 7% too narrow on the simulator).
* Over-dispersion: counts vary more than Poisson (miscounts, attention).  We
  use quasi-Poisson: the covariance is scaled by the Pearson dispersion, never
  below 1, pooled with a prior guess (1.0, worth 4 residual degrees of freedom)
  because a handful of sessions estimates it poorly; intervals use a t
  distribution with those degrees of freedom.  We chose this over a
  negative-binomial fit because its shape parameter is unstable, often at the
  boundary, with the few dozen counts one person collects, whereas the
  quasi-Poisson estimate of the effects stays consistent whatever the variance.
  Quasi-Poisson spreads the extra variance evenly over the counts, though, and
  gamma-Poisson noise grows with the count (Var = mu (1 + kappa mu)): with
  ``kappa`` from a moment equation (no shape parameter is fitted), each fit's
  covariance is the sandwich of the Poisson estimate under that variance when
  it is the wider of the two (``NB2_VARIANCE``).  The decision sharpens only
  the Poisson part of the covariance, never what over-dispersion adds
  (``Fit.cov_poisson``, :func:`core.analysis.decision.decision_cov`).
* A weak normal prior (sd 1.5 on each log effect, 0.5 on the drift) keeps every
  estimate finite when a group's retests are all zero (separation) and when a
  single session has as many unknowns as tests.  It is a penalized fit; the
  covariance is the inverse of the penalized information, so the intervals are
  approximate Bayesian intervals.

The decision
------------
The contrasts (each stretch against the control) and their covariance go to
:func:`core.analysis.decision.decide`, the one place that ranks the groups,
gives ``P(top)``, ``p_none``, each group's chance of being a culprit and its
verdict (its docstring has the rules; the ``likely`` threshold is calibrated
by ``python -m core.analysis.calibrate``).  The summary sentence and "What to
do next" (:func:`summary`, :func:`next_steps`) only read that ranking, so they
cannot disagree with it; ``benchmarks/bench_ranking.py`` reports how it does
on tuning and held-out simulated people.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from core.session.vocabulary import MuscleGroup, Side

# ----------------------------------------------------------------- constants
from core.analysis.decision import (  # noqa: E402  (the verdicts and their rules live with the decision)
    HEAVY,
    INSUFFICIENT,
    LIKELY,
    LIKELY_P,
    MIN_LIKELY_CUT,
    MIN_SESSIONS,
    POSSIBLE,
    SEED,  # the draws' seed, kept importable from here
    UNLIKELY,
    UNLIKELY_CUT,
    configurations,
    decide,
)

from core.analysis import posterior  # noqa: E402
from core.session.words import count, ordinal  # noqa: E402

VERDICTS = (LIKELY, POSSIBLE, UNLIKELY, INSUFFICIENT)

#: Prior standard deviations (log scale) of the group effects and the drift per test.
PRIOR_SD_EFFECT = 1.5
PRIOR_SD_DRIFT = 0.5
#: Prior guess of the dispersion and its weight in residual degrees of freedom.  1.0 (was 1.2, before that 2.0,
#: whose intervals covered 98.5%): with the fading carry-over models and NULL_SD 0.2, on tuning seeds 0-299 of
#: benchmarks/bench_ranking.py's people at 3 sessions 95% intervals cover 96.5% with 1.0 (97.0% with 1.2), and
#: the culprit is `likely` a little more often (15.2% against 14.5%); held-out figures in the benchmark.
PHI_PRIOR = 1.0
PHI_PRIOR_DF = 4.0
#: The carry-over models averaged over: (prior weight, [(share at the next test, fade per further test), ...]).
#: A physiologist's prior (benchmarks/bench_ranking_family.py: acute stretch effects mostly fade within 10-30
#: minutes, Behm et al. 2016): fading most plausible, none next, the whole session least.  Within a model the
#: grid points share its weight equally.
CARRY_MODELS: dict[str, tuple[float, tuple[tuple[float, float], ...]]] = {
    "none": (0.25, ((0.0, 1.0),)),
    "fading": (0.55, tuple((c, f) for c in (0.25, 0.5, 0.75) for f in (0.5, 0.75))),
    "whole": (0.20, tuple((c, 1.0) for c in (0.25, 0.5, 0.75, 1.0))),
}


def carry_grid() -> list[tuple[float, float, float]]:
    """Every (share, fade, prior weight) the fit averages over (from ``CARRY_MODELS``)."""
    return [(c, f, w / len(points)) for w, points in CARRY_MODELS.values() for c, f in points]
#: Culprit configurations get the Laplace marginal likelihood of the counts (:func:`config_loglik`) up to
#: this many stretched groups and sessions with clicks; beyond, the normal approximation of the contrasts.
#: Off: on tuning seeds 0-299 it raised culprit `likely` from 15.2% to 17.8% but lowered top-1 from 0.807 to
#: 0.783 (held-out 10000-10299: 14.3% -> 15.5%, top-1 0.803 -> 0.780, false `likely` over looks 0.057 at its
#: tuning threshold), so the normal approximation stays the default until the ranking keeps its top-1.
USE_LAPLACE = False
#: Over-dispersion of the gamma-Poisson kind, Var(y) = mu (1 + kappa mu), as well as the quasi-Poisson phi: with
#: ``kappa`` estimated by moments (:func:`_nb2_kappa`), each carry-over fit's covariance is the sandwich of the
#: Poisson estimate under that variance whenever it is wider than the quasi-Poisson one.  Quasi-Poisson spreads
#: the extra variance evenly over the counts; with strongly over-dispersed counts (gamma shape 1.2-3) the large
#: counts are much noisier than that, and a contrast resting on them looked surer than it was: on the family
#: benchmark's over-dispersed generator (tuning seed 1, 80 people with no culprit) false `likely` was 0.10
#: without it and 0.04 with it (schedule recalibrated; culprit `likely` on bench_ranking's tuning seeds 0-599:
#: 0.233 -> 0.228 at 3 sessions, 0.298 -> 0.274 at 5).
NB2_VARIANCE = True
LAPLACE_MAX_GROUPS = 5
#: ``p_culprit``, ``p_top`` and ``p_none`` from the counts' own likelihood (:mod:`core.analysis.posterior`) for
#: legs with a rest control and at most ``posterior.MAX_SESSIONS`` sessions with clicks; the normal
#: approximation of the contrasts otherwise (and when False).  Issue 9, eighth round: the figures behind it are in
#: docs/ranking.md.
USE_EXACT = True
LAPLACE_MAX_SESSIONS = 40
#: Draws for P(top); fixed seed so one dataset always gives one answer.
N_DRAWS = 4000
#: Flags: a test with at most this many clicks is "at the floor".
FLOOR_CLICKS = 1
#: The most extra sessions we would ever suggest before saying "many".
MAX_SUGGESTED = 12

CONTROL = MuscleGroup.REST_CONTROL.value


class AnalysisError(ValueError):
    """The data cannot be analysed (e.g. an unknown side or muscle group)."""


# ================================================================ one session
@dataclasses.dataclass(frozen=True)
class CountComparison:
    """Two counts with exposures: rate ratio (after/before), exact 95% interval, two-sided p."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float


def compare_counts(clicks_before: int, reps_before: int, clicks_after: int, reps_after: int, level: float = 0.95) -> CountComparison:
    """Exact conditional binomial test of two Poisson counts with exposures.

    ``rate_ratio`` is (clicks_after/reps_after) / (clicks_before/reps_before).
    With no clicks at all there is nothing to compare: ratio NaN, interval
    0 to infinity, p-value 1.
    """
    return _compare_counts(int(clicks_before), int(reps_before), int(clicks_after), int(reps_after), float(level))


@functools.lru_cache(maxsize=4096)
def _compare_counts(yb: int, rb: int, ya: int, ra: int, level: float) -> CountComparison:
    """:func:`compare_counts` on plain ints, remembered: counts repeat a lot across a history, and the
    exact test is by far the slowest part of a table of every condition (CountComparison is immutable)."""
    if rb <= 0 or ra <= 0:
        raise ValueError("both tests need at least one rep")
    n = yb + ya
    if n == 0:
        return CountComparison(math.nan, 0.0, math.inf, 1.0)
    p0 = ra / (ra + rb)
    res = stats.binomtest(ya, n, p0)
    ci = res.proportion_ci(confidence_level=level, method="exact")
    odds = lambda p: math.inf if p >= 1 else p / (1 - p) * rb / ra  # noqa: E731
    ratio = math.inf if yb == 0 else (ya / ra) / (yb / rb)
    return CountComparison(ratio, odds(ci.low), odds(ci.high), float(res.pvalue))


def session_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every condition of ``frame`` with its before/after rates, change and exact test.

    Columns: the CSV columns plus ``rate_before``, ``rate_after`` (clicks per
    rep), ``change_per_rep``, ``change_pct`` (NaN when the before-count is 0),
    ``rate_ratio``, ``ci_low``, ``ci_high``, ``p_value``.
    """
    out = frame.copy()
    rb = out["clicks_before"] / out["reps_before"]
    ra = out["clicks_after"] / out["reps_after"]
    out["rate_before"] = rb
    out["rate_after"] = ra
    out["change_per_rep"] = ra - rb
    out["change_pct"] = np.where(rb > 0, 100 * (ra - rb) / rb.where(rb > 0, 1), np.nan)
    tests = [
        compare_counts(r.clicks_before, r.reps_before, r.clicks_after, r.reps_after)
        for r in out.itertuples(index=False)
    ]
    out["rate_ratio"] = [t.rate_ratio for t in tests]
    out["ci_low"] = [t.ci_low for t in tests]
    out["ci_high"] = [t.ci_high for t in tests]
    out["p_value"] = [t.p_value for t in tests]
    return out


# ============================================================ measurements
@dataclasses.dataclass
class Tests:
    """Every distinct test of one leg, ready for the model (numpy arrays, one entry per test)."""

    session: np.ndarray  # int codes 0..S-1
    session_ids: list[str]
    index: np.ndarray  # test number within the session, 0 = first test
    reps: np.ndarray
    clicks: np.ndarray
    after: list[str | None]  # the condition right before this test (None: a baseline or a fresh pre-test)
    earlier: list[frozenset[str]]  # conditions done earlier in the session, not right before
    #: for each test, how many tests ago each condition in ``earlier`` was retested right after (1 = the test just
    #: before this one); None: treat every earlier condition as 1 test ago (no fading can be modelled)
    gaps: list[dict[str, int]] | None = None


def _sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by session (in order of first appearance), then by position."""
    order = pd.Series(pd.factorize(frame["session_id"].astype(str))[0], index=frame.index)
    return frame.assign(_s=order.to_numpy()).sort_values(["_s", "position"], kind="stable")


def build_tests(frame: pd.DataFrame) -> Tests:
    """Rebuild the distinct tests of each session from CSV rows.

    A row's before-test is the previous row's after-test (a chain, as the app records them) only when the rows
    say so.  With the store's test numbers (optional columns ``before_seq`` and ``after_seq``) that is decided
    by identity: a separate pre-test stays separate even when its counts equal the previous retest's.  Without
    them (a CSV file) it is decided as the importer does (``core.data.csv_import``): same reps, clicks and pain;
    a before-test with pain recorded differently is a separate test.
    """
    session, index, reps, clicks, after, earlier, ids, gaps = [], [], [], [], [], [], [], []
    if frame.empty:
        return Tests(np.zeros(0, int), [], np.zeros(0), np.zeros(0), np.zeros(0), [], [], [])
    f = _sorted_rows(frame)
    cols = [f[c].tolist() for c in ("_s", "session_id", "muscle_group", "reps_before", "clicks_before", "reps_after", "clicks_after")]
    n = len(f)
    if "before_seq" in f.columns and "after_seq" in f.columns:
        ident_before = [("seq", int(x)) for x in f["before_seq"]]
        ident_after = [("seq", int(x)) for x in f["after_seq"]]
    else:
        def pain(col):
            if col not in f.columns:
                return [None] * n
            v = pd.to_numeric(f[col], errors="coerce")
            return [None if pd.isna(x) else int(x) for x in v]

        ident_before = list(zip(f["reps_before"].astype(int), f["clicks_before"].astype(int), pain("pain_before")))
        ident_after = list(zip(f["reps_after"].astype(int), f["clicks_after"].astype(int), pain("pain_after")))
    cur = None
    for (s, sid, group, rb, cb, ra, ca), id_b, id_a in zip(zip(*cols), ident_before, ident_after):
        if s != cur:
            cur, done, last, k, at = s, [], None, 0, {}
            ids.append(str(sid))
        if last is None or id_b != last:
            session.append(s)
            index.append(k)
            reps.append(int(rb))
            clicks.append(int(cb))
            after.append(None)
            earlier.append(frozenset(done))
            gaps.append({g: k - at[g] for g in done})
            k += 1
        group = str(group)
        session.append(s)
        index.append(k)
        reps.append(int(ra))
        clicks.append(int(ca))
        after.append(group)
        earlier.append(frozenset(g for g in done if g != group))
        gaps.append({g: k - at[g] for g in done if g != group})
        done.append(group)
        at[group] = k
        k += 1
        last = id_a
    return Tests(
        np.asarray(session, dtype=int),
        ids,
        np.asarray(index, dtype=float),
        np.asarray(reps, dtype=float),
        np.asarray(clicks, dtype=float),
        after,
        earlier,
        gaps,
    )


# ================================================================== the fit
@dataclasses.dataclass
class Fit:
    groups: list[str]  # columns after the drift, in order
    beta: np.ndarray  # [drift, b_g...]
    cov: np.ndarray
    df: float  # degrees of freedom of the t distribution
    dispersion: float
    carry: float
    loglik: float
    #: the pieces to refit the most probable carry-over model (for :func:`config_loglik`): X, y, offset, session
    #: codes, number of sessions
    parts: tuple | None = None
    #: the covariance the counts would have if they were Poisson (no over-dispersion), averaged like ``cov``
    cov_poisson: np.ndarray | None = None
    #: the gamma-Poisson over-dispersion by moments, Var(y) = mu (1 + kappa mu) (:func:`_nb2_kappa`)
    kappa: float = 0.0


def _design_parts(tests: Tests, groups: Sequence[str], fade: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(immediate, later): the design is ``immediate + c * later`` for carry-over share ``c``.

    Column 0 is the test number (drift); then one column per group: 1 for the
    test right after it.  ``later`` puts the carry-over on each later test of
    the session: a share ``c`` of the stretch's effect *beyond the control's*
    (beyond the average stretch's, with no control), i.e. ``c * (b_g - b_ref)``.
    Carrying the stretch's own effect instead would let "every stretch cuts a
    little and it lasts" mimic a warm-up drift exactly.
    """
    n = len(tests.clicks)
    imm = np.zeros((n, 1 + len(groups)))
    later = np.zeros_like(imm)
    imm[:, 0] = tests.index
    col = {g: j + 1 for j, g in enumerate(groups)}
    rows_a = [i for i, a in enumerate(tests.after) if a is not None]
    imm[rows_a, [col[tests.after[i]] for i in rows_a]] = 1.0
    gaps = tests.gaps if tests.gaps is not None else [dict.fromkeys(e, 1) for e in tests.earlier]
    pairs = [(i, col[g], fade ** (gap.get(g, 1) - 1)) for i, (e, gap) in enumerate(zip(tests.earlier, gaps))
             for g in e if g != CONTROL]
    if pairs:
        r, c, v = zip(*pairs)
        np.add.at(later, (np.asarray(r), np.asarray(c)), np.asarray(v, dtype=float))
        total = later.sum(axis=1)
        if CONTROL in col:
            later[:, col[CONTROL]] -= total
        else:
            stretch_cols = [col[g] for g in groups if g != CONTROL]
            later[:, stretch_cols] -= total[:, None] / len(stretch_cols)
    return imm, later


def _newton(X, y, offset, sess, n_sess, prec, phi, beta0=None, iters=50, mean=None):
    """Maximise the conditional (multinomial) log-likelihood / phi minus the normal penalty (centred on ``mean``,
    default 0)."""
    p = X.shape[1]
    beta = np.zeros(p) if beta0 is None else beta0.copy()
    m0 = np.zeros(p) if mean is None else mean
    totals = np.bincount(sess, weights=y, minlength=n_sess)

    def evaluate(b):
        eta = offset + X @ b
        mx = np.full(n_sess, -np.inf)
        np.maximum.at(mx, sess, eta)
        w = np.exp(eta - mx[sess])
        denom = np.bincount(sess, weights=w, minlength=n_sess)
        pi = w / denom[sess]
        ll = float(np.sum(y * np.log(np.where(pi > 0, pi, 1.0))))
        return ll, pi

    ll, pi = evaluate(beta)
    obj = ll / phi - 0.5 * float((beta - m0) @ (prec * (beta - m0)))
    for _ in range(iters):
        mu = totals[sess] * pi
        grad = X.T @ (y - mu) / phi - prec * (beta - m0)
        wx = X * mu[:, None]
        info = X.T @ wx
        sums = np.stack([np.bincount(sess, weights=wx[:, j], minlength=n_sess) for j in range(p)], axis=1)
        nz = totals > 0
        info -= (sums[nz] / totals[nz, None]).T @ sums[nz]
        H = info / phi + np.diag(prec)
        step = np.linalg.solve(H, grad)
        t = 1.0
        while True:
            cand = beta + t * step
            ll_c, pi_c = evaluate(cand)
            obj_c = ll_c / phi - 0.5 * float((cand - m0) @ (prec * (cand - m0)))
            if obj_c >= obj - 1e-10 or t < 1e-4:
                break
            t /= 2
        beta, ll, pi, done = cand, ll_c, pi_c, abs(obj_c - obj) < 1e-9
        obj = obj_c
        if done:
            break
    mu = totals[sess] * pi
    wx = X * mu[:, None]
    info = X.T @ wx
    sums = np.stack([np.bincount(sess, weights=wx[:, j], minlength=n_sess) for j in range(p)], axis=1)
    nz = totals > 0
    info -= (sums[nz] / totals[nz, None]).T @ sums[nz]
    return beta, info, mu, ll


def fit_model(tests: Tests) -> Fit | None:
    """Fit the ranking model to one leg's tests; None when no session has a click."""
    totals = np.bincount(tests.session, weights=tests.clicks, minlength=len(tests.session_ids))
    keep = totals[tests.session] > 0
    if not keep.any():
        return None
    sess_codes, sess = np.unique(tests.session[keep], return_inverse=True)
    n_sess = len(sess_codes)
    sub = Tests(
        sess,
        [tests.session_ids[i] for i in sess_codes],
        tests.index[keep],
        tests.reps[keep],
        tests.clicks[keep],
        [a for a, k in zip(tests.after, keep) if k],
        [e for e, k in zip(tests.earlier, keep) if k],
        None if tests.gaps is None else [g for g, k in zip(tests.gaps, keep) if k],
    )
    groups = _ordered_groups(a for a in sub.after if a is not None)
    if not groups:
        return None
    y = sub.clicks
    offset = np.log(np.maximum(sub.reps, 1e-9))
    prec = np.array([1 / PRIOR_SD_DRIFT**2] + [1 / PRIOR_SD_EFFECT**2] * len(groups))
    stretched = any(g != CONTROL for e in sub.earlier for g in e)
    grid = carry_grid() if stretched else [(0.0, 1.0, 1.0)]
    parts = {f: _design_parts(sub, groups, f) for f in sorted({f for _, f, _ in grid})}
    best = None
    for c, f, _ in grid:
        imm, later = parts[f]
        X = imm + c * later
        beta, info, mu, ll = _newton(X, y, offset, sess, n_sess, prec, 1.0, None if best is None else best[1])
        pen = ll - 0.5 * float(beta @ (prec * beta))
        if best is None or pen > best[0] + 1e-9:
            best = (pen, beta, c, f)
    _, beta, carry, fade = best
    imm, later = parts[fade]
    X = imm + carry * later
    beta, info, mu, ll = _newton(X, y, offset, sess, n_sess, prec, 1.0, beta)
    resid_df = len(y) - n_sess - X.shape[1] - (len(grid) > 1)  # the carry-over share is fitted too
    pearson = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-9)))
    dof = max(resid_df, 0) + PHI_PRIOR_DF
    phi = max(1.0, (pearson + PHI_PRIOR * PHI_PRIOR_DF) / dof) if resid_df > 0 else max(1.0, PHI_PRIOR)
    # Average over the carry-over models instead of trusting the best one alone (which makes the intervals too
    # narrow): weights from the Laplace approximation of each model's marginal likelihood times its prior weight.
    kappa = _nb2_kappa(y, mu, resid_df) if NB2_VARIANCE and resid_df > 0 else 0.0
    fits = []
    for c, f, prior_w in grid:
        imm, later = parts[f]
        Xc = imm + c * later
        b, info, mu, ll = _newton(Xc, y, offset, sess, n_sess, prec, phi, beta)
        H = info / phi + np.diag(prec)
        sign, logdet = np.linalg.slogdet(H)
        log_w = ll / phi - 0.5 * float(b @ (prec * b)) - 0.5 * logdet + math.log(prior_w)
        Hinv = np.linalg.inv(H)
        Hpinv = np.linalg.inv(info + np.diag(prec))
        if kappa > 0:
            # the Poisson estimate's covariance when Var(y) = mu (1 + kappa mu): a sandwich around the
            # information, wider than the quasi-Poisson one where the counts are large
            meat = _centred_info(Xc, sess, n_sess, mu, mu * (1 + kappa * mu))
            sand = Hpinv @ meat @ Hpinv
            if np.trace(sand) > np.trace(Hinv):
                Hinv = sand
        fits.append((log_w, c, b, Hinv, ll, Hpinv))
    log_w = np.array([f[0] for f in fits])
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    beta = sum(wi * f[2] for wi, f in zip(w, fits))
    spread = sum(wi * np.outer(f[2] - beta, f[2] - beta) for wi, f in zip(w, fits))
    cov = sum(wi * f[3] for wi, f in zip(w, fits)) + spread
    cov_poisson = sum(wi * f[5] for wi, f in zip(w, fits)) + spread
    carry = float(sum(wi * f[1] for wi, f in zip(w, fits)))
    ll = float(sum(wi * f[4] for wi, f in zip(w, fits)))
    c, f, _ = grid[int(np.argmax(w))]
    imm, later = parts[f]
    return Fit(groups, beta, cov, dof, phi, carry, ll, (imm + c * later, y, offset, sess, n_sess), cov_poisson,
               kappa)


def _centred_info(X, sess, n_sess, mu, v):
    """X~' diag(v) X~ with X centred within each session by the weights ``mu`` (the multinomial model's
    information when ``v = mu``)."""
    tot = np.bincount(sess, weights=mu, minlength=n_sess)
    sums = np.stack([np.bincount(sess, weights=mu * X[:, j], minlength=n_sess) for j in range(X.shape[1])], axis=1)
    xbar = np.where(tot[:, None] > 0, sums / np.maximum(tot, 1e-300)[:, None], 0.0)
    Xc = X - xbar[sess]
    return Xc.T @ (Xc * v[:, None])


def _nb2_kappa(y, mu, resid_df):
    """Moment estimate of ``kappa`` in Var(y) = mu (1 + kappa mu): Pearson's statistic with that variance equals
    the residual degrees of freedom (0 when the counts are not over-dispersed)."""
    mu = np.maximum(mu, 1e-9)
    stat = lambda k: float(np.sum((y - mu) ** 2 / (mu * (1 + k * mu)))) - resid_df  # noqa: E731
    if stat(0.0) <= 0:
        return 0.0
    lo, hi = 0.0, 1.0
    while stat(hi) > 0 and hi < 1e3:
        hi *= 4
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stat(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def config_loglik(fit: Fit, stretch_groups: Sequence[str], has_control: bool) -> np.ndarray | None:
    """Each culprit configuration's log marginal likelihood of the counts (Laplace approximation), or None.

    In the order of :func:`core.analysis.decision.configurations`.  The fit is redone with each stretch's
    contrast (against the control, or alone without one) given the configuration's prior (a culprit's slab or
    the null's spike) instead of reading it off the normal approximation of the contrasts: with few clicks left
    after a big cut that approximation understates the evidence (the Wald interval on the log scale is wide
    exactly when the cut is strong).  Only for small data (``LAPLACE_MAX_*``), where it matters and is cheap.
    """
    if fit.parts is None or len(stretch_groups) > LAPLACE_MAX_GROUPS:
        return None
    X, y, offset, sess, n_sess = fit.parts
    if n_sess > LAPLACE_MAX_SESSIONS:
        return None
    col = {g: j + 1 for j, g in enumerate(fit.groups)}
    Xr = X.copy()
    start = fit.beta.copy()
    if has_control:  # parameters: drift, the control's effect, and each other group's effect minus it
        j = col[CONTROL]
        others = [col[g] for g in fit.groups if g != CONTROL]
        Xr[:, j] = X[:, j] + X[:, others].sum(axis=1)
        start[others] -= start[j]
    configs, prior_mean, prior_var, _ = configurations(len(stretch_groups))
    idx = [col[g] for g in stretch_groups]
    base_prec = np.array([1 / PRIOR_SD_DRIFT**2] + [1 / PRIOR_SD_EFFECT**2] * len(fit.groups))
    phi = fit.dispersion
    out = np.empty(len(configs))
    for k in range(len(configs)):
        prec = base_prec.copy()
        mean = np.zeros_like(prec)
        prec[idx] = 1 / prior_var[k]
        mean[idx] = prior_mean[k]
        b, info, mu, ll = _newton(Xr, y, offset, sess, n_sess, prec, phi, start, iters=20, mean=mean)
        sign, logdet = np.linalg.slogdet(info / phi + np.diag(prec))
        d = b - mean
        out[k] = ll / phi - 0.5 * float(d @ (prec * d)) + 0.5 * float(np.log(prec).sum()) - 0.5 * logdet
    return out


def _ordered_groups(names: Iterable[str]) -> list[str]:
    present = set(names)
    order = [g.value for g in MuscleGroup]
    return [g for g in order if g in present]


# ================================================================ results
@dataclasses.dataclass
class GroupResult:
    """One muscle group's place in the ranking of one leg."""

    muscle_group: str
    label: str
    verdict: str
    #: Rate ratio: clicks after this stretch / after the control (or the drift); < 1 means fewer.
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    #: The probability that this group is the biggest contributor (and beats the control).
    p_top: float | None
    sessions: int  # sessions (with clicks) in which it was retested
    sessions_needed: int | None  # more sessions that would likely settle it (None: settled / unknown)
    reason: str
    se_log: float | None = None  # standard error of log(rate_ratio)
    #: The posterior chance that this group is a culprit at all (see core.analysis.decision).
    p_culprit: float | None = None

    @property
    def cut_pct(self) -> float | None:
        """The extra cut in clicking, in % (negative: more clicking)."""
        return None if self.rate_ratio is None else 100 * (1 - self.rate_ratio)

    def to_dict(self) -> dict:
        d = {
            "muscle_group": self.muscle_group,
            "verdict": self.verdict,
            "rate_ratio": _num(self.rate_ratio),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "cut_pct": _num(self.cut_pct),
            "p_top": _num(self.p_top),
            "p_culprit": _num(self.p_culprit),
            "sessions": self.sessions,
            "sessions_needed": self.sessions_needed,
            "reason": self.reason,
        }
        return d


@dataclasses.dataclass(frozen=True)
class Flag:
    """A data-quality warning: ``kind`` is one of baseline_low, stopped_early, pain, floor_after_stretch."""

    kind: str
    session_id: str
    message: str
    position: int | None = None


@dataclasses.dataclass
class LegResult:
    side: str
    n_sessions: int  # sessions on this leg
    n_sessions_used: int  # those with at least one click
    compared_with: str  # "rest_control" or "drift"
    ranking: list[GroupResult]  # most to least likely; rest_control never in it
    control: GroupResult | None  # the rest control against the drift (for the forest plot), if run
    p_none: float | None  # chance that no group beats the control
    drift_per_test: float | None  # rate ratio per extra test
    carry: float | None
    dispersion: float | None
    sessions_needed: int | None  # more sessions that would most help the ranking
    flags: list[Flag]
    summary: str
    df: float | None = None  # degrees of freedom of the t intervals
    #: The first-ranked group's p_culprit when it meets every other rule of `likely` (for the calibration).
    likely_statistic: float | None = None
    #: Sessions with clicks that group was tried in: the statistic is judged against ``likely_threshold`` of it.
    likely_sessions: int | None = None
    #: Posterior mean of log(gamma shape of the counts) from the counts' own likelihood (None without it, NaN
    #: when it had too few effective draws): what picks the threshold's over-dispersion band.
    log_shape: float | None = None
    #: The fit's moment estimate of the gamma-Poisson over-dispersion, Var = mu (1 + kappa mu) (a diagnostic).
    kappa: float | None = None
    #: The over-dispersion band of the threshold (``decision.dispersion_band``; None: the plain schedule).
    band: int | None = None
    #: Posterior chance that the counts' gamma shape is below ``decision.HEAVY_SHAPE``, from the counts' own
    #: likelihood (None without it, NaN when it had too few effective draws).
    p_heavy: float | None = None

    def to_dict(self) -> dict:
        return {
            "side": self.side,
            "sessions": self.n_sessions,
            "sessions_with_clicks": self.n_sessions_used,
            "compared_with": self.compared_with,
            "ranking": [g.to_dict() for g in self.ranking],
            "p_none": _num(self.p_none),
            "drift_per_test": _num(self.drift_per_test),
            "carry_over_share": _num(self.carry),
            "dispersion": _num(self.dispersion),
            "sessions_needed": self.sessions_needed,
            "flags": [dataclasses.asdict(f) for f in self.flags],
            "summary": self.summary,
        }


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


# ============================================================== the analysis
def check_frame(frame: pd.DataFrame) -> None:
    """Raise AnalysisError if a value the analysis relies on is not valid."""
    sides = {s.value for s in Side}
    groups = {g.value for g in MuscleGroup}
    bad_side = ~frame["side"].astype(str).isin(sides)
    if bad_side.any():
        raise AnalysisError(f"unknown side {frame['side'][bad_side].iloc[0]!r} (expected left or right)")
    bad_group = ~frame["muscle_group"].astype(str).isin(groups)
    if bad_group.any():
        raise AnalysisError(f"unknown muscle group {frame['muscle_group'][bad_group].iloc[0]!r}")
    for col in ("reps_before", "clicks_before", "reps_after", "clicks_after"):
        if (frame[col] < 0).any():
            raise AnalysisError(f"{col} cannot be negative")
    if ((frame["reps_before"] == 0) | (frame["reps_after"] == 0)).any():
        raise AnalysisError("every test needs at least one rep")


def analyze(frame: pd.DataFrame, *, stopped_sessions: Iterable[str] | None = None, draws: int = N_DRAWS,
            likely_p: float | tuple[float, ...] | None = None) -> list[LegResult]:
    """Rank the muscle groups for each leg in ``frame`` (CSV schema); left first, then right.

    ``stopped_sessions``: ids of sessions that ended early (from the store; an empty list: none did).  Without
    it they are read from the frame's ``session_status`` column (an export carries it); when neither tells,
    a session with fewer conditions than the leg's others is flagged as maybe stopped early.  A planned session
    runs fewer conditions on purpose, so whoever knows should say.  ``likely_p`` overrides the calibrated threshold of ``likely`` (only the
    calibration script uses it).
    """
    if frame.empty:
        return []
    check_frame(frame)
    if stopped_sessions is None and "session_status" in frame.columns:
        stopped_sessions = frame.loc[frame["session_status"].astype(str) == "stopped", "session_id"].astype(str)
    stopped = None if stopped_sessions is None else {str(s) for s in stopped_sessions}
    out = []
    for side in (Side.LEFT.value, Side.RIGHT.value):
        rows = frame[frame["side"].astype(str) == side]
        if not rows.empty:
            out.append(analyze_leg(rows, side=side, stopped_sessions=stopped, draws=draws, likely_p=likely_p))
    return out


def analyze_leg(rows: pd.DataFrame, *, side: str, stopped_sessions: Iterable[str] | None = None, draws: int = N_DRAWS,
                likely_p: float | tuple[float, ...] | None = None) -> LegResult:
    """The ranking for one leg's rows (all of the same ``side``)."""
    if (rows["side"].astype(str) != side).any():
        raise AnalysisError("analyze_leg got rows of more than one leg")
    rows = rows.copy()
    rows["session_id"] = rows["session_id"].astype(str)
    rows["muscle_group"] = rows["muscle_group"].astype(str)
    tests = build_tests(rows)
    flags = quality_flags(rows, stopped_sessions)
    n_sessions = rows["session_id"].nunique()
    totals = pd.Series(tests.clicks).groupby(tests.session).sum()
    used_sessions = {tests.session_ids[s] for s, t in totals.items() if t > 0}
    n_used = len(used_sessions)
    has_control = (rows["muscle_group"] == CONTROL).any()
    compared_with = CONTROL if has_control else "drift"
    tried = {g: rows.loc[(rows["muscle_group"] == g) & rows["session_id"].isin(used_sessions), "session_id"].nunique()
             for g in rows["muscle_group"].unique()}
    stretch_groups = [g for g in _ordered_groups(tried) if g != CONTROL]

    fit = fit_model(tests)
    if fit is None or not stretch_groups:
        return _no_estimate(side, n_sessions, n_used, compared_with, stretch_groups, tried, flags)

    col = {g: j + 1 for j, g in enumerate(fit.groups)}
    # Groups retested only in sessions without a single click carry no information.
    missing = [g for g in stretch_groups if g not in col]
    stretch_groups = [g for g in stretch_groups if g in col]
    has_control = CONTROL in col
    compared_with = CONTROL if has_control else "drift"
    if not stretch_groups:
        fit = None
    if fit is None:
        return _no_estimate(side, n_sessions, n_used, compared_with, missing, tried, flags)
    m = len(stretch_groups)
    # contrasts: each stretch group minus the control (or minus nothing)
    L = np.zeros((m, len(fit.beta)))
    for i, g in enumerate(stretch_groups):
        L[i, col[g]] = 1.0
        if has_control:
            L[i, col[CONTROL]] = -1.0
    est = L @ fit.beta
    cov = L @ fit.cov @ L.T
    cov_model = None if fit.cov_poisson is None else L @ fit.cov_poisson @ L.T
    t95 = stats.t.ppf(0.975, fit.df)
    loglik = config_loglik(fit, stretch_groups, has_control) if USE_LAPLACE else None
    post = (posterior.for_fit(tests, fit, stretch_groups, CONTROL, keep_poor=True) if USE_EXACT and has_control
            else None)
    # the posterior's mean log(shape) picks the threshold's over-dispersion band (NaN: too few effective draws,
    # which happens almost only with strongly over-dispersed counts); with no posterior, no band
    log_shape = None if post is None else (post.log_shape if post.ess >= posterior.MIN_ESS else math.nan)
    p_heavy = None if post is None else (post.p_heavy if post.ess >= posterior.MIN_ESS else math.nan)
    if post is not None and post.ess < posterior.MIN_ESS:
        post = None
    exact = None if post is None else (post.p_culprit, post.p_top, post.p_none)
    decision = decide(est, cov, fit.df, sessions=[tried[g] for g in stretch_groups], n_used=n_used, draws=draws,
                      likely_p=likely_p, loglik=loglik, cov_model=cov_model, exact=exact, log_shape=log_shape)
    results = []
    for d in decision.ranked:  # already in ranking order: the one decision (core.analysis.decision)
        g = stretch_groups[d.i]
        needed = None
        if d.verdict in (POSSIBLE, INSUFFICIENT):
            needed = (MIN_SESSIONS - min(n_used, tried[g]) if d.verdict == INSUFFICIENT
                      else _more_sessions(tried[g], d.se_log, est[d.i], t95))
        results.append(
            GroupResult(g, MuscleGroup(g).label, d.verdict, d.rate_ratio, d.ci_low, d.ci_high, d.p_top, tried[g],
                        needed, d.reason, d.se_log, d.p_culprit)
        )
    p_none = decision.p_none
    results += _unestimated(missing, tried, n_used)

    control = None
    if has_control:
        j = col[CONTROL]
        s = math.sqrt(fit.cov[j, j])
        b = fit.beta[j]
        control = GroupResult(CONTROL, MuscleGroup.REST_CONTROL.label, INSUFFICIENT, math.exp(b), math.exp(b - t95 * s),
                              math.exp(b + t95 * s), None, tried.get(CONTROL, 0), None,
                              "the rest control against the drift the model expects")
    needed = [r.sessions_needed for r in results if r.sessions_needed]
    leg_needed = None
    if results and results[0].verdict in (POSSIBLE, INSUFFICIENT) and results[0].sessions_needed:
        leg_needed = results[0].sessions_needed
    elif needed and results[0].verdict != LIKELY:
        leg_needed = min(needed)
    drift = math.exp(fit.beta[0])
    leg = LegResult(
        side, n_sessions, n_used, compared_with, results, control, float(p_none), drift, fit.carry, fit.dispersion,
        leg_needed, flags, "", fit.df, decision.likely_statistic,
        decision.likely_sessions, log_shape, fit.kappa, decision.band, p_heavy,
    )
    leg.summary = summary(leg)
    return leg


def _unestimated(groups: Iterable[str], tried: dict[str, int], n_used: int) -> list[GroupResult]:
    return [
        GroupResult(g, MuscleGroup(g).label, INSUFFICIENT, None, None, None, None, tried.get(g, 0),
                    max(1, MIN_SESSIONS - tried.get(g, 0)),
                    "no clicks were counted around this stretch, so nothing can be compared")
        for g in groups
    ]


def _no_estimate(side, n_sessions, n_used, compared_with, groups, tried, flags) -> LegResult:
    needed = max(1, MIN_SESSIONS - n_used)
    text = (
        "No clicks were counted on this leg yet, so no stretch can be compared."
        if n_sessions and not n_used
        else "No stretch was retested in a session with clicks yet." if n_sessions else "No sessions on this leg."
    )
    return LegResult(side, n_sessions, n_used, compared_with, _unestimated(groups, tried, n_used), None, None, None,
                     None, None, needed, flags, text + f" About {count(needed, 'more session')} with clicks would help.")


def _more_sessions(n_now: int, se: float, est: float, t95: float) -> int | None:
    """Extra sessions after which, if the estimate held, the verdict would settle (SE shrinks as 1/sqrt(n))."""
    needs = []
    if est < math.log(1 - MIN_LIKELY_CUT):  # towards likely: the estimate clears 1 by a calibrated margin
        needs.append(n_now * (stats.norm.ppf(LIKELY_P) * se / -est) ** 2)
    gap_unlikely = est - math.log(1 - UNLIKELY_CUT)
    if gap_unlikely > 0:
        needs.append(n_now * (t95 * se / gap_unlikely) ** 2)
    if not needs:
        return None
    extra = math.ceil(min(needs) - n_now)
    return int(min(max(extra, 1), MAX_SUGGESTED))


# ============================================================ data quality
def _session_names(f: pd.DataFrame) -> dict[str, str]:
    """How a note names each session: "The session of 2026-10-18" (its date, as stored); with the id too when
    another session of the leg has the same date ("The session of 2026-10-18 (id 3f2a...)")."""
    first = f.groupby("session_id", sort=False)["session_date"].first() if "session_date" in f.columns else None
    if first is None:
        return {str(sid): f"Session {sid}" for sid in f["session_id"].unique()}
    dates = first.astype(str).str.replace("T", " ").str.slice(0, 16)  # a date, or a date and time to the minute
    shared = dates.duplicated(keep=False)
    return {str(sid): (f"The session of {d}" + (f" (id {sid})" if twice else "")) if d[:1].isdigit() else f"Session {sid}"
            for sid, d, twice in zip(dates.index, dates, shared)}  # fmt: skip


def quality_flags(rows: pd.DataFrame, stopped_sessions: Iterable[str] | None = None) -> list[Flag]:
    """Warnings about one leg's data: low baselines, early stops, pain, counts at the floor.

    ``stopped_sessions``: the sessions that ended early, when known (the store, or an export's status); None:
    unknown, so a session with fewer conditions than the others is flagged as maybe stopped early."""
    flags: list[Flag] = []
    known = stopped_sessions is not None
    stopped = {str(s) for s in stopped_sessions} if known else set()
    if rows.empty:
        return flags
    f = _sorted_rows(rows)
    sizes = f.groupby("_s")["position"].count().to_dict()
    full = max(sizes.values())
    named = _session_names(f)
    pain_cols = [c for c in ("pain_before", "pain_after") if c in f.columns]
    pain = (
        pd.concat([pd.to_numeric(f[c], errors="coerce") for c in pain_cols], axis=1).max(axis=1).fillna(0).tolist()
        if pain_cols
        else [0] * len(f)
    )
    cols = [f[c].tolist() for c in ("_s", "session_id", "position", "muscle_group", "clicks_before")]
    cur = None
    session_pain: dict[str, float] = {}
    for (s, sid, pos, group, cb), hurt in zip(zip(*cols), pain):
        sid = str(sid)
        if s != cur:
            cur, stretched = s, False
            if int(cb) <= FLOOR_CLICKS:
                flags.append(Flag("baseline_low", sid, f"{named[sid]}: only {count(int(cb), 'click')} at baseline, so a "
                                  "stretch had little clicking to cut."))
            if sid in stopped:
                flags.append(Flag("stopped_early", sid, f"{named[sid]} stopped early, after "
                                  f"{count(sizes[s], 'condition')}."))
            elif not known and sizes[s] < full:
                flags.append(Flag("stopped_early", sid, f"{named[sid]} has fewer conditions than the others ({sizes[s]} "
                                  f"of {full}): it may have stopped early."))
        elif stretched and int(cb) <= FLOOR_CLICKS:
            label = MuscleGroup(str(group)).label.lower()
            flags.append(Flag("floor_after_stretch", sid, f"{named[sid]}: just before {label}, the "
                              f"{ordinal(int(pos))} condition, the clicking was already at {int(cb)} after an earlier "
                              "stretch, so it could not show a drop.", int(pos)))
        if hurt > 0:
            session_pain[sid] = max(session_pain.get(sid, 0), hurt)
        if str(group) != CONTROL:
            stretched = True
    for sid, hurt in session_pain.items():
        flags.append(Flag("pain", sid, f"{named[sid]}: pain was reported (up to {int(hurt)}/10). Clicking with pain "
                          "is a reason to see a clinician, not to keep testing."))
    return flags


# ============================================================ words
# Every sentence here reads like a person talking: no interval names, no ratios, no raw ids (those live in the
# numbers expander and in `kneeclick analyze`).  All of them read the one decision in ``leg.ranking``.
VERDICT_WORDS = {
    LIKELY: "This is likely a cause of your clicking.",
    POSSIBLE: "It may be part of the cause, but that is not clear yet.",
    UNLIKELY: "Probably not the cause.",
    INSUFFICIENT: "Not tried in enough sessions yet to tell.",
}


def _against(compared_with: str) -> str:
    return "after resting" if compared_with == CONTROL else "the test order alone would predict"


def _about(x: float) -> str:
    """A share in % rounded the way a person says it (to 5%)."""
    return f"{5 * round(abs(x) / 5):.0f}%" if math.isfinite(x) else "many times"


def _bound(cut: float) -> str:
    """One end of an interval of a cut in words: "40% less", "nearly 100% less" (a cut never reaches 100%),
    "140% more", or from tripling on "36 times as many" (what "3500% more" means)."""
    if cut >= 97.5:
        return "nearly 100% less"
    if cut > 0:
        return f"{_about(cut)} less"
    more = -cut
    if not math.isfinite(more):
        return "many times as many"
    if more >= 200:
        return f"{1 + more / 100:.0f} times as many"
    return f"{_about(more)} more"


def _range(lo_cut: float, hi_cut: float) -> str:
    """The 95% interval of a cut (in %, negative: more clicking) in words."""
    if lo_cut >= 0 and hi_cut < 97.5:
        return f"somewhere between {_about(lo_cut)} and {_about(hi_cut)} less"
    if hi_cut <= 0 and -lo_cut < 200:
        return f"somewhere between {_about(-hi_cut)} and {_about(-lo_cut)} more"
    if lo_cut >= 0 or hi_cut <= 0:  # both ends on one side, one of them beyond a plain percentage
        near, far = (lo_cut, hi_cut) if lo_cut >= 0 else (hi_cut, lo_cut)
        return f"somewhere between {_bound(near)} and {_bound(far)}"
    return f"anything from {_bound(hi_cut)} to {_bound(lo_cut)}"


def sentence(result: GroupResult, compared_with: str) -> str:
    """One plain sentence for a group, e.g. 'After stretching your calves you clicked about 55% less than after
    resting (somewhere between 30% and 70% less). This is likely a cause of your clicking.'"""
    name = result.label.lower()
    if result.rate_ratio is None:
        return f"Your {name}: no clicks were counted around this stretch yet, so there is nothing to compare."
    cut = 100 * (1 - result.rate_ratio)
    lo_cut, hi_cut = 100 * (1 - result.ci_high), 100 * (1 - result.ci_low)
    against = _against(compared_with)
    if abs(cut) < 2.5:
        effect = f"about as much as {against}"
    else:
        effect = f"about {_about(cut)} {'less' if cut > 0 else 'more'} than {against}"
    verdict = VERDICT_WORDS[result.verdict]
    if result.verdict == UNLIKELY and result.rate_ratio >= 1:
        verdict = "The clicking went up, not down, so it is not a candidate."
    elif result.verdict == INSUFFICIENT:
        verdict = f"Tried in {count(result.sessions, 'session')} with clicks so far: too few to tell."
    return f"After stretching your {name} you clicked {effect} ({_range(lo_cut, hi_cut)}). {verdict}"


def _candidate(r: GroupResult | None) -> bool:
    """A group worth naming as a candidate: it has an estimate and its stretch cut the clicking."""
    return r is not None and r.rate_ratio is not None and r.rate_ratio < 1 and r.verdict != UNLIKELY


def summary(leg: LegResult) -> str:
    """The sentence at the top of Results, from the same ranking and verdicts as everything else."""
    top = leg.ranking[0] if leg.ranking else None
    likely = [r.label.lower() for r in leg.ranking if r.verdict == LIKELY]
    if top is not None and top.verdict == LIKELY:
        if len(likely) == 1:
            head = f"Your {likely[0]} are the likely cause: stretching them cut the clicking the most."
        else:
            head = (f"Likely causes: your {' and '.join(likely)}. Stretching your {likely[0]} cut the clicking "
                    "the most.")
    elif _candidate(top):
        head = f"No clear answer yet. So far your {top.label.lower()} look the most promising."
    elif top is None or all(r.rate_ratio is None for r in leg.ranking):
        head = "Not enough data yet to compare the stretches."
    else:
        head = "No stretch cut the clicking more than " + (
            "resting did." if leg.compared_with == CONTROL else "the test order alone would predict.")
    needed = leg.sessions_needed
    if needed:
        head += (f" About {count(needed, 'more session', more='+' if needed >= MAX_SUGGESTED else '')} would make the "
                 "answer surer.")
    return head


def next_steps(leg: LegResult) -> list[str]:
    """What to do next, in plain words (our own text and group names only: safe as Markdown).

    Names the first-ranked group (and any other `likely` one), never a group whose stretch raised the clicking.
    """
    from core.session.protocol import STRETCHES  # here, not at the top: protocol is words, analysis is numbers

    steps: list[str] = []
    pain = any(f.kind == "pain" for f in leg.flags)
    if pain:  # then nothing below tells the person to keep testing: the clinician comes first
        steps.append("Pain was reported in a session. Clicking with pain is a reason to see a clinician before "
                     "more testing.")
    top = leg.ranking[0] if leg.ranking else None
    if top is not None and top.verdict == LIKELY:
        for r in leg.ranking:
            if r.verdict != LIKELY:
                break
            s = STRETCHES[MuscleGroup(r.muscle_group)]
            steps.append(f"Stretch your {r.label.lower()} every day ({s.name.lower()}) and strengthen them: "
                         f"{s.strengthen[0].lower()}{s.strengthen[1:]}")
    elif _candidate(top):
        s = STRETCHES[MuscleGroup(top.muscle_group)]
        name = top.label.lower()
        steps.append(f"No group is a clear cause yet; the best candidate is your {name}."
                     + ("" if pain else " Keep testing before changing your routine."))
        steps.append(f"If it is confirmed, for your {name}: {s.name.lower()}, and to strengthen: "
                     f"{s.strengthen[0].lower()}{s.strengthen[1:]}")
    elif leg.ranking:
        steps.append("None of the stretches has cut the clicking more than "
                     + ("resting" if leg.compared_with == CONTROL else "expected")
                     + (" so far." if pain else " so far. Keep testing, and if the clicking bothers you, ask a clinician."))
    if leg.compared_with != CONTROL:
        steps.append("Include the rest control in your next sessions: without it the drift can only be guessed.")
    if leg.band == HEAVY and not (top is not None and top.verdict == LIKELY):
        # the stricter threshold of the heavy band (decision.SHAPE_SHIFTS) would otherwise go unexplained
        steps.append("Your click counts vary a lot from one test to the next, even after the same stretch, so "
                     "kneeclick asks for clearer evidence than usual before it names a cause.")
    if leg.sessions_needed:
        more = count(leg.sessions_needed, "more session", more="+" if leg.sessions_needed >= MAX_SUGGESTED else "")
        where = f"{more} on this leg, on different days, in random order with the rest control"
        steps.append(f"Once a clinician has seen the knee, about {where} would make the answer surer." if pain
                     else f"Run about {where}, to make the answer surer.")
    steps.append("Keep the test the same every time: the same movement, number of reps and tempo, and retest right "
                 "after each stretch.")
    return steps
