"""The simulator's variants for judging designs: a stretch's effect that depends on how long it was held, and a
drift that grows with the reps.  Off by default, so every tuned figure stays reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analysis.simulate import LENGTH_EXPONENT, Person, effect_at, simulate_sessions

GROUPS = ("quadriceps", "hamstrings", "calves", "hip_abductors")


def person(effects: dict, **kw) -> Person:
    base = dict(base_rate=1.0, drift=1.0, carry=0.0, fade=0.5, day_sd=0.0, shape=1e6, miscount=0.0)
    return Person(effects={g: 1.0 for g in GROUPS} | effects, **(base | kw))


def test_the_length_scaled_variant_keeps_82_percent_of_the_log_effect_at_60_s_and_adds_15_percent_at_120_s():
    assert LENGTH_EXPONENT == 0.5
    assert math.log(effect_at(0.4, 60, LENGTH_EXPONENT)) / math.log(0.4) == pytest.approx(0.816, abs=1e-3)
    assert math.log(effect_at(0.4, 120, LENGTH_EXPONENT)) / math.log(0.4) == pytest.approx(1.155, abs=1e-3)
    assert effect_at(0.4, 90, LENGTH_EXPONENT) == pytest.approx(0.4)
    assert effect_at(0.4, 60) == pytest.approx(0.4), "by default the length does not matter"
    assert effect_at(1.0, 60, LENGTH_EXPONENT) == 1.0, "a stretch that does nothing does nothing at any length"


def _clicks_after(frame, group: str) -> float:
    return float(frame.loc[frame["muscle_group"] == group, "clicks_after"].sum())


def test_a_60_s_stretch_cuts_fewer_clicks_than_a_90_s_one_only_under_the_length_scaled_variant():
    p = person({"calves": 0.3}, base_rate=3.0)

    def run(seconds: int, exponent: float):
        return simulate_sessions(p, 40, np.random.default_rng(1), stretch_seconds=seconds, length_exponent=exponent)

    flat60, flat90 = run(60, 0.0), run(90, 0.0)
    # the same random stream and no length effect: the very same counts, only the recorded length differs
    assert (flat60["clicks_after"] == flat90["clicks_after"]).all()
    assert set(flat60["stretch_seconds"]) == {60} and set(flat90["stretch_seconds"]) == {90}
    short = _clicks_after(run(60, LENGTH_EXPONENT), "calves")
    long_ = _clicks_after(run(120, LENGTH_EXPONENT), "calves")
    rest = _clicks_after(flat90, "rest_control")
    # expected per test: 30 clicks after resting, 9 after 90 s, 0.3**0.816 * 30 = 11.2 after 60 s, 7.5 after 120 s
    assert short / rest == pytest.approx(0.3 ** 0.816, rel=0.15)
    assert long_ < _clicks_after(flat90, "calves") < short


def test_drift_per_rep_makes_a_longer_test_drift_further_and_leaves_the_default_tied_to_tests():
    p = person({}, base_rate=2.0, drift=0.9)

    def last_over_first(reps: int, per_rep: bool) -> float:
        f = simulate_sessions(p, 60, np.random.default_rng(2), randomized=False, reps=reps, drift_per_rep=per_rep)
        return float(f.loc[f["position"] == 5, "clicks_after"].sum() / f.loc[f["position"] == 1, "clicks_before"].sum())

    # by default the drift is per test, whatever the reps: 0.9 ** 5 = 0.59 over the five tests
    assert last_over_first(10, False) == pytest.approx(0.9 ** 5, rel=0.1)
    assert last_over_first(20, False) == pytest.approx(0.9 ** 5, rel=0.1)
    # tied to reps, 20 reps a test drift twice as far on the log scale: 0.9 ** 10 = 0.35
    assert last_over_first(20, True) == pytest.approx(0.9 ** 10, rel=0.1)
    assert last_over_first(10, True) == pytest.approx(0.9 ** 5, rel=0.1), "10 reps are the reference"
