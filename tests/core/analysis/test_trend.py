"""The trend of the click rate (core.analysis.trend) on hand-checked cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analysis.trend import (
    IMPROVING,
    MIN_DAYS,
    NO_CLEAR_CHANGE,
    TOO_EARLY,
    WORSENING,
    estimate_trend,
    trend_points,
)


def _points(clicks, every_days=3, reps=10, start="2026-01-05"):
    at = pd.date_range(start, periods=len(clicks), freq=f"{every_days}D")
    return pd.DataFrame({"at": at, "clicks": clicks, "reps": [reps] * len(clicks)})


def test_a_flat_rate_is_no_clear_change_with_an_interval_around_zero():
    t = estimate_trend(_points([10] * 12))
    assert t.verdict == NO_CLEAR_CHANGE
    assert t.change_per_week_pct == pytest.approx(0.0, abs=1e-6)
    # Poisson information of the slope: sum(mu * (w - mean w)^2) = 10 * 22.5 (weeks 0, 3/7, ..., 33/7), no
    # extra dispersion (the pooled estimate is floored at 1: (0 + 1.5*4) / (10 + 4) < 1), t(14).
    weeks = np.arange(12) * 3 / 7
    se = 1 / math.sqrt(10 * np.sum((weeks - weeks.mean()) ** 2))
    from scipy import stats

    half = stats.t.ppf(0.975, 14) * se
    assert t.ci_low_pct == pytest.approx(100 * math.expm1(-half), abs=0.01)
    assert t.ci_high_pct == pytest.approx(100 * math.expm1(half), abs=0.01)
    assert t.checks == 12
    assert t.sentence.startswith("No clear change")


def test_falling_20_percent_a_week_is_improving_and_the_estimate_finds_20():
    clicks = [round(20 * 0.8 ** (i * 3 / 7)) for i in range(12)]  # 20, 18, 17, ... 7 (rounded counts)
    t = estimate_trend(_points(clicks))
    assert t.verdict == IMPROVING
    assert t.change_per_week_pct == pytest.approx(-20, abs=1.5)
    assert t.ci_low_pct < -20 < t.ci_high_pct < 0
    assert t.sentence.startswith("It seems to be working: about 20% fewer clicks per week (between ")


def test_rising_is_worsening():
    clicks = [round(5 * 1.25 ** (i * 3 / 7)) for i in range(12)]
    t = estimate_trend(_points(clicks))
    assert t.verdict == WORSENING
    assert t.ci_low_pct > 0
    assert "more clicks per week" in t.sentence


def test_all_zeros_has_no_rate_to_trend():
    t = estimate_trend(_points([0] * 12))
    assert t.verdict == NO_CLEAR_CHANGE
    assert t.change_per_week_pct is None and t.ci_low_pct is None and t.ci_high_pct is None
    assert t.checks == 12
    assert "No clicks in any of your 12 tests" in t.sentence
    few = estimate_trend(_points([0] * 3))
    assert few.verdict == TOO_EARLY


def test_one_check_is_too_early_and_says_what_is_needed():
    t = estimate_trend(_points([7]))
    assert t.verdict == TOO_EARLY
    assert t.checks == 1
    assert t.change_per_week_pct is None
    assert t.sentence.startswith("Too early to tell")
    assert f"at least {MIN_DAYS} days" in t.sentence


def test_a_steep_fall_over_one_week_is_still_too_early():
    # 6 days in a row, clearly falling: not enough time for a weekly trend to be told honestly.
    t = estimate_trend(_points([20, 16, 13, 10, 8, 6], every_days=1))
    assert t.verdict == TOO_EARLY
    assert t.change_per_week_pct is not None and t.change_per_week_pct < 0
    assert "2 weeks" in t.sentence


def test_checks_on_one_day_count_as_one_day():
    # Two checks on each day: the same evidence about the trend as their daily totals.
    pts = _points([10, 9, 9, 8, 8, 7, 7, 6])
    doubled = pd.concat([pts, pts.assign(at=pts["at"] + pd.Timedelta(hours=5))])
    a, b = estimate_trend(pts.assign(clicks=pts["clicks"] * 2, reps=20)), estimate_trend(doubled)
    assert b.checks == 16 and b.days == 8
    assert b.change_per_week_pct == pytest.approx(a.change_per_week_pct)
    assert b.ci_low_pct == pytest.approx(a.ci_low_pct)


def test_very_noisy_days_make_it_too_early_rather_than_a_verdict():
    t = estimate_trend(_points([30, 2, 25, 1, 28, 3, 0, 27], every_days=2))
    assert t.verdict == TOO_EARLY
    assert "varies too much" in t.sentence


def test_points_are_quick_checks_and_the_baselines_of_full_sessions_of_one_leg():
    trials = pd.DataFrame(
        [
            # a full session: its baseline is the before-test of its first position, not the retests
            ("s1", "2026-01-05", "left", 1, 10, 12, 10, 6, "full"),
            ("s1", "2026-01-05", "left", 2, 10, 6, 10, 5, "full"),
            # a full session whose first condition was skipped: position 2's before-test is its baseline
            ("s2", "2026-01-09T08:30", "left", 2, 10, 11, 10, 4, ""),
            ("q1", "2026-01-12", "left", None, 10, 9, None, None, "quick_check"),
            ("q2", "2026-01-14", "right", None, 10, 3, None, None, "quick_check"),
            ("q3", "2026-01-15", "left", None, 0, 0, None, None, "quick_check"),  # zero reps: no rate
        ],
        columns=["session_id", "session_date", "side", "position", "reps_before", "clicks_before", "reps_after",
                 "clicks_after", "session_kind"],
    )  # fmt: skip
    pts = trend_points(trials, "left")
    assert list(pts["session_id"]) == ["s1", "s2", "q1"]
    assert list(pts["clicks"]) == [12, 11, 9]
    assert list(pts["kind"]) == ["full", "full", "quick_check"]
    assert pts["at"].iloc[1] == pd.Timestamp("2026-01-09T08:30")
    assert list(trend_points(trials, "right")["clicks"]) == [3]
    # An old file without the session_kind column: every session is a full one.
    old = trials.loc[trials["session_kind"] != "quick_check"].drop(columns="session_kind")
    assert list(trend_points(old, "left")["kind"]) == ["full", "full"]
    assert trend_points(trials.iloc[:0], "left").empty


def test_to_dict_has_the_cli_fields_rounded():
    t = estimate_trend(_points([round(20 * 0.8 ** (i * 3 / 7)) for i in range(12)]))
    d = t.to_dict()
    assert list(d) == ["change_per_week_pct", "ci_low_pct", "ci_high_pct", "checks", "verdict"]
    assert d["change_per_week_pct"] == round(t.change_per_week_pct, 1)
