"""The evaluation-only generator: reproducible, randomized per seed, its truth where the clicks are."""

from __future__ import annotations

import numpy as np

from core.audio.fieldsynth import CONDITIONS, HELD_OUT_SEEDS, TUNING_SEEDS, field_recording


def test_the_same_seed_gives_the_same_recording_and_seeds_differ_in_room_and_phone():
    a, b = field_recording(1000), field_recording(1000)
    assert np.array_equal(a.samples, b.samples) and a.click_times_s == b.click_times_s
    params = [field_recording(seed, n_clicks=1, duration_s=3.0).params for seed in range(1000, 1008)]
    assert len({p["rt60_s"] for p in params}) == 8 and len({p["mic_band_hz"] for p in params}) == 8
    assert {p["sample_rate"] for p in params} <= {16000, 44100, 48000}


def test_tuning_and_held_out_seeds_never_overlap():
    assert not set(TUNING_SEEDS) & set(HELD_OUT_SEEDS)


def test_every_true_click_stands_out_where_the_truth_says_and_click_free_conditions_have_none():
    r = field_recording(1001, click_dbfs=-20.0, n_clicks=6, duration_s=8.0)
    x, sr = r.samples.astype(np.float64), r.sample_rate
    assert r.n_clicks == 6 and x.shape == (8 * sr,) and np.abs(x).max() <= 1.0
    for t in r.click_times_s:
        i = int(t * sr)
        at = np.abs(np.diff(x[i : i + int(0.005 * sr)])).max()
        before = np.abs(np.diff(x[i - int(0.1 * sr) : i - int(0.01 * sr)])).max()
        assert at > 3 * before, t
    for name, kw in CONDITIONS.items():
        if name.startswith("no clicks"):
            assert field_recording(1002, duration_s=4.0, **kw).n_clicks == 0


def test_split_keeps_the_recording_and_holds_the_clicks_alone_as_the_phone_recorded_them():
    """`split=True` (for bench_masking.py) must not change the recording the benchmarks count, and its click
    part must be the clicks: all of the sound at a click in a quiet room, nothing between clicks but their
    rooms' reverberation dying away, and none at all in a click-free recording."""
    kw = dict(click_dbfs=-20.0, n_clicks=4, duration_s=6.0)
    plain, split = field_recording(1003, **kw), field_recording(1003, split=True, **kw)
    assert plain.click_part is None
    assert np.array_equal(plain.samples, split.samples) and plain.params == split.params
    x, part, sr = split.samples.astype(np.float64), split.click_part.astype(np.float64), split.sample_rate
    assert part.shape == x.shape
    for t in split.click_times_s:
        i = int(t * sr)
        w = slice(i, i + int(0.003 * sr))
        rest = x[w] - part[w]
        assert np.sum(part[w] ** 2) > 100 * np.sum(rest**2), t  # the click is 20 dB over the quiet room
        assert np.abs(part[i - int(0.05 * sr) : i - int(0.01 * sr)]).max() < 0.05 * np.abs(part[w]).max()
    talk = field_recording(1004, split=True, **CONDITIONS["no clicks, talking"], duration_s=3.0)
    assert talk.click_part is not None and not talk.click_part.any() and talk.samples.any()
