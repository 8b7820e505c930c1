"""The methods judged against the ceiling, each returning (groups ranked first to last, groups called `likely`).

* ``kneeclick``: ``core.analysis.ranking.analyze`` as it is on the branch (nothing tuned here);
* ``glm``: the plain Poisson GLM with session as a factor (statsmodels): every test is one count, offset log
  reps, a drift per test, and one indicator per condition for the test right after it; each group's effect is
  its coefficient minus the rest control's.  Ranked by that contrast (most negative first); ``likely`` when the
  one-sided Wald bound at level 1 - 0.05/m (Bonferroni over the m groups) is below 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import statsmodels.api as sm
from scipy import stats

from benchmarks.family.generators import CONTROL, Data
from core.analysis.ranking import LIKELY, analyze

ALPHA = 0.05


def kneeclick(data: Data, draws: int = 1000) -> tuple[list[str], set[str]]:
    (leg,) = analyze(data.frame, draws=draws)
    return [r.muscle_group for r in leg.ranking], {r.muscle_group for r in leg.ranking if r.verdict == LIKELY}


def glm(data: Data, groups: list[str]) -> tuple[list[str], set[str]]:
    S, P = data.counts.shape
    conds = [*groups, CONTROL]
    X = np.zeros((S * P, S + 1 + len(conds)))
    for s, order in enumerate(data.orders):
        for p in range(P):
            row = s * P + p
            X[row, s] = 1.0  # session as a factor (no separate intercept)
            X[row, S] = p  # drift
            if p > 0:
                X[row, S + 1 + conds.index(order[p - 1])] = 1.0
    y = data.counts.reshape(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.full(len(y), np.log(data.reps))).fit()
    beta, cov = np.asarray(res.params), np.asarray(res.cov_params())
    m = len(groups)
    L = np.zeros((m, X.shape[1]))
    for i in range(m):
        L[i, S + 1 + i] = 1.0
        L[i, S + 1 + m] = -1.0
    est = L @ beta
    se = np.sqrt(np.clip(np.diag(L @ cov @ L.T), 0, None))
    z = stats.norm.ppf(1 - ALPHA / m)
    ranked = [groups[i] for i in np.argsort(est, kind="stable")]
    likely = {groups[i] for i in range(m) if np.isfinite(se[i]) and est[i] + z * se[i] < 0}
    return ranked, likely
