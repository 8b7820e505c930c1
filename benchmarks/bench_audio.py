"""Click detector: precision and recall on synthetic recordings, and its speed.

    python benchmarks/bench_audio.py --jobs 2   # the full set (about 25 minutes on a shared 2-core machine)
    python benchmarks/bench_audio.py --seeds 2  # fewer recordings per cell, faster

Every recording (core.audio.synth) is 20 s with 10 clicks, 5 foot thumps, pink room noise at -55 dBFS RMS
and mains hum at -50 dBFS RMS. A detection matches a true click when it is within 10 ms of it (one to one).
Precision = matched / detected, recall = matched / true clicks. Then the same on harder recordings
(talking, clipping, a noisier room), false clicks on recordings without any, and the time
``detect_clicks`` takes for 60 s of 48 kHz audio, WAV bytes in, decoding included (target: <= 0.2 s).

Those recordings come from the generator the detector was shaped on. The second part scores it on
``core.audio.fieldsynth``, an independent generator used for evaluation only (other click physics,
reverberation, a phone's band limits and gain control, steps, clothing, a television, a door, talking),
on the seeds the detector may be tuned on (TUNING_SEEDS: the click model was fitted and chosen on them)
beside held-out seeds (HELD_OUT_SEEDS) it was never tuned on, each with the detector without round 16's
judge below it (``Settings(self_threshold=None)``: round 14's detector). The held-out range is
chosen with ``--held-out`` (default 9540-9939, 400 a condition: the larger held-out run of round 17, the one
the README shows; 9000-9039, 9100-9139, 9140-9239, 9240-9339 and 9340-9539 were run by earlier rounds, so they are
spent, and 9940-9999 are the last fresh ones). Three conditions more have a
single click (a knee that clicks once after a good stretch): what the lone-click bar costs.
Last: ``kneeclick count-clicks`` as a process (time for 60 s of 48 kHz audio; time and peak
memory for the largest WAV it accepts: 10 minutes of 48 kHz stereo 32-bit float, 230 MB).

    python benchmarks/bench_audio.py --field 40 --held-out 9340-9539   # tuning recordings per condition, held-out range
    python benchmarks/bench_audio.py --only field --jobs 2              # the field part on two worker processes
    python benchmarks/bench_audio.py --only field,process
    python benchmarks/bench_audio.py --only speed       # the timings alone (run them on an idle machine)
"""

from __future__ import annotations

import argparse
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.audio.detector import NOTES_BASELINE, Settings, detect_clicks  # noqa: E402
from core.audio.fieldsynth import CONDITIONS, HELD_OUT_SEEDS, TUNING_SEEDS, field_recording  # noqa: E402
from core.audio.synth import synth_recording, wav_bytes  # noqa: E402
from benchmarks.pool import map_jobs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: The detector without the judge of an unsure sound against its own recording (rounds 15-16): round 14's.
NO_SELF = Settings(self_threshold=None)
#: One click in the recording (a knee that clicks once after a good stretch): what the lone-click bar costs.
ONE_CLICK = {
    "one click -30 dBFS, quiet room": dict(click_dbfs=-30.0, n_clicks=1),
    "one click -30 dBFS, busy room": dict(click_dbfs=-30.0, n_clicks=1, steps=True, rustle=True, tv=True, door=True),
    "one click -30..-20 dBFS, talking": dict(click_dbfs=(-30.0, -20.0), n_clicks=1, talking=True),
}

RATES = (8000, 16000, 44100, 48000)
LEVELS = (-15.0, -20.0, -25.0, -30.0, -35.0)
FAINTER = (-40.0, -45.0)  # below the range the issue asks for: where the detector starts to miss
BASE = dict(duration_s=20.0, n_clicks=10, n_thumps=5)
TOLERANCE_S = 0.010


def matches(truth, found) -> int:
    left = list(found)
    hits = 0
    for t in truth:
        best = min(left, key=lambda f: abs(f - t), default=None)
        if best is not None and abs(best - t) <= TOLERANCE_S:
            hits += 1
            left.remove(best)
    return hits


def score(seeds, settings: Settings | None = None, **kw) -> tuple[int, int, int, int]:
    """(true clicks, detections, matched, recordings counted within +-1)."""
    true = found = hit = within = 0
    for seed in seeds:
        r = synth_recording(seed, **{**BASE, **kw})
        d = detect_clicks(r.wav_bytes(), settings)
        true += r.n_clicks
        found += d.count
        hit += matches(r.click_times_s, d.times_s)
        within += abs(d.count - r.n_clicks) <= 1
    return true, found, hit, within


