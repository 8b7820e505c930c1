"""benchmarks/family/exact.py: the sixth and seventh rounds' side-by-side (the normal approximation's rows, then
the counts' own posterior from core.analysis.posterior where it applies), as bench_ranking_gap.py --exact read it."""

from __future__ import annotations

import numpy as np

from benchmarks.family import exact
from core.analysis import ranking
from core.analysis.simulate import Person, simulate_sessions

FLAT = {"quadriceps": 1.0, "hamstrings": 1.0, "calves": 1.0, "hip_abductors": 1.0}


def _person(effects: dict[str, float]) -> Person:
    return Person(effects=effects, base_rate=1.5, drift=0.97, carry=0.3, fade=0.7, day_sd=0.2, shape=12.0,
                  miscount=0.0)


def test_it_reads_the_exact_posterior_where_it_applies_and_the_normal_rows_beyond():
    frame = simulate_sessions(_person(FLAT | {"calves": 0.4}), exact.MAX_SESSIONS + 1, np.random.default_rng(5))
    leg = exact.analyze_exact(frame)
    ranking.USE_EXACT, use = False, ranking.USE_EXACT
    try:
        (normal,) = ranking.analyze(frame, draws=1000)
    finally:
        ranking.USE_EXACT = use
    assert leg["ess"] is None
    assert leg["rows"] == [(r.muscle_group, r.verdict, r.rate_ratio, r.p_culprit, r.p_top, r.sessions)
                           for r in normal.ranking]
    ids = sorted(frame["session_id"].unique())
    short = exact.analyze_exact(frame[frame["session_id"].isin(ids[:3])])
    assert short["ess"] is not None and short["ess"] >= exact.MIN_ESS
    stat, sessions = exact.likely_statistic(short["rows"])
    first = short["rows"][0]
    assert sessions == first[5] and stat in (0.0, first[3])
