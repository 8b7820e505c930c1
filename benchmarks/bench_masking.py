"""How far under the voice do the clicks the detector misses lie? (round 17 of issue 13, docs/detector.md)

Each talking recording of ``core.audio.fieldsynth`` is made with ``split=True``, which also keeps its clicks alone
as the phone recorded them; the rest of the recording is everything else (the voice, the room, the phone's noise).
A click's level against the rest is measured in the detector's 1-8 kHz band over the click's first 5 ms. The
shipped detector counts each recording once; a true click is found when a counted click lies within 10 ms.

Prints: clicks and the share found by their level against the rest; where the missed and found clicks lie; what
an imagined detector would count within one that found every click from a level on and nothing else; what the
missed clicks were to the detector (the models' candidates and their p, through the detector's table hooks); and
the click model's numbers that tell the clicks it found from those it missed though they were loud enough.

    python benchmarks/bench_masking.py                         # tuning seeds 3200-3399, 200 recordings
    python benchmarks/bench_masking.py --seeds 3200-3299 --jobs 2

Tuning seeds only by default: the analysis is for understanding, and a choice made from it must be judged on
seeds it did not see.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np
from scipy import signal, stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.pool import map_jobs  # noqa: E402
from core.audio import detector  # noqa: E402
from core.audio.clickmodel import FEATURES, click_probability, load_word_model  # noqa: E402
from core.audio.fieldsynth import CONDITIONS, field_recording  # noqa: E402

TALKING = "clicks -30..-20 dBFS, talking"
BINS = ((-np.inf, -6.0), (-6.0, 0.0), (0.0, 6.0), (6.0, 10.0), (10.0, np.inf))
MATCH_S = 0.010
LOUD_DB = 3.0  # a missed click this far above the rest was loud enough to be heard


def _energy(x: np.ndarray) -> float:
    return float(np.sum(np.square(x, dtype=np.float64))) + 1e-20


def one(seed: int) -> dict:
    """One talking recording: per true click its level against the rest, found or not, and what it was."""
    r = field_recording(seed, split=True, **CONDITIONS[TALKING])
    rate = r.sample_rate
    sos = signal.butter(4, [1000, min(8000, 0.45 * rate)], "bandpass", fs=rate, output="sos")
    clicks = signal.sosfiltfilt(sos, r.click_part.astype(np.float64))
    rest = signal.sosfiltfilt(sos, r.samples.astype(np.float64) - r.click_part)
    got: dict = {}
    detector._TABLE_HOOK = lambda t, rows: got.update(t=np.asarray(t, float), rows=np.asarray(rows, float))
    detector._HIDDEN_HOOK = lambda t, rows: got.update(ht=np.asarray(t, float), hrows=np.asarray(rows, float))
    try:
        d = detector.detect_clicks(r.wav_bytes())
    finally:
        detector._TABLE_HOOK = detector._HIDDEN_HOOK = None
    t, p = got.get("t", np.zeros(0)), np.zeros(0)
    if t.size:
        p = click_probability(got["rows"])
    ht, hp = got.get("ht", np.zeros(0)), np.zeros(0)
    if ht.size:
        hp = click_probability(got["hrows"], load_word_model())
    found = np.asarray(d.times_s, float)
    w = int(0.005 * rate)
    out, shapes = [], []
    for at in r.click_times_s:
        i = int(at * rate)
        level = 10 * np.log10(_energy(clicks[i : i + w]) / _energy(rest[i : i + w]))
        gap = np.abs(found - at) if found.size else np.full(1, np.inf)
        hit = bool(gap.min() <= MATCH_S)
        if hit:
            what = "found"
        elif gap.min() < detector.Settings().refractory_s:
            what = "a counted sound within 0.12 s (timed off, or a sound beside it counted instead)"
        elif t.size and (np.abs(t - at) <= MATCH_S).any():
            pc = float(p[np.abs(t - at) <= MATCH_S].max())
            what = "the click model's candidate, p under 0.3" if pc < 0.3 else "the click model's candidate, p 0.3 to 0.92"
        elif ht.size and (np.abs(ht - at) <= MATCH_S).any():
            what = "the word model's candidate"
        else:
            what = "no candidate"
        out.append((level, hit, what))
        near = np.abs(t - at) <= MATCH_S if t.size else np.zeros(0, bool)
        if near.any() and (hit or level >= LOUD_DB):  # the click model's numbers of the click: found, or missed loud
            shapes.append((hit, got["rows"][np.flatnonzero(near)[np.argmax(p[near])]]))
    return dict(truth=r.n_clicks, count=d.count, clicks=out, shapes=shapes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="3200-3399", help="fieldsynth seeds FIRST-LAST (default 3200-3399)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args()
    first, last = (int(v) for v in args.seeds.split("-"))
    recs = list(map_jobs(one, list(range(first, last + 1)), args.jobs, chunksize=4))
    level = np.array([c[0] for r in recs for c in r["clicks"]])
    hit = np.array([c[1] for r in recs for c in r["clicks"]])
    within = sum(abs(r["count"] - r["truth"]) <= 1 for r in recs)
    print(f"Talking recordings ({TALKING!r}), fieldsynth seeds {first}-{last}: {len(recs)} recordings, "
          f"{level.size} clicks; the detector counted {within} within one")
    print("a click's 1-8 kHz level against everything else under it (its first 5 ms):")
    for lo, hi in BINS:
        m = (level >= lo) & (level < hi)
        name = f"under {hi:g} dB" if lo == -np.inf else f"{lo:g} dB or more" if hi == np.inf else f"{lo:g} to {hi:g} dB"
        share = f"{hit[m].mean():.0%}" if m.any() else "-"
        print(f"  {name:<16} {int(m.sum()):>6} clicks, found {share}")
    for name, m in (("missed", ~hit), ("found", hit)):
        if m.any():
            q = np.percentile(level[m], [25, 50, 75])
            print(f"  {name} clicks: median {q[1]:.1f} dB (quartiles {q[0]:.1f} and {q[2]:.1f})")
    print(f"  missed clicks {LOUD_DB:g} dB or more above the rest: {int(np.sum(~hit & (level >= LOUD_DB)))} of "
          f"{int(np.sum(~hit))}")
    print("an imagined detector finding every click from a level on, and nothing else: within one")
    for floor in (-6.0, -3.0, 0.0, 3.0):
        w = sum(abs(sum(c[0] >= floor for c in r["clicks"]) - r["truth"]) <= 1 for r in recs)
        print(f"  from {floor:+g} dB: {w} of {len(recs)}")
    print("what the missed clicks were to the detector:")
    for what, n in collections.Counter(c[2] for r in recs for c in r["clicks"] if not c[1]).most_common():
        print(f"  {n:>5}  {what}")
    shapes(recs)


def _auc(a: np.ndarray, b: np.ndarray) -> float:
    """P(a value of ``a`` > one of ``b``), ties half."""
    ranks = stats.rankdata(np.concatenate([a, b]))  # ties get their mean rank
    return float((ranks[: a.size].sum() - a.size * (a.size + 1) / 2) / (a.size * b.size))


def shapes(recs: list[dict]) -> None:
    """The click model's numbers of the clicks it found against those it missed though loud enough: the six
    that tell them apart best (AUC away from 0.5), medians."""
    found = np.array([x for r in recs for hit, x in r["shapes"] if hit])
    loud = np.array([x for r in recs for hit, x in r["shapes"] if not hit])
    if not (found.size and loud.size):
        return
    aucs = [_auc(found[:, i], loud[:, i]) for i in range(len(FEATURES))]
    print(f"the click model's numbers: clicks found ({len(found)}) against those missed {LOUD_DB:g} dB or more above "
          f"the rest ({len(loud)}), medians; AUC found over missed")
    for i in sorted(range(len(FEATURES)), key=lambda i: -abs(aucs[i] - 0.5))[:6]:
        print(f"  {FEATURES[i]:<18} {np.median(found[:, i]):8.2f} {np.median(loud[:, i]):8.2f}   AUC {aucs[i]:.2f}")


if __name__ == "__main__":
    main()
