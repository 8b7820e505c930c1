"""What a hosted app's database user needs (README, "Host it"): once the tables exist, SELECT, INSERT, UPDATE
and DELETE on them are enough for everything the app does; creating the tables needs CREATE."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from core.data.csvio import export_csv, import_csv
from core.data.sample import SAMPLE_CSV
from core.data.store import Store, StoreError
from tests.core.data.test_csv_roundtrip import session

pytestmark = pytest.mark.postgres


def _as_user(url: str, privileges: str | None) -> str:
    """A new login role on the database of ``url`` (the test server trusts local logins) with ``privileges`` on
    every table there (None: none at all, as a fresh role has); returns the URL that logs in as it."""
    role = f"kc_app_{uuid.uuid4().hex[:8]}"
    database = url.rsplit("/", 1)[1]
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
        if privileges:
            conn.exec_driver_sql(f"GRANT {privileges} ON ALL TABLES IN SCHEMA public TO {role}")
    engine.dispose()
    head, rest = url.split("://", 1)
    return f"{head}://{role}@{rest.split('@', 1)[1]}"


def test_select_insert_update_delete_are_enough_once_the_tables_exist(pg_url, open_store):
    open_store(pg_url)  # the database's owner creates the tables (and would run a migration)
    app = open_store(_as_user(pg_url, "SELECT, INSERT, UPDATE, DELETE")).for_owner("https://id.example|ada")
    before = app.revision()
    s = app.create_session(session())
    app.record_test(s.id, 10, 7)
    app.record_test(s.id, 10, 4, after_position=1)
    app.skip_trial(s.id, 2)
    app.set_note(s.id, "fine")
    assert import_csv(app, SAMPLE_CSV).summary().startswith("imported 7 sessions")
    assert "example-01" in export_csv(app) and len(app.list_sessions()) == 8
    assert app.revision() != before
    assert app.delete_owner_data()["sessions"] == 8 and app.list_sessions().empty


def test_a_user_who_may_not_create_tables_cannot_start_an_empty_database_and_changes_nothing(pg_url):
    with pytest.raises(StoreError, match="Nothing was changed"):
        Store.open(_as_user(pg_url, None)).engine.dispose()
    engine = sa.create_engine(pg_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
