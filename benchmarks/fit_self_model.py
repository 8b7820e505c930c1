"""Fit core/audio/self_model.json: the second look's judge of an unsure sound against its own recording
(core.audio.selfjudge; rounds 15-16, docs/detector.md).

    python benchmarks/fit_self_model.py           # rebuild core/audio/self_model.json (a few minutes)
    python benchmarks/fit_self_model.py --check   # compare a rebuild with the file, write nothing

The sounds: fieldsynth TUNING_SEEDS 2200-2399, busy-room clicks and talking (200 recordings each), with the
shipped detector's candidates, in the recordings where the second look opens (>= second_min_clicks distinct
sure clicks). Per recording: the click model's candidates not sure (p 0.01 to under 0.92), a voice over them
(as Settings.second_voice_db), away from the sure clicks (refractory_s) and inside the edges; a recording
counts only if it has such a sound or a sound under a word with the word model's p 0.01 to 0.7 (the same
tests). Label: a true click onset within 10 ms. The scales (G, P, gsd) and the pooled within-class covariance
(Sg) come from the counted recordings' sure clicks (p >= 0.92) and sure non-clicks (p < 0.01, each model's
own), then a logistic regression (L2 10 on the standardized numbers, intercept free) of
:func:`core.audio.selfjudge.self_features` on the click model's sounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.audio import detector  # noqa: E402
from core.audio.clickmodel import click_probability, load_word_model  # noqa: E402
from core.audio.fieldsynth import CONDITIONS, TUNING_SEEDS, field_recording  # noqa: E402
from core.audio.selfjudge import SELF_MODEL_PATH, SURE_CLICK, SURE_NOT, self_features  # noqa: E402

SEEDS = range(2200, 2400)
CONDS = ("clicks -30..-20 dBFS, talking", "clicks -30 dBFS, busy room")
L2 = 10.0
ABOUT = (
    "rounds 15-16 (docs/detector.md; benchmarks/fit_self_model.py): logistic regression (L2 10 on standardized "
    "numbers) of [logit p, 34 z vs sure non-clicks, 34 z vs sure clicks, discriminant, rank] fitted on the click "
    "model's 4,400 unsure sounds (raw p 0.01-0.92, a voice over them, away from sure clicks, inside the edges) of "
    "the open recordings of fieldsynth TUNING_SEEDS 2200-2399, talking and busy-room clicks (250 clicks: a true "
    "onset within 10 ms). G, P, gsd, Sg: the scales and pooled within-class covariance of the same recordings."
)


def capture() -> list[dict]:
    """Per counted recording: its candidates' numbers and probabilities, and the unsure sounds' labels."""
    assert set(SEEDS) <= set(TUNING_SEEDS)
    s = detector.Settings()
    word = load_word_model()
    got: dict = {}
    detector._TABLE_HOOK = lambda t, rows: got.update(t=np.asarray(t, float), rows=np.asarray(rows, float))
    detector._HIDDEN_HOOK = lambda t, rows: got.update(ht=np.asarray(t, float), hrows=np.asarray(rows, float))
    recs = []
    try:
        for name in CONDS:
            for seed in SEEDS:
                r = field_recording(seed, **CONDITIONS[name])
                got.clear()
                d = detector.detect_clicks(r.wav_bytes(), s)
                if "t" not in got or not got["t"].size:
                    continue
                t, rows = got["t"], got["rows"]
                ht, hrows = got.get("ht", np.zeros(0)), got.get("hrows", np.zeros((0, rows.shape[1])))
                p = click_probability(rows)
                hp = click_probability(hrows, word) if hrows.shape[0] else np.zeros(0)
                sure = p >= s.model_threshold
                inside = (t >= s.edge_s) & (t <= d.duration_s - s.edge_s)
                st = np.sort(t[sure & inside])
                if int(st.size > 0) + int(np.sum(np.diff(st) >= s.refractory_s)) < s.second_min_clicks:
                    continue  # the second look stays shut

                def away(at: np.ndarray) -> np.ndarray:
                    return np.abs(at[:, None] - t[sure][None, :]).min(axis=1) >= s.refractory_s

                def tested(x: np.ndarray, at: np.ndarray) -> np.ndarray:
                    return detector._voice_over(x, s) & away(at) & (at >= s.edge_s) & (at <= d.duration_s - s.edge_s)

                unsure = ~sure & (p >= SURE_NOT) & tested(rows, t)
                under_word = (hp >= SURE_NOT) & (hp <= 0.7) & tested(hrows, ht) if ht.size else np.zeros(0, bool)
                if not (unsure.any() or under_word.any()):
                    continue
                truth = np.asarray(r.click_times_s, float)
                label = (
                    np.abs(t[unsure][:, None] - truth[None, :]).min(axis=1) <= 0.010 if truth.size
                    else np.zeros(int(unsure.sum()), bool)
                )
                recs.append(dict(rows=rows, p=p, hrows=hrows, hp=hp, unsure=unsure, label=label))
    finally:
        detector._TABLE_HOOK = detector._HIDDEN_HOOK = None
    return recs


def constants(recs: list[dict]) -> dict[str, np.ndarray]:
    """G, P, gsd, Sg (see :func:`core.audio.selfjudge.self_features`) over the counted recordings."""
    for r in recs:
        r["S"] = r["rows"][r["p"] >= SURE_CLICK]
        r["N"] = np.vstack((r["rows"][r["p"] < SURE_NOT], r["hrows"][r["hp"] < SURE_NOT]))
    gsd = np.vstack([np.vstack((r["rows"], r["hrows"])) for r in recs]).std(0) + 1e-9
    G = 1.4826 * np.median(np.vstack([np.abs(r["N"] - np.median(r["N"], 0)) for r in recs]), 0)
    G = np.where(G > 0, G, gsd)
    P = 1.4826 * np.median(np.vstack([np.abs(r["S"] - np.median(r["S"], 0)) for r in recs]), 0)
    P = np.where(P > 0, P, np.vstack([r["S"] for r in recs]).std(0) + 1e-9)
    W = []
    for r in recs:
        S, N = r["S"] / gsd, r["N"] / gsd
        W += [S - S.mean(0), N - N.mean(0)]
    W = np.vstack(W)
    Sg = W.T @ W / (len(W) - 2 * len(recs))
    return dict(G=G, P=P, gsd=gsd, Sg=Sg)


def fit(F: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize, then Newton's method for the L2-penalized logistic regression (the intercept free)."""
    mu, sd = F.mean(0), F.std(0) + 1e-12
    Z = np.column_stack((np.ones(len(F)), (F - mu) / sd))
    w = np.zeros(Z.shape[1])
    R = L2 * np.diag(np.r_[0.0, np.ones(len(w) - 1)])
    for _ in range(60):
        p = 1 / (1 + np.exp(-np.clip(Z @ w, -35, 35)))
        step = np.linalg.solve((Z * (p * (1 - p))[:, None]).T @ Z + R, Z.T @ (p - y) + R @ w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mu, sd, w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the file; write nothing")
    args = parser.parse_args()
    recs = capture()
    M = constants(recs)
    F = np.vstack([
        self_features(r["rows"][r["unsure"]], r["p"][r["unsure"]], r["rows"], r["p"], r["hrows"], r["hp"], M)
        for r in recs if r["unsure"].any()
    ])
    y = np.concatenate([r["label"] for r in recs if r["unsure"].any()]).astype(float)
    M["mu"], M["sd"], M["w"] = fit(F, y)
    print(f"{len(recs)} recordings, {len(y)} unsure sounds, {int(y.sum())} clicks")
    if args.check:
        old = json.loads(SELF_MODEL_PATH.read_text())
        worst = max(float(np.max(np.abs(np.asarray(old[k]) - v) / (np.abs(v) + 1e-9))) for k, v in M.items())
        print(f"largest relative difference from {SELF_MODEL_PATH.name}: {worst:.2e}")
        sys.exit(0 if worst < 1e-6 else 1)
    SELF_MODEL_PATH.write_text(json.dumps({"about": ABOUT, **{k: v.tolist() for k, v in M.items()}}) + "\n")
    print(f"wrote {SELF_MODEL_PATH}")


if __name__ == "__main__":
    main()
