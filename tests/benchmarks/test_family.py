"""The evaluation family's generators produce the structure their priors state, and its ceiling reads it back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks.family.ceiling import configurations, posterior
from benchmarks.family.generators import CONTROL, GENERATORS, Person, Priors, draw_person, simulate


def clean_person(effects: dict[str, float], carry: float = 0.0, fade: float = 0.0) -> Person:
    """Many clicks, almost no noise, no drift: the counts show the stated structure plainly."""
    return Person(effects=effects, base_rate=40.0, drift=1.0, carry=carry, fade=fade, day_sd=0.0, shape=1e6,
                  miscount=0.0)


def after_counts(data, group: str) -> list[float]:
    """The count of the test right after ``group`` in each session."""
    return [data.counts[s, order.index(group) + 1] for s, order in enumerate(data.orders)]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_people_have_the_stated_number_of_culprits_with_effects_in_the_stated_ranges(name):
    _, priors = GENERATORS[name]
    rng = np.random.default_rng(0)
    for k in (0, 1, 2):
        for _ in range(20):
            person = draw_person(priors, rng, k)
            culprits = person.culprits()
            assert len(culprits) == k
            assert all(person.effects[g] == 1.0 for g in person.effects if g not in culprits)
            assert all(priors.main_effect[0] <= person.effects[g] <= priors.second_effect[1] for g in culprits)
            assert set(person.effects) == set(priors.candidates)


def test_a_person_with_no_culprit_clicks_the_same_after_every_stretch_as_after_resting():
    priors = Priors()
    person = clean_person({g: 1.0 for g in priors.tested})
    data = simulate(person, priors, np.random.default_rng(1), n_sessions=4)
    rest = np.mean(after_counts(data, CONTROL))
    for g in priors.tested:
        assert np.mean(after_counts(data, g)) == pytest.approx(rest, rel=0.1)
    assert np.allclose(data.counts, data.counts[:, :1], rtol=0.15)  # every test of a session at the same level


def test_carry_over_none_fading_whole_session_lower_later_tests_in_that_order():
    priors = Priors()
    effects = {g: 1.0 for g in priors.tested} | {"calves": 0.3}
    later = {}
    for label, carry, fade in (("none", 0.0, 0.0), ("fading", 0.6, 0.5), ("whole", 0.6, 1.0)):
        data = simulate(clean_person(effects, carry, fade), priors, np.random.default_rng(2), n_sessions=6)
        # the mean of the tests two or more places after the calves, relative to the session's baseline
        ratios = []
        for s, order in enumerate(data.orders):
            q = order.index("calves") + 1
            ratios += list(data.counts[s, q + 2:] / data.counts[s, 0])
        assert ratios, "the calves came last or next to last in every session"
        later[label] = np.mean(ratios)
        # right after the stretch the cut is the culprit's own effect, whatever the carry-over
        assert np.mean(np.array(after_counts(data, "calves")) / data.counts[:, 0]) < 0.45
    assert later["none"] == pytest.approx(1.0, abs=0.1)
    assert later["whole"] < later["fading"] < later["none"]


def test_outside_culprits_are_never_tested_and_the_ceiling_prior_adds_up():
    desc, priors = GENERATORS["outside"]
    assert set(priors.tested) < set(priors.candidates)
    data = simulate(draw_person(priors, np.random.default_rng(3), 1), priors, np.random.default_rng(4))
    assert {g for order in data.orders for g in order} == {*priors.tested, CONTROL}
    for p in (priors, Priors()):
        keys, log_prior = configurations(p)
        assert np.exp(log_prior).sum() == pytest.approx(1.0)
    keys, log_prior = configurations(priors)
    none = np.exp(log_prior[keys.index((None, None))])
    # no culprit (1/3), one untested culprit (1/3 x 3/7) or two untested ones (1/3 x 3/7 x 2/6)
    assert none == pytest.approx(1 / 3 + 1 / 3 * 3 / 7 + 1 / 3 * 3 / 7 * 2 / 6)


@pytest.mark.parametrize("miscount", [0.0, 0.15])
def test_the_ceiling_finds_a_clear_culprit_and_sees_none_when_there_is_none(miscount):
    priors = dataclasses.replace(Priors(base_rate=(2.0, 4.0)), miscount=miscount)
    rng = np.random.default_rng(5)
    # parameters inside the priors' ranges, on the quiet side: little noise, a steady level
    quiet = dataclasses.replace(draw_person(priors, rng, 0), base_rate=3.0, drift=0.95, day_sd=0.1, shape=20.0)
    culprit = dataclasses.replace(quiet, effects=quiet.effects | {"hamstrings": 0.3})
    nobody = quiet
    post = posterior(simulate(culprit, priors, rng), priors, rng, n_draws=1500).decide({priors.carry: 1.0})
    assert priors.tested[int(np.argmax(post["p_strongest"]))] == "hamstrings"
    assert post["p_culprit"][priors.tested.index("hamstrings")] > 0.9
    assert post["p_none"] < 0.1
    post = posterior(simulate(nobody, priors, rng), priors, rng, n_draws=1500).decide({priors.carry: 1.0})
    assert post["p_none"] > 0.4


def test_the_ceiling_with_kneeclicks_spike_and_slab_prior_finds_a_clear_culprit_and_its_prior_adds_up():
    from benchmarks.family.ceiling import spike_slab_configurations

    keys, log_prior = spike_slab_configurations(4)
    assert len(set(keys)) == 16 and np.exp(log_prior).sum() == pytest.approx(1.0)
    priors = Priors(base_rate=(2.0, 4.0))
    rng = np.random.default_rng(6)
    quiet = dataclasses.replace(draw_person(priors, rng, 0), base_rate=3.0, drift=0.95, day_sd=0.1, shape=20.0)
    culprit = dataclasses.replace(quiet, effects=quiet.effects | {"calves": 0.3})
    post = posterior(simulate(culprit, priors, rng), priors, rng, n_draws=3000,
                     effects="spike_slab").decide({priors.carry: 1.0})
    assert priors.tested[int(np.argmax(post["p_strongest"]))] == "calves"
    assert post["p_culprit"][priors.tested.index("calves")] > 0.8
    assert post["p_none"] + post["p_strongest"].sum() == pytest.approx(1.0)
    post = posterior(simulate(quiet, priors, rng), priors, rng, n_draws=3000,
                     effects="spike_slab").decide({priors.carry: 1.0})
    assert post["p_culprit"].max() < 0.5
