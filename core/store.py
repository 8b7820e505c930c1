"""The store: every session, condition and test, in SQLite or PostgreSQL.

One SQLAlchemy engine per database URL.  The URL comes from, in order: the
``--db`` option of the command line, the ``KNEECLICK_DB_URL`` environment
variable, else a SQLite file in the user's data directory
(``platformdirs.user_data_dir("kneeclick")``, e.g. ``~/.local/share/kneeclick``
on Linux).

Every public method that writes runs in one transaction and commits before it
returns, so a recorded test is on disk the moment the person enters it; a
failure leaves nothing half-written.  SQLite runs in WAL mode with a busy
timeout, so several app processes can share one file.

Schema: ``sessions`` (one sitting on one leg), ``measurements`` (each test:
reps, clicks, pain), ``trials`` (each condition in its place, pointing at the
measurements before and after it).  ``kneeclick_meta`` records the schema
version so later releases can migrate a store without losing data.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event, exc

from core.clock import SYSTEM_CLOCK, Clock
from core.model import (
    CountMethod,
    Measurement,
    Movement,
    MuscleGroup,
    SafetyScreen,
    Session,
    SessionStatus,
    Side,
    Trial,
    TrialStatus,
    validate_counts,
)

ENV_VAR = "KNEECLICK_DB_URL"
SCHEMA_VERSION = 1
#: ``kneeclick_meta`` keys of :meth:`Store.revision`: a random id given to the store when it is created, and a
#: counter every committed write adds one to (rows, not a schema change: older kneeclicks ignore them).
STORE_ID_KEY = "store_id"
REVISION_KEY = "revision"
SQLITE_BUSY_TIMEOUT_MS = 10_000

#: The CSV schema's required columns, in order (a contract: see README).
CSV_COLUMNS: tuple[str, ...] = (
    "session_id",
    "session_date",
    "side",
    "movement",
    "position",
    "muscle_group",
    "stretch_seconds",
    "reps_before",
    "clicks_before",
    "reps_after",
    "clicks_after",
)
#: Optional columns written after the required ones.
CSV_OPTIONAL_COLUMNS: tuple[str, ...] = ("pain_before", "pain_after", "notes")


class StoreError(RuntimeError):
    """A store problem described in words a person can act on."""


metadata = sa.MetaData()

meta_table = sa.Table(
    "kneeclick_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

sessions_table = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("session_date", sa.String(32), nullable=False),
    sa.Column("side", sa.String(8), nullable=False),
    sa.Column("movement", sa.String(32), nullable=False),
    sa.Column("reps_per_test", sa.Integer, nullable=False),
    sa.Column("stretch_seconds", sa.Integer, nullable=False),
    sa.Column("order_seed", sa.BigInteger),
    sa.Column("randomized", sa.Boolean, nullable=False, default=True),
    sa.Column("planned_order", sa.JSON, nullable=False),
    sa.Column("safety", sa.JSON),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("stop_reason", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("notes", sa.Text),
    sa.Column("source", sa.String(16), nullable=False, default="app"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

measurements_table = sa.Table(
    "measurements",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("reps", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("pain", sa.Integer),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

trials_table = sa.Table(
    "trials",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("muscle_group", sa.String(32), nullable=False),
    sa.Column("stretch_seconds", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("before_seq", sa.Integer),
    sa.Column("after_seq", sa.Integer),
    sa.Column("notes", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)


def default_sqlite_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("kneeclick", appauthor=False)) / "kneeclick.sqlite3"


def resolve_db_url(explicit: str | None = None) -> str:
    """The database URL: ``explicit`` (``--db``), else ``$KNEECLICK_DB_URL``, else the default SQLite file."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    return f"sqlite:///{default_sqlite_path()}"


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable database URL>"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; for SQLite: create the folder, WAL, busy timeout, foreign keys."""
    try:
        parsed = sa.engine.make_url(url)
    except exc.ArgumentError as e:
        raise StoreError(f"{ENV_VAR} / --db is not a database URL: {url!r}") from e
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            path = Path(db).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"Cannot create the folder for the store {path}: {e.strerror}") from e
        engine = sa.create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised through every test
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if db and db != ":memory:":
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


#: The guided flow's state (Session.flow) is kept under this key of the ``safety`` JSON column.
FLOW_KEY = "flow"


