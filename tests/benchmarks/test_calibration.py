"""bench_calibration: the power that calibrates P(top) and p_none is found from the chances and the truths alone,
and the shown chances stay coherent with P(culprit)."""

from __future__ import annotations

import numpy as np

from benchmarks.bench_calibration import binned, fit_power, log_loss
from core.analysis.decision import sharpen


def _under_confident(power: float, n: int, seed: int) -> list:
    """People whose true chances are known, shown flattened by ``1 / power`` (under-confident by that much)."""
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(n):
        true = rng.dirichlet(np.full(5, 0.4))
        truth = int(rng.choice(5, p=true))
        shown = true ** (1 / power)
        items.append((shown / shown.sum(), truth, None, None))
    return items


def test_the_fitted_power_undoes_a_known_under_confidence_and_lowers_the_log_loss():
    items = _under_confident(1.5, 4000, 1)
    power = fit_power(items)
    assert abs(power - 1.5) < 0.1
    assert log_loss(items, power) < log_loss(items, 1.0)
    calibrated = _under_confident(1.0, 4000, 2)
    assert abs(fit_power(calibrated) - 1.0) < 0.1, "already calibrated chances are left about as they are"


def test_the_calibration_table_says_what_was_said_and_what_came_true():
    items = [(np.array([0.6, 0.3, 0.1]), 0, None, None)] * 3 + [(np.array([0.6, 0.3, 0.1]), 1, None, None)] * 2
    table = binned(items, 1.0, "top")
    assert "0.5-0.7: said 0.60, came true 0.60 (n=5)" in table
    assert "0.3-0.5: said 0.30, came true 0.40 (n=5)" in table and "0.7-0.9" not in table


def test_sharpened_chances_never_exceed_p_culprit_and_still_sum_to_one():
    rng = np.random.default_rng(3)
    for _ in range(500):
        m = int(rng.integers(1, 6))
        raw = rng.dirichlet(np.full(m + 1, 0.5))
        p_culprit = np.clip(raw[:-1] + rng.uniform(0, 0.3, m), 0, 1 - raw[-1])  # P(top) <= P(culprit) <= 1 - p_none
        p_top, p_none = sharpen(raw[:-1], float(raw[-1]), 1.25, p_culprit=p_culprit)
        assert abs(p_top.sum() + p_none - 1) < 1e-9
        assert np.all(p_top <= p_culprit + 1e-9)
        assert p_none <= 1 - p_culprit.max() + 1e-9
