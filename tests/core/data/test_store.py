import sqlite3

import pytest
import sqlalchemy as sa

from core.session.clock import FakeClock
from core.session.vocabulary import CountMethod, Movement, MuscleGroup, SafetyScreen, Session, SessionStatus, Side, Trial, TrialStatus
from core.data.schema import meta_table
from core.data.store import CSV_COLUMNS, SCHEMA_VERSION, Store, StoreError, new_session_id, resolve_db_url


def planned_session(order=("calves", "rest_control", "quadriceps")) -> Session:
    return Session(
        id=new_session_id(),
        side=Side.LEFT,
        movement=Movement.BODYWEIGHT_SQUAT,
        reps_per_test=10,
        stretch_seconds=90,
        order_seed=1234,
        planned_order=[MuscleGroup(g) for g in order],
        safety=SafetyScreen(),
        trials=[Trial(position=i, muscle_group=MuscleGroup(g), stretch_seconds=90) for i, g in enumerate(order, 1)],
    )


def test_a_recorded_test_survives_a_restart(db_url):
    """Written through one engine, read back through a brand-new one (as after a restart)."""
    first = Store.open(db_url)
    session = first.create_session(planned_session())
    first.record_test(session.id, 10, 7, pain=0)
    first.record_test(session.id, 10, 3, pain=1, after_position=1, method=CountMethod.AUDIO)
    first.engine.dispose()

    again = Store.open(db_url)
    loaded = again.get_session(session.id)
    assert loaded.baseline.clicks == 7
    assert loaded.measurements[1].clicks == 3
    assert loaded.measurements[1].pain == 1
    assert loaded.measurements[1].method is CountMethod.AUDIO
    assert loaded.trial(1).status is TrialStatus.DONE
    assert (loaded.trial(1).before_seq, loaded.trial(1).after_seq) == (0, 1)
    assert loaded.order_seed == 1234
    assert loaded.planned_order == [MuscleGroup.CALVES, MuscleGroup.REST_CONTROL, MuscleGroup.QUADRICEPS]
    assert loaded.next_trial.position == 2


def test_retests_chain_and_skips_stay_out_of_the_table(store):
    session = store.create_session(planned_session())
    store.record_test(session.id, 10, 8)
    store.record_test(session.id, 10, 5, after_position=1)
    store.skip_trial(session.id, 2)
    store.record_test(session.id, 10, 2, after_position=3)
    frame = store.trials_frame()
    assert list(frame.columns[: len(CSV_COLUMNS)]) == list(CSV_COLUMNS)
    assert frame[["position", "muscle_group", "clicks_before", "clicks_after"]].values.tolist() == [
        [1, "calves", 8, 5],
        [3, "quadriceps", 5, 2],  # the skipped rest is not a zero; the chain continues past it
    ]
    assert store.get_session(session.id).trial(2).status is TrialStatus.SKIPPED


def test_a_retest_needs_a_baseline_and_a_real_condition(store):
    session = store.create_session(planned_session())
    with pytest.raises(ValueError, match="baseline"):
        store.record_test(session.id, 10, 3, after_position=1)
    store.record_test(session.id, 10, 3)
    with pytest.raises(KeyError):
        store.record_test(session.id, 10, 3, after_position=9)
    # the failed retest left nothing half-written: only the baseline is stored
    assert list(store.get_session(session.id).measurements) == [0]
    with pytest.raises(KeyError):
        store.record_test("no-such-session", 10, 3)


def test_bad_counts_are_refused_before_anything_is_written(store):
    session = store.create_session(planned_session())
    with pytest.raises(ValueError):
        store.record_test(session.id, 0, 4)
    assert store.get_session(session.id).measurements == {}


def test_status_and_listing(db_url):
    clock = FakeClock()
    store = Store.open(db_url, clock=clock)
    older = store.create_session(planned_session())
    clock.advance(86400)
    newer = planned_session()
    newer.session_date = "2026-01-05"
    store.create_session(newer)
    store.record_test(older.id, 10, 4)
    store.record_test(older.id, 10, 1, after_position=1)
    store.set_status(older.id, SessionStatus.STOPPED, "pain 5 after the second test")
    listing = store.list_sessions()
    assert listing["id"].tolist() == [newer.id, older.id]  # newest first
    row = listing.set_index("id").loc[older.id]
    assert row["status"] == "stopped" and row["conditions_done"] == 1 and row["conditions_planned"] == 3
    loaded = store.get_session(older.id)
    assert loaded.stop_reason == "pain 5 after the second test"
    assert loaded.finished_at == clock.now()


def test_schema_version_is_recorded_and_a_newer_store_is_refused_untouched(db_url):
    store = Store.open(db_url)
    assert store.schema_version() == SCHEMA_VERSION
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value=str(SCHEMA_VERSION + 1)))
        meta = conn.execute(sa.select(meta_table).order_by(meta_table.c.key)).all()
    store.engine.dispose()
    with pytest.raises(StoreError, match="newer kneeclick"):
        Store.open(db_url)
    with sa.create_engine(db_url).connect() as conn:
        assert conn.execute(sa.select(meta_table).order_by(meta_table.c.key)).all() == meta
        assert dict(meta)["schema_version"] == str(SCHEMA_VERSION + 1)


def test_the_revision_changes_with_every_write_and_differs_between_stores(any_db_url, new_db_url, open_store):
    store = open_store(any_db_url)
    seen = [store.revision()]
    session = store.create_session(planned_session())
    seen.append(store.revision())
    store.record_test(session.id, 10, 5)
    seen.append(store.revision())
    store.set_note(session.id, "tired")
    seen.append(store.revision())
    store.skip_trial(session.id, 2)
    seen.append(open_store(any_db_url).revision())  # another process sees the same revision
    store.get_session(session.id), store.list_sessions(), store.trials_frame()  # reads change nothing
    assert store.revision() == seen[-1]
    with pytest.raises(KeyError):
        store.record_test("no-such-session", 10, 5)  # a write that fails changes nothing either
    assert store.revision() == seen[-1]
    store.delete_session(session.id)
    seen.append(store.revision())
    assert len(set(seen)) == len(seen), seen
    other = open_store(new_db_url())
    assert other.revision() != seen[0], "two empty stores still differ (their random ids)"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_file_that_is_not_a_database_gives_a_clear_error_and_is_not_overwritten(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a kneeclick database"):
        Store.open(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_a_locked_store_gives_a_clear_error(tmp_path, monkeypatch):
    import core.data.schema

    monkeypatch.setattr(core.data.schema, "SQLITE_BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    store = Store.open(url)
    session = store.create_session(planned_session())
    blocker = sqlite3.connect(tmp_path / "k.sqlite3")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            Store.open(url).record_test(session.id, 10, 3)
    finally:
        blocker.rollback()
        blocker.close()
    assert store.get_session(session.id).measurements == {}


def test_db_url_resolution_order(monkeypatch):
    monkeypatch.delenv("KNEECLICK_DB_URL", raising=False)
    assert resolve_db_url().startswith("sqlite:///") and resolve_db_url().endswith("kneeclick.sqlite3")
    monkeypatch.setenv("KNEECLICK_DB_URL", "sqlite:///from-env.sqlite3")
    assert resolve_db_url() == "sqlite:///from-env.sqlite3"
    assert resolve_db_url("sqlite:///from-flag.sqlite3") == "sqlite:///from-flag.sqlite3"
