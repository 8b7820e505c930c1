"""The store: every session, condition and test, in SQLite or PostgreSQL, behind one class.

:class:`Store` is put together from its parts: the schema and the engine (``core.data.schema``), sessions
(``store_sessions``), tests and conditions (``store_tests``), bulk import/export (``store_bulk``) and programs
(``store_programs``); this module adds opening, schema checks and the revision counter.  Every public method
that writes runs in one transaction and commits before it returns; a failure leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import os
import secrets

import sqlalchemy as sa
from sqlalchemy import exc

from core.data.schema import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    ENV_VAR,
    LOCAL_OWNER,
    OWNER_MAX_CHARS,
    SCHEMA_VERSION,
    STORE_ID_KEY,
    StoreError,
    describe_url,
    file_identity,
    make_engine,
    meta_table,
    metadata,
    new_session_id,
    resolve_db_url,
    revisions_table,
    secrets_of,
    trial_from_row,
)
from core.data.migrate import migrate_to_current
from core.data.store_bulk import BulkRecords
from core.data.store_programs import ProgramRecords
from core.data.store_sessions import SessionRecords
from core.data.store_tests import TestRecords
from core.session.clock import SYSTEM_CLOCK, Clock

__all__ = [
    "CSV_COLUMNS", "CSV_OPTIONAL_COLUMNS", "ENV_VAR", "LOCAL_OWNER", "SCHEMA_VERSION", "Store", "StoreError",
    "describe_url", "make_engine", "metadata", "new_session_id", "resolve_db_url", "trial_from_row",
]


class Store(SessionRecords, TestRecords, BulkRecords, ProgramRecords):
    """All reads and writes of kneeclick data.  Thread-safe; share one per URL."""

    def __init__(self, engine: sa.Engine, clock: Clock = SYSTEM_CLOCK, owner: str = LOCAL_OWNER) -> None:
        if not isinstance(owner, str) or not owner:
            raise ValueError("an owner is required")
        if len(owner) > OWNER_MAX_CHARS:
            raise ValueError(f"an owner id has at most {OWNER_MAX_CHARS} characters, this one has {len(owner)}")
        self.engine = engine
        self.clock = clock
        self.owner = owner  # every read and write of this object is this person's alone
        self._file: tuple | None = None  # SQLite: (path, device, inode) of the file opened (check_file)

    # ------------------------------------------------------------------ setup
    @classmethod
    def open(cls, url: str | None = None, clock: Clock = SYSTEM_CLOCK) -> "Store":
        """Open (creating tables on first use) the store at ``url`` or the resolved default."""
        store = cls(make_engine(resolve_db_url(url)), clock)
        store.ensure_schema()
        store._file = file_identity(store.engine)
        return store

    def for_owner(self, owner: str) -> "Store":
        """The same store (engine shared, nothing reopened) seen as ``owner``: every read and write is theirs."""
        view = type(self)(self.engine, self.clock, owner)
        view._file = self._file
        return view

    def check_file(self) -> None:
        """SQLite: refuse (StoreError) when the store's file was deleted or replaced since it was opened.

        Open connections keep writing to the file they opened, even once it is gone from its folder: such a
        write would be confirmed and then lost at the next start.  Run before every write and again just
        before its commit.  PostgreSQL has no file: nothing to check.
        """
        if self._file is None:
            return
        path, dev, ino = self._file
        try:
            st = os.stat(path)
        except FileNotFoundError:
            why = "was deleted while kneeclick was running"
        except OSError as e:
            why = f"cannot be checked ({e.strerror})"
        else:
            if (st.st_dev, st.st_ino) == (dev, ino):
                return
            why = "was replaced by another file while kneeclick was running"
        raise StoreError(
            f"The store file {path} {why}, so this was not saved: it could not be read back. "
            "Restart kneeclick to use the file that is there now."
        )

    @property
    def url(self) -> str:
        return describe_url(self.engine.url.render_as_string(hide_password=False))

    def ensure_schema(self) -> int:
        """Create missing tables, record or check the schema version, migrate an older store; returns it.

        A store made by an older kneeclick is migrated in one transaction (``core.data.migrate``): nothing
        is lost, and a failure leaves it as it was.
        """
        try:
            migrated = migrate_to_current(self.engine)
        except exc.DBAPIError as e:
            raise self._explain(e) from e
        if migrated is not None and migrated > SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.url} was written by a newer kneeclick (schema {migrated}; "
                f"this one knows {SCHEMA_VERSION}). Upgrade kneeclick; nothing was changed."
            )
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
        self._ensure_store_id()
        return version

    def _ensure_store_id(self) -> None:
        for key, value in ((STORE_ID_KEY, secrets.token_hex(8)),):
            try:
                with self.engine.begin() as conn:
                    if conn.execute(sa.select(meta_table.c.key).where(meta_table.c.key == key)).first() is None:
                        conn.execute(meta_table.insert().values(key=key, value=value))
            except exc.IntegrityError:
                pass  # another process added it a moment ago
            except exc.DBAPIError as e:
                raise self._explain(e) from e

    def revision(self) -> str:
        """A short text that changes with every committed write by this owner (one small read).

        Made of the store's own random id, a digest of the owner and the owner's counter, which each of the
        owner's write transactions adds one to as its last statement.  So a cache keyed by it is never served
        for another store at the same URL, nor for another owner, nor after any change of this owner's data: a
        recorded test, a note, a deletion, an import (also by other processes).  Another owner's writes
        leave it as it is.
        """
        with self._connect() as conn:  # one small statement: read on every rerun of a page, so kept cheap
            store_id, counter = conn.execute(_REVISION_SQL, {"owner": self.owner}).one()
        return f"{store_id or ''}:{self._owner_digest}:{counter or 0}"

    @property
    def _owner_digest(self) -> str:
        return hashlib.sha256(self.owner.encode("utf-8")).hexdigest()[:16]

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
        elif "password authentication failed" in low or "no password supplied" in low:
            why = "the server refused the user name or password (check them in the URL)"
        elif "database" in low and "does not exist" in low:
            why = "the server has no such database (create it first, e.g. with createdb)"
        elif "role" in low and "does not exist" in low:
            why = "the server has no such user"
        elif "permission denied" in low and "database" in low:
            why = "this user may not connect to that database"
        elif "connection" in low or "could not connect" in low or "timeout" in low or "translate host" in low:
            why = "the database server could not be reached (check the host, the port and that it runs)"
        else:
            why = text.strip().splitlines()[0] if text.strip() else type(e).__name__
            for secret in secrets_of(self.engine.url):  # a driver may repeat what it was given
                why = why.replace(secret, "***")
        return StoreError(f"Cannot use the store at {self.url}: {why}. Nothing was changed.")

    def _begin(self):
        return _Guard(self, write=True)

    def _connect(self):
        return _Guard(self, write=False)


_REVISION_SQL = sa.text(
    f"SELECT (SELECT value FROM kneeclick_meta WHERE key = '{STORE_ID_KEY}'), "
    "(SELECT counter FROM kneeclick_revisions WHERE owner = :owner)"
)


def _bump_revision(conn: sa.Connection, owner: str) -> None:
    """Add one to ``owner``'s counter (creating it at 1): one row per owner, so writers of different owners
    never wait for each other here."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(revisions_table).values(owner=owner, counter=1)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[revisions_table.c.owner], set_={"counter": revisions_table.c.counter + 1}
        )
    )


