"""The `likely` schedule: calibrated so that false `likely` stays within its budget over repeated looks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analysis.calibrate import LEVEL, TUNING_SEEDS, band_shifts, calibrate, false_likely, wide_shape
from core.analysis.decision import (HEAVY, LIGHT, LIKELY_P_SCHEDULE, LIKELY_SPENDING, MIDDLE, SHAPE_SHIFTS,
                                    SHIFTED_MAX, decide, dispersion_band, likely_threshold)
from core.analysis.ranking import LIKELY, POSSIBLE, analyze, next_steps
from core.analysis.simulate import make_person, simulate_sessions
from core.session import flow


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


def _three_sessions(rng: np.random.Generator, person) -> object:
    frame = simulate_sessions(person, 3, rng, reps=flow.DEFAULT_REPS, stretch_seconds=flow.DEFAULT_STRETCH_SECONDS)
    (leg,) = analyze(frame)
    return leg


def test_strongly_over_dispersed_counts_no_longer_name_a_culprit_that_is_not_there():
    """A person with no culprit whose counts are strongly over-dispersed (gamma shape 2.2, a tuning person of the
    shifts): one group's retests dropped by chance, and the one schedule for everyone called it `likely` after 3
    sessions.  The posterior reads the counts as heavy, so the stricter band holds it back."""
    rng = np.random.default_rng([248])
    person = make_person(rng, 0)
    person.shape = wide_shape(248)
    assert person.shape < 3
    leg = _three_sessions(rng, person)
    assert leg.likely_statistic is not None and leg.likely_statistic >= likely_threshold(3, LIKELY_P_SCHEDULE)
    assert leg.band == HEAVY
    assert [r.verdict for r in leg.ranking if r.verdict == LIKELY] == []
    assert "asks for clearer evidence than usual" in " ".join(next_steps(leg)), "the stricter bar is said in words"


def test_an_ordinary_clear_culprit_is_still_likely_after_three_sessions():
    for seed in (215, 25):  # counts of the simulator's ordinary noise (shape 4-20): a light and a middle band
        rng = np.random.default_rng([seed, 1])
        person = make_person(rng, 1)
        leg = _three_sessions(rng, person)
        assert leg.band in (MIDDLE, LIGHT)
        assert leg.ranking[0].muscle_group == person.culprits[0]
        assert leg.ranking[0].verdict == LIKELY
        assert "clearer evidence than usual" not in " ".join(next_steps(leg))


def test_the_threshold_moves_with_the_over_dispersion_band_and_a_given_schedule_does_not():
    assert dispersion_band(None) is None
    assert dispersion_band(math.nan) == HEAVY  # the posterior ran but had too few effective draws
    assert [dispersion_band(x) for x in (0.5, 2.0, 2.8, 3.3, 3.9)] == [HEAVY, HEAVY, MIDDLE, LIGHT, LIGHT]
    for n in (2, 3, 4, 5):
        assert likely_threshold(n) == likely_threshold(n, band=None) == LIKELY_P_SCHEDULE[n - 2]
        got = [likely_threshold(n, band=b) for b in (HEAVY, MIDDLE, LIGHT)]
        assert got == pytest.approx([min(LIKELY_P_SCHEDULE[n - 2] + d, SHIFTED_MAX) for d in SHAPE_SHIFTS])
        assert got[0] >= got[1] > got[2], "heavier-looking counts need more evidence"
        assert max(got) <= SHIFTED_MAX < 1, "however clear the evidence, `likely` stays possible"
        assert likely_threshold(n, LIKELY_P_SCHEDULE, HEAVY) == LIKELY_P_SCHEDULE[n - 2]
    # false_likely reads each look's band: a look at 0.90 after 3 sessions passes in the light band, not the heavy
    assert false_likely([(0.90, 3, 3.5)]) and not false_likely([(0.90, 3, 1.0)])


def test_band_shifts_keep_every_group_within_the_level_and_then_find_the_most_culprits():
    rng = np.random.default_rng(5)

    def people(n, log_shape, spread):
        # statistics over the looks after 3-5 sessions (none eligible after 2), 0.2 below the plain schedule's
        # thresholds give or take spread
        base = np.array(LIKELY_P_SCHEDULE)
        return [[(0.0, 2, log_shape)] + [(float(np.clip(t + rng.normal(-0.2, spread), 0, 0.999)), k, log_shape)
                                         for t, k in zip(base[1:], (3, 4, 5))] for _ in range(n)]

    heavy, light = people(400, 1.0, 0.10), people(400, 3.5, 0.07)
    # culprits in the light band clear the plain threshold by 0.05 on average
    culprits = [(float(m), 3.5) for m in rng.normal(0.05, 0.05, 300)]
    d = band_shifts([heavy, light], culprits, level=0.05, grid=np.round(np.arange(-10, 25, 5) / 100, 2))
    for group in (heavy, light):
        hits = [any(s > 0 and s >= min(likely_threshold(n, LIKELY_P_SCHEDULE) + d[dispersion_band(ls)],
                                          SHIFTED_MAX) - 1e-9 for s, n, ls in p) for p in group]
        assert np.mean(hits) <= 0.05
    assert d[HEAVY] > d[LIGHT], "the noisier people need the stricter band"
