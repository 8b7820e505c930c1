"""bench_ranking's seed ranges: the held-out people were never used for a choice."""

from __future__ import annotations

from benchmarks import bench_ranking
from core.analysis.calibrate import TUNING_SEEDS


def test_the_held_out_range_shares_no_seed_with_the_tuning_or_the_seen_before_people():
    held = set(range(bench_ranking.HELD_OUT, bench_ranking.HELD_OUT + bench_ranking.HELD_OUT_PEOPLE))
    assert len(held) >= 1200  # a share near 5% known to about +-0.012
    assert not held & set(TUNING_SEEDS)
    seen = set(range(bench_ranking.RANGES["seen-before"], bench_ranking.RANGES["seen-before"] + 600))
    assert not held & seen
    # the tuning range the benchmark reports lies inside the seeds the schedule was calibrated on
    assert bench_ranking.RANGES["tuning"] in TUNING_SEEDS
