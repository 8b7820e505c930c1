"""The CSV check on a 50 MB valid file and on pathological files: time and peak memory (issue 12, finding 5).

Run: ``python benchmarks/bench_csv_check.py [--mb 49.5]``.  Each file is checked by ``read_csv`` (what an import
and the History upload run first) in a fresh process, which reports its wall time, its CPU time and its peak
resident memory (``VmHWM`` in /proc/self/status), also as the part above what the process held once kneeclick was imported (the
app holds that anyway).  Targets: a valid 50 MB file under 3 s and 300 MB; a pathological file refused as
fast and as small.  Wall time on a shared machine varies with its load: the CPU time is the steadier figure.

The valid files are made by ``bench_import.make_file``: seed 5 is the file the check was tuned on, seed 11 a
file it never saw (another order, other counts and notes); both are reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_import import make_file  # noqa: E402

MB = 2**20

_PROBE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from core.data.csvio import CsvError, read_csv
import pyarrow.csv  # imported by the fast path: counted in the baseline, as in a running app
def hwm():  # this process's peak resident memory in MB (ru_maxrss would carry the parent's over exec)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
base = hwm()
wall, cpu = time.perf_counter(), time.process_time()
try:
    frame = read_csv(sys.argv[1])
    outcome = f"accepted: {len(frame):,} rows"
except CsvError as e:
    outcome = f"refused: {str(e.problems[0])[:90]}"
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = hwm()
print(json.dumps(dict(wall=wall, cpu=cpu, peak=peak, above=peak - base, outcome=outcome)))
"""


def probe(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(HERE.parent)], capture_output=True,
                          text=True, timeout=600, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def valid_file(path: Path, mb: float, seed: int) -> None:
    """A valid export of about ``mb`` MB (rows scaled from a small sample of the same generator)."""
    make_file(path, 10_000, seed=seed)
    per_row = path.stat().st_size / 10_000
    make_file(path, int(mb * MB / per_row), seed=seed)


def pathological(folder: Path, mb: float) -> dict[str, Path]:
    header = Path(__file__).resolve().parent.parent / "sample_data" / "example_sessions.csv"
    head = header.read_text().splitlines()[0]
    good = header.read_text().splitlines()[1]
    files = {
        "header of 10 million commas (10 MB)": b"," * 10_000_000 + b"\n",
        f"one line of {mb:.0f} MB": (head + "\n" + "x" * int(mb * MB) + "\n").encode(),
        f"rows of 1 MB of commas each ({mb:.0f} MB)": (head + "\n" + ("," * (MB - 2) + "\n") * int(mb)).encode(),
        f"a quote opened at line 2 and never closed ({mb:.0f} MB)": (
            head + "\n" + good + ',"never closed\n' + (good + "\n") * int(mb * MB / (len(good) + 1))
        ).encode(),
        f"a NUL byte in every row ({mb:.0f} MB)": (
            head + "\n" + (good.replace("left", "le\x00ft") + "\n") * int(mb * MB / (len(good) + 1))
        ).encode(),
    }
    out = {}
    for i, (name, data) in enumerate(files.items()):
        path = folder / f"bad-{i}.csv"
        path.write_bytes(data[: int(50 * MB) - 1])
        out[name] = path
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=49.5, help="size of the files (the import limit is 50 MB)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for seed, role in ((5, "tuned on"), (11, "held out")):
            path = folder / f"valid-{seed}.csv"
            valid_file(path, args.mb, seed)
            rows.append((f"valid export, seed {seed} ({role}), {path.stat().st_size / MB:.1f} MB", probe(path)))
        for name, path in pathological(folder, args.mb).items():
            rows.append((name, probe(path)))
    print("CSV check (read_csv) in a fresh process; peak = VmHWM; 'above' = peak minus the process after imports")
    print(f"{'file':58s} {'wall s':>7s} {'cpu s':>6s} {'peak MB':>8s} {'above MB':>9s}  outcome")
    for name, r in rows:
        print(f"{name:58s} {r['wall']:7.2f} {r['cpu']:6.2f} {r['peak']:8.0f} {r['above']:9.0f}  {r['outcome']}")
    print("targets: a valid 50 MB file under 3 s and 300 MB; pathological files refused at least as fast and as small")


if __name__ == "__main__":
    main()
