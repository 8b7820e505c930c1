"""The counts' own posterior (core/analysis/posterior.py, the ceiling's posterior ported to kneeclick's data path,
which the verdicts read): right on a case small enough to integrate by brute force, sure where the data are clear,
deterministic, read by the ranking, and handing over to the normal approximation beyond its size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from core.analysis import decision, posterior, ranking
from core.analysis.decision import CULPRIT_EFFECT, CULPRIT_SD, NULL_SD, PRIOR_CULPRIT
from core.analysis.simulate import Person, simulate_sessions

CLICKS = np.array([6.0, 7.0, 2.0])


def _tiny() -> posterior.Leg:
    """One session: a baseline, the retest after resting, the retest after one stretched group (the last test,
    so nothing carries over)."""
    return posterior.Leg(session=np.zeros(3, int), index=np.arange(3.0), reps=np.full(3, 10.0), clicks=CLICKS,
                         rest=np.array([0.0, 1.0, 1.0]), follows=np.array([-1, -1, 0]),
                         carry=(np.zeros(0, int), np.zeros(0, int), np.zeros(0)), groups=1)


def _brute_force_p_culprit() -> float:
    """P(the group is a culprit | the three counts) by quadrature over the session level, the drift, resting's
    effect, the group's effect and the gamma shape, written from the model's statement (not from the module)."""
    L = np.linspace(math.log(0.5 / 10), math.log(40 / 10), 36)[:, None, None, None]
    d = np.linspace(-1.0, 1.0, 15)[None, :, None, None]
    rho = np.linspace(-0.8, 0.8, 15)[None, None, :, None]
    theta = np.linspace(-3.5, 1.5, 51)[None, None, None, :]
    eta = [np.log(10) + L, np.log(10) + L + d + rho, np.log(10) + L + 2 * d + rho + theta]
    lo, hi = np.log(posterior.BASE_RATE)
    # one session: its level's prior is the base rate's, smoothed by the day-to-day sd (averaged over its prior)
    sds = np.linspace(*posterior.DAY_SD, 50)
    level = np.mean([(special.ndtr((hi - L) / s) - special.ndtr((lo - L) / s)) / (hi - lo) for s in sds], axis=0)
    prior = level * stats.norm.pdf(d, 0, posterior.DRIFT_SD) * stats.norm.pdf(rho, 0, posterior.REST_SD)
    lik = 0.0
    shapes = np.linspace(*posterior.SHAPE, 30)
    for r in shapes:  # the gamma shape's uniform prior
        ll = sum(stats.nbinom.logpmf(y, r, r / (r + np.exp(e))) for y, e in zip(CLICKS, eta))
        lik = lik + np.exp(ll) / len(shapes)
    base = lik * prior
    culprit = PRIOR_CULPRIT * stats.norm.pdf(theta, math.log(CULPRIT_EFFECT), CULPRIT_SD)
    null = (1 - PRIOR_CULPRIT) * stats.norm.pdf(theta, 0, NULL_SD)
    a, b = (base * null).sum(), (base * culprit).sum()
    return float(b / (a + b))


def test_it_agrees_with_brute_force_quadrature_on_a_tiny_leg():
    exact = posterior.exact_posterior(_tiny(), np.zeros(3), np.diag([0.3, 0.3, 1.0]) ** 2, draws=20000)
    truth = _brute_force_p_culprit()
    assert 0.2 < truth < 0.9  # the case is not settled either way, so agreement means something
    assert exact.p_culprit[0] == pytest.approx(truth, abs=0.03)
    assert exact.p_top[0] == pytest.approx(exact.p_culprit[0])  # one group: the culprit is the top one
    assert exact.p_none == pytest.approx(1 - exact.p_culprit[0])
    assert exact.ess > 1000


def _person(effects: dict[str, float], base_rate: float = 1.5) -> Person:
    return Person(effects=effects, base_rate=base_rate, drift=0.97, carry=0.3, fade=0.7, day_sd=0.2, shape=12.0,
                  miscount=0.0)


FLAT = {"quadriceps": 1.0, "hamstrings": 1.0, "calves": 1.0, "hip_abductors": 1.0}


def _analyze(frame, exact: bool = True) -> ranking.LegResult:
    use, ranking.USE_EXACT = ranking.USE_EXACT, exact
    try:
        (leg,) = ranking.analyze(frame, draws=1000)
    finally:
        ranking.USE_EXACT = use
    return leg


def _rows(leg: ranking.LegResult) -> list[tuple]:
    return [(r.muscle_group, r.verdict, r.rate_ratio, r.ci_low, r.ci_high, r.p_culprit, r.p_top, r.sessions)
            for r in leg.ranking]


def test_a_clear_culprit_gets_p_culprit_near_one_and_the_rest_near_zero():
    frame = simulate_sessions(_person(FLAT | {"calves": 0.2}, base_rate=3.0), 4, np.random.default_rng(7))
    leg = _analyze(frame)
    by = {r.muscle_group: r for r in leg.ranking}
    assert by["calves"].p_culprit > 0.95 and by["calves"].p_top > 0.9
    assert max(r.p_culprit for g, r in by.items() if g != "calves") < 0.3
    assert leg.p_none < 0.05
    assert leg.ranking[0].muscle_group == "calves" and leg.ranking[0].verdict == ranking.LIKELY
    assert leg.likely_statistic == by["calves"].p_culprit and leg.likely_sessions == 4


def test_the_verdicts_read_the_exact_posterior_and_the_intervals_stay_the_fits():
    frame = simulate_sessions(_person(FLAT | {"hamstrings": 0.5}), 3, np.random.default_rng(11))
    exact, normal = _analyze(frame), _analyze(frame, exact=False)
    tests = ranking.build_tests(frame)
    fit = ranking.fit_model(tests)
    groups = [g for g in ranking._ordered_groups(r.muscle_group for r in exact.ranking)]
    post = posterior.for_fit(tests, fit, groups, ranking.CONTROL)
    assert post is not None and post.ess >= posterior.MIN_ESS
    by = {r.muscle_group: r for r in exact.ranking}
    shown, shown_none = decision.sharpen(post.p_top, post.p_none, p_culprit=post.p_culprit)  # calibrated, as shown
    for g, pc, pt in zip(groups, post.p_culprit, shown):
        assert by[g].p_culprit == pytest.approx(pc) and by[g].p_top == pytest.approx(pt)
    assert exact.p_none == pytest.approx(shown_none)
    # the posterior differs from the normal approximation's, the estimates and intervals shown do not
    assert [r.p_culprit for r in exact.ranking] != [r.p_culprit for r in normal.ranking]
    intervals = {r.muscle_group: (r.rate_ratio, r.ci_low, r.ci_high) for r in normal.ranking}
    assert {r.muscle_group: (r.rate_ratio, r.ci_low, r.ci_high) for r in exact.ranking} == intervals
    # ranked by p_top, as the decision ranks
    tops = [r.p_top for r in exact.ranking]
    assert tops == sorted(tops, reverse=True)


def test_data_with_no_culprit_give_p_none_high():
    frame = simulate_sessions(_person(FLAT, base_rate=2.0), 5, np.random.default_rng(3))
    leg = _analyze(frame)
    assert leg.p_none > 0.6  # the prior's is 0.75**4 = 0.32
    assert max(r.p_culprit for r in leg.ranking) < 0.3
    assert all(r.verdict != ranking.LIKELY for r in leg.ranking)


def test_it_is_deterministic_and_sums_to_one():
    frame = simulate_sessions(_person(FLAT | {"hamstrings": 0.5}), 3, np.random.default_rng(11))
    tests = ranking.build_tests(frame)
    groups = ["quadriceps", "hamstrings", "calves", "hip_abductors"]
    leg = posterior.leg_of(tests, groups)
    mean, cov = np.zeros(6), np.diag([0.2, 0.3, 0.6, 0.6, 0.6, 0.6]) ** 2
    one, two = posterior.exact_posterior(leg, mean, cov), posterior.exact_posterior(leg, mean, cov)
    assert np.array_equal(one.p_culprit, two.p_culprit) and np.array_equal(one.p_top, two.p_top)
    assert one.p_top.sum() + one.p_none == pytest.approx(1.0)
    assert np.all((one.p_top <= one.p_culprit + 1e-12) & (one.p_culprit <= 1))
    # a different count is a different random stream (seeded by the data), and a different answer
    changed = frame.copy()
    changed.loc[changed.index[2], "clicks_after"] += 3
    other = posterior.exact_posterior(posterior.leg_of(ranking.build_tests(changed), groups), mean, cov)
    assert not np.array_equal(one.p_culprit, other.p_culprit)
    # and the whole analysis gives one answer for one dataset
    assert _rows(_analyze(frame)) == _rows(_analyze(frame))


def test_beyond_the_size_limit_it_falls_back_to_the_normal_approximation():
    frame = simulate_sessions(_person(FLAT | {"calves": 0.4}), posterior.MAX_SESSIONS + 1, np.random.default_rng(5))
    assert posterior.leg_of(ranking.build_tests(frame), ["calves"]) is None
    assert _rows(_analyze(frame)) == _rows(_analyze(frame, exact=False))
    ids = sorted(frame["session_id"].unique())
    short = frame[frame["session_id"].isin(ids[:3])]
    assert _rows(_analyze(short)) != _rows(_analyze(short, exact=False))


def test_a_leg_without_the_rest_control_uses_the_normal_approximation():
    frame = simulate_sessions(_person(FLAT | {"calves": 0.4}), 3, np.random.default_rng(5), control=False)
    assert _rows(_analyze(frame)) == _rows(_analyze(frame, exact=False))


def test_each_draws_weight_is_the_model_written_out_test_by_test():
    """The blocked, vectorised weights (carry-over grouped by gap, logs in single precision) against the model's
    statement computed one test at a time, on a real leg with carry-over pairs at several gaps."""
    frame = simulate_sessions(_person(FLAT | {"hamstrings": 0.5}), 3, np.random.default_rng(11))
    groups = ["quadriceps", "hamstrings", "calves", "hip_abductors"]
    leg = posterior.leg_of(ranking.build_tests(frame[frame["side"] == frame["side"].iloc[0]]), groups)
    assert len(np.unique(leg.carry[2])) >= 2  # carry-over at more than one gap
    rng = np.random.default_rng(0)
    S, m = int(leg.session.max()) + 1, leg.groups
    x = rng.normal(0, 0.3, size=(5, 2 + m + S))
    share, fade = rng.uniform(0.2, 0.9, 5), rng.uniform(0.45, 0.8, 5)
    got = posterior._log_lik_prior(posterior._Parts(leg), x, share, fade)

    r_grid, r_w = posterior._grid(*posterior.SHAPE, posterior.GRID_POINTS, geometric=True)
    sd_grid, sd_w = posterior._grid(*posterior.DAY_SD, posterior.GRID_POINTS)
    lo, hi = np.log(posterior.BASE_RATE)
    for i, (d, rho, *rest) in enumerate(x):
        theta, u = np.array(rest[:m]), np.array(rest[m:])
        eta0 = []
        for t in range(len(leg.clicks)):
            e = math.log(leg.reps[t]) + d * leg.index[t] + rho * leg.rest[t]
            if leg.follows[t] >= 0:
                e += theta[leg.follows[t]]
            for tt, g, gap in zip(*leg.carry):
                if tt == t:
                    e += share[i] * fade[i] ** (gap - 1) * theta[g]
            eta0.append(e)
        eta0 = np.array(eta0)
        L = np.array([math.log((leg.clicks[leg.session == s].sum() + 0.5) / np.exp(eta0[leg.session == s]).sum())
                      for s in range(S)]) + u
        mu = np.exp(eta0 + L[leg.session])
        lik = sum(w * np.exp(stats.nbinom.logpmf(leg.clicks, r, r / (r + mu)).sum()) for r, w in zip(r_grid, r_w))
        grid = np.linspace(lo, hi, 4001)  # the average click level, uniform over the base rate's range
        level = sum(w * np.trapezoid(np.prod(stats.norm.pdf(L[:, None], grid[None], sd), axis=0), grid) / (hi - lo)
                    for sd, w in zip(sd_grid, sd_w))
        want = (math.log(lik) + math.log(level) + stats.norm.logpdf(d, 0, posterior.DRIFT_SD)
                + stats.norm.logpdf(rho, 0, posterior.REST_SD))
        assert got[i] == pytest.approx(want, abs=2e-3)


def test_the_chance_of_a_heavy_shape_is_high_for_strongly_over_dispersed_counts_and_not_for_many_ordinary_clicks():
    # the shape's mass below HEAVY_SHAPE is the trapezoid rule's: exact for a density linear between grid points
    x, w = posterior._grid(*posterior.SHAPE, posterior.GRID_POINTS, geometric=True)
    c = posterior._mass_below(x, 3.0)
    assert c @ x / (w @ x) == pytest.approx((3.0**2 - 1.0) / (50.0**2 - 1.0))
    assert c @ np.ones_like(x) == pytest.approx(w @ np.ones_like(x) * 2.0 / 49.0)
    # about 40 clicks a test: shape 12 (ordinary) reads as not heavy; shape 1.5 as heavy, or the posterior has
    # too few effective draws (NaN), which the decision also counts as heavy
    for seed in range(4):
        for shape in (12.0, 1.5):
            person = Person(effects=FLAT, base_rate=4.0, drift=0.97, carry=0.3, fade=0.7, day_sd=0.2, shape=shape,
                            miscount=0.0)
            leg = _analyze(simulate_sessions(person, 5, np.random.default_rng(seed)))
            if shape > 3:
                assert leg.p_heavy < 0.01
            else:
                assert math.isnan(leg.p_heavy) or leg.p_heavy > 0.3
