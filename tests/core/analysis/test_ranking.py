"""The statistics behind the ranking: hand-checked numbers, the model against statsmodels, verdict edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import core.analysis.ranking as A
from core.analysis.ranking import (
    CONTROL,
    INSUFFICIENT,
    LIKELY,
    POSSIBLE,
    UNLIKELY,
    VERDICTS,
    analyze,
    build_tests,
    compare_counts,
    quality_flags,
    sentence,
    session_table,
)
from core.data.csvio import read_csv
from core.data.sample import SAMPLE_CSV
from core.analysis.simulate import Person, make_person, simulate_sessions
from core.data.store import CSV_COLUMNS

GROUPS4 = ("quadriceps", "hamstrings", "calves", "hip_abductors")


def person(effects: dict[str, float], **kw) -> Person:
    base = dict(base_rate=1.2, drift=0.95, carry=0.3, fade=0.7, day_sd=0.2, shape=12.0, miscount=0.0)
    base.update(kw)
    return Person(effects={g: effects.get(g, 1.0) for g in GROUPS4}, **base)


def rows(*conditions, session="s1", side="left", reps=10, date="2026-01-01"):
    """A chained session: rows(("quadriceps", 8, 1), ...) = (group, clicks before, clicks after)."""
    return pd.DataFrame(
        [
            dict(session_id=session, session_date=date, side=side, movement="bodyweight_squat", position=i,
                 muscle_group=g, stretch_seconds=90, reps_before=reps, clicks_before=b, reps_after=reps,
                 clicks_after=a, pain_before=0, pain_after=0, notes="")
            for i, (g, b, a) in enumerate(conditions, start=1)
        ]
    )


# ------------------------------------------------------------ one session
def _binom_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_8_to_1_clicks_in_10_reps_gives_the_hand_computed_exact_test():
    # Given n = 8 + 1 = 9 clicks in two tests of equal length, under "no change" each click is equally likely
    # to fall in either test: after ~ Binomial(9, 1/2).  P(after <= 1) = (C(9,0) + C(9,1)) / 2^9 = 10/512; the
    # distribution is symmetric, so the two-sided p-value is 2 * 10/512 = 20/512 = 0.0390625.
    # Rate ratio = (1/10) / (8/10) = 0.125.
    # Exact (Clopper-Pearson) 95% interval for p = P(a click is in the after-test):
    #   lower: P(X >= 1; p) = 0.025  ->  1 - (1-p)^9 = 0.025  ->  p = 1 - 0.975^(1/9) = 0.0028091
    #   upper: P(X <= 1; p) = 0.025  ->  (1-p)^9 + 9 p (1-p)^8 = 0.025  ->  p = 0.48250 (solved by bisection below)
    # and the rate ratio is p / (1 - p) (equal reps): 0.0028170 to 0.93238.
    res = compare_counts(8, 10, 1, 10)
    assert res.p_value == pytest.approx(20 / 512, rel=1e-9)
    assert res.rate_ratio == pytest.approx(0.125)
    p_low = 1 - 0.975 ** (1 / 9)
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _binom_cdf(1, 9, mid) > 0.025 else (lo, mid)
    p_high = (lo + hi) / 2
    assert p_high == pytest.approx(0.48250, abs=1e-5)
    assert res.ci_low == pytest.approx(p_low / (1 - p_low), rel=1e-6)
    assert res.ci_high == pytest.approx(p_high / (1 - p_high), rel=1e-6)
    assert res.ci_low == pytest.approx(0.0028170, rel=1e-4) and res.ci_high == pytest.approx(0.93238, rel=1e-4)


def test_unequal_reps_are_exposures_and_the_test_is_symmetric():
    # 6 clicks in 10 reps, then 6 in 20 reps: the rate halved.  p0 = 20/30 = 2/3 under no change.
    fwd = compare_counts(6, 10, 6, 20)
    back = compare_counts(6, 20, 6, 10)
    assert fwd.rate_ratio == pytest.approx(0.5)
    assert back.rate_ratio == pytest.approx(2.0)
    assert fwd.ci_low == pytest.approx(1 / back.ci_high) and fwd.ci_high == pytest.approx(1 / back.ci_low)
    assert fwd.p_value == pytest.approx(back.p_value)
    # one-sided tail by hand: P(after <= 6 | n=12, p=2/3); the two-sided p must be at least that
    tail = _binom_cdf(6, 12, 2 / 3)
    assert tail < fwd.p_value <= 2 * tail + 1e-12


def test_no_clicks_at_all_compares_nothing():
    res = compare_counts(0, 10, 0, 10)
    assert math.isnan(res.rate_ratio) and res.p_value == 1.0 and res.ci_low == 0 and res.ci_high == math.inf


def test_session_table_gives_change_per_rep_and_percent():
    t = session_table(rows(("quadriceps", 8, 1), ("rest_control", 1, 0)))
    first = t.iloc[0]
    assert first["change_per_rep"] == pytest.approx(-0.7)
    assert first["change_pct"] == pytest.approx(-87.5)
    assert first["p_value"] == pytest.approx(20 / 512)
    assert t.iloc[1]["change_pct"] == pytest.approx(-100)


# ----------------------------------------------------------- the tests of a session
def test_a_separate_pretest_equal_to_the_previous_retest_is_not_merged():
    """The store's test numbers decide what is one test; counts that happen to be equal do not."""
    frame = rows(("quadriceps", 8, 4), ("calves", 4, 5))
    frame["before_seq"], frame["after_seq"] = [0, 2], [1, 3]  # calves had its own pre-test (seq 2) of 4 clicks
    tests = build_tests(frame)
    assert tests.clicks.tolist() == [8, 4, 4, 5]
    assert tests.after == [None, "quadriceps", None, "calves"]
    frame["before_seq"], frame["after_seq"] = [0, 1], [1, 2]  # a real chain
    assert build_tests(frame).clicks.tolist() == [8, 4, 5]
    # without test numbers (a CSV file), as the importer reads it: a different pain score means another test
    frame = rows(("quadriceps", 8, 4), ("calves", 4, 5)).drop(columns=[])
    frame.loc[1, "pain_before"] = 2
    assert build_tests(frame).clicks.tolist() == [8, 4, 4, 5]


