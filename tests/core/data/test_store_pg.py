"""The store's tests on a real PostgreSQL server, and the store methods of issue 5 on both databases."""

import pytest

from core.data.csvio import export_csv, import_csv
from core.session.vocabulary import SessionStatus
from core.data.sample import SAMPLE_CSV
from core.data.store import Store, StoreError
from tests.core.data import test_store as on_sqlite
from tests.core.data.test_store import planned_session


# ------------------------------------------------ the foundation's store tests, again on PostgreSQL
@pytest.fixture
def db_url(pg_url, monkeypatch):
    """Overrides conftest's SQLite ``db_url`` (and so ``store``) in this module: an empty PostgreSQL database."""
    monkeypatch.setenv("KNEECLICK_DB_URL", pg_url)
    return pg_url


PORTABLE = [
    "test_a_recorded_test_survives_a_restart",
    "test_retests_chain_and_skips_stay_out_of_the_table",
    "test_a_retest_needs_a_baseline_and_a_real_condition",
    "test_bad_counts_are_refused_before_anything_is_written",
    "test_status_and_listing",
    "test_schema_version_is_recorded_and_a_newer_store_is_refused_untouched",
]  # the others check SQLite files themselves (WAL, a damaged file, a file lock)
for _name in PORTABLE:
    globals()[f"{_name}_on_postgres"] = pytest.mark.postgres(getattr(on_sqlite, _name))


@pytest.mark.postgres
def test_an_unreachable_server_is_a_clear_message():
    with pytest.raises(StoreError, match="could not be reached"):
        Store.open("postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=3")


# ------------------------------------------------ notes, deletion and bulk import on both databases
def test_a_note_is_set_changed_and_removed(any_db_url, open_store):
    store = open_store(any_db_url)
    s = store.create_session(planned_session())
    store.set_note(s.id, "  slept badly, \"stiff\" ✓\nsecond line ")
    assert store.get_session(s.id).notes == 'slept badly, "stiff" ✓\nsecond line'
    store.set_note(s.id, "")
    assert store.get_session(s.id).notes is None
    with pytest.raises(ValueError, match="at most"):
        store.set_note(s.id, "x" * (Store.MAX_NOTE_CHARS + 1))
    with pytest.raises(KeyError):
        store.set_note("nope", "x")


def test_deleting_a_session_removes_it_whole_and_nothing_else(any_db_url, open_store):
    store = open_store(any_db_url)
    import_csv(store, SAMPLE_CSV)
    s = store.create_session(planned_session())
    store.record_test(s.id, 10, 5)
    store.record_test(s.id, 10, 2, after_position=1)
    before = export_csv(store, ["example-01", "example-02"])
    store.delete_session(s.id)
    assert not store.has_session(s.id)
    assert store.trials_frame([s.id]).empty and store.session_columns([s.id]).empty
    assert export_csv(store, ["example-01", "example-02"]) == before
    with pytest.raises(KeyError):
        store.delete_session(s.id)


def test_a_bulk_insert_is_all_or_nothing(any_db_url, open_store):
    store = open_store(any_db_url)
    import_csv(store, SAMPLE_CSV)
    before = export_csv(store)
    session = dict(id="fresh", session_date="2026-01-01", side="left", movement="step_down", reps_per_test=10,
                   stretch_seconds=90, randomized=False, planned_order=["calves"], status="finished", source="import")  # fmt: skip
    clash = {**session, "id": "example-03"}
    with pytest.raises(StoreError, match="example-03 is already in the store"):
        store.insert_many([session, clash], [], [])
    assert not store.has_session("fresh") and export_csv(store) == before
    bad_trial = dict(session_id="fresh", position=1, muscle_group="calves", stretch_seconds=90, status="done",
                     before_seq=0, after_seq=1)  # fmt: skip
    with pytest.raises(StoreError):
        store.insert_many([session], [bad_trial, bad_trial], [])  # the same position twice: the database refuses
    assert not store.has_session("fresh") and export_csv(store) == before


def test_session_columns_describe_status_plan_and_skips(any_db_url, open_store):
    store = open_store(any_db_url)
    s = store.create_session(planned_session())
    store.record_test(s.id, 10, 5)
    store.record_test(s.id, 10, 2, after_position=1)
    store.skip_trial(s.id, 2)
    store.set_status(s.id, SessionStatus.STOPPED, "knee sore")
    row = store.session_columns([s.id]).iloc[0]
    assert (row["session_status"], row["stop_reason"]) == ("stopped", "knee sore")
    assert row["planned_order"] == "calves rest_control quadriceps" and row["skipped_positions"] == "2"
