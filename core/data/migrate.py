"""Migrating a store made by an older kneeclick to today's schema, one step per version, each in one transaction.

Schema 1 -> 2 (issue 11, hosting for many people): every table gets an ``owner`` column, first in every key
(``sessions`` (owner, id), ``trials`` (owner, session_id, position), ``measurements`` (owner, session_id,
seq)), the foreign keys become (owner, session_id), the sessions get indexes by owner, and the per-owner
revision counters get their table.  Every existing row becomes :data:`LOCAL_OWNER`'s: nothing is lost, and
a failure at any point leaves the store as it was.

PostgreSQL changes the tables in place (its DDL is transactional).  SQLite cannot change a primary key in
place: the tables are rebuilt (renamed aside, created anew, rows copied, old ones dropped) inside one
``BEGIN IMMEDIATE`` transaction with foreign keys switched off for its duration, checked before the commit.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.data.schema import (
    LOCAL_OWNER,
    OWNER_MAX_CHARS,
    REVISION_KEY,
    SCHEMA_VERSION,
    measurements_table,
    meta_table,
    revisions_table,
    sessions_table,
    trials_table,
)

_VERSION_SQL = sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
_OWNED = (sessions_table, trials_table, measurements_table)  # parents first


def _version(conn: sa.Connection) -> int | None:
    found = conn.execute(_VERSION_SQL).scalar_one_or_none()
    return None if found is None else int(found)


def migrate_to_current(engine: sa.Engine) -> int | None:
    """Bring an existing store up to :data:`SCHEMA_VERSION`; returns the version it is at now.

    None when there is no store yet (nothing recorded): the caller creates it.  A version newer than this
    kneeclick's is returned untouched (the caller refuses it).
    """
    if not sa.inspect(engine).has_table(meta_table.name):
        return None
    with engine.connect() as conn:
        version = _version(conn)
    if version is None or version >= SCHEMA_VERSION:
        return version
    if version == 1:
        if engine.dialect.name == "sqlite":
            _sqlite_1_to_2(engine)
        else:
            _postgresql_1_to_2(engine)
    with engine.connect() as conn:
        return _version(conn)


def _finish_1_to_2(conn: sa.Connection) -> None:
    """The revision table with the local owner's counter carried over, and the new version number."""
    revisions_table.create(conn, checkfirst=True)
    old = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == REVISION_KEY)).scalar_one_or_none()
    conn.execute(revisions_table.insert().values(owner=LOCAL_OWNER, counter=int(old or 0) + 1))
    conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value="2"))


def _postgresql_1_to_2(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        # One migrator at a time; the others wait here, then find it done.
        conn.exec_driver_sql(f"LOCK TABLE {meta_table.name} IN ACCESS EXCLUSIVE MODE")
        if _version(conn) != 1:
            return
        for table in _OWNED:
            conn.exec_driver_sql(
                f"ALTER TABLE {table.name} ADD COLUMN owner VARCHAR({OWNER_MAX_CHARS}) NOT NULL DEFAULT '{LOCAL_OWNER}'"
            )
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN owner DROP DEFAULT")
        for kind in ("f", "p"):  # the children's foreign keys first, then every primary key
            for table in reversed(_OWNED):
                names = conn.exec_driver_sql(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = %(k)s",
                    {"t": table.name, "k": kind},
                ).scalars().all()
                for name in names:
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} DROP CONSTRAINT "{name}"')
        # A copy of the tables: AddConstraint marks the constraint it is given as "not inline", which on the
        # shared metadata would leave the keys out of every table create_all makes afterwards.
        copies = sa.MetaData()
        owned = [table.to_metadata(copies) for table in _OWNED]
        for table in owned:
            conn.execute(sa.schema.AddConstraint(table.primary_key))
        for table in owned:
            for fk in table.foreign_key_constraints:
                conn.execute(sa.schema.AddConstraint(fk))
            for index in table.indexes:
                index.create(conn)
        _finish_1_to_2(conn)


def _sqlite_1_to_2(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # takes effect only outside a transaction: set first
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock: other migrators wait, then find it done
            try:
                if _version(conn) != 1:
                    conn.exec_driver_sql("ROLLBACK")
                    return
                for table in _OWNED:
                    conn.exec_driver_sql(f"ALTER TABLE {table.name} RENAME TO {table.name}_v1")
                for table in _OWNED:
                    table.create(conn)
                    columns = ", ".join(c.name for c in table.columns if c.name != "owner")
                    conn.exec_driver_sql(
                        f"INSERT INTO {table.name} (owner, {columns}) "
                        f"SELECT '{LOCAL_OWNER}', {columns} FROM {table.name}_v1"
                    )
                for table in reversed(_OWNED):
                    conn.exec_driver_sql(f"DROP TABLE {table.name}_v1")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migrated store fails its foreign-key check: {broken[:3]}")
                _finish_1_to_2(conn)
                conn.exec_driver_sql("COMMIT")
            except BaseException:
                if conn.connection.dbapi_connection.in_transaction:
                    conn.exec_driver_sql("ROLLBACK")
                raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