def test_a_chain_shares_tests_and_separate_pretests_are_kept():
    chain = build_tests(rows(("quadriceps", 8, 4), ("calves", 4, 5)))
    assert chain.clicks.tolist() == [8, 4, 5]
    assert chain.after == [None, "quadriceps", "calves"]
    assert chain.earlier[2] == frozenset({"quadriceps"})
    separate = build_tests(rows(("quadriceps", 8, 4), ("calves", 7, 5)))
    assert separate.clicks.tolist() == [8, 4, 7, 5]
    assert separate.after == [None, "quadriceps", None, "calves"]


# -------------------------------------------------------- the model itself
def test_the_tests_know_how_long_ago_each_earlier_stretch_was():
    """Fading carry-over needs the distance: quadriceps 2 tests ago, calves 1 test ago, at the last retest."""
    t = build_tests(rows(("quadriceps", 8, 4), ("calves", 4, 5), (CONTROL, 5, 6)))
    assert t.gaps[3] == {"quadriceps": 2, "calves": 1}
    assert t.gaps[2] == {"quadriceps": 1}
    # a carried share (beyond the control's effect) that fades by half per further test: quadriceps weighs 0.5
    # at the last retest, calves 1
    groups = ["quadriceps", "calves", CONTROL]
    assert A._design_parts(t, groups, fade=0.5)[1][3, 1:].tolist() == [0.5, 1.0, -1.5]
    assert A._design_parts(t, groups, fade=1.0)[1][3, 1:].tolist() == [1.0, 1.0, -2.0]


def test_the_carry_over_models_are_a_prior_that_adds_up_and_never_assumes_none_alone():
    grid = A.carry_grid()
    assert sum(w for _, _, w in grid) == pytest.approx(1.0)
    assert 0 < sum(w for c, _, w in grid if c == 0) < 0.5  # "no carry-over" is one possibility, not the rule
    assert any(0 < f < 1 for _, f, _ in grid) and any(f == 1 and c > 0 for c, f, _ in grid)


