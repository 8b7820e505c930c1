"""Import speed: a 100,000-row file through kneeclick's import, beside pandas.read_csv of the same file.

Run: ``python benchmarks/bench_import.py [ROWS] [--db URL]`` (default: 100000 rows into a new SQLite
file in a temporary folder).  Prints the time of each step; best of 3 for the reads, one import.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.csvio import EXPORT_COLUMNS, export_csv, import_csv, read_csv, write_csv  # noqa: E402
from core.data.store import Store  # noqa: E402

GROUPS = ["quadriceps", "hamstrings", "calves", "hip_abductors", "hip_flexors", "hip_adductors",
          "hip_external_rotators", "rest_control"]  # fmt: skip


def make_file(path: Path, rows: int, seed: int = 5) -> None:
    """Sessions of 8 conditions in a chain, like real exports (notes on some rows, some with commas)."""
    rng = np.random.default_rng(seed)
    per = len(GROUPS)
    n_sessions = -(-rows // per)
    sid = np.repeat([f"bench-{i:06d}" for i in range(n_sessions)], per)[:rows]
    pos = np.tile(np.arange(1, per + 1), n_sessions)[:rows]
    orders = [rng.permutation(GROUPS) for _ in range(n_sessions)]
    groups = np.array(orders).ravel()[:rows]
    planned = np.repeat([" ".join(o) for o in orders], per)[:rows]
    clicks = rng.poisson(7, size=(n_sessions, per + 1))
    before = clicks[:, :-1].ravel()[:rows]
    after = clicks[:, 1:].ravel()[:rows]
    dates = (pd.Timestamp("2020-01-01") + pd.to_timedelta(np.repeat(np.arange(n_sessions), per)[:rows], "D")).strftime("%Y-%m-%d")
    notes = np.where(rng.random(rows) < 0.1, "felt it, mostly behind the knee", "")
    frame = pd.DataFrame(
        dict(
            session_id=sid, session_date=dates, side="left", movement="bodyweight_squat", position=pos,
            muscle_group=groups, stretch_seconds=90, reps_before=10, clicks_before=before, reps_after=10,
            clicks_after=after, pain_before=0, pain_after=0, notes=notes, session_status="finished",
            stop_reason="", session_notes="", planned_order=planned, skipped_positions="",
        )
    )  # fmt: skip
    frame["pain_before"] = frame["pain_before"].astype("Int64")
    frame["pain_after"] = frame["pain_after"].astype("Int64")
    path.write_text(write_csv(frame.loc[:, list(EXPORT_COLUMNS)]), encoding="utf-8")


def best(fn, n=3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--db", metavar="URL", help="an EMPTY store to import into (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        make_file(path, args.rows)
        size = path.stat().st_size
        print(f"file: {args.rows:,} rows, {size / 1e6:.1f} MB")
        t_pandas = best(lambda: pd.read_csv(path, dtype=str, keep_default_na=False))
        print(f"pandas.read_csv (all columns as text):     {t_pandas:7.3f} s")
        t_pandas_typed = best(lambda: pd.read_csv(path))
        print(f"pandas.read_csv (types inferred):          {t_pandas_typed:7.3f} s")
        t_read = best(lambda: read_csv(path))
        print(f"kneeclick read_csv (parse + every check):  {t_read:7.3f} s  ({t_read / t_pandas:.1f}x pandas)")
        store = Store.open(args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        t = time.perf_counter()
        report = import_csv(store, path)
        t_import = time.perf_counter() - t
        print(f"kneeclick import into {store.engine.dialect.name:<10} (checked, one transaction): {t_import:7.3f} s"
              f"  ({report.summary()}, {t_import / t_pandas:.1f}x pandas)")  # fmt: skip
        t = time.perf_counter()
        again = import_csv(store, path)
        print(f"re-import of the same file (adds nothing):  {time.perf_counter() - t:7.3f} s  ({again.summary()})")
        t = time.perf_counter()
        text = export_csv(store)
        print(f"kneeclick export of the whole store:        {time.perf_counter() - t:7.3f} s  "
              f"(identical to the file: {text == path.read_text(encoding='utf-8')})")  # fmt: skip
        store.engine.dispose()


if __name__ == "__main__":
    main()
