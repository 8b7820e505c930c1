"""A throw-away PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory, on a free port.

``initdb`` and ``pg_ctl`` refuse to run as root; as root (CI, these machines)
they run as the ``postgres`` system user through ``runuser``, in a directory that
user owns.  Binaries are found on PATH or under /usr/lib/postgresql/*/bin (the
Debian layout).  Set ``KNEECLICK_TEST_PG_URL`` to use a running server instead
(the tests then create and drop their own databases on it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tests.helpers import free_port


class PgUnavailable(RuntimeError):
    """No way to run PostgreSQL here; the message says why."""


def find_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(d) / "pg_ctl").exists() and (Path(d) / "initdb").exists():
            return Path(d)
    return None


@dataclass
class PgServer:
    """A running server; ``new_database()`` gives each test an empty database of its own."""

    admin_url: str  # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
    stop: callable

    def new_database(self) -> str:
        name = f"kc_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"


def _run(cmd: list[str], as_postgres: bool, **kw) -> subprocess.CompletedProcess:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def start() -> PgServer:
    """Start a fresh server (or use $KNEECLICK_TEST_PG_URL); raise PgUnavailable if impossible."""
    given = os.environ.get("KNEECLICK_TEST_PG_URL")
    if given:
        return PgServer(given, lambda: None)
    bindir = find_bin_dir()
    if bindir is None:
        raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin")
    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="kneeclick-pg-"))
    if as_postgres:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError as e:
            raise PgUnavailable("running as root and there is no 'postgres' user to run initdb as") from e
        os.chmod(base, 0o755)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    data = base / "data"
    init = _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], as_postgres)
    if init.returncode != 0:
        raise PgUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    last = ""
    for _attempt in range(3):  # a free port can be taken between choosing it and binding it
        port = free_port()
        opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=on"
        run = _run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "-t", "60", "start"], as_postgres)
        if run.returncode == 0:
            break
        last = (base / "log").read_text(errors="replace")[-2000:] if (base / "log").exists() else run.stderr
    else:
        shutil.rmtree(base, ignore_errors=True)
        raise PgUnavailable(f"pg_ctl could not start the server: {last}")

    def stop() -> None:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], as_postgres)
        shutil.rmtree(base, ignore_errors=True)

    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    while True:
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
            break
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                stop()
                raise PgUnavailable("the PostgreSQL server started but accepts no connections") from None
            time.sleep(0.2)
    return PgServer(url, stop)