@pytest.mark.parametrize("n_sessions", [3, 30])
def test_the_counts_own_likelihood_agrees_with_the_normal_approximation_given_enough_clicks(n_sessions):
    """Each culprit configuration's marginal likelihood from the counts (Laplace) and from the normal
    approximation of the contrasts must tell the same story where the normal one is good (many clicks);
    with few sessions both still put the same group first."""
    from core.analysis.decision import culprit_posterior

    rng = np.random.default_rng(8)
    frame = simulate_sessions(person({"calves": 0.6}, base_rate=3.0), n_sessions, rng, reps=20)
    tests = build_tests(frame)
    fit = A.fit_model(tests)
    col = {g: j + 1 for j, g in enumerate(fit.groups)}
    stretch = [g for g in fit.groups if g != CONTROL]
    L = np.zeros((len(stretch), len(fit.beta)))
    for i, g in enumerate(stretch):
        L[i, col[g]], L[i, col[CONTROL]] = 1.0, -1.0
    est, cov = L @ fit.beta, L @ fit.cov @ L.T
    loglik = A.config_loglik(fit, stretch, True)
    configs, w_normal, _, _ = culprit_posterior(est, cov)
    _, w_counts, _, _ = culprit_posterior(est, cov, loglik=loglik)
    p_normal, p_counts = configs.T @ w_normal, configs.T @ w_counts
    assert np.argmax(p_counts) == np.argmax(p_normal)
    if n_sessions >= 30:
        assert stretch[int(np.argmax(p_counts))] == "calves"
        np.testing.assert_allclose(p_counts, p_normal, atol=0.1)


def test_the_model_equals_a_poisson_glm_with_session_dummies(monkeypatch):
    """Without the prior and carry-over, the conditional fit is the textbook Poisson GLM (statsmodels)."""
    import statsmodels.api as sm

    monkeypatch.setattr(A, "PRIOR_SD_EFFECT", 1e6)
    monkeypatch.setattr(A, "PRIOR_SD_DRIFT", 1e6)
    monkeypatch.setattr(A, "PHI_PRIOR_DF", 0.0)
    monkeypatch.setattr(A, "CARRY_MODELS", {"none": (1.0, ((0.0, 1.0),))})
    monkeypatch.setattr(A, "NB2_VARIANCE", False)  # quasi-Poisson alone (the sandwich: the next test)
    rng = np.random.default_rng(3)
    frame = simulate_sessions(person({"calves": 0.5}, carry=0.0), 6, rng)
    tests = build_tests(frame)
    fit = A.fit_model(tests)
    imm, _ = A._design_parts(tests, fit.groups)
    dummies = np.eye(len(tests.session_ids))[tests.session]
    X = np.hstack([imm, dummies])
    glm = sm.GLM(tests.clicks, X, family=sm.families.Poisson(), offset=np.log(tests.reps)).fit(scale="X2")
    p = imm.shape[1]
    np.testing.assert_allclose(fit.beta, glm.params[:p], rtol=1e-5, atol=1e-6)
    expected_phi = max(1.0, glm.scale)
    assert fit.dispersion == pytest.approx(expected_phi, rel=1e-5)
    np.testing.assert_allclose(fit.cov, glm.cov_params()[:p, :p] * expected_phi / glm.scale, rtol=1e-4, atol=1e-8)


def test_strongly_over_dispersed_counts_get_the_gamma_poisson_sandwich(monkeypatch):
    """With counts far noisier than Poisson where they are large (gamma shape 1.5), the covariance is the
    Poisson GLM's sandwich under Var(y) = mu (1 + kappa mu), built here from statsmodels' fit, and it is wider
    than the quasi-Poisson covariance for the stretches' contrasts."""
    import statsmodels.api as sm

    monkeypatch.setattr(A, "PRIOR_SD_EFFECT", 1e6)
    monkeypatch.setattr(A, "PRIOR_SD_DRIFT", 1e6)
    monkeypatch.setattr(A, "PHI_PRIOR_DF", 0.0)
    monkeypatch.setattr(A, "CARRY_MODELS", {"none": (1.0, ((0.0, 1.0),))})
    rng = np.random.default_rng(4)
    frame = simulate_sessions(person({"calves": 0.5}, carry=0.0, shape=1.5, base_rate=2.0), 8, rng)
    tests = build_tests(frame)
    fit = A.fit_model(tests)
    imm, _ = A._design_parts(tests, fit.groups)
    X = np.hstack([imm, np.eye(len(tests.session_ids))[tests.session]])
    glm = sm.GLM(tests.clicks, X, family=sm.families.Poisson(), offset=np.log(tests.reps)).fit()
    mu = glm.fittedvalues
    p = imm.shape[1]
    resid_df = len(mu) - X.shape[1]
    kappa = A._nb2_kappa(tests.clicks, mu, resid_df)
    assert kappa > 0.2
    # the moment equation it solves: Pearson's statistic under that variance equals the residual df
    assert np.sum((tests.clicks - mu) ** 2 / (mu * (1 + kappa * mu))) == pytest.approx(resid_df, rel=1e-4)
    bread = glm.cov_params()  # inverse Poisson information (scale 1)
    sandwich = bread @ (X.T @ (X * (mu * (1 + kappa * mu))[:, None])) @ bread
    np.testing.assert_allclose(fit.cov, sandwich[:p, :p], rtol=1e-3, atol=1e-8)
    monkeypatch.setattr(A, "NB2_VARIANCE", False)
    quasi = A.fit_model(tests)
    assert np.trace(fit.cov[1:, 1:]) > 1.2 * np.trace(quasi.cov[1:, 1:])


