"""bench_plan's rule for the planner's p_keep: false `likely` within 5% first, then planned top-1 at least 0.03
above fixed, then the most culprits `likely`."""

from __future__ import annotations

from benchmarks.bench_plan import choose_keep


def test_the_most_culprits_likely_among_values_that_beat_fixed_by_the_margin_and_keep_false_within_5_percent():
    arms = {0.02: (0.86, 0.32, 0.04),  # top-1 +0.03, the most culprits among the admissible
            0.05: (0.90, 0.30, 0.03),  # the best top-1, fewer culprits
            0.10: (0.87, 0.36, 0.06),  # the most culprits, but too many false `likely`
            0.20: (0.84, 0.35, 0.02)}  # short of fixed + 0.03
    keep, rule = choose_keep(arms, fixed_top1=0.83, default=0.05)
    assert keep == 0.02
    assert "top-1 >= fixed + 0.03" in rule


def test_when_no_value_beats_fixed_by_the_margin_the_rule_falls_back_to_no_worse_than_fixed_and_says_so():
    arms = {0.02: (0.85, 0.32, 0.04), 0.05: (0.84, 0.33, 0.03), 0.20: (0.82, 0.40, 0.03)}
    keep, rule = choose_keep(arms, fixed_top1=0.83, default=0.02)
    assert keep == 0.05  # 0.20 has the most culprits but is worse than fixed on top-1
    assert "no value reached fixed + 0.03" in rule


def test_ties_go_to_the_higher_top1_then_to_the_planners_default():
    arms = {0.02: (0.86, 0.32, 0.04), 0.05: (0.87, 0.32, 0.03), 0.10: (0.87, 0.32, 0.05)}
    assert choose_keep(arms, fixed_top1=0.83, default=0.10)[0] == 0.10
    assert choose_keep(arms, fixed_top1=0.83, default=0.02)[0] == 0.05
