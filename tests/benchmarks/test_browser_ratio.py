"""bench_browser's "N x minimal" comes with an interval that says how sure it is."""

from __future__ import annotations

import numpy as np

from benchmarks.bench_browser import ratio_interval


def test_a_step_twice_as_slow_as_the_unit_has_an_interval_around_two_that_narrows_with_more_rounds():
    rng = np.random.default_rng(1)
    unit = list(60 + rng.normal(0, 6, 20))
    few = list(120 + rng.normal(0, 12, 5))
    many = list(120 + rng.normal(0, 12, 40))
    lo_few, hi_few = ratio_interval(few, unit)
    lo_many, hi_many = ratio_interval(many, unit)
    assert lo_few < 2.0 < hi_few and lo_many < 2.0 < hi_many
    assert hi_many - lo_many < hi_few - lo_few


def test_one_timing_gets_no_interval():
    assert ratio_interval([700.0], [60.0, 62.0, 65.0]) is None