def test_the_dispersion_moment_estimate_finds_kappa_and_zero_for_poisson_counts():
    rng = np.random.default_rng(8)
    mu = rng.uniform(2, 20, 4000)
    gamma_poisson = rng.poisson(rng.gamma(2.0, mu / 2.0))  # Var = mu (1 + mu / 2)
    assert A._nb2_kappa(gamma_poisson, mu, len(mu)) == pytest.approx(0.5, rel=0.15)
    assert A._nb2_kappa(rng.poisson(mu), mu, len(mu)) < 0.01


def test_a_strong_culprit_is_found_and_called_likely():
    rng = np.random.default_rng(11)
    (leg,) = analyze(simulate_sessions(person({"calves": 0.3}), 6, rng))
    assert leg.ranking[0].muscle_group == "calves"
    assert leg.ranking[0].verdict == LIKELY
    assert leg.ranking[0].ci_high < 1
    assert [r.verdict for r in leg.ranking[1:]].count(LIKELY) == 0
    assert CONTROL not in [r.muscle_group for r in leg.ranking]
    assert sum(r.p_top for r in leg.ranking) + leg.p_none == pytest.approx(1.0)


def test_warm_up_alone_rarely_makes_a_likely_contributor_unlike_the_naive_rule():
    """Strong warm-up drift, no culprit: the article's rule sees a drop after nearly every stretch; the model's
    chance of any false `likely` is designed to be at most 5% (40 people: allow up to 4 by chance)."""
    from core.analysis.simulate import naive_rule

    rng = np.random.default_rng(5)
    false_likely = naive_flags = 0
    drifts = []
    for i in range(40):
        p = person({}, drift=0.8)
        (leg,) = analyze(simulate_sessions(p, 5, rng, prefix=f"p{i}"), draws=200)
        false_likely += any(r.verdict == LIKELY for r in leg.ranking)
        drifts.append(leg.drift_per_test)
        naive = naive_rule(simulate_sessions(p, 1, rng, randomized=False, control=False))
        naive_flags += any(drop > 0 for _, drop in naive)
    assert false_likely <= 4
    assert naive_flags >= 36
    assert 0.7 < np.median(drifts) < 0.9, "the model sees the warm-up (0.8 per test)"


def test_intervals_cover_the_truth_about_95_percent_of_the_time():
    """Calibration on the simulator: the 95% interval of a group vs the control covers its true ratio."""
    rng = np.random.default_rng(21)
    hits = []
    for i in range(60):
        p = make_person(rng, i % 2)
        (leg,) = analyze(simulate_sessions(p, 4, rng), draws=200)
        hits += [r.ci_low <= p.effects[r.muscle_group] <= r.ci_high for r in leg.ranking]
    # 240 intervals: a 95% coverage lands in 0.92-0.98 by chance; the old 98.5% (too wide) would not
    assert 0.92 <= np.mean(hits) <= 0.98


def test_verdicts_are_from_the_documented_set_and_ranking_is_by_p_top():
    (leg,) = analyze(read_csv(SAMPLE_CSV))
    assert {r.verdict for r in leg.ranking} <= set(VERDICTS)
    p = [r.p_top for r in leg.ranking]
    assert p == sorted(p, reverse=True)
    assert leg.compared_with == CONTROL


# ----------------------------------------------------------------- verdict rules
def _decide(est, se, sessions=4, n_used=4, rho=0.5):
    """The decision for contrasts with standard errors ``se`` sharing the control (correlation ``rho``)."""
    from core.analysis.decision import decide

    est, se = np.asarray(est, float), np.asarray(se, float)
    cov = rho * np.outer(se, se) + (1 - rho) * np.diag(se**2)
    return decide(est, cov, 20.0, sessions=[sessions] * len(est), n_used=n_used, draws=2000)


