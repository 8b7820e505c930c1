"""The second look's judge of the click model's unsure sounds, against their own recording (rounds 15-16;
used where talking is heard: core.audio.detector.Settings.self_threshold).

A recording has one room, one phone and one voice, and by the time the second look opens the click model is
sure of at least three clicks in it (p >= 0.92) and of dozens to hundreds of sounds that are not clicks
(p < 0.01; the word model's, for the sounds under a word). An unsure sound's 34 numbers
(:data:`core.audio.clickmodel.FEATURES`) are compared with those: (1) robust z-scores against the
recording's sure non-clicks (median and MAD, the MAD floored at a quarter of the usual one), (2) against its
sure clicks (their median; the MAD pooled across recordings, as a recording has only 3-10 of them), (3) a
linear discriminant of this recording's sure clicks against its sure non-clicks (the within-class covariance
shrunk toward the usual one: the more sounds, the more its own), and where its p ranks among the
recording's sounds. A logistic regression of the click model's logit p and these 71 numbers gives the
probability (:data:`SELF_MODEL_PATH`, fitted on fieldsynth TUNING_SEEDS 2200-2399 by
``benchmarks/fit_self_model.py``). Numpy only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

SELF_MODEL_PATH = Path(__file__).with_name("self_model.json")
#: A sure click and a sure non-click, as the click model (and, under a word, the word model) sees them.
SURE_CLICK = 0.92
SURE_NOT = 0.01


@lru_cache(maxsize=1)
def load_self_model() -> dict[str, np.ndarray]:
    """The fitted constants and weights (:data:`SELF_MODEL_PATH`)."""
    raw = json.loads(SELF_MODEL_PATH.read_text())
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items() if k != "about"}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def self_features(
    x: np.ndarray, px: np.ndarray, rows: np.ndarray, p: np.ndarray, hidden: np.ndarray, hidden_p: np.ndarray,
    m: dict[str, np.ndarray],
) -> np.ndarray:
    """[logit p, 34 z-scores against the sure non-clicks, 34 against the sure clicks, discriminant, rank] of
    the unsure rows ``x`` (click model's p ``px``) of a recording whose click-model candidates are ``rows``
    (p ``p``) and whose sounds under a word are ``hidden`` (word model's p ``hidden_p``)."""
    x = np.atleast_2d(x)
    sure = rows[p >= SURE_CLICK]
    nots = np.vstack((rows[p < SURE_NOT], hidden[hidden_p < SURE_NOT]))
    if sure.shape[0] < 1 or nots.shape[0] < 1:
        raise ValueError("needs a sure click and a sure non-click")
    spread = np.maximum(1.4826 * np.median(np.abs(nots - np.median(nots, 0)), 0), 0.25 * m["G"])
    z1 = np.clip((x - np.median(nots, 0)) / spread, -10, 10)
    z2 = np.clip((x - np.median(sure, 0)) / m["P"], -10, 10)
    s1, s0, xs = sure / m["gsd"], nots / m["gsd"], x / m["gsd"]
    m1, m0 = s1.mean(0), s0.mean(0)
    within = np.vstack((s1 - m1, s0 - m0))
    dof = within.shape[0] - 2
    own = within.T @ within / max(dof, 1)
    share = dof / (dof + 2.0 * x.shape[1])
    cov = share * own + (1 - share) * m["Sg"] + 1e-3 * np.eye(x.shape[1])
    w = np.linalg.solve(cov, m1 - m0)
    lda = (xs - (m1 + m0) / 2) @ w / np.sqrt(w @ cov @ w)
    # where each p ranks among the recording's (ties count half; by sorting, so a long recording with many
    # sounds costs n log n, not an unsure-by-all matrix)
    ordered = np.sort(p)
    lower, upper = np.searchsorted(ordered, px, "left"), np.searchsorted(ordered, px, "right")
    below = lower + 0.5 * (upper - lower - 1)
    rank = below / max(p.size - 1, 1)
    return np.column_stack((_logit(px), z1, z2, lda, rank))


def self_probability(
    x: np.ndarray, px: np.ndarray, rows: np.ndarray, p: np.ndarray, hidden: np.ndarray, hidden_p: np.ndarray,
    model: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """The probability that each unsure row of ``x`` is a click, judged against its recording (see
    :func:`self_features`)."""
    m = model or load_self_model()
    f = (self_features(x, px, rows, p, hidden, hidden_p, m) - m["mu"]) / m["sd"]
    return 1.0 / (1.0 + np.exp(-np.clip(m["w"][0] + f @ m["w"][1:], -40, 40)))
