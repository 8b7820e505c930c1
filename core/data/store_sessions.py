"""Sessions: create, read, list, plan, annotate and delete"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from core.data.schema import (
    FLOW_KEY,
    _safety_json,
    _utc,
    measurements_table,
    programs_table,
    sessions_table,
    trial_from_row,
    trials_table,
)
from core.session.vocabulary import (
    CountMethod,
    Measurement,
    Movement,
    MuscleGroup,
    SafetyScreen,
    Session,
    SessionKind,
    SessionStatus,
    Side,
    Trial,
    TrialStatus,
)


class SessionRecords:
    """Sessions: create, read, list, plan, annotate and delete (a part of :class:`core.data.store.Store`)."""

    def create_session(self, session: Session) -> Session:
        """Store a new session with its planned conditions.  Returns it with timestamps filled."""
        now = self.clock.now()
        if not session.session_date:
            session.session_date = now.date().isoformat()
        session.started_at = session.started_at or now
        with self._begin() as conn:
            conn.execute(
                sessions_table.insert().values(
                    owner=self.owner,
                    id=session.id,
                    session_date=session.session_date,
                    side=Side(session.side).value,
                    movement=Movement(session.movement).value,
                    reps_per_test=session.reps_per_test,
                    stretch_seconds=session.stretch_seconds,
                    order_seed=session.order_seed,
                    randomized=session.randomized,
                    planned_order=[MuscleGroup(g).value for g in session.planned_order],
                    safety=_safety_json(session.safety, session.flow),
                    status=SessionStatus(session.status).value,
                    stop_reason=session.stop_reason,
                    started_at=session.started_at,
                    finished_at=session.finished_at,
                    notes=session.notes,
                    source=session.source,
                    created_at=now,
                )
            )
            if session.trials:
                conn.execute(
                    trials_table.insert(),
                    [
                        dict(
                            owner=self.owner,
                            session_id=session.id,
                            position=t.position,
                            muscle_group=MuscleGroup(t.muscle_group).value,
                            stretch_seconds=t.stretch_seconds,
                            status=TrialStatus(t.status).value,
                            before_seq=t.before_seq,
                            after_seq=t.after_seq,
                            notes=t.notes,
                            updated_at=now,
                        )
                        for t in session.trials
                    ],
                )
            if session.measurements:
                conn.execute(
                    measurements_table.insert(),
                    [
                        dict(
                            owner=self.owner,
                            session_id=session.id,
                            seq=m.seq,
                            reps=m.reps,
                            clicks=m.clicks,
                            pain=m.pain,
                            method=CountMethod(m.method).value,
                            recorded_at=m.recorded_at or now,
                        )
                        for m in session.measurements.values()
                    ],
                )
        return session

    def has_session(self, session_id: str) -> bool:
        with self._connect() as conn:
            return (
                conn.execute(
                    sa.select(sessions_table.c.id).where(self._mine(sessions_table), sessions_table.c.id == session_id)
                ).first()
                is not None
            )

    def get_session(self, session_id: str) -> Session:
        """The whole session with its trials and measurements; KeyError if there is none."""
        with self._connect() as conn:
            return self._load_session(conn, session_id)

    def _load_session(self, conn: sa.Connection, session_id: str) -> Session:
        row = conn.execute(
            sa.select(sessions_table).where(self._mine(sessions_table), sessions_table.c.id == session_id)
        ).mappings().first()
        if row is None:
            raise KeyError(f"no session with id {session_id!r}")
        trials = conn.execute(
            sa.select(trials_table)
            .where(self._mine(trials_table), trials_table.c.session_id == session_id)
            .order_by(trials_table.c.position)
        ).mappings()
        measurements = conn.execute(
            sa.select(measurements_table).where(
                self._mine(measurements_table), measurements_table.c.session_id == session_id
            )
        ).mappings()
        safety_data = dict(row["safety"] or {})
        flow = safety_data.pop(FLOW_KEY, None) or {}
        return Session(
            id=row["id"],
            side=Side(row["side"]),
            movement=Movement(row["movement"]),
            reps_per_test=row["reps_per_test"],
            stretch_seconds=row["stretch_seconds"],
            session_date=row["session_date"],
            order_seed=row["order_seed"],
            randomized=bool(row["randomized"]),
            planned_order=[MuscleGroup(g) for g in row["planned_order"]],
            safety=SafetyScreen.from_dict(safety_data),
            flow=flow,
            status=SessionStatus(row["status"]),
            stop_reason=row["stop_reason"],
            started_at=_utc(row["started_at"]),
            finished_at=_utc(row["finished_at"]),
            notes=row["notes"],
            source=row["source"],
            trials=[
                trial_from_row(t)
                for t in trials
            ],
            measurements={
                m["seq"]: Measurement(
                    seq=m["seq"],
                    reps=m["reps"],
                    clicks=m["clicks"],
                    pain=m["pain"],
                    method=CountMethod(m["method"]),
                    recorded_at=_utc(m["recorded_at"]),
                )
                for m in measurements
            },
        )

    def latest_unfinished(self, source: str = "app") -> Session | None:
        """The most recently started session still in progress (to offer resuming it), or None."""
        query = (
            sa.select(sessions_table.c.id)
            .where(
                self._mine(sessions_table),
                sessions_table.c.status == SessionStatus.IN_PROGRESS.value,
                sessions_table.c.source == source,
            )
            .order_by(sessions_table.c.created_at.desc())
            .limit(1)
        )
        with self._connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
            return None if found is None else self._load_session(conn, found)

    def list_sessions(self) -> pd.DataFrame:
        """One row per session, newest first: id, date, side, movement, status, kind (``full`` or ``quick_check``),
        conditions done/planned."""
        done = (
            sa.select(
                trials_table.c.session_id,
                sa.func.count().label("planned"),
                sa.func.sum(sa.case((trials_table.c.status == TrialStatus.DONE.value, 1), else_=0)).label("done"),
            )
            .where(self._mine(trials_table))
            .group_by(trials_table.c.session_id)
            .subquery()
        )
        query = (
            sa.select(
                sessions_table.c.id,
                sessions_table.c.session_date,
                sessions_table.c.side,
                sessions_table.c.movement,
                sessions_table.c.status,
                sessions_table.c.stop_reason,
                sessions_table.c.notes,
                sessions_table.c.started_at,
                sessions_table.c.safety[(FLOW_KEY, "kind")].as_string().label("kind"),  # absent: a full session
                sa.func.coalesce(done.c.done, 0).label("conditions_done"),
                sa.func.coalesce(done.c.planned, 0).label("conditions_planned"),
            )
            .select_from(sessions_table.outerjoin(done, done.c.session_id == sessions_table.c.id))
            .where(self._mine(sessions_table))
            .order_by(sessions_table.c.session_date.desc(), sessions_table.c.created_at.desc())
        )
        with self._connect() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=list(query.selected_columns.keys()))
        frame["kind"] = frame["kind"].fillna(SessionKind.FULL.value)
        return frame.astype({"conditions_done": "int64", "conditions_planned": "int64"})

    def set_status(self, session_id: str, status: SessionStatus, reason: str | None = None) -> None:
        """Finish, stop or block a session (with the reason, in words)."""
        status = SessionStatus(status)
        values: dict = {"status": status.value, "stop_reason": reason}
        if status is not SessionStatus.IN_PROGRESS:
            values["finished_at"] = self.clock.now()
        with self._begin() as conn:
            self._require(conn, session_id)
            conn.execute(self._session_update(session_id).values(**values))

    def save_setup(
        self,
        session_id: str,
        *,
        side: Side,
        movement: Movement,
        reps_per_test: int,
        stretch_seconds: int,
        order_seed: int | None,
        randomized: bool,
        trials: Sequence[Trial],
    ) -> None:
        """Store the setup of a session created at the safety screen: its choices and planned conditions.

        One transaction; refused (ValueError) once the session has conditions or tests, or is not in progress.
        """
        if not trials:
            raise ValueError("a session needs at least one condition")
        now = self.clock.now()
        with self._begin() as conn:
            row = conn.execute(
                sa.select(sessions_table.c.status).where(self._mine(sessions_table), sessions_table.c.id == session_id)
            ).first()
            if row is None:
                raise KeyError(f"no session with id {session_id!r}")
            if row.status != SessionStatus.IN_PROGRESS.value:
                raise ValueError(f"session {session_id} is {row.status}: its setup cannot change")
            for table in (trials_table, measurements_table):
                if conn.execute(
                    sa.select(sa.func.count()).where(self._mine(table), table.c.session_id == session_id)
                ).scalar_one():
                    raise ValueError(f"session {session_id} is already set up")
            conn.execute(
                self._session_update(session_id)
                .values(
                    side=Side(side).value,
                    movement=Movement(movement).value,
                    reps_per_test=reps_per_test,
                    stretch_seconds=stretch_seconds,
                    order_seed=order_seed,
                    randomized=randomized,
                    planned_order=[MuscleGroup(t.muscle_group).value for t in trials],
                )
            )
            conn.execute(
                trials_table.insert(),
                [
                    dict(
                        owner=self.owner,
                        session_id=session_id,
                        position=t.position,
                        muscle_group=MuscleGroup(t.muscle_group).value,
                        stretch_seconds=t.stretch_seconds,
                        status=TrialStatus(t.status).value,
                        before_seq=None,
                        after_seq=None,
                        notes=t.notes,
                        updated_at=now,
                    )
                    for t in trials
                ],
            )

    def update_flow(
        self,
        session_id: str,
        changes: dict,
        *,
        status: SessionStatus | None = None,
        reason: str | None = None,
    ) -> dict:
        """Merge ``changes`` into the session's flow state (a value of None removes that key); returns it.

        With ``status``, the session is also finished, stopped or blocked with ``reason``, in the same
        transaction.
        """
        with self._begin() as conn:
            row = conn.execute(
                sa.select(sessions_table.c.safety).where(self._mine(sessions_table), sessions_table.c.id == session_id)
            ).first()
            if row is None:
                raise KeyError(f"no session with id {session_id!r}")
            data = dict(row.safety or {})
            flow = dict(data.get(FLOW_KEY) or {})
            for key, value in changes.items():
                if value is None:
                    flow.pop(key, None)
                else:
                    flow[key] = value
            if flow:
                data[FLOW_KEY] = flow
            else:
                data.pop(FLOW_KEY, None)
            values: dict = {"safety": data or None}
            if status is not None:
                status = SessionStatus(status)
                values.update(status=status.value, stop_reason=reason)
                if status is not SessionStatus.IN_PROGRESS:
                    values["finished_at"] = self.clock.now()
            conn.execute(self._session_update(session_id).values(**values))
        return flow


    def _require(self, conn: sa.Connection, session_id: str, lock: bool = False) -> None:
        query = sa.select(sessions_table.c.id).where(self._mine(sessions_table), sessions_table.c.id == session_id)
        if lock and conn.dialect.name == "sqlite":
            # A no-op write as the first statement takes SQLite's write lock (waiting up to the busy
            # timeout), so what this transaction reads next cannot change before it commits.
            touched = conn.execute(
                self._session_update(session_id).values(status=sessions_table.c.status)
            ).rowcount
            if touched != 1:
                raise KeyError(f"no session with id {session_id!r}")
            return
        if lock:  # PostgreSQL and others: writers of one session take turns on its row lock
            query = query.with_for_update()
        if conn.execute(query).first() is None:
            raise KeyError(f"no session with id {session_id!r}")


    MAX_NOTE_CHARS = 10_000

    def set_note(self, session_id: str, note: str | None) -> None:
        """Add, change or (with an empty text) remove a session's note."""
        note = (note or "").strip() or None
        if note is not None and len(note) > self.MAX_NOTE_CHARS:
            raise ValueError(f"a note can hold at most {self.MAX_NOTE_CHARS} characters, this one has {len(note)}")
        with self._begin() as conn:
            self._require(conn, session_id)
            conn.execute(self._session_update(session_id).values(notes=note))

    def delete_session(self, session_id: str) -> None:
        """Delete a session with its conditions and tests, all or nothing.  KeyError if there is none."""
        with self._begin() as conn:
            self._require(conn, session_id)
            for table in (trials_table, measurements_table):
                conn.execute(table.delete().where(self._mine(table), table.c.session_id == session_id))
            conn.execute(sessions_table.delete().where(self._mine(sessions_table), sessions_table.c.id == session_id))

    def owner_totals(self) -> dict:
        """What :meth:`delete_owner_data` would delete now, counted without deleting: ``{"sessions": n,
        "tests": m, "conditions": k, "programs": p}`` for this owner alone (one query per table)."""
        tables = {"sessions": sessions_table, "tests": measurements_table, "conditions": trials_table,
                  "programs": programs_table}  # fmt: skip
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(table).where(self._mine(table))).scalar_one())
                for name, table in tables.items()
            }

    def delete_owner_data(self) -> dict:
        """Delete every session of this owner with its conditions and tests, for real, in one transaction.

        Returns the counts deleted: ``{"sessions": n, "tests": m, "conditions": k, "programs": p}`` (tests:
        measurements).  Other owners' rows are untouched.  Exporting first is the ordinary export, which is this owner's alone.
        """
        with self._begin() as conn:
            trials = conn.execute(trials_table.delete().where(self._mine(trials_table))).rowcount
            tests = conn.execute(measurements_table.delete().where(self._mine(measurements_table))).rowcount
            sessions = conn.execute(sessions_table.delete().where(self._mine(sessions_table))).rowcount
            programs = conn.execute(programs_table.delete().where(self._mine(programs_table))).rowcount
        return {"sessions": sessions, "tests": tests, "conditions": trials, "programs": programs}

    # ------------------------------------------------------------ owner scope
    def _mine(self, table: sa.Table):
        """The condition every query of ``table`` carries: the row is this store object's owner's."""
        return table.c.owner == self.owner

    def _session_update(self, session_id: str | None):
        """An UPDATE of this owner's session ``session_id`` (None: all of this owner's sessions)."""
        query = sessions_table.update().where(self._mine(sessions_table))
        return query if session_id is None else query.where(sessions_table.c.id == session_id)