def pr(true: int, found: int, hit: int) -> str:
    precision = hit / found if found else 1.0
    recall = hit / true if true else 1.0
    return f"{precision:5.3f} / {recall:5.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=4, help="recordings per cell (default 4)")
    parser.add_argument("--field", type=int, default=40, help="tuning field recordings per condition (from 1000)")
    parser.add_argument("--held-out", default="9540-9939",
                        help="held-out seeds FIRST-LAST (default 9540-9939, 400 a condition; must be in HELD_OUT_SEEDS)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the field recordings (default 1)")
    parser.add_argument("--only", default="synth,speed,field,process",
                        help="parts to run: synth, speed, field, process (time the speed and the process alone)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if "synth" in parts:
        synth_part(args.seeds)
    if "speed" in parts:
        speed_part()
    if "field" in parts:
        first, last = (int(v) for v in args.held_out.split("-"))
        field_part(args.field, range(first, last + 1), args.jobs)
    if "process" in parts:
        process_part()


def synth_part(n: int) -> None:
    seeds = range(1000, 1000 + n)

    print(f"Click detector on synthetic recordings ({n} x 20 s per cell, 10 clicks each, 5 thumps, room noise)")
    print("precision / recall; match within 10 ms\n")
    print(f"{'click peak':>12} | " + " | ".join(f"{r / 1000:g} kHz".rjust(13) for r in RATES) + " | all rates")
    totals = [0, 0, 0, 0]
    for level in LEVELS:
        cells, row = [], [0, 0, 0, 0]
        for rate in RATES:
            t, f, h, w = score(seeds, sample_rate=rate, click_dbfs=level)
            cells.append(pr(t, f, h).rjust(13))
            row = [a + b for a, b in zip(row, (t, f, h, w), strict=True)]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{level:>7.0f} dBFS | " + " | ".join(cells) + f" | {pr(*row[:3])}")
    recordings = n * len(RATES) * len(LEVELS)
    print(f"{'-15..-35':>12} | {'':>13} | {'':>13} | {'':>13} | {'':>13} | {pr(*totals[:3])}")
    print(f"count within +-1 of the truth: {totals[3]} of {recordings} recordings")
    print("fainter than asked (the room's noise in the 1-8 kHz band is about -60 dBFS 1 ms RMS):")
    for level in FAINTER:
        cells, row = [], [0, 0, 0, 0]
        for rate in RATES:
            t, f, h, w = score(seeds, sample_rate=rate, click_dbfs=level)
            cells.append(pr(t, f, h).rjust(13))
            row = [a + b for a, b in zip(row, (t, f, h, w), strict=True)]
        print(f"{level:>7.0f} dBFS | " + " | ".join(cells) + f" | {pr(*row[:3])}")
    print()

    print("Harder recordings (16 and 48 kHz, clicks -30 to -15 dBFS); right: the domain notes' simpler design")
    hard = {
        "talking over 60% of it (-28 dBFS)": dict(speech_dbfs=-28.0),
        "clipped (thumps at +6 dBFS)": dict(thump_dbfs=-6.0, clip_gain_db=12.0),
        "noisier room (-45 dBFS noise)": dict(noise_dbfs=-45.0),
        "rustling (15 bursts, -30 dBFS)": dict(n_rustles=15, rustle_dbfs=-30.0),
        "stereo": dict(channels=2),
    }
    print(f"  {'':<36} {'kneeclick':<33} notes baseline")
    for name, kw in hard.items():
        cells = []
        for settings in (None, NOTES_BASELINE):
            t = f = h = w = 0
            for rate in (16000, 48000):
                a = score(seeds, settings, sample_rate=rate, click_dbfs=(-30.0, -15.0), **kw)
                t, f, h, w = t + a[0], f + a[1], h + a[2], w + a[3]
            cells.append(f"{pr(t, f, h)}  within +-1: {w}/{2 * n}")
        print(f"  {name:<36} {cells[0]:<33} {cells[1]}")

    print("\nFalse clicks on recordings without any (16 and 48 kHz, 20 s each):")
    empty = {
        "room noise and hum": {},
        "40 rustles": dict(n_rustles=40, rustle_dbfs=-30.0),
        "12 foot thumps": dict(n_thumps=12, thump_dbfs=-8.0),
        "talking all the way through": dict(speech_dbfs=-25.0, speech_fraction=1.0),
        "12 clipped thumps": dict(n_thumps=12, thump_dbfs=-6.0, clip_gain_db=12.0),
    }
    minutes = 2 * n * BASE["duration_s"] / 60
    print(f"  {'':<36} {'kneeclick':<12} notes baseline   (in {minutes:.1f} min of each)")
    for name, kw in empty.items():
        false = [0, 0]
        for i, settings in enumerate((None, NOTES_BASELINE)):
            for rate in (16000, 48000):
                false[i] += score(seeds, settings, sample_rate=rate, **{"n_clicks": 0, **kw})[1]
        print(f"  {name:<36} {false[0]:<12} {false[1]}")
    print()


def speed_part() -> None:
    print("Speed: detect_clicks on 60 s of 48 kHz audio (WAV bytes in, decoding included), best and median of 7")
    for channels in (1, 2):
        wav = synth_recording(7, sample_rate=48000, duration_s=60.0, n_clicks=30, n_thumps=15, channels=channels)
        data = wav.wav_bytes()
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            detect_clicks(data)
            runs.append(time.perf_counter() - start)
        label = "mono" if channels == 1 else "stereo"
        print(f"  {label:<7} best {min(runs):.3f} s, median {statistics.median(runs):.3f} s   (target <= 0.2 s)")
    print()


def _field_one(task: tuple) -> list[dict]:
    """One fieldsynth recording (made once) counted with each settings."""
    seed, kw, settings = task
    r = field_recording(seed, **kw)
    data = r.wav_bytes()
    out = []
    for s in settings:
        d = detect_clicks(data, s)
        out.append(dict(
            true=r.n_clicks, found=d.count, hit=matches(r.click_times_s, d.times_s),
            within=abs(d.count - r.n_clicks) <= 1, zero=d.count == 0, exact=d.count == r.n_clicks,
            # miscounts (count != truth) with the verdict "ok"
            unflagged=d.count != r.n_clicks and d.quality.verdict == "ok",
        ))
    return out


def field_scores(seeds, kw: dict, settings: tuple[Settings | None, ...] = (None,), jobs: int = 1) -> list[dict]:
    """Per settings: the counts on fieldsynth recordings of ``seeds`` (each recording made once)."""
    out = [dict(n=len(seeds), true=0, found=0, hit=0, within=0, zero=0, exact=0, unflagged=0) for _ in settings]
    for one in map_jobs(_field_one, [(seed, kw, settings) for seed in seeds], jobs, chunksize=4):
        for c, got in zip(out, one, strict=True):
            for k, v in got.items():
                c[k] += int(v)
    return out


def field_cell(name: str, c: dict) -> str:
    n = c["n"]
    if name.startswith("no clicks"):
        return f"counted 0: {c['zero']}/{n} ({c['found']} false)"
    if name.startswith("one click"):
        return f"counted 1: {c['exact']}/{n}, 0: {c['zero']}, unflagged {c['unflagged']}"
    text = f"{pr(c['true'], c['found'], c['hit'])}  +-1: {c['within']}/{n}"
    if "talking" in name:
        text += f", unflagged {c['unflagged']}"
    return text


def field_part(n: int, held_out: range, jobs: int = 1) -> None:
    assert set(held_out) <= set(HELD_OUT_SEEDS), "held-out seeds come from HELD_OUT_SEEDS"
    tuning, fresh = list(TUNING_SEEDS)[:n], list(held_out)
    ranges = [f"{r[0]}-{r[-1]}" for r in (tuning, fresh)]
    print("Independent field recordings (core.audio.fieldsynth), 20 s each, 16/44.1/48 kHz at random")
    print(f"precision / recall within 10 ms, and counts within +-1; tuning seeds {ranges[0]} ({len(tuning)} a")
    print("condition; the click model was fitted on 1000-1099, its depth chosen scoring on 1100-1149, its")
    print("numbers, size and threshold on 1100-1199, then it was refitted on 1000-1199; the second look under")
    print("words, the lone-click bar and the word model's bar were chosen on 1100-1199, the word model refitted")
    print(f"on 1000-1199 too), held-out seeds {ranges[1]} ({len(fresh)} a condition, never used for any choice).")
    print("Click levels are at the knee, before the room and the phone. 'model': the detector; 'no self':")
    print("without the judge of unsure sounds against their own recording where talking is heard (fitted on")
    print("2200-2399, its bar chosen on 2600-2799, confirmed on 3000-3199; Settings(self_threshold=None)).")
    print("'unflagged': miscounts with the verdict ok.")
    print(f"  {'condition':<33} {'':<7} {'tuning ' + ranges[0]:<45} held out {ranges[1]}")
    for name, kw in {**CONDITIONS, **ONE_CLICK}.items():
        scores = [field_scores(r, kw, (None, NO_SELF), jobs) for r in (tuning, fresh)]
        for i, label in enumerate(("model", "no self")):
            a, b = (field_cell(name, s[i]) for s in scores)
            print(f"  {name if label == 'model' else '':<33} {label:<7} {a:<45} {b}", flush=True)
    print("targets on held-out recordings: click-free counted 0 in >= 95%; clicks at -30 dBFS precision and recall")
    print(">= 0.95; with talking within +-1 in >= 80% and every miscount flagged `check`")
    print()


def _run_process(args: list[str]) -> tuple[float, float, int, int]:
    """Wall time, CPU time (user + system), peak memory (KB) and exit status of `kneeclick ARGS` as its own
    process, measured by GNU time (a child of this process would report this process's memory as its own)."""
    script = Path(sys.executable).parent / "kneeclick"
    cmd = [str(script), *args] if script.exists() else [sys.executable, "-m", "core.cli", *args]
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", out.name, "-f", "%e %U %S %M", *cmd], cwd=ROOT, capture_output=True
        )
        wall, user, system, peak = out.read().split()[-4:]
    return float(wall), float(user) + float(system), int(peak), proc.returncode


