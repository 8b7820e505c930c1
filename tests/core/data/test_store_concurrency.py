"""Never lose data: two writer processes at once, and a writer killed with SIGKILL, on SQLite and PostgreSQL."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import sqlalchemy as sa

from core.data.schema import measurements_table
from tests.helpers import ROOT
from tests.core.data.test_store import planned_session


def writer(url: str, session_id: str, reps: int, count: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_writer", url, session_id, str(reps), str(count)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stored_tests(store, session_id: str) -> list[tuple[int, int, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(measurements_table.c.seq, measurements_table.c.reps, measurements_table.c.clicks)
            .where(measurements_table.c.session_id == session_id)
            .order_by(measurements_table.c.seq)
        ).all()
    return [tuple(r) for r in rows]


def committed(lines: str) -> list[tuple[int, int]]:
    return [(int(r), int(c)) for _, r, c in (line.split() for line in lines.splitlines() if line.startswith("committed"))]


def test_two_processes_recording_into_one_session_lose_nothing(any_db_url, open_store):
    store = open_store(any_db_url)
    session = store.create_session(planned_session())
    procs = [writer(any_db_url, session.id, reps, 60) for reps in (10, 20)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        outs.append(out)
    reported = sorted(committed("".join(outs)))
    assert len(reported) == 120
    stored = stored_tests(store, session.id)
    assert sorted((reps, clicks) for _, reps, clicks in stored) == reported
    assert [seq for seq, _, _ in stored] == list(range(120)), "one test per place in the order, no gaps, no doubles"


def test_a_writer_killed_with_sigkill_loses_no_committed_test(any_db_url, open_store):
    store = open_store(any_db_url)
    session = store.create_session(planned_session())
    proc = writer(any_db_url, session.id, 10, 0)  # records until killed
    seen = []
    deadline = time.monotonic() + 120
    while len(seen) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("committed"):
            seen.append(line)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of recording: no cleanup, no flush, no rollback
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    reported = committed("".join(seen) + rest)
    assert len(reported) >= 40

    if any_db_url.startswith("sqlite"):
        with sqlite3.connect(any_db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = open_store(any_db_url)  # a fresh engine, as after a restart
    stored = {(reps, clicks) for _, reps, clicks in stored_tests(again, session.id)}
    assert set(reported) <= stored, "every test the writer reported as committed is there"
    assert len(stored) <= len(reported) + 1, "at most the one in flight when killed may also have landed"
    m = again.record_test(session.id, 10, 3)  # and the store takes the next test as usual
    assert m.seq == len(stored)
