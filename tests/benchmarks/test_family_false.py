"""bench_family_false: each person has a stream of its own, so a figure does not depend on --jobs or on order."""

from __future__ import annotations

from benchmarks.bench_family_false import LOOKS, one_person


def test_a_person_with_no_culprit_is_looked_at_after_each_session_and_the_same_twice():
    first = one_person(("overdispersed", 5, 3, 4))
    again = one_person(("overdispersed", 5, 3, 4))
    assert first == again
    gen, flagged = first
    assert gen == "overdispersed" and sorted(flagged) == list(LOOKS)
    assert all(isinstance(v, bool) for v in flagged.values())
