"""Bulk import and export: many sessions in one transaction, per-session columns"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc

from core.data.schema import (
    StoreError,
    measurements_table,
    sessions_table,
    trials_table,
)
from core.session.vocabulary import (
    TrialStatus,
)


class BulkRecords:
    """Bulk import and export: many sessions in one transaction, per-session columns (a part of :class:`core.data.store.Store`)."""

    def existing_session_ids(self, session_ids: Iterable[str]) -> set[str]:
        """Which of ``session_ids`` the store already holds."""
        ids = list(dict.fromkeys(session_ids))
        found: set[str] = set()
        with self._connect() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                found.update(
                    conn.execute(
                        sa.select(sessions_table.c.id).where(self._mine(sessions_table), sessions_table.c.id.in_(chunk))
                    ).scalars()
                )
        return found

    def insert_many(self, sessions: list[dict], trials: list[dict], measurements: list[dict]) -> None:
        """Insert whole sessions (rows of the three tables) in one transaction: all of them or none.

        Raises StoreError, with nothing written, if any of the sessions is already
        stored (e.g. another process imported it a moment ago).
        """
        if not sessions:
            return
        now = self.clock.now()
        try:
            with self._begin() as conn:
                ids = [s["id"] for s in sessions]
                for i in range(0, len(ids), 500):
                    taken = conn.execute(
                        sa.select(sessions_table.c.id)
                        .where(self._mine(sessions_table), sessions_table.c.id.in_(ids[i : i + 500]))
                        .limit(1)
                    ).scalar_one_or_none()
                    if taken is not None:
                        raise StoreError(f"Session {taken} is already in the store (added a moment ago?). Nothing was imported.")
                # The owner is this store object's, whatever the rows say: an import never writes for another.
                _insert_rows(conn, sessions_table, sessions, created_at=now, owner=self.owner)
                if trials:
                    _insert_rows(conn, trials_table, trials, updated_at=now, owner=self.owner)
                if measurements:
                    _insert_rows(conn, measurements_table, measurements, recorded_at=now, owner=self.owner)
        except exc.IntegrityError as e:
            text = str(e.orig).lower()
            if "sessions.id" in text or "sessions_pkey" in text:
                raise StoreError(
                    "The store changed while importing (a session with the same id was added meanwhile). "
                    "Nothing was imported; try again."
                ) from e
            first = str(e.orig).strip().splitlines()[0] if str(e.orig).strip() else type(e).__name__
            raise StoreError(f"The store refused the data ({first}). Nothing was imported.") from e

    def session_columns(self, session_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Per session: status, stop reason, note, the planned order and the skipped positions.

        ``planned_order`` is the conditions' muscle groups in position order, space-separated
        (empty when the positions are not 1, 2, 3, ...); ``skipped_positions`` the positions skipped on purpose, space-separated (empty if none).
        """
        s, t = sessions_table, trials_table
        sq = sa.select(s.c.id, s.c.status, s.c.stop_reason, s.c.notes).where(self._mine(s))
        tq = (
            sa.select(t.c.session_id, t.c.position, t.c.muscle_group, t.c.status)
            .where(self._mine(t))
            .order_by(t.c.session_id, t.c.position)
        )
        if session_ids is not None:
            ids = list(session_ids)
            sq = sq.where(s.c.id.in_(ids))
            tq = tq.where(t.c.session_id.in_(ids))
        with self._connect() as conn:
            srows = conn.execute(sq).all()
            trows = conn.execute(tq).all()
        planned: dict[str, list[str]] = {}
        skipped: dict[str, list[str]] = {}
        for session_id, position, group, status in trows:
            groups = planned.setdefault(session_id, [])
            if position != len(groups) + 1:  # a gap in the positions: the order is not known in full
                groups.append("")
            groups.append(group)
            if status == TrialStatus.SKIPPED.value:
                skipped.setdefault(session_id, []).append(str(position))
        planned = {k: ([] if "" in v else v) for k, v in planned.items()}
        return pd.DataFrame(
            [
                (sid, status, reason, notes, " ".join(planned.get(sid, [])), " ".join(skipped.get(sid, [])))
                for sid, status, reason, notes in srows
            ],
            columns=["session_id", "session_status", "stop_reason", "session_notes", "planned_order", "skipped_positions"],
        )




def _insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict], **same: object) -> None:
    """Insert many rows (all with the same keys) plus columns that are ``same`` for every row.

    On SQLite the rows go straight to the driver's executemany with SQLAlchemy's own
    value conversions applied per column (about three times faster for big imports);
    elsewhere through SQLAlchemy (psycopg batches them into multi-row INSERTs).
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy_rows(conn, table, rows, same)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [{**r, **same} for r in rows])
        return
    names = [c.name for c in table.columns if c.name in rows[0] or c.name in same]
    def processor(name: str):
        return table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)

    procs = [processor(n) for n in names]
    fixed = {k: (p(v) if (p := processor(k)) else v) for k, v in same.items()}
    getters = []
    for n, p in zip(names, procs):
        if n in fixed:
            getters.append(lambda r, v=fixed[n]: v)
        elif p is not None:
            getters.append(lambda r, n=n, p=p: None if r[n] is None else p(r[n]))
        else:
            getters.append(lambda r, n=n: r[n])
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, [tuple(g(r) for g in getters) for r in rows])


def _copy_rows(conn: sa.Connection, table: sa.Table, rows: list[dict], same: dict) -> None:
    """PostgreSQL: stream the rows with COPY inside the current transaction (far faster than INSERTs)."""
    import json

    names = [c.name for c in table.columns if c.name in rows[0] or c.name in same]
    getters = []
    for n in names:
        is_json = isinstance(table.c[n].type, sa.JSON)
        if n in same:
            getters.append(lambda r, v=same[n]: v)
        elif is_json:
            getters.append(lambda r, n=n: None if r[n] is None else json.dumps(r[n]))
        else:
            getters.append(lambda r, n=n: r[n])
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.dbapi_connection.cursor() as cur, cur.copy(sql) as copy:
            for r in rows:
                copy.write_row(tuple(g(r) for g in getters))
    except dbapi.Error as e:  # the driver's own error: give it SQLAlchemy's shape, as every other write has
        raise exc.DBAPIError.instance(sql, None, e, dbapi.Error) from e