def test_verdict_rules_on_their_edges():
    d = _decide([math.log(0.3), 0.0, 0.0], [0.15, 0.15, 0.15])
    assert [(g.i, g.verdict) for g in d.ranked][0] == (0, LIKELY)  # clear, large cut
    assert d.p_none < 0.01 and d.ranked[0].p_top > 0.95
    # a real-looking but uncertain cut: a candidate, not yet likely
    d = _decide([math.log(0.6), 0.0, 0.0], [0.3, 0.3, 0.3])
    assert d.ranked[0].i == 0 and d.ranked[0].verdict == POSSIBLE
    # a precise small cut is below MIN_LIKELY_CUT, and its interval rules out a 30% cut
    d = _decide([math.log(0.9), 0.0], [0.02, 0.02])
    assert {g.verdict for g in d.ranked} == {UNLIKELY}
    # a stretch that raised the clicking is never a candidate, however wide its interval
    d = _decide([math.log(0.5), math.log(1.3)], [0.5, 0.9])
    by = {g.i: g for g in d.ranked}
    assert by[1].verdict == UNLIKELY and by[0].verdict in (POSSIBLE, LIKELY)
    # too few sessions, and nothing else, makes insufficient_data
    assert {g.verdict for g in _decide([math.log(0.2), 0.0], [0.9, 0.9], sessions=1).ranked} == {INSUFFICIENT}
    assert {g.verdict for g in _decide([math.log(0.2), 0.0], [0.9, 0.9], n_used=1).ranked} == {INSUFFICIENT}
    # a big cut with a very wide interval (few clicks left after the stretch) is no longer set aside
    d = _decide([math.log(0.25), 0.0, 0.0, 0.0], [0.7, 0.3, 0.3, 0.3], sessions=2, n_used=2)
    assert d.ranked[0].i == 0 and d.ranked[0].verdict != INSUFFICIENT


def test_over_dispersion_is_not_sharpened_away():
    """The same estimates and covariance: when most of the variance is over-dispersion measured in the person's
    own counts, the decision is less sure than when the Poisson model explains all of it, and a borderline cut
    after 3 sessions stays `possible` instead of `likely`."""
    from core.analysis.decision import COV_SCALE, decide, decision_cov

    est = np.array([math.log(0.48), 0.0, 0.0, 0.0])  # borderline at 3 sessions' threshold (0.76 since round 9)
    cov = 0.35**2 * (0.5 * np.eye(4) + 0.5)
    np.testing.assert_allclose(decision_cov(cov), COV_SCALE * cov)
    np.testing.assert_allclose(decision_cov(cov, cov), COV_SCALE * cov)
    poisson = decide(est, cov, 20.0, sessions=[3] * 4, n_used=3, draws=2000, cov_model=cov)
    dispersed = decide(est, cov, 20.0, sessions=[3] * 4, n_used=3, draws=2000, cov_model=cov / 3)
    assert poisson.ranked[0].i == dispersed.ranked[0].i == 0
    assert dispersed.ranked[0].p_culprit < poisson.ranked[0].p_culprit - 0.03
    assert (poisson.ranked[0].verdict, dispersed.ranked[0].verdict) == (LIKELY, POSSIBLE)
    # the intervals shown are the fit's, whatever the decision reads
    assert (dispersed.ranked[0].ci_low, dispersed.ranked[0].ci_high) == (poisson.ranked[0].ci_low,
                                                                        poisson.ranked[0].ci_high)


def test_p_none_is_high_when_nothing_beats_resting_and_low_when_a_group_does():
    flat = _decide([0.02, -0.05, 0.04, 0.0], [0.15] * 4)
    strong = _decide([math.log(0.4), -0.05, 0.04, 0.0], [0.15] * 4)
    assert flat.p_none > 0.6 and strong.p_none < 0.05
    for d in (flat, strong):
        assert sum(g.p_top for g in d.ranked) + d.p_none == pytest.approx(1.0)
        assert all(g.p_top <= g.p_culprit + 0.02 for g in d.ranked)  # up to the draws' noise


