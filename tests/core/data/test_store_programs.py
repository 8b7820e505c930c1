"""Programs in the store, on SQLite and PostgreSQL: one per leg at a time, owner-scoped."""

import datetime as dt

import pytest

from core.data.store_programs import ProgramRunning
from core.session.vocabulary import MuscleGroup, Side


def test_a_started_program_is_the_running_one_on_its_leg_only(any_db_url, open_store):
    store = open_store(any_db_url)
    p = store.start_program("left", "calves", start_date=dt.date(2026, 11, 2), weeks=6, verdict="likely")
    found = store.active_program(Side.LEFT)
    assert found == p
    assert (found.muscle_group, found.start_date, found.weeks, found.verdict) == (
        MuscleGroup.CALVES, dt.date(2026, 11, 2), 6, "likely")
    assert store.active_program("right") is None
    # a restart (a new Store on the same URL) reads it back
    assert open_store(any_db_url).active_program("left") == p


def test_a_second_program_on_a_leg_is_refused_until_the_first_ends(any_db_url, open_store):
    store = open_store(any_db_url)
    first = store.start_program("left", "calves")
    with pytest.raises(ProgramRunning) as refused:
        store.start_program("left", "quadriceps")
    assert refused.value.current == first
    assert store.active_program("left") == first  # nothing changed
    other_leg = store.start_program("right", "hamstrings")  # the other leg is free
    second = store.start_program("left", "quadriceps", end_current=True)
    assert store.active_program("left") == second
    listed = store.programs()
    assert [p.id for p in listed] == [second.id, other_leg.id, first.id]
    assert listed[2].ended_at is not None and listed[0].ended_at is None


def test_ending_a_program_frees_the_leg_and_cannot_be_done_twice(any_db_url, open_store):
    store = open_store(any_db_url)
    p = store.start_program("right", "hip_abductors")
    ended = store.end_program(p.id)
    assert ended.ended_at is not None and not ended.active
    assert store.active_program("right") is None
    with pytest.raises(ValueError, match="already ended"):
        store.end_program(p.id)
    with pytest.raises(KeyError):
        store.end_program("nope")
    store.start_program("right", "calves")  # free again


def test_another_owners_programs_are_not_found(any_db_url, open_store):
    store = open_store(any_db_url)
    alice, bob = store.for_owner("alice"), store.for_owner("bob")
    mine = alice.start_program("left", "calves")
    assert bob.active_program("left") is None and bob.programs() == []
    with pytest.raises(KeyError):
        bob.end_program(mine.id)
    bob.start_program("left", "quadriceps")  # one per leg per owner, not per store
    assert alice.active_program("left") == mine


def test_the_rest_control_and_a_bad_length_are_refused_before_anything_is_written(any_db_url, open_store):
    store = open_store(any_db_url)
    before = store.revision()
    with pytest.raises(ValueError, match="rest control"):
        store.start_program("left", "rest_control")
    with pytest.raises(ValueError, match="whole weeks"):
        store.start_program("left", "calves", weeks=0)
    assert store.programs() == [] and store.revision() == before


def test_two_starts_at_the_same_moment_leave_one_running_program(any_db_url, open_store):
    """Two app instances start a program on the same leg at once: one wins, the other is told one runs."""
    import threading

    stores = [open_store(any_db_url) for _ in range(4)]
    go = threading.Barrier(len(stores))
    outcome: list[str] = []

    def start(store, group):
        go.wait()
        try:
            store.start_program("left", group)
            outcome.append("started")
        except ProgramRunning:
            outcome.append("refused")

    threads = [threading.Thread(target=start, args=(s, g)) for s, g in
               zip(stores, ["calves", "quadriceps", "hamstrings", "hip_abductors"])]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcome) == ["refused", "refused", "refused", "started"]
    running = [p for p in stores[0].programs() if p.active]
    assert len(running) == 1 and stores[0].active_program("left") == running[0]
