"""bench_plan_family: a planned session runs the conditions and design the planner gave, on the family's people, and
the planner's gain is read person by person from the same first session."""

from __future__ import annotations

import numpy as np

from benchmarks.bench_plan_family import one_person, summary
from benchmarks.family.generators import CONTROL, Priors, combine, draw_person, simulate, simulate_session


def test_a_session_with_a_given_order_runs_exactly_those_conditions_with_its_reps_and_stretch():
    priors = Priors()
    person = draw_person(priors, np.random.default_rng(5), 1)
    order = [CONTROL, priors.tested[2]]
    data = simulate_session(person, priors, np.random.default_rng(6), 1, order=order, reps=20, stretch_seconds=120)
    frame = data.frame
    assert list(frame["muscle_group"]) == order
    assert list(frame["position"]) == [1, 2]
    assert set(frame["reps_before"]) == {20} and set(frame["stretch_seconds"]) == {120}
    assert set(frame["session_id"]) == {"sim-02"}
    assert frame["clicks_after"].iloc[0] == frame["clicks_before"].iloc[1]  # one test between two conditions


def test_sessions_one_at_a_time_are_the_fixed_design_drawn_by_the_same_stream():
    priors = Priors()
    person = draw_person(priors, np.random.default_rng(7), 2)
    whole = simulate(person, priors, np.random.default_rng(8), n_sessions=3)
    rng = np.random.default_rng(8)
    parts = combine([simulate_session(person, priors, rng, s) for s in range(3)])
    assert parts.orders == whole.orders
    assert np.array_equal(parts.counts, whole.counts)
    assert parts.frame.equals(whole.frame)


def test_both_arms_share_the_first_session_and_the_planned_arm_follows_the_planner():
    record = one_person(("baseline", 0, 11, 4))  # person 4: one culprit
    assert len(record["culprits"]) == 1
    assert len(record["designs"]) == 2  # sessions 2 and 3 were planned
    for conditions, reps, seconds, _ in record["designs"]:
        assert 2 <= conditions <= 5 and 1 <= reps <= 20 and 60 <= seconds <= 120
    for arm in ("fixed", "planned"):
        ranked, likely = record[arm]
        assert set(likely) <= set(ranked)


def test_the_gain_is_planned_minus_fixed_over_the_people_each_figure_is_about():
    rec = lambda c, fixed, planned: {"culprits": c, "all_culprits": c, "fixed": fixed, "planned": planned}  # noqa: E731
    a, b = "calves", "hamstrings"
    records = [rec([a], ([b, a], set()), ([a, b], {a})),  # planned ranks the culprit first and calls it likely
               rec([a], ([a, b], {a}), ([a, b], {a})),
               rec([], ([a, b], {a}), ([a, b], set()))]  # no culprit: fixed gave a false likely
    s = summary(records)
    assert s["top-1"][:2] == (0.5, 1.0) and s["top-1"][2][0] == 0.5 and s["top-1"][3] == 2
    assert s["culprit likely"][:2] == (0.5, 1.0)
    assert s["false likely"][:2] == (1.0, 0.0) and s["false likely"][3] == 1


def test_looks_read_results_after_sessions_2_to_5_for_people_with_no_culprit():
    from benchmarks.bench_plan_family import LOOKS, one_person_looks

    for i in range(3):
        record = one_person_looks(("miscounts", 6, 11, i))
        for arm in ("fixed", "planned"):
            false, first = record[arm]
            assert false == (first is not None)
            assert first is None or first in LOOKS
