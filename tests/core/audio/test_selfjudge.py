"""Rounds 15-16: where talking is heard, the second look judges the click model's unsure sounds against their own
recording (core.audio.selfjudge, Settings.self_threshold)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.bench_audio import matches
from core.audio import detector
from core.audio.clickmodel import FEATURES
from core.audio.detector import Settings, detect_clicks
from core.audio.fieldsynth import CONDITIONS, TUNING_SEEDS, field_recording
from core.audio.selfjudge import load_self_model, self_features

TALKING = CONDITIONS["clicks -30..-20 dBFS, talking"]
BUSY = CONDITIONS["clicks -30 dBFS, busy room"]
OFF = Settings(self_threshold=None)


def _recording(seed: int = 0):
    """A made-up recording's numbers: 200 sure non-clicks around 0, 6 sure clicks around +3 (in the model's
    units), and its click-model probabilities."""
    m = load_self_model()
    rng = np.random.default_rng(seed)
    nots = rng.normal(0.0, 1.0, (200, len(FEATURES))) * m["gsd"]
    sure = (rng.normal(0.0, 1.0, (6, len(FEATURES))) + 3.0) * m["gsd"]
    rows = np.vstack((sure, nots))
    p = np.r_[np.full(6, 0.97), np.full(200, 0.001)]
    return m, rows, p, sure, nots


def test_the_judges_file_is_for_the_numbers_the_detector_measures():
    m = load_self_model()
    d = len(FEATURES)
    assert m["G"].shape == m["P"].shape == m["gsd"].shape == (d,)
    assert m["Sg"].shape == (d, d)
    assert m["mu"].shape == m["sd"].shape == (2 * d + 3,)  # logit p, two z per number, discriminant, rank
    assert m["w"].shape == (2 * d + 4,)
    assert np.all(m["sd"] > 0) and np.all(m["gsd"] > 0) and np.all(np.isfinite(m["w"]))


def test_each_number_is_measured_from_the_recordings_own_sure_sounds():
    m, rows, p, sure, nots = _recording()
    hidden, hidden_p = np.zeros((0, len(FEATURES))), np.zeros(0)
    like_nots, like_sure = np.median(nots, 0), np.median(sure, 0)
    f = self_features(np.vstack((like_nots, like_sure)), np.array([0.5, 0.5]), rows, p, hidden, hidden_p, m)
    assert f.shape == (2, 71)
    assert np.allclose(f[0, 1:35], 0.0)  # z against the sure non-clicks: at their median, 0
    assert np.allclose(f[1, 35:69], 0.0)  # z against the sure clicks: at their median, 0
    assert f[1, 69] > 0 > f[0, 69]  # this recording's discriminant: on the clicks' side, on the others'
    assert f[0, 70] == f[1, 70] and 0.9 < f[0, 70] < 1.0  # p 0.5 ranks above the 200 sure non-clicks


def _counted(seed: int, kw: dict, settings: Settings):
    r = field_recording(seed, **kw)
    d = detect_clicks(r.wav_bytes(), settings)
    return d, matches(r.click_times_s, d.times_s)


@pytest.mark.parametrize(
    "seed, off, on",
    [
        (3037, (7, 7), (8, 8)),  # (found, true) off and on: the judge adds a click the model's own p left out
        (3000, (12, 9), (10, 9)),  # it removes two false clicks and keeps every true one
    ],
)
def test_with_talking_the_judge_decides_the_unsure_sounds(seed, off, on):
    """Fieldsynth recordings with talking (TUNING_SEEDS 3000-3199, round 16's confirmation; 10 clicks each)."""
    assert seed in TUNING_SEEDS
    d_off, hit_off = _counted(seed, TALKING, OFF)
    d_on, hit_on = _counted(seed, TALKING, Settings())
    assert "speech" in [i.code for i in d_on.quality.issues]
    assert (d_off.count, hit_off) == off
    assert (d_on.count, hit_on) == on


def test_a_busy_room_without_talking_is_counted_as_with_the_judge_off(monkeypatch):
    """A busy room (TUNING_SEEDS 3163) where no talking is heard: the judge stays shut, and its count is the
    shipped second look's (10, all true but one). Opened there, the judge would add a false click."""
    d_off, hit_off = _counted(3163, BUSY, OFF)
    d_on, hit_on = _counted(3163, BUSY, Settings())
    assert "speech" not in [i.code for i in d_on.quality.issues]
    assert (d_on.count, hit_on, d_on.times_s) == (d_off.count, hit_off, d_off.times_s) == (10, 9, d_off.times_s)
    monkeypatch.setattr(detector, "_talking", lambda speech_s, duration: True)
    d_open, hit_open = _counted(3163, BUSY, Settings())
    assert (d_open.count, hit_open) == (11, 9)


def test_the_talking_flag_is_the_judges_gate():
    """The quality check's `speech` and the judge's gate are one rule (detector._talking)."""
    d, _ = _counted(3000, TALKING, Settings())
    assert detector._talking(d.quality.speech_s, d.duration_s)
    assert not detector._talking(0.39, 5.0) and not detector._talking(0.5, 20.0) and detector._talking(0.6, 20.0)


def test_it_is_on_by_default():
    assert Settings().self_threshold == 0.35
