"""Train the click model (``core/audio/click_model.json``) that ``core.audio.detector`` uses.

    python -m core.audio.train_click_model              # extract, fit, choose, write click_model.json
    python -m core.audio.train_click_model --work DIR   # keep the feature tables in DIR between runs

Training data, and nothing else:

- ``core.audio.fieldsynth`` recordings of every condition on :data:`~core.audio.fieldsynth.TUNING_SEEDS`:
  1000-1099 to fit, 1100-1199 to choose (the model's size was chosen counting clicks on 1100-1149 with the
  detector, its latest numbers and the threshold on 1100-1199); then a refit on all 200.
  The held-out seeds (9000-9999) are never read here.
- ``core.audio.synth`` recordings (seeds 20000 and up: neither the tests' seeds nor the benchmark's) of
  clicks with thumps, talking, rustling, clipping, a noisier room, at 8-48 kHz.

Every candidate the detector passes to the model (``detector._TABLE_HOOK``; the percussive candidates on
words included) is a row; its label is 1 when a
true click starts within 10 ms of it, 0 when no true click is near, and it is left out when it falls 10-50 ms
after a true click (the ring or the later micro-clicks of a crepitus burst: the refractory period merges
those). The model is gradient-boosted decision trees (500 of depth 4, Newton steps on the logistic loss,
the two classes weighted equally), fitted with numpy here and applied with numpy by
``core.audio.clickmodel``. Its size, its features and the detector's threshold
(``Settings.model_threshold``, 0.92) were chosen by counting clicks on the CHOOSE_SEEDS recordings with a
model fitted on FIT_SEEDS only: 0.9 kept click-free busy rooms and talking counted 0 far more often than
0.5-0.8, at a small cost in recall; with the six numbers on the word around a candidate and its ring
(round 5), 0.92 kept as many clicks with talking as 0.9 did before them, with fewer false clicks, and
500 trees (not 300) did better still on both, in each of three fits.
Building the feature tables takes most of the time (about half an hour on 2 cores); ``--work`` keeps them.

The word model (``core/audio/word_model.json``, round 8) judges the sounds only the detector's second look
takes (``Settings.word_threshold``): it is fitted the same way on every candidate under a word (80-1000 Hz
voice louder than its 1-8 kHz energy) at the second look's lower bars and without the 4 dB onset test
(:data:`WORD_CANDIDATES`), in the fieldsynth conditions with talking or a busy room and synth's talking, on
every tuning seed; every click and a third of the rest. Its bar (0.7) was chosen counting clicks on
1100-1199 with three fits on 1000-1099 and synth 20000-20039.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from core.audio import detector
from core.audio.clickmodel import FEATURES, MODEL_PATH, WORD_MODEL_PATH

FIT_SEEDS = range(1000, 1100)
CHOOSE_SEEDS = range(1100, 1200)
SYNTH_FIT = range(20000, 20040)
SYNTH_CHOOSE = range(20040, 20060)

SYNTH_KINDS = {
    "clicks and thumps": dict(click_dbfs=(-40.0, -15.0), n_thumps=6),
    "talking": dict(click_dbfs=(-35.0, -15.0), speech_dbfs=-28.0, speech_fraction=0.6),
    "talking, no clicks": dict(n_clicks=0, speech_dbfs=-25.0, speech_fraction=1.0),
    "rustling": dict(n_clicks=4, n_rustles=30, rustle_dbfs=-30.0),
    "clipped thumps": dict(n_thumps=10, thump_dbfs=-6.0, clip_gain_db=12.0),
    "noisier room": dict(click_dbfs=(-35.0, -15.0), noise_dbfs=-45.0),
}


def _label(times: list[float], truth: np.ndarray) -> np.ndarray:
    out = np.zeros(len(times))
    for i, t in enumerate(times):
        dt = t - truth
        if truth.size and np.min(np.abs(dt)) <= 0.010:
            out[i] = 1
        elif truth.size and np.any((dt > 0) & (dt < 0.050)):
            out[i] = -1
    return out


#: The word model's candidates: every sound the second look may judge (the lower bars, no onset test).
WORD_CANDIDATES = detector.Settings(
    threshold_db=9.0, percussive_db=6.0, second_threshold=None, model_onset_db=-1000.0, lone_threshold=None
)
#: Its recordings: the fieldsynth conditions with talking or a busy room, and synth's talking.
WORD_FIELD = (2, 3, 4, 5)
WORD_SYNTH = (1, 2)


def _rows(wav: bytes, truth, settings: detector.Settings | None = None) -> tuple[np.ndarray, np.ndarray]:
    got: dict = {}
    detector._TABLE_HOOK = lambda times, rows: got.update(times=times, rows=rows)
    try:
        detector.detect_clicks(wav, settings)
    finally:
        detector._TABLE_HOOK = None
    if not got:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    return got["rows"], _label(got["times"], np.asarray(truth, dtype=float))


def field_table(seeds, work: Path | None, words: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, labels and recording ids of fieldsynth recordings of every condition on ``seeds`` (``words``: the
    word model's candidates, in :data:`WORD_FIELD`'s conditions)."""
    from core.audio.fieldsynth import CONDITIONS, TUNING_SEEDS, field_recording

    assert set(seeds) <= set(TUNING_SEEDS), "the model is never fitted on held-out seeds"
    prefix = "word" if words else ""
    return _table([(f"{prefix}field{c}_{seed}", lambda seed=seed, kw=kw: field_recording(seed, **kw), 2)
                   for c, kw in enumerate(CONDITIONS.values()) for seed in seeds if not words or c in WORD_FIELD],
                  work, WORD_CANDIDATES if words else None)