def test_the_two_session_case_from_the_issue():
    """Calves cut the clicking 8 -> 2 and 7 -> 2, every other condition stayed flat (issue 9)."""
    frame = pd.concat([
        rows(("quadriceps", 8, 8), ("calves", 8, 2), ("hamstrings", 2, 8), ("rest_control", 8, 8),
             ("hip_abductors", 8, 8), session="s1"),
        rows(("hamstrings", 7, 8), ("rest_control", 8, 7), ("calves", 7, 2), ("hip_abductors", 2, 7),
             ("quadriceps", 7, 8), session="s2", date="2026-01-03"),
    ])
    (leg,) = analyze(frame)
    top = leg.ranking[0]
    assert top.muscle_group == "calves" and top.verdict in (LIKELY, POSSIBLE)
    assert top.p_top > 0.5
    assert all(r.verdict != INSUFFICIENT for r in leg.ranking), "two sessions each: nothing is set aside"
    assert all(r.verdict == UNLIKELY for r in leg.ranking[1:]), "no flat group is a candidate"
    advice = " ".join(A.next_steps(leg))
    assert "calves" in advice
    for other in ("quadriceps", "hamstrings", "hip abductors"):
        assert other not in advice and other not in leg.summary
    assert "calves" in leg.summary


def test_all_zeros_is_insufficient_not_a_crash():
    frame = pd.concat([rows(*[(g, 0, 0) for g in (*GROUPS4, CONTROL)], session=f"s{i}") for i in range(3)])
    (leg,) = analyze(frame)
    assert leg.ranking and all(r.verdict == INSUFFICIENT for r in leg.ranking)
    assert leg.sessions_needed >= 1 and "No clicks" in leg.summary
    assert any(f.kind == "baseline_low" for f in leg.flags)


def test_one_session_is_insufficient_and_says_one_more_helps():
    (leg,) = analyze(rows(("quadriceps", 9, 2), ("rest_control", 2, 8), ("calves", 8, 8), ("hamstrings", 8, 7)))
    assert [r.verdict for r in leg.ranking] == [INSUFFICIENT] * 3
    assert leg.sessions_needed == 1
    assert leg.ranking[0].muscle_group == "quadriceps"  # still ordered by what the data suggest


def test_no_control_compares_with_the_drift():
    rng = np.random.default_rng(2)
    (leg,) = analyze(simulate_sessions(person({"quadriceps": 0.3}), 6, rng, control=False))
    assert leg.compared_with == "drift" and leg.control is None
    assert leg.ranking[0].muscle_group == "quadriceps"
    assert "resting" not in sentence(leg.ranking[0], leg.compared_with)


def test_a_skipped_condition_and_a_group_tried_once():
    rng = np.random.default_rng(4)
    frame = simulate_sessions(person({"calves": 0.35}), 5, rng)
    # hamstrings skipped in sessions 2-5 (the chain closes over the gap, as the app records it)
    frame = frame[~((frame["muscle_group"] == "hamstrings") & (frame["session_id"] != "sim-01"))].copy()
    for _, s in frame.groupby("session_id"):
        frame.loc[s.index, "position"] = range(1, len(s) + 1)
        frame.loc[s.index[1:], "clicks_before"] = s["clicks_after"].to_numpy()[:-1]
    (leg,) = analyze(frame)
    by = {r.muscle_group: r for r in leg.ranking}
    assert by["hamstrings"].sessions == 1 and by["hamstrings"].verdict == INSUFFICIENT
    assert by["calves"].sessions == 5 and by["calves"].verdict != INSUFFICIENT
    assert leg.ranking[0].muscle_group == "calves"


def test_separation_all_zero_after_one_stretch_stays_finite():
    frame = pd.concat(
        [rows(("quadriceps", 9, 0), ("rest_control", 0, 8), ("calves", 8, 9), ("hamstrings", 9, 8), session=f"s{i}")
         for i in range(4)]
    )
    (leg,) = analyze(frame)
    top = leg.ranking[0]
    assert top.muscle_group == "quadriceps" and 0 < top.rate_ratio < 0.2 and math.isfinite(top.ci_low)
    assert top.verdict == LIKELY


def test_left_and_right_are_never_pooled():
    rng = np.random.default_rng(8)
    left = simulate_sessions(person({"quadriceps": 0.3}), 5, rng, side="left", prefix="L")
    right = simulate_sessions(person({"calves": 0.3}), 5, rng, side="right", prefix="R")
    both = pd.concat([right, left])
    legs = analyze(both)
    assert [leg.side for leg in legs] == ["left", "right"]
    assert legs[0].ranking[0].muscle_group == "quadriceps"
    assert legs[1].ranking[0].muscle_group == "calves"
    (alone,) = analyze(left)
    assert alone.to_dict() == legs[0].to_dict()