def _safety_json(safety: SafetyScreen | None, flow: dict | None) -> dict | None:
    data = safety.to_dict() if safety else {}
    if flow:
        data[FLOW_KEY] = flow
    return data or None


def new_session_id() -> str:
    return secrets.token_hex(6)


def trial_from_row(t) -> Trial:
    """A Trial from a row (mapping) of the trials table."""
    return Trial(
        position=t["position"],
        muscle_group=MuscleGroup(t["muscle_group"]),
        stretch_seconds=t["stretch_seconds"],
        status=TrialStatus(t["status"]),
        before_seq=t["before_seq"],
        after_seq=t["after_seq"],
        notes=t["notes"],
    )


class Store:
    """All reads and writes of kneeclick data.  Thread-safe; share one per URL."""

    def __init__(self, engine: sa.Engine, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self.clock = clock

    # ------------------------------------------------------------------ setup
    @classmethod
    def open(cls, url: str | None = None, clock: Clock = SYSTEM_CLOCK) -> "Store":
        """Open (creating tables on first use) the store at ``url`` or the resolved default."""
        store = cls(make_engine(resolve_db_url(url)), clock)
        store.ensure_schema()
        return store

    @property
    def url(self) -> str:
        return describe_url(self.engine.url.render_as_string(hide_password=False))

    def ensure_schema(self) -> int:
        """Create missing tables, record or check the schema version; returns it."""
        try:
            metadata.create_all(self.engine, checkfirst=True)
            with self.engine.begin() as conn:
                found = conn.execute(
                    sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
                ).scalar_one_or_none()
                if found is None:
                    conn.execute(meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        except exc.IntegrityError:
            # Another process recorded the version between our read and insert.
            found = self.schema_version()
        except exc.DBAPIError as e:
            raise self._explain(e) from e
        version = SCHEMA_VERSION if found is None else int(found)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.url} was written by a newer kneeclick (schema {version}; "
                f"this one knows {SCHEMA_VERSION}). Upgrade kneeclick; nothing was changed."
            )
        # Migrations from older versions go here, one function per step, in one transaction each.
        self._ensure_revision_rows()
        return version

    def _ensure_revision_rows(self) -> None:
        for key, value in ((STORE_ID_KEY, secrets.token_hex(8)), (REVISION_KEY, "0")):
            try:
                with self.engine.begin() as conn:
                    if conn.execute(sa.select(meta_table.c.key).where(meta_table.c.key == key)).first() is None:
                        conn.execute(meta_table.insert().values(key=key, value=value))
            except exc.IntegrityError:
                pass  # another process added it a moment ago
            except exc.DBAPIError as e:
                raise self._explain(e) from e

    def revision(self) -> str:
        """A short text that changes with every committed write to this store (one small read).

        Made of the store's own random id and a counter that each write transaction adds one to as its
        last statement, so a cache keyed by it is never served for another store at the same URL, nor
        after any change: a recorded test, a note, a deletion, an import (also by other processes).
        """
        with self._connect() as conn:  # plain SQL: read on every rerun of a page, so kept cheap
            found = dict(conn.exec_driver_sql(_REVISION_SQL).all())
        return f"{found.get(STORE_ID_KEY, '')}:{found.get(REVISION_KEY, '')}"

    def schema_version(self) -> int:
        with self._connect() as conn:
            return int(
                conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar_one()
            )

    def _explain(self, e: exc.DBAPIError) -> StoreError:
        text = str(e.orig) if e.orig is not None else str(e)
        low = text.lower()
        if "locked" in low:
            why = "it is locked by another program"
        elif "not a database" in low or "malformed" in low or "file is encrypted" in low:
            why = "the file is not a kneeclick database or is damaged"
        elif "unable to open" in low or "readonly" in low or "permission" in low:
            why = "it cannot be opened for writing (check the file and folder permissions)"
        elif "connection" in low or "could not connect" in low:
            why = "the database server could not be reached"
        else:
            why = text.strip().splitlines()[0] if text.strip() else type(e).__name__
        return StoreError(f"Cannot use the store at {self.url}: {why}. Nothing was changed.")

    def _begin(self):
        return _Guard(self, write=True)

    def _connect(self):
        return _Guard(self, write=False)

    # --------------------------------------------------------------- sessions
    def create_session(self, session: Session) -> Session:
        """Store a new session with its planned conditions.  Returns it with timestamps filled."""
        now = self.clock.now()
        if not session.session_date:
            session.session_date = now.date().isoformat()
        session.started_at = session.started_at or now
        with self._begin() as conn:
            conn.execute(
                sessions_table.insert().values(
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
                conn.execute(sa.select(sessions_table.c.id).where(sessions_table.c.id == session_id)).first()
                is not None
            )

    def get_session(self, session_id: str) -> Session:
        """The whole session with its trials and measurements; KeyError if there is none."""
        with self._connect() as conn:
            return self._load_session(conn, session_id)

    def _load_session(self, conn: sa.Connection, session_id: str) -> Session:
        row = conn.execute(sa.select(sessions_table).where(sessions_table.c.id == session_id)).mappings().first()
        if row is None:
            raise KeyError(f"no session with id {session_id!r}")
        trials = conn.execute(
            sa.select(trials_table).where(trials_table.c.session_id == session_id).order_by(trials_table.c.position)
        ).mappings()
        measurements = conn.execute(
            sa.select(measurements_table).where(measurements_table.c.session_id == session_id)
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
            .where(sessions_table.c.status == SessionStatus.IN_PROGRESS.value, sessions_table.c.source == source)
            .order_by(sessions_table.c.created_at.desc())
            .limit(1)
        )
        with self._connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
            return None if found is None else self._load_session(conn, found)

    def list_sessions(self) -> pd.DataFrame:
        """One row per session, newest first: id, date, side, movement, status, conditions done/planned."""
        done = (
            sa.select(
                trials_table.c.session_id,
                sa.func.count().label("planned"),
                sa.func.sum(sa.case((trials_table.c.status == TrialStatus.DONE.value, 1), else_=0)).label("done"),
            )
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
                sa.func.coalesce(done.c.done, 0).label("conditions_done"),
                sa.func.coalesce(done.c.planned, 0).label("conditions_planned"),
            )
            .select_from(sessions_table.outerjoin(done, done.c.session_id == sessions_table.c.id))
            .order_by(sessions_table.c.session_date.desc(), sessions_table.c.created_at.desc())
        )
        with self._connect() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=list(query.selected_columns.keys()))
        return frame.astype({"conditions_done": "int64", "conditions_planned": "int64"})

    def set_status(self, session_id: str, status: SessionStatus, reason: str | None = None) -> None:
        """Finish, stop or block a session (with the reason, in words)."""
        status = SessionStatus(status)
        values: dict = {"status": status.value, "stop_reason": reason}
        if status is not SessionStatus.IN_PROGRESS:
            values["finished_at"] = self.clock.now()
        with self._begin() as conn:
            self._require(conn, session_id)
            conn.execute(sessions_table.update().where(sessions_table.c.id == session_id).values(**values))

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
                sa.select(sessions_table.c.status).where(sessions_table.c.id == session_id)
            ).first()
            if row is None:
                raise KeyError(f"no session with id {session_id!r}")
            if row.status != SessionStatus.IN_PROGRESS.value:
                raise ValueError(f"session {session_id} is {row.status}: its setup cannot change")
            for table in (trials_table, measurements_table):
                if conn.execute(sa.select(sa.func.count()).where(table.c.session_id == session_id)).scalar_one():
                    raise ValueError(f"session {session_id} is already set up")
            conn.execute(
                sessions_table.update()
                .where(sessions_table.c.id == session_id)
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
                sa.select(sessions_table.c.safety).where(sessions_table.c.id == session_id)
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
            conn.execute(sessions_table.update().where(sessions_table.c.id == session_id).values(**values))
        return flow

    # ------------------------------------------------------------ measurements
    def record_test(
        self,
        session_id: str,
        reps: int,
        clicks: int,
        *,
        pain: int | None = None,
        method: CountMethod = CountMethod.TAP,
        after_position: int | None = None,
    ) -> Measurement:
        """Store one test, committed at once.

        ``after_position=None`` records the baseline (or any test not tied to a
        condition).  With a position, the test is the retest after that
        condition: the condition is marked done and linked to the test just
        before it (the latest one stored) and to this one.
        """
        validate_counts(reps, clicks)
        if pain is not None and not 0 <= pain <= 10:
            raise ValueError(f"pain must be 0-10, got {pain}")
        now = self.clock.now()
        for _attempt in range(5):
            try:
                with self._begin() as conn:
                    self._require(conn, session_id, lock=True)
                    last = conn.execute(
                        sa.select(sa.func.max(measurements_table.c.seq)).where(
                            measurements_table.c.session_id == session_id
                        )
                    ).scalar_one()
                    seq = 0 if last is None else last + 1
                    conn.execute(
                        measurements_table.insert().values(
                            session_id=session_id,
                            seq=seq,
                            reps=reps,
                            clicks=clicks,
                            pain=pain,
                            method=CountMethod(method).value,
                            recorded_at=now,
                        )
                    )
                    if after_position is not None:
                        if last is None:
                            raise ValueError("a retest needs a baseline test before it")
                        updated = conn.execute(
                            trials_table.update()
                            .where(
                                trials_table.c.session_id == session_id,
                                trials_table.c.position == after_position,
                            )
                            .values(
                                status=TrialStatus.DONE.value,
                                before_seq=last,
                                after_seq=seq,
                                updated_at=now,
                            )
                        ).rowcount
                        if updated != 1:
                            raise KeyError(f"session {session_id} has no condition at position {after_position}")
                return Measurement(seq=seq, reps=reps, clicks=clicks, pain=pain, method=method, recorded_at=now)
            except exc.IntegrityError:
                continue  # another writer took this seq a moment ago: take the next one
        raise StoreError("Could not record the test: the store kept changing underneath. Try again.")

    def skip_trial(self, session_id: str, position: int) -> None:
        """Mark a condition skipped (never recorded as zero clicks)."""
        with self._begin() as conn:
            self._require(conn, session_id)
            updated = conn.execute(
                trials_table.update()
                .where(trials_table.c.session_id == session_id, trials_table.c.position == position)
                .values(status=TrialStatus.SKIPPED.value, updated_at=self.clock.now())
            ).rowcount
            if updated != 1:
                raise KeyError(f"session {session_id} has no condition at position {position}")

    def _require(self, conn: sa.Connection, session_id: str, lock: bool = False) -> None:
        query = sa.select(sessions_table.c.id).where(sessions_table.c.id == session_id)
        if lock and conn.dialect.name == "sqlite":
            # A no-op write as the first statement takes SQLite's write lock (waiting up to the busy
            # timeout), so what this transaction reads next cannot change before it commits.
            touched = conn.execute(
                sessions_table.update().where(sessions_table.c.id == session_id).values(status=sessions_table.c.status)
            ).rowcount
            if touched != 1:
                raise KeyError(f"no session with id {session_id!r}")
            return
        if lock:  # PostgreSQL and others: writers of one session take turns on its row lock
            query = query.with_for_update()
        if conn.execute(query).first() is None:
            raise KeyError(f"no session with id {session_id!r}")

    # ------------------------------------------------------------------ tables
    def trials_frame(self, session_ids: Sequence[str] | None = None, *, source: Iterable[str] | None = None) -> pd.DataFrame:
        """Every completed condition as one row of the CSV schema (plus pain and notes).

        Rows come ordered by session date, session id and position.  Skipped and
        planned conditions have no counts and are left out.
        """
        m_before = measurements_table.alias("mb")
        m_after = measurements_table.alias("ma")
        s, t = sessions_table, trials_table
        query = (
            sa.select(
                s.c.id.label("session_id"),
                s.c.session_date,
                s.c.side,
                s.c.movement,
                t.c.position,
                t.c.muscle_group,
                t.c.stretch_seconds,
                m_before.c.reps.label("reps_before"),
                m_before.c.clicks.label("clicks_before"),
                m_after.c.reps.label("reps_after"),
                m_after.c.clicks.label("clicks_after"),
                m_before.c.pain.label("pain_before"),
                m_after.c.pain.label("pain_after"),
                t.c.notes,
            )
            .select_from(
                t.join(s, s.c.id == t.c.session_id)
                .join(m_before, (m_before.c.session_id == t.c.session_id) & (m_before.c.seq == t.c.before_seq))
                .join(m_after, (m_after.c.session_id == t.c.session_id) & (m_after.c.seq == t.c.after_seq))
            )
            .where(t.c.status == TrialStatus.DONE.value)
            .order_by(s.c.session_date, s.c.id, t.c.position)
        )
        if session_ids is not None:
            query = query.where(s.c.id.in_(list(session_ids)))
        if source is not None:
            query = query.where(s.c.source.in_(list(source)))
        with self._connect() as conn:
            rows = conn.execute(query).all()
        columns = list(CSV_COLUMNS) + list(CSV_OPTIONAL_COLUMNS)
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        for col in ("position", "stretch_seconds", "reps_before", "clicks_before", "reps_after", "clicks_after"):
            frame[col] = frame[col].astype("int64")
        for col in ("pain_before", "pain_after"):
            frame[col] = frame[col].astype("Int64")
        return frame

    # ------------------------------------------- notes, deletion, bulk import
    #: The longest note kept (a page of text); longer ones are refused, never cut.
    MAX_NOTE_CHARS = 10_000

    def set_note(self, session_id: str, note: str | None) -> None:
        """Add, change or (with an empty text) remove a session's note."""
        note = (note or "").strip() or None
        if note is not None and len(note) > self.MAX_NOTE_CHARS:
            raise ValueError(f"a note can hold at most {self.MAX_NOTE_CHARS} characters, this one has {len(note)}")
        with self._begin() as conn:
            self._require(conn, session_id)
            conn.execute(sessions_table.update().where(sessions_table.c.id == session_id).values(notes=note))

    def delete_session(self, session_id: str) -> None:
        """Delete a session with its conditions and tests, all or nothing.  KeyError if there is none."""
        with self._begin() as conn:
            self._require(conn, session_id)
            for table in (trials_table, measurements_table):
                conn.execute(table.delete().where(table.c.session_id == session_id))
            conn.execute(sessions_table.delete().where(sessions_table.c.id == session_id))

    def existing_session_ids(self, session_ids: Iterable[str]) -> set[str]:
        """Which of ``session_ids`` the store already holds."""
        ids = list(dict.fromkeys(session_ids))
        found: set[str] = set()
        with self._connect() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                found.update(
                    conn.execute(sa.select(sessions_table.c.id).where(sessions_table.c.id.in_(chunk))).scalars()
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
                        sa.select(sessions_table.c.id).where(sessions_table.c.id.in_(ids[i : i + 500])).limit(1)
                    ).scalar_one_or_none()
                    if taken is not None:
                        raise StoreError(f"Session {taken} is already in the store (added a moment ago?). Nothing was imported.")
                _insert_rows(conn, sessions_table, sessions, created_at=now)
                if trials:
                    _insert_rows(conn, trials_table, trials, updated_at=now)
                if measurements:
                    _insert_rows(conn, measurements_table, measurements, recorded_at=now)
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
        sq = sa.select(s.c.id, s.c.status, s.c.stop_reason, s.c.notes)
        tq = sa.select(t.c.session_id, t.c.position, t.c.muscle_group, t.c.status).order_by(t.c.session_id, t.c.position)
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
        conn.execute(table.insert(), [{**same, **r} for r in rows])
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


_REVISION_SQL = f"SELECT key, value FROM kneeclick_meta WHERE key IN ('{STORE_ID_KEY}', '{REVISION_KEY}')"
_BUMP_REVISION = (
    meta_table.update()
    .where(meta_table.c.key == REVISION_KEY)
    .values(value=sa.cast(sa.cast(meta_table.c.value, sa.BigInteger) + 1, sa.String(256)))
)


class _Guard:
    """A connection (or transaction) that turns driver errors into StoreError."""

    def __init__(self, store: Store, write: bool) -> None:
        self.store = store
        self.write = write
        self._ctx = None

    def __enter__(self) -> sa.Connection:
        try:
            self._ctx = self.store.engine.begin() if self.write else self.store.engine.connect()
            self._conn = self._ctx.__enter__()
            return self._conn
        except exc.DBAPIError as e:
            raise self.store._explain(e) from e

    def __exit__(self, et, ev, tb):
        if self.write and et is None:
            # Last statement of every write: count it (Store.revision).  Last, so on PostgreSQL the
            # counter's row lock is held only for the commit and is always the last lock taken.
            try:
                self._conn.execute(_BUMP_REVISION)
            except exc.DBAPIError as e:
                et, ev, tb = type(e), e, e.__traceback__
        try:
            suppressed = self._ctx.__exit__(et, ev, tb)
        except exc.IntegrityError:
            raise
        except exc.DBAPIError as e:
            raise self.store._explain(e) from e
        if isinstance(ev, exc.DBAPIError) and not isinstance(ev, exc.IntegrityError):
            raise self.store._explain(ev) from ev
        return suppressed
