"""bench_ranking_design: the designs it compares fit the default session, and its replay of the verdicts under a
recalibrated schedule gives exactly the ranking's own verdicts under the project's schedule."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.bench_ranking_design import _rows, parse_designs, replay
from core.analysis.decision import LIKELY_P_SCHEDULE
from core.analysis.ranking import LIKELY, analyze
from core.analysis.simulate import make_person, simulate_sessions


def test_designs_must_fit_the_default_session_and_the_stretch_range():
    assert parse_designs("10/90,13/75,16/60") == [(10, 90), (13, 75), (16, 60)]
    with pytest.raises(SystemExit, match="longer than the default session"):
        parse_designs("17/60")  # 6 x 17 x 4 + 5 x 60 = 708 s
    with pytest.raises(SystemExit, match="60-120"):
        parse_designs("20/40")


def test_the_replayed_verdicts_are_the_rankings_own_under_the_same_schedule():
    rng = np.random.default_rng(12)
    seen = 0
    for i in range(10):
        frame = simulate_sessions(make_person(rng, 1 + i % 2), 3 + i % 3, rng, reps=16, stretch_seconds=60)
        (leg,) = analyze(frame, draws=400)
        own = {r.muscle_group for r in leg.ranking if r.verdict == LIKELY}
        assert replay(_rows(leg), LIKELY_P_SCHEDULE) == own
        seen += bool(own)
        # a looser schedule calls at least as many groups `likely`, a stricter one at most as many
        assert own <= replay(_rows(leg), 0.5) and replay(_rows(leg), 1.0) <= own
    assert seen, "no simulated person had a `likely` group: the check never compared a verdict"
