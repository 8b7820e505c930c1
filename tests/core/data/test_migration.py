"""A store made by schema 1 (frozen in schema_v1.py, not made by today's code) opens migrated, nothing lost."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.data.csvio import export_csv, import_csv
from core.data.sample import SAMPLE_CSV
from core.data.schema import LOCAL_OWNER, SCHEMA_VERSION
from core.data.store import Store
from tests.core.data import schema_v1 as v1
from tests.core.data.test_store import planned_session


def fill_v1(engine: sa.Engine) -> dict:
    """Rows in every v1 table, written with v1's own tables; returns them per table (to compare afterwards)."""
    with engine.begin() as conn:
        now = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
        for n, sid in enumerate(("aaaaaaaaaaaa", "bbbbbbbbbbbb")):
            conn.execute(
                v1.sessions_table.insert().values(
                    id=sid, session_date=f"2026-11-0{n + 1}", side="left", movement="bodyweight_squat",
                    reps_per_test=10, stretch_seconds=90, order_seed=7, randomized=True,
                    planned_order=["calves", "rest_control"], safety={"flow": {"step": "tests"}},
                    status="finished" if n == 0 else "in_progress", stop_reason=None, started_at=now,
                    finished_at=None, notes=f"note {n} ✓", source="app", created_at=now,
                )  # fmt: skip
            )
            conn.execute(v1.measurements_table.insert(), [
                dict(session_id=sid, seq=0, reps=10, clicks=6, pain=1, method="tap", recorded_at=now),
                dict(session_id=sid, seq=1, reps=10, clicks=3, pain=None, method="audio", recorded_at=now),
                dict(session_id=sid, seq=2, reps=10, clicks=5, pain=0, method="tap", recorded_at=now),
            ])  # fmt: skip
            conn.execute(v1.trials_table.insert(), [
                dict(session_id=sid, position=1, muscle_group="calves", stretch_seconds=90, status="done",
                     before_seq=0, after_seq=1, notes="ok", updated_at=now),
                dict(session_id=sid, position=2, muscle_group="rest_control", stretch_seconds=90, status="done",
                     before_seq=1, after_seq=2, notes=None, updated_at=now),
            ])  # fmt: skip
    return rows_of(engine, v1.metadata)


def rows_of(engine: sa.Engine, meta: sa.MetaData) -> dict:
    with engine.connect() as conn:
        return {
            name: sorted(tuple(sorted(dict(r._mapping).items())) for r in conn.execute(sa.select(meta.tables[name])))
            for name in ("sessions", "trials", "measurements")
        }


def test_a_schema_1_store_is_migrated_with_every_row_kept_as_the_local_owners(any_db_url, open_store):
    engine = v1.create_v1_store(any_db_url, revision=41)
    before = fill_v1(engine)
    old_export = None
    engine.dispose()

    store = open_store(any_db_url)  # ensure_schema migrates
    assert store.schema_version() == SCHEMA_VERSION == 2
    after = rows_of(store.engine, v1.metadata)  # the v1 columns, read back: every value as it was
    assert after == before
    with store.engine.connect() as conn:
        owners = {
            t: set(conn.exec_driver_sql(f"SELECT DISTINCT owner FROM {t}").scalars())
            for t in ("sessions", "trials", "measurements")
        }
    assert owners == {t: {LOCAL_OWNER} for t in owners}

    # The local owner sees everything as before; another owner nothing; the store works on for both.
    assert sorted(store.list_sessions()["id"]) == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]
    assert len(store.trials_frame()) == 4
    old_export = export_csv(store)
    assert store.get_session("bbbbbbbbbbbb").flow == {"step": "tests"}
    other = store.for_owner("https://issuer.example|someone")
    assert other.list_sessions().empty and not other.has_session("aaaaaaaaaaaa")
    import_csv(other, SAMPLE_CSV)
    s = store.create_session(planned_session())
    store.record_test(s.id, 10, 4)
    store.delete_session("aaaaaaaaaaaa")  # the foreign keys hold: its conditions and tests go with it
    with store.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT count(*) FROM measurements WHERE session_id = 'aaaaaaaaaaaa'").scalar()
    assert left == 0
    assert export_csv(store) != old_export and len(other.list_sessions()) > 0

    # Opening again changes nothing (already at schema 2).
    store.engine.dispose()
    again = open_store(any_db_url)
    assert again.schema_version() == SCHEMA_VERSION
    assert sorted(again.list_sessions()["id"]) == sorted(["bbbbbbbbbbbb", s.id])


def test_the_migrated_store_keeps_its_id_and_has_indexes_by_owner(any_db_url, open_store):
    engine = v1.create_v1_store(any_db_url, store_id="keepthisid")
    fill_v1(engine)
    engine.dispose()
    store = open_store(any_db_url)
    assert store.revision().startswith("keepthisid:")
    insp = sa.inspect(store.engine)
    assert insp.get_pk_constraint("sessions")["constrained_columns"] == ["owner", "id"]
    assert insp.get_pk_constraint("measurements")["constrained_columns"] == ["owner", "session_id", "seq"]
    assert insp.get_pk_constraint("trials")["constrained_columns"] == ["owner", "session_id", "position"]
    assert {tuple(ix["column_names"]) for ix in insp.get_indexes("sessions")} >= {
        ("owner", "session_date", "created_at"), ("owner", "created_at"),
    }  # fmt: skip
    fks = {(tuple(fk["constrained_columns"]), fk["referred_table"]) for t in ("trials", "measurements")
           for fk in insp.get_foreign_keys(t)}  # fmt: skip
    assert fks == {(("owner", "session_id"), "sessions")}


def test_a_failed_migration_leaves_the_schema_1_store_as_it_was(any_db_url, monkeypatch):
    """A failure half-way (here: the last step) rolls the whole migration back: version 1, tables as before."""
    engine = v1.create_v1_store(any_db_url)
    before = fill_v1(engine)
    engine.dispose()
    import core.data.migrate as migrate

    def broken(conn):
        raise RuntimeError("disk full, say")

    monkeypatch.setattr(migrate, "_finish_1_to_2", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        Store.open(any_db_url)
    engine = sa.create_engine(any_db_url)
    try:
        assert rows_of(engine, v1.metadata) == before
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM kneeclick_meta WHERE key = 'schema_version'").scalar() == "1"
        insp = sa.inspect(engine)
        assert "owner" not in {c["name"] for c in insp.get_columns("sessions")}
        assert not insp.has_table("kneeclick_revisions")
    finally:
        engine.dispose()
