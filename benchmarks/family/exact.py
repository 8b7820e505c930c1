"""The counts' own posterior for benchmarks: :mod:`core.analysis.posterior` (ported there in issue 9's eighth
round from this module, where it was built in the sixth) with the normal approximation's rows beside it.

:func:`analyze_exact` replays the sixth and seventh rounds' comparison (``benchmarks/bench_ranking_gap.py
--exact``): the normal path's rows (``core.analysis.ranking.USE_EXACT`` off), then the exact posterior's
``p_culprit``, ``p_top`` and ``p_none`` where it applies, with its effective sample size.
"""

from __future__ import annotations

import math

from core.analysis import ranking
from core.analysis.decision import INSUFFICIENT
from core.analysis.posterior import (  # noqa: F401  (re-exported for the benchmarks and their tests)
    BASE_RATE,
    CARRY,
    DAY_SD,
    DRAWS,
    DRIFT_SD,
    MAX_SESSIONS,
    MIN_ESS,
    REST_SD,
    SHAPE,
    Exact,
    Leg,
    exact_posterior,
    for_fit,
    leg_of,
    log_weights,
)


def analyze_exact(frame, draws: int = 1000) -> dict:
    """One leg (``frame``: one side's rows) as ``core.analysis.ranking.analyze`` sees it, but with ``p_culprit``,
    ``p_top`` and ``p_none`` from :func:`exact_posterior` where it applies (a rest control, at most
    ``MAX_SESSIONS`` sessions with clicks, an effective sample size of at least ``MIN_ESS``).

    Returns ``rows``: (group, verdict, rate ratio, p_culprit, p_top, sessions) in ranking order, where the verdict
    is the normal path's (only ``insufficient_data`` is read from it: it does not depend on the posterior;
    ``likely`` is replayed from the rules by the caller), ``p_none`` and ``ess`` (None: the normal path's
    figures were kept)."""
    use, ranking.USE_EXACT = ranking.USE_EXACT, False
    try:
        (leg,) = ranking.analyze(frame, draws=draws)
    finally:
        ranking.USE_EXACT = use
    rows = [(r.muscle_group, r.verdict, r.rate_ratio, r.p_culprit, r.p_top, r.sessions) for r in leg.ranking]
    out = {"rows": rows, "p_none": leg.p_none, "ess": None}
    est_rows = [r for r in rows if r[2] is not None]
    if leg.compared_with != ranking.CONTROL or not est_rows:
        return out
    tests = ranking.build_tests(frame)
    fit = ranking.fit_model(tests)
    post = None if fit is None else for_fit(tests, fit, [r[0] for r in est_rows], ranking.CONTROL)
    if post is None:
        return out
    new = [(g, v, rr, float(pc), float(pt), n)
           for (g, v, rr, _, _, n), pc, pt in zip(est_rows, post.p_culprit, post.p_top)]
    # decision.decide's order: by p_top, then the larger cut; groups with no estimate last
    new.sort(key=lambda r: (r[5] == 0, -round(r[4], 6), math.log(r[2])))
    return {"rows": new + [r for r in rows if r[2] is None], "p_none": post.p_none, "ess": post.ess}


def likely_statistic(rows: list[tuple]) -> tuple[float, int | None]:
    """The first-ranked group's p_culprit when it meets every other rule of ``likely`` (0 if not), and its
    sessions: what ``core.analysis.calibrate`` looks at."""
    if not rows:
        return 0.0, None
    g, v, rr, p, _, n = rows[0]
    if v == INSUFFICIENT or rr is None or rr > 1 - ranking.MIN_LIKELY_CUT:
        return 0.0, n
    return float(p), n