class _Guard:
    """A connection (or transaction) that turns driver errors into StoreError."""

    def __init__(self, store: Store, write: bool) -> None:
        self.store = store
        self.write = write
        self._ctx = None

    def __enter__(self) -> sa.Connection:
        if self.write:
            self.store.check_file()
        try:
            self._ctx = self.store.engine.begin() if self.write else self.store.engine.connect()
            self._conn = self._ctx.__enter__()
            return self._conn
        except exc.DBAPIError as e:
            raise self.store._explain(e) from e

    def __exit__(self, et, ev, tb):
        if self.write and et is None:
            # Last statement of every write: count it (Store.revision), on the owner's own counter.  Last, so
            # on PostgreSQL the counter's row lock is held only for the commit and is always the last lock taken.
            try:
                self.store.check_file()  # again at the last moment: never commit into a file that is gone
                _bump_revision(self._conn, self.store.owner)
            except exc.DBAPIError as e:
                et, ev, tb = type(e), e, e.__traceback__
            except StoreError as e:
                self._ctx.__exit__(type(e), e, e.__traceback__)  # roll back, then say why
                raise
        try:
            suppressed = self._ctx.__exit__(et, ev, tb)
        except exc.IntegrityError:
            raise
        except exc.DBAPIError as e:
            raise self.store._explain(e) from e
        if isinstance(ev, exc.DBAPIError) and not isinstance(ev, exc.IntegrityError):
            raise self.store._explain(ev) from ev
        return suppressed
