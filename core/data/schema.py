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
measurements before and after it) and ``programs`` (a leg's stretch-and-strengthen program).
Every row of the four carries its
``owner`` (``LOCAL_OWNER`` in local mode), first in every key: session ids are
unique per owner.  ``kneeclick_revisions`` holds one write counter per owner.
``kneeclick_meta`` records the schema version so later releases can migrate a
store without losing data (``core.data.migrate``).
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
SCHEMA_VERSION = 2
#: The longest owner id the store holds (hosted: issuer + "|" + sub; opaque text).
OWNER_MAX_CHARS = 512
#: The owner of every session in local (single-person) mode.  Hosted mode uses the sign-in provider's stable
#: subject instead (issuer + ``sub``, see issue 11); a store object is bound to one owner (``Store.for_owner``).
LOCAL_OWNER = "local"

#: ``kneeclick_meta`` key of :meth:`Store.revision`: a random id given to the store when it is created.  The
#: counter each committed write adds one to is per owner, in ``kneeclick_revisions`` (schema 2; schema 1 kept
#: one counter for the whole store under ``REVISION_KEY``, left in place and no longer read).
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

#: One counter per owner that each of that owner's write transactions adds one to as its last statement
#: (Store.revision): a write by one person neither invalidates another's caches nor queues on a shared row.
revisions_table = sa.Table(
    "kneeclick_revisions",
    metadata,
    sa.Column("owner", sa.String(OWNER_MAX_CHARS), primary_key=True),
    sa.Column("counter", sa.BigInteger, nullable=False),
)

# Schema 2: every table carries the owner, first in every key.  Session ids are unique per owner only, so
# nobody can learn that another person holds an id (an import of the same id is simply theirs), and every
# per-owner query reads an index range, never the whole table.
sessions_table = sa.Table(
    "sessions",
    metadata,
    sa.Column("owner", sa.String(OWNER_MAX_CHARS), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
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
    sa.PrimaryKeyConstraint("owner", "id", name="sessions_pkey"),
    # History lists an owner's sessions newest first; resuming looks for the latest one started.
    sa.Index("ix_sessions_owner_date", "owner", "session_date", "created_at"),
    sa.Index("ix_sessions_owner_created", "owner", "created_at"),
)

measurements_table = sa.Table(
    "measurements",
    metadata,
    sa.Column("owner", sa.String(OWNER_MAX_CHARS), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("reps", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("pain", sa.Integer),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("owner", "session_id", "seq", name="measurements_pkey"),
    sa.ForeignKeyConstraint(
        ["owner", "session_id"], ["sessions.owner", "sessions.id"], ondelete="CASCADE",
        name="measurements_session_fkey",
    ),
)

trials_table = sa.Table(
    "trials",
    metadata,
    sa.Column("owner", sa.String(OWNER_MAX_CHARS), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("muscle_group", sa.String(32), nullable=False),
    sa.Column("stretch_seconds", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("before_seq", sa.Integer),
    sa.Column("after_seq", sa.Integer),
    sa.Column("notes", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.PrimaryKeyConstraint("owner", "session_id", "position", name="trials_pkey"),
    sa.ForeignKeyConstraint(
        ["owner", "session_id"], ["sessions.owner", "sessions.id"], ondelete="CASCADE", name="trials_session_fkey",
    ),
)

#: A program for one leg (issue 14): stretch and strengthen one group daily for some weeks.  At most one
#: program per owner and leg is running (``ended_at`` is NULL): a partial unique index holds that even when two
#: processes start one at the same moment.  A new table, not a change to the others: older kneeclicks ignore it.
programs_table = sa.Table(
    "programs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(OWNER_MAX_CHARS), nullable=False),
    sa.Column("side", sa.String(8), nullable=False),
    sa.Column("muscle_group", sa.String(32), nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("weeks", sa.Integer, nullable=False),
    sa.Column("verdict", sa.String(32)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Index(
        "programs_one_running_per_leg", "owner", "side", unique=True,
        sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"),
    ),  # fmt: skip
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


#: What the database URL should look like, said in messages about a URL that is not one.
URL_EXAMPLES = "sqlite:////path/to/kneeclick.sqlite3 or postgresql+psycopg://user@host:5432/kneeclick"
#: Query parameters whose value is never shown (e.g. ``?password=...``): any name containing one of these.
_SECRET_PARAMS = ("pass", "secret", "token", "key", "pwd")
_HIDDEN = "***"


def describe_url(url: str) -> str:
    """The URL for messages: password, secret query values and anything unparseable hidden.

    Never echoes the raw value: a URL that cannot be parsed is described, not shown, since what was typed
    may hold a password in a form the parser did not recognise.
    """
    try:
        parsed = sa.engine.make_url(url)
    except (exc.ArgumentError, ValueError, TypeError):
        return "<not a database URL; not shown, as it may hold a password>"
    return _masked(parsed)


def _masked(parsed: sa.URL) -> str:
    query = {
        k: (_HIDDEN if any(word in k.lower() for word in _SECRET_PARAMS) else v) for k, v in parsed.query.items()
    }
    parsed = parsed.set(query=query)
    if parsed.host and "@" in parsed.host:  # "user:p@ss@host": part of the password ended up in the host
        parsed = parsed.set(host=_HIDDEN)
    if parsed.username and ":" in parsed.username:
        parsed = parsed.set(username=_HIDDEN)
    return parsed.render_as_string(hide_password=True)


def secrets_of(parsed: sa.URL) -> list[str]:
    """The password and secret query values of a URL: texts a message must never contain."""
    found = [parsed.password] if parsed.password else []
    for k, v in parsed.query.items():
        if any(word in k.lower() for word in _SECRET_PARAMS):
            found += [v] if isinstance(v, str) else list(v)
    return [str(x) for x in found if x]


def check_url(url: str) -> sa.URL:
    """Parse a database URL, or raise StoreError saying plainly what is wrong (never echoing the value)."""
    where = f"{ENV_VAR} / --db"
    try:
        parsed = sa.engine.make_url(url)
    except ValueError as e:
        if "int()" in str(e):  # SQLAlchemy parses the port with int()
            raise StoreError(
                f"The port in {where} is not a number. It should look like {URL_EXAMPLES}."
            ) from None
        raise StoreError(f"{where} is not a database URL. It should look like {URL_EXAMPLES}.") from None
    except (exc.ArgumentError, TypeError):
        raise StoreError(
            f"{where} is not a database URL (its value is not shown, as it may hold a password). "
            f"It should look like {URL_EXAMPLES}."
        ) from None
    driver = parsed.drivername
    if driver in ("postgres", "postgresql", "postgresql+psycopg2", "postgres+psycopg"):
        raise StoreError(
            f"{where} starts with {driver}://, which kneeclick cannot use: write postgresql+psycopg:// "
            f"instead (kneeclick talks to PostgreSQL through psycopg 3), e.g. {_masked(parsed.set(drivername='postgresql+psycopg'))}."
        )
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"{where} names a {parsed.get_backend_name()} database ({describe_url(url)}); kneeclick works with "
            f"SQLite and PostgreSQL URLs such as {URL_EXAMPLES}."
        )
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise StoreError(f"The port in {where} ({parsed.port}) is not a port number (1-65535).")
    return parsed


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; for SQLite: create the folder (0700) and the file (0600), WAL, busy timeout,
    foreign keys.  SQLite creates the ``-wal`` and ``-shm`` files with the database file's own mode."""
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            _create_private_file(Path(db).expanduser())
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


def _create_private_file(path: Path) -> None:
    """Create the store's folders (0700) and an empty file (0600) if missing: health data, for this user only.

    An existing folder or file keeps its mode (the person may share it on purpose).
    """
    try:
        missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask, never widened: set it exactly
    except OSError as e:
        raise StoreError(f"Cannot create the folder for the store {path}: {e.strerror}") from e
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # e.g. a read-only folder: SQLite's own error says it when the store is opened
    os.close(fd)


def file_identity(engine: sa.Engine) -> tuple[Path, int, int] | None:
    """(path, device, inode) of a SQLite store's file; None for PostgreSQL or an in-memory store."""
    url = engine.url
    db = url.database
    if url.get_backend_name() != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
        return None
    path = Path(db).expanduser().absolute()
    try:
        st = os.stat(path)
    except OSError:
        return None
    return path, st.st_dev, st.st_ino


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

