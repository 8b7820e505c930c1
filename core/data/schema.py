"""The store's schema and connection: tables, the database URL, the engine, and the errors in words.


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
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc

from core.session.vocabulary import (
    MuscleGroup,
    SafetyScreen,
    Trial,
    TrialStatus,
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

