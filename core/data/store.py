"""The store: every session, condition and test, in SQLite or PostgreSQL, behind one class.

:class:`Store` is put together from its parts: the schema and the engine (``core.data.schema``), sessions
(``store_sessions``), tests and conditions (``store_tests``), bulk import/export (``store_bulk``) and programs
(``store_programs``); this module adds opening, schema checks and the revision counter.  Every public method
that writes runs in one transaction and commits before it returns; a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import secrets

import sqlalchemy as sa
from sqlalchemy import exc

from core.data.schema import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    ENV_VAR,
    LOCAL_OWNER,
    REVISION_KEY,
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
    secrets_of,
    trial_from_row,
)
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
        if not owner:
            raise ValueError("an owner is required")
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
            # Last statement of every write: count it (Store.revision).  Last, so on PostgreSQL the
            # counter's row lock is held only for the commit and is always the last lock taken.
            try:
                self.store.check_file()  # again at the last moment: never commit into a file that is gone
                self._conn.execute(_BUMP_REVISION)
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
