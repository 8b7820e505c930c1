"""What hosting costs one person as people grow: one PostgreSQL holding 2,000 people x 20 sessions against one
holding that person alone.  ``python benchmarks/bench_hosted.py [--url postgresql+psycopg://...] [--people N]``

Fills PostgreSQL with COPY (not the app's path): ``--people`` people (2,000) with 20 finished sessions each
(five conditions, six tests: the app's shape), every one its own owner.  Then, for one person, the operations a
page does, timed as the app calls them (``Store.open``, its default connection pool):

- history: the History page's reads: revision, list_sessions and its table, the newest session opened;
- results (store reads): trials_frame and list_sessions, what Results reads from the store;
- results (with ranking): core.report.results.results_views, the whole computation behind the Results page;
- record_test: one test recorded (one write transaction with the owner's revision bump);
- record_test, 20 at once: 20 people each recording tests in their own thread for --seconds (12 s) per store.

The two stores are timed interleaved (call by call; for the 20 at once, in alternating turns), so on a shared
machine both see the same load.

Each beside the same operation on a store holding that person alone (for the 20-at-once line: those 20 people
alone), p50/p95 in milliseconds and the ratio of the p50s (target <= 1.5).  Then the PostgreSQL plans of the
person's History and Results queries on the full store: an index by owner, no sequential scan of a table.

Without ``--url`` it starts its own server the way tests/pg.py does (initdb in a temporary folder, removed
afterwards).  Nothing is tuned here, so there is no held-out seed range: the data are seeded (seed 11).
Prints figures only; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from core.data import history  # noqa: E402
from core.data.schema import measurements_table, revisions_table, sessions_table, trials_table  # noqa: E402
from core.data.store import Store  # noqa: E402
from core.report.results import results_views  # noqa: E402
from core.session import flow  # noqa: E402

SESSIONS_PER_PERSON = 20
TESTS = 6  # a baseline and five retests
TARGET = 1.5
SEED = 11


def owner_of(i: int) -> str:
    return f"https://accounts.example.org|person-{i:05d}"


def fill(url: str, people: list[int]) -> None:
    """Create the schema (Store.open) and COPY ``people``'s sessions, conditions, tests and revisions in."""
    Store.open(url).engine.dispose()
    rng = random.Random(SEED)
    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)
    sessions, trials, measurements, revisions = [], [], [], []
    for p in people:
        owner = owner_of(p)
        for k in range(SESSIONS_PER_PERSON):
            sid = f"{p:05d}{k:03d}{rng.getrandbits(16):04x}"
            when = start + dt.timedelta(days=3 * k, minutes=p % 600)
            order = [g.value for g in flow.plan_order(flow.DEFAULT_CONDITIONS, True, rng.getrandbits(31))]
            sessions.append((
                owner, sid, when.date().isoformat(), "left" if p % 2 else "right", "bodyweight_squat", 10, 90,
                k, True, json.dumps(order), json.dumps({}), "finished", None, when, when + dt.timedelta(minutes=20),
                None, "app", when,
            ))  # fmt: skip
            for seq in range(TESTS):
                measurements.append((owner, sid, seq, 10, rng.randint(0, 12), rng.choice([None, 0, 1]), "tap", when))
            for pos, g in enumerate(order, 1):
                trials.append((owner, sid, pos, g, 90, "done", pos - 1, pos, None, when))
        revisions.append((owner, SESSIONS_PER_PERSON))
    engine = sa.create_engine(url)
    tables = [(sessions_table, sessions), (trials_table, trials), (measurements_table, measurements),
              (revisions_table, revisions)]  # fmt: skip
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        for table, rows in tables:
            names = ", ".join(c.name for c in table.columns)
            with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def open_history(store: Store) -> None:
    store.revision()
    listing = store.list_sessions()
    history.sessions_table(listing)
    store.get_session(listing["id"].iloc[0])


def results_reads(store: Store) -> None:
    store.revision()
    store.trials_frame()
    store.list_sessions()


def timed_pair(full, alone, n: int) -> tuple[list[float], list[float]]:
    """``n`` timings of each, interleaved (full, alone, alone, full, ...): on a shared machine both see the
    same load, so the ratio compares the stores, not the moments."""
    full(), alone()  # warm: the first call pays for connecting and SQLAlchemy's statement cache
    out: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):
            t = time.perf_counter()
            (full, alone)[k]()
            out[k].append((time.perf_counter() - t) * 1000)
    return out


def recorder(store: Store) -> callable:
    session = flow.new_session(f"bench{random.getrandbits(40):010x}", flow.Side.LEFT, flow.SafetyScreen())
    store.create_session(session)
    return lambda: store.record_test(session.id, 10, 3)