def test_unknown_values_raise_a_clear_error():
    bad = rows(("quadriceps", 8, 1))
    bad.loc[0, "side"] = "middle"
    with pytest.raises(A.AnalysisError, match="side"):
        analyze(bad)


# ------------------------------------------------------------------ flags
def test_data_quality_flags():
    frame = pd.concat(
        [
            rows(("quadriceps", 1, 0), ("calves", 0, 0), ("rest_control", 0, 1), session="low"),
            rows(("calves", 8, 7), ("quadriceps", 7, 1), ("rest_control", 1, 2), session="floor"),
            rows(("calves", 8, 7), session="short"),
        ]
    )
    frame.loc[(frame["session_id"] == "floor") & (frame["position"] == 2), "pain_after"] = 3
    flags = quality_flags(frame, stopped_sessions=["low"])
    kinds = {(f.kind, f.session_id) for f in flags}
    assert ("baseline_low", "low") in kinds
    assert ("stopped_early", "low") in kinds  # told by the store
    assert ("stopped_early", "short") not in kinds  # the store says it ran as planned: a shorter planned session
    unknown = quality_flags(frame)  # a file that does not say which sessions stopped
    # a note names a session by its date, with its id when another session has the same date (all three here)
    assert [f.message for f in unknown if f.kind == "stopped_early"] == [
        "The session of 2026-01-01 (id short) has fewer conditions than the others (1 of 3): it may have stopped early."]
    assert ("pain", "floor") in kinds
    floor = [f for f in flags if f.kind == "floor_after_stretch" and f.session_id == "floor"]
    assert [f.position for f in floor] == [3]  # 1 click before the control, after the quadriceps stretch
    assert ("baseline_low", "floor") not in kinds and ("pain", "low") not in kinds


# ------------------------------------------------------------------ words
def test_the_sentence_reads_like_a_person_talking():
    r = A.GroupResult("calves", "Calves", LIKELY, 0.4, 0.1, 0.6, 0.8, 4, None, "")
    assert sentence(r, CONTROL) == (
        "After stretching your calves you clicked about 60% less than after resting (somewhere between 40% and "
        "90% less). This is likely a cause of your clicking."
    )
    r = A.GroupResult("hamstrings", "Hamstrings", UNLIKELY, 1.2, 0.6, 2.4, 0.0, 4, 3, "")
    text = sentence(r, CONTROL)
    assert "about 20% more than after resting" in text and "anything from 40% less to 140% more" in text
    assert "not a candidate" in text
    # one session with few clicks: an interval too wide for "100% less" (a cut never gets there) or "3500% more"
    r = A.GroupResult("calves", "Calves", INSUFFICIENT, 0.75, 0.004, 36.0, 0.3, 1, 1, "")
    assert "(anything from nearly 100% less to 36 times as many)" in sentence(r, CONTROL)
    r = A.GroupResult("calves", "Calves", LIKELY, 0.1, 0.01, 0.5, 0.9, 4, None, "")
    assert "(somewhere between 50% less and nearly 100% less)" in sentence(r, CONTROL)
    r = A.GroupResult("quadriceps", "Quadriceps", UNLIKELY, 2.5, 1.3, 5.0, 0.0, 4, 4, "")
    assert "(somewhere between 30% more and 5 times as many)" in sentence(r, CONTROL)
    r = A.GroupResult("hip_abductors", "Hip abductors", POSSIBLE, 0.7, 0.3, 1.5, 0.3, 2, 2, "")
    for words in ("CI", "rate ratio", "log", "variance", "p=", "hip_abductors"):
        assert words not in sentence(r, CONTROL) + sentence(r, "drift")


def test_next_steps_name_the_strengthening_exercise():
    from core.session.protocol import STRETCHES
    from core.session.vocabulary import MuscleGroup

    rng = np.random.default_rng(11)
    (leg,) = analyze(simulate_sessions(person({"calves": 0.3}), 6, rng))
    text = " ".join(A.next_steps(leg))
    assert STRETCHES[MuscleGroup.CALVES].strengthen[1:].rstrip(".") in text