def synth_table(seeds, work: Path | None, words: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from core.audio.synth import synth_recording

    rates = (8000, 16000, 44100, 48000)
    jobs = []
    for c, kw in enumerate(SYNTH_KINDS.values()):
        if words and c not in WORD_SYNTH:
            continue
        for seed in seeds:
            rate = rates[seed % len(rates)]
            # Every fourth one as an 8-bit file: its coarse steps raise the background floor.
            name = f"{'word' if words else ''}synth{c}_{seed}"
            jobs.append((name, lambda seed=seed, kw=kw, rate=rate: synth_recording(
                seed, sample_rate=rate, duration_s=20.0, **{"n_clicks": 10, **kw}), 1 if seed % 4 == 3 else 2))
    return _table(jobs, work, WORD_CANDIDATES if words else None)


def _table(jobs, work: Path | None,
           settings: detector.Settings | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ids = [], [], []
    for i, (name, make, width) in enumerate(jobs):
        cached = work / f"{name}.npz" if work else None
        if cached and cached.exists():
            z = np.load(cached)
            x, y = z["x"], z["y"]
        else:
            r = make()
            x, y = _rows(r.wav_bytes() if width == 2 else r.wav_bytes(width), r.click_times_s, settings)
            if cached:
                np.savez(cached, x=x, y=y)
        xs.append(x)
        ys.append(y)
        ids.append(np.full(len(y), i))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ids)


def fit(
    x: np.ndarray, y: np.ndarray, *, trees: int = 500, depth: int = 4, rate: float = 0.1, l2: float = 1.0,
    min_hessian: float = 5.0, bins: int = 32, seed: int = 0,
) -> dict:
    """Gradient-boosted decision trees on the logistic loss (Newton steps, histogram splits on quantile
    bins, rows subsampled per tree), with the two classes weighted equally. numpy only."""
    keep = y >= 0
    x, y = x[keep], y[keep].astype(np.float64)
    rng = np.random.default_rng(seed)
    n, d = x.shape
    edges = [np.unique(np.quantile(x[:, f], np.linspace(0, 1, bins + 1)[1:-1])) for f in range(d)]
    xb = np.column_stack([np.searchsorted(edges[f], x[:, f], side="left") for f in range(d)])
    # Each feature's bins offset by its own block, one row per feature: a node's histograms of every feature
    # are then one bincount (the same sums in the same order as one bincount per feature, about twice as fast).
    size = max(len(e) for e in edges) + 1
    codes_by_feature = np.ascontiguousarray((xb + np.arange(d) * size).T).astype(np.intp)
    weight = np.where(y == 1, 0.5 / max(1.0, y.sum()), 0.5 / max(1.0, (1 - y).sum())) * n
    prior = float(np.log(np.sum(weight * y) / np.sum(weight * (1 - y))))
    logit = np.full(n, prior)
    inner, leaves = 2**depth - 1, 2**depth
    feature = np.zeros((trees, inner), dtype=int)
    threshold = np.full((trees, inner), np.inf)
    value = np.zeros((trees, leaves))
    for t in range(trees):
        p = 1 / (1 + np.exp(-logit))
        g, h = weight * (p - y), weight * p * (1 - p)
        sample = rng.random(n) < 0.8
        members = [np.flatnonzero(sample)]
        for node in range(inner):
            idx = members[node]
            best = (0.0, 0, -1)
            if idx.size:
                gs, hs = g[idx].sum(), h[idx].sum()
                codes = codes_by_feature[:, idx].ravel()
                g_hist = np.bincount(codes, weights=np.tile(g[idx], d), minlength=d * size).reshape(d, size)
                h_hist = np.bincount(codes, weights=np.tile(h[idx], d), minlength=d * size).reshape(d, size)
                for f in range(d):
                    k = len(edges[f]) + 1
                    gl = np.cumsum(g_hist[f, :k])[:-1]
                    hl = np.cumsum(h_hist[f, :k])[:-1]
                    gain = gl**2 / (hl + l2) + (gs - gl) ** 2 / (hs - hl + l2) - gs**2 / (hs + l2)
                    gain[(hl < min_hessian) | (hs - hl < min_hessian)] = -np.inf
                    b = int(np.argmax(gain))
                    if gain[b] > best[0]:
                        best = (float(gain[b]), f, b)
            if best[2] >= 0:
                f, b = best[1], best[2]
                feature[t, node], threshold[t, node] = f, float(edges[f][b])
                right = x[idx, f] > threshold[t, node]
                members += [idx[~right], idx[right]]
            else:
                members += [idx, idx[:0]]  # no split: everything goes left
        for leaf in range(leaves):
            idx = members[inner + leaf]
            value[t, leaf] = -rate * g[idx].sum() / (h[idx].sum() + l2) if idx.size else 0.0
        # Every row (not only the subsample) moves by its leaf.
        node = np.zeros(n, dtype=int)
        for _ in range(depth):
            node = 2 * node + 1 + (x[np.arange(n), feature[t, node]] > threshold[t, node])
        logit += value[t, node - inner]
    return {
        "kind": "gradient-boosted trees",
        "features": list(FEATURES),
        "depth": depth,
        "bias": prior,
        "feature": feature.tolist(),
        "threshold": [[round(v, 4) if np.isfinite(v) else 1e300 for v in row] for row in threshold],
        "value": np.round(value, 5).tolist(),
    }


def _report(model: dict, x: np.ndarray, y: np.ndarray, what: str) -> None:
    from core.audio.clickmodel import click_probability

    p = click_probability(x, model)
    pos, neg = y == 1, y == 0
    cells = [f"at {t}: recall {np.mean(p[pos] >= t):.3f}, false {int(np.sum(p[neg] >= t))}/{int(neg.sum())}"
             for t in (0.5, 0.7, 0.92)]
    print(f"  {what:<30} " + "; ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, help="keep feature tables here between runs")
    args = parser.parse_args()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    fit_x, fit_y = [], []
    choose = {}
    for name, table, a, b in (("fieldsynth", field_table, FIT_SEEDS, CHOOSE_SEEDS),
                              ("synth", synth_table, SYNTH_FIT, SYNTH_CHOOSE)):
        x, y, _ = table(a, args.work)
        fit_x.append(x)
        fit_y.append(y)
        choose[name] = table(b, args.work)[:2]
        print(f"{name}: {len(y)} candidates to fit on ({int((y == 1).sum())} clicks)")
    model = fit(np.concatenate(fit_x), np.concatenate(fit_y))
    print("candidates of the seeds kept to choose on (clicks found, false clicks at three thresholds):")
    for name, (x, y) in choose.items():
        _report(model, x, y, name)
    # The final model: the same settings, fitted on every tuning seed.
    x = np.concatenate(fit_x + [c[0] for c in choose.values()])
    y = np.concatenate(fit_y + [c[1] for c in choose.values()])
    MODEL_PATH.write_text(json.dumps(fit(x, y)) + "\n")
    print(f"wrote {MODEL_PATH} ({len(y)} candidates)")
    # The word model (round 8): every tuning seed, as above.
    x, y = word_rows(range(1000, 1200), range(20000, 20060), args.work)
    WORD_MODEL_PATH.write_text(json.dumps(fit(x, y)) + "\n")
    print(f"wrote {WORD_MODEL_PATH} ({len(y)} candidates)")


def word_rows(field_seeds, synth_seeds, work: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """The word model's rows: the candidates under a word (80-1000 Hz voice louder than their 1-8 kHz energy,
    as the second look asks) at the lower bars without the onset test, every click and a third of the rest
    (the classes are weighted equally in the fit anyway; a third keeps the fit as fast as the click model's)."""
    xs, ys = [], []
    for table, seeds in ((field_table, field_seeds), (synth_table, synth_seeds)):
        x, y, _ = table(seeds, work, words=True)
        xs.append(x)
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    voice = np.maximum(x[:, FEATURES.index("pre_voice_db")], x[:, FEATURES.index("post_voice_db")]) > 0
    x, y = x[voice], y[voice]
    keep = (y != 0) | (np.random.default_rng(7).random(y.size) < 0.33)
    return x[keep], y[keep]


if __name__ == "__main__":
    main()
