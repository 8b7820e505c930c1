"""The `likely` schedule: calibrated so that false `likely` stays within its budget over repeated looks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analysis.calibrate import LEVEL, TUNING_SEEDS, calibrate, false_likely
from core.analysis.decision import LIKELY_P_SCHEDULE, LIKELY_SPENDING, decide, likely_threshold
from core.analysis.ranking import LIKELY, POSSIBLE


def _people_from(looks: np.ndarray) -> list[list[tuple[float, int]]]:
    """People whose statistic at looks after sessions 2, 3, 4, 5 is each row of ``looks``."""
    return [[(float(s), n) for s, n in zip(row, (2, 3, 4, 5))] for row in looks]


def test_a_hand_worked_schedule_spends_the_error_look_by_look():
    # 100 people; person i reaches i/100 after 2 sessions and again after 3, nothing later
    s = np.arange(100) / 100
    people = _people_from(np.stack([s, s, np.zeros(100), np.zeros(100)], axis=1))
    schedule = calibrate(people, (0.01, 0.05, 0.05, 0.05), level=0.05)
    # after 2 sessions 1% may cross: only person 99 (0.99); by 3 sessions 5%: persons 95-99 (0.95 and up)
    assert schedule[:2] == (0.99, 0.95)
    assert np.mean([false_likely(p, schedule) for p in people]) == pytest.approx(0.05)


def test_the_calibrated_schedule_holds_every_cumulative_budget_and_is_the_least_strict_that_does():
    rng = np.random.default_rng(3)
    # correlated statistics over the looks, like one person's growing data
    base = rng.beta(2, 5, size=(400, 1))
    looks = np.clip(base + rng.normal(0, 0.12, size=(400, 4)), 0, 0.999)
    looks[rng.random((400, 4)) < 0.3] = 0.0  # no group eligible at that look
    people = _people_from(looks)
    spending = (0.005, 0.03, 0.04, 0.05)
    schedule = calibrate(people, spending, level=0.05)

    def share(upto: int, sched) -> float:
        hits = [any(st > 0 and st >= sched[n - 2] for st, n in p[: upto + 1]) for p in people]
        return float(np.mean(hits))

    for j, cap in enumerate(spending):
        assert share(j, schedule) <= cap + 1e-12
        if schedule[j] > 0:  # one step less strict at look j would spend more than allowed there
            looser = list(schedule)
            looser[j] = round(schedule[j] - 0.01, 2)
            assert share(j, looser) > cap
    assert np.mean([false_likely(p, schedule) for p in people]) <= 0.05


def test_the_project_schedule_is_strict_after_two_sessions_and_spends_most_at_three():
    assert len(LIKELY_P_SCHEDULE) == len(LIKELY_SPENDING) == 4
    assert LIKELY_SPENDING[-1] == pytest.approx(0.05)
    spent = np.diff((0.0, *LIKELY_SPENDING))
    assert spent.argmax() == 1, "most of the 5% goes to the look after 3 sessions"
    assert likely_threshold(2) == max(LIKELY_P_SCHEDULE) > likely_threshold(3)
    # 5 sessions and more share the last threshold; below 2 sessions no group gets a verdict at all
    assert likely_threshold(9) == likely_threshold(5) == LIKELY_P_SCHEDULE[-1]
    assert likely_threshold(3, 0.5) == 0.5


def test_the_same_evidence_is_likely_after_three_sessions_but_not_yet_after_two():
    """A clear-looking cut: at 3 sessions it clears that look's threshold, at 2 the stricter one it does not."""
    est = np.array([math.log(0.45), 0.0, 0.05, -0.05])
    se = np.array([0.30, 0.25, 0.25, 0.25])
    cov = 0.5 * np.outer(se, se) + 0.5 * np.diag(se**2)
    at = {n: decide(est, cov, 20.0, sessions=[n] * 4, n_used=n, draws=2000) for n in (2, 3)}
    p = at[3].ranked[0].p_culprit
    assert at[3].ranked[0].i == 0 and at[2].ranked[0].p_culprit == pytest.approx(p)
    assert likely_threshold(3) <= p < likely_threshold(2), "the example must sit between the two thresholds"
    assert at[3].ranked[0].verdict == LIKELY
    assert at[2].ranked[0].verdict == POSSIBLE
    assert at[3].likely_statistic == pytest.approx(p) and at[3].likely_sessions == 3


def test_the_level_leaves_a_margin_for_the_calibrations_own_sampling_error():
    # the schedule spends LEVEL on the tuning people; on new people the share scatters around it by the
    # calibration's Monte Carlo error, so its one-sided 95% bound must stay within the 5% target
    n = len(TUNING_SEEDS)
    assert LEVEL < 0.05
    assert LEVEL + 1.645 * math.sqrt(LEVEL * (1 - LEVEL) / n) <= 0.05