def process_part() -> None:
    print("kneeclick count-clicks as a process, median of 5")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "minute.wav"
        path.write_bytes(synth_recording(7, sample_rate=48000, duration_s=60.0, n_clicks=30).wav_bytes())
        runs = [_run_process(["count-clicks", str(path)]) for _ in range(5)]
        print(f"  60 s of 48 kHz mono 16-bit: median {statistics.median(r[0] for r in runs):.2f} s "
              f"(CPU {statistics.median(r[1] for r in runs):.2f} s), peak memory "
              f"{max(r[2] for r in runs) / 1024:.0f} MB   (target <= 0.7 s)")
        big = Path(tmp) / "largest.wav"
        rate, seconds = 48000, 600
        data_bytes = rate * seconds * 2 * 4
        fmt = struct.pack("<HHIIHH", 3, 2, rate, rate * 8, 8, 32)
        body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data_bytes)
        rng = np.random.default_rng(3)
        with open(big, "wb") as f:
            f.write(b"RIFF" + struct.pack("<I", len(body) + data_bytes) + body)
            for _ in range(seconds // 10):
                f.write(rng.normal(0, 0.003, (10 * rate, 2)).astype("<f4").tobytes())
        elapsed, cpu, peak_kb, code = _run_process(["count-clicks", str(big)])
        print(f"  largest accepted WAV (10 min, 48 kHz stereo float, {big.stat().st_size / 2**20:.0f} MB): "
              f"{elapsed:.1f} s (CPU {cpu:.1f} s), peak memory {peak_kb / 1024:.0f} MB, exit {code}   (target < 300 MB)")
        # The most sounds to judge: 10 minutes of someone talking over 300 clicks (field seed 3996, 48 kHz). Every
        # syllable gives candidates, thousands in all; they are judged a share at a time (detector.WINDOW_SAMPLES).
        talk = Path(tmp) / "talking.wav"
        r = field_recording(3996, click_dbfs=(-30.0, -20.0), n_clicks=300, duration_s=600.0, talking=True,
                            steps=True, tv=True)  # fmt: skip
        talk.write_bytes(wav_bytes(r.samples, r.sample_rate))
        elapsed, cpu, peak_kb, code = _run_process(["count-clicks", str(talk)])
        print(f"  10 min of talking over 300 clicks ({r.sample_rate / 1000:g} kHz mono 16-bit, thousands of sounds "
              f"to judge): {elapsed:.1f} s (CPU {cpu:.1f} s), peak memory {peak_kb / 1024:.0f} MB, exit {code}   "
              f"(target < 500 MB)")


if __name__ == "__main__":
    main()