def test_the_simulator_writes_the_csv_schema_as_a_chain():
    rng = np.random.default_rng(0)
    frame = simulate_sessions(make_person(rng, 1), 2, rng)
    assert list(frame.columns[: len(CSV_COLUMNS)]) == list(CSV_COLUMNS)
    for _, s in frame.groupby("session_id"):
        assert (s["clicks_before"].to_numpy()[1:] == s["clicks_after"].to_numpy()[:-1]).all()
        assert sorted(s["muscle_group"]) == sorted((*GROUPS4, CONTROL))


# ------------------------------------------------------- a second rest in one session
def test_a_second_rest_is_one_more_test_of_resting_and_earlier_stretches_still_carry_over_to_it():
    """A planned session may rest twice: each rest is its own test of resting (never merged with the other), and a
    stretch done before the second rest still carries over to it, as to any later test."""
    t = build_tests(rows((CONTROL, 8, 7), ("quadriceps", 7, 4), (CONTROL, 4, 5), ("calves", 5, 5)))
    assert t.clicks.tolist() == [8, 7, 4, 5, 5]
    assert t.after == [None, CONTROL, "quadriceps", CONTROL, "calves"]
    assert t.earlier[3] == frozenset({"quadriceps"}) and t.gaps[3] == {"quadriceps": 1}
    assert t.earlier[4] == frozenset({CONTROL, "quadriceps"}) and t.gaps[4] == {CONTROL: 1, "quadriceps": 2}
    groups = ["quadriceps", "calves", CONTROL]
    imm, later = A._design_parts(t, groups, fade=0.5)
    assert imm[:, 3].tolist() == [0, 1, 0, 1, 0], "both rests are retests after resting"
    assert later[3, 1:].tolist() == [1.0, 0.0, -1.0], "quadriceps' carry-over reaches the second rest"
    assert later[4, 1:].tolist() == [0.5, 0.0, -0.5]


def test_resting_twice_a_session_narrows_every_stretchs_interval_against_resting():
    """The same simulated knee, six sessions of 15 reps, once with one rest a session and once with two: the
    second rest is a second look at resting, so each group's comparison with it is steadier (and the exact
    posterior still runs: no crash, no merged rests)."""
    truth = Person(effects={"quadriceps": 0.5, "calves": 1.0}, base_rate=1.5, drift=0.97, carry=0.2, fade=0.7,
                   day_sd=0.15, shape=1e6, miscount=0.0)
    ratios = []
    for seed in range(4):
        se = {}
        for controls in (1, 2):
            frame = simulate_sessions(truth, 6, np.random.default_rng(seed), controls=controls, reps=15)
            assert (frame["muscle_group"] == CONTROL).groupby(frame["session_id"]).sum().eq(controls).all()
            (leg,) = analyze(frame)
            assert CONTROL not in {r.muscle_group for r in leg.ranking} and leg.compared_with == CONTROL
            assert leg.control.sessions == 6, "the rest control was tried in six sessions, however often in each"
            assert leg.log_shape is not None, "the counts' own likelihood (exact posterior) ran"
            assert leg.ranking[0].muscle_group == "quadriceps"
            se[controls] = [r.se_log for r in sorted(leg.ranking, key=lambda r: r.muscle_group)]
        ratios += [two / one for one, two in zip(se[1], se[2])]
    assert np.median(ratios) < 0.9, ratios


def test_a_planned_shorter_session_is_not_called_stopped_early_when_the_status_says_it_finished():
    """The planner runs fewer conditions on purpose: an export's session_status (or the store) tells the truth."""
    frame = pd.concat([
        rows(("calves", 8, 2), ("quadriceps", 2, 8), ("hamstrings", 8, 8), ("rest_control", 8, 8), session="s1"),
        rows(("calves", 8, 2), ("rest_control", 2, 7), session="s2"),  # planned: calves and the control only
        rows(("calves", 8, 3), ("rest_control", 3, 8), session="s3"),
    ])
    frame["session_status"] = ["finished"] * 4 + ["finished"] * 2 + ["stopped"] * 2
    (leg,) = analyze(frame)
    early = {f.session_id for f in leg.flags if f.kind == "stopped_early"}
    assert early == {"s3"}
    (leg,) = analyze(frame.drop(columns="session_status"))  # nothing tells: both shorter sessions may have stopped
    assert {f.session_id for f in leg.flags if f.kind == "stopped_early"} == {"s2", "s3"}
    (leg,) = analyze(frame, stopped_sessions=[])  # the store knows none stopped
    assert not [f for f in leg.flags if f.kind == "stopped_early"]