def at_once(urls: tuple[str, str], people: list[int], seconds: float, rounds: int = 4) -> list[list[float]]:
    """``len(people)`` people record tests at once, each in their own thread, on each store in turn: ``rounds``
    turns of ``seconds / rounds`` per store, alternating (the same machine load for both).  Latencies in ms."""
    bases = [Store.open(url) for url in urls]
    calls = [[recorder(base.for_owner(owner_of(p))) for p in people] for base in bases]
    out: list[list[float]] = [[] for _ in urls]
    for r in range(rounds):
        for k in ((0, 1) if r % 2 == 0 else (1, 0)):
            out[k] += _together(calls[k], seconds / rounds)
    for base in bases:
        base.engine.dispose()
    return out


def _together(calls: list, seconds: float) -> list[float]:
    latencies: list[list[float]] = [[] for _ in calls]
    go = threading.Barrier(len(calls))
    stop_at = [0.0]

    def run(i: int) -> None:
        go.wait()
        while time.perf_counter() < stop_at[0]:
            t = time.perf_counter()
            calls[i]()
            latencies[i].append((time.perf_counter() - t) * 1000)

    stop_at[0] = time.perf_counter() + seconds + 0.5
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return [x for lat in latencies for x in lat]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def line(name: str, full: list[float], alone: list[float]) -> None:
    f50, a50 = statistics.median(full), statistics.median(alone)
    ratio = f50 / a50
    print(
        f"{name:<32} full store p50 {f50:8.1f} ms  p95 {pct(full, 95):8.1f} ms (n={len(full):>4}) | "
        f"alone p50 {a50:8.1f} ms  p95 {pct(alone, 95):8.1f} ms (n={len(alone):>4}) | "
        f"ratio {ratio:4.2f} {'ok' if ratio <= TARGET else 'OVER ' + str(TARGET)}"
    )


def plans(url: str, owner: str) -> None:
    """EXPLAIN every statement the History and Results reads send, for ``owner`` on the full store."""
    store = Store.open(url).for_owner(owner)
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", keep)
    open_history(store)
    results_reads(store)
    event.remove(store.engine, "before_cursor_execute", keep)
    scans = []
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, parameters in sent:
            with raw.cursor() as cur:
                cur.execute("EXPLAIN " + statement, parameters)
                plan = [r[0] for r in cur.fetchall()]
            scans += [p.strip() for p in plan if "Seq Scan" in p and "kneeclick_meta" not in p]
            words = {w for p in plan for w in p.replace("(", " ").split()}
            used = sorted(w for w in words if w.endswith("_pkey") or w.startswith("ix_"))
            print(f"  plan: {' '.join(statement.split())[:90]}... -> {', '.join(used) or 'no index'}")
    store.engine.dispose()
    print(
        f"sequential scans of people's tables in the person's History/Results plans: {len(scans)}"
        + (f" {scans}" if scans else "") + " (kneeclick_meta, a few rows of settings, is read whole: not per person)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an empty PostgreSQL server's admin URL (default: start one)")
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=12.0, help="how long the 20 record at once, per store")
    ap.add_argument("--reps", type=int, default=60)
    args = ap.parse_args()

    from tests.pg import PgServer, start

    server = PgServer(args.url, lambda: None) if args.url else start()
    try:
        full_url, alone_url, crowd_url = server.new_database(), server.new_database(), server.new_database()
        person = args.people // 2
        crowd = [person + i for i in range(20)]
        t = time.perf_counter()
        fill(full_url, list(range(args.people)))
        n = args.people * SESSIONS_PER_PERSON
        print(f"filled {args.people} people x {SESSIONS_PER_PERSON} sessions ({n} sessions, {n * 5} conditions, "
              f"{n * TESTS} tests) by COPY in {time.perf_counter() - t:.1f} s")  # fmt: skip
        fill(alone_url, [person])
        fill(crowd_url, crowd)

        full = Store.open(full_url).for_owner(owner_of(person))
        alone = Store.open(alone_url).for_owner(owner_of(person))
        for name, fn, reps in (
            ("history", open_history, args.reps),
            ("results (store reads)", results_reads, args.reps),
            ("results (with ranking)", results_views, max(5, args.reps // 10)),
        ):
            line(name, *timed_pair(lambda: fn(full), lambda: fn(alone), reps))
        line("record_test", *timed_pair(recorder(full), recorder(alone), args.reps))
        full.engine.dispose()
        alone.engine.dispose()
        line("record_test, 20 people at once", *at_once((full_url, crowd_url), crowd, args.seconds))
        print("(20 at once: the same 20 people on the full store, and on a store holding those 20 alone)")
        plans(full_url, owner_of(person))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
