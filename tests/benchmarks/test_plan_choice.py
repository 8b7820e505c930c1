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


def test_the_planner_gain_is_read_person_by_person_on_the_people_each_figure_is_about():
    from benchmarks.bench_plan import paired_gain

    # (top-1 right, likely) per arm; k: how many culprits
    people = [{"k": 1, "fixed": (False, False), "planned": (True, True)},  # planned finds the one culprit
              {"k": 1, "fixed": (True, True), "planned": (True, True)},
              {"k": 1, "fixed": (True, False), "planned": (True, False)},
              {"k": 1, "fixed": (True, True), "planned": (False, True)},  # planned ranks another first
              {"k": 2, "fixed": (False, False), "planned": (False, True)},
              {"k": 0, "fixed": (False, True), "planned": (False, False)}]  # a false `likely` only in fixed
    gain = paired_gain(people, "planned")
    assert gain["top-1"][0] == 0.0 and gain["top-1"][3] == 4  # +1 and -1 on the one-culprit people
    assert gain["top-1"][1] < 0 < gain["top-1"][2]
    assert gain["culprit likely"][0] == 2 / 5 and gain["culprit likely"][3] == 5
    assert gain["false likely"][0] == -1.0 and gain["false likely"][3] == 1


def test_arms_that_agree_on_every_person_differ_by_exactly_nothing():
    from benchmarks.bench_plan import paired_gain

    people = [{"k": k, "fixed": (k == 1, k > 1), "planned": (k == 1, k > 1)} for k in (0, 1, 1, 2, 2, 0)]
    for name, (m, lo, hi, n) in paired_gain(people, "planned").items():
        assert (m, lo, hi) == (0.0, 0.0, 0.0) and n > 0, name


def test_a_second_rest_is_adopted_only_by_the_stated_rule_and_the_larger_top1_gain_wins():
    from benchmarks.bench_plan import arm_name, choose_second
    from core.analysis.planner import P_KEEP

    base, few, fits = arm_name(P_KEEP), arm_name(P_KEEP, "few"), arm_name(P_KEEP, "fits")
    # 10 one-culprit people: few ranks one more right (+0.1), fits two more (+0.2) but loses a culprit `likely`
    people = [{"k": 1, base: (i >= 3, True), few: (i >= 2, True), fits: (i >= 1, i != 9)} for i in range(10)]
    people += [{"k": 0, base: (False, False), few: (False, False), fits: (False, False)} for _ in range(20)]
    assert choose_second(people, ("few", "fits"))[0] == "few", "fits loses 0.1 of culprits likely"
    for p in people[:10]:
        p[fits] = (p[fits][0], True)
    assert choose_second(people, ("few", "fits"))[0] == "fits", "both pass: the larger top-1 gain"
    people[10][few] = people[10][fits] = (False, True)  # one false `likely` in 20: 0.05, still within the cap
    assert choose_second(people, ("few", "fits"))[0] == "fits"
    people[11][fits] = (False, True)  # 0.10: fails
    assert choose_second(people, ("few", "fits"))[0] == "few"
    people[11][few] = (False, True)
    assert choose_second(people, ("few", "fits"))[0] == "off"
