"""The synthetic recordings are what the spec says they are, reproducible, and valid WAV files."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from scipy import signal

from core.audio.detector import read_wav
from core.audio.synth import click, speech_like, synth_recording, thump, wav_bytes, write_wav


def band_share(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    f, p = signal.periodogram(x, sr)
    return float(p[(f >= lo) & (f <= hi)].sum() / p.sum())


def test_the_same_seed_gives_the_same_recording_and_another_seed_another():
    a = synth_recording(7, n_thumps=3, speech_dbfs=-30.0)
    b = synth_recording(7, n_thumps=3, speech_dbfs=-30.0)
    c = synth_recording(8, n_thumps=3, speech_dbfs=-30.0)
    assert np.array_equal(a.samples, b.samples) and a.click_times_s == b.click_times_s
    assert a.click_times_s != c.click_times_s


@pytest.mark.parametrize("sample_rate", (8000, 16000, 48000))
def test_a_click_is_a_short_burst_above_800_hz_at_the_asked_level(sample_rate):
    rng = np.random.default_rng(1)
    for _ in range(20):
        c = click(sample_rate, rng, peak_dbfs=-25.0)
        assert 0.003 <= c.size / sample_rate <= 0.0121
        assert 20 * np.log10(np.abs(c).max()) == pytest.approx(-25.0, abs=0.01)
        assert band_share(c, sample_rate, 700, 6500) > 0.8


def test_a_thump_is_low_and_long():
    rng = np.random.default_rng(2)
    for _ in range(10):
        t = thump(16000, rng, peak_dbfs=-12.0)
        assert 0.06 <= t.size / 16000 <= 0.15
        assert 20 * np.log10(np.abs(t).max()) == pytest.approx(-12.0, abs=0.01)
        assert band_share(t, 16000, 0, 300) > 0.95


def test_speech_like_sound_has_voice_and_hiss_at_the_asked_level():
    x = speech_like(4.0, 16000, np.random.default_rng(3), rms_dbfs=-30.0)
    active = x[np.abs(x) > 0]
    assert 20 * np.log10(np.sqrt(np.mean(active**2))) == pytest.approx(-30.0, abs=0.01)
    assert band_share(x, 16000, 80, 1000) > 0.3  # the buzz and its first formant
    assert band_share(x, 16000, 2500, 8000) > 0.005  # fricatives


def test_a_recording_holds_its_truth():
    r = synth_recording(4, sample_rate=44100, duration_s=12.0, n_clicks=9, n_thumps=5)
    assert r.samples.shape == (12 * 44100,) and r.duration_s == 12.0
    assert r.n_clicks == 9 and len(r.thump_times_s) == 5
    times = np.array(r.click_times_s)
    assert np.all(np.diff(times) >= 0.3) and times.min() > 0 and times.max() < 12.0
    assert not r.clipped and np.abs(r.samples).max() < 1.0


def test_clipping_flattens_the_loud_parts_at_full_scale():
    r = synth_recording(5, n_thumps=6, thump_dbfs=-6.0, clip_gain_db=12.0)
    assert r.clipped and np.sum(np.abs(r.samples) >= 1.0) > 100


def test_stereo_has_the_clicks_in_both_channels_with_their_own_noise():
    r = synth_recording(6, channels=2, duration_s=5.0, n_clicks=3)
    assert r.samples.shape == (80000, 2)
    assert not np.array_equal(r.samples[:, 0], r.samples[:, 1])
    i = int(r.click_times_s[0] * 16000)
    assert np.abs(r.samples[i : i + 100, 1]).max() > 0.05


@pytest.mark.parametrize("width", (1, 2, 3, 4, "float"))
def test_wav_bytes_are_a_valid_wav_file_of_the_samples(width, tmp_path):
    r = synth_recording(9, sample_rate=22050, duration_s=2.0, n_clicks=2, channels=2)
    data = wav_bytes(r.samples, 22050, width)
    if width != "float":
        with wave.open(io.BytesIO(data)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, width, 22050, 44100)
    back, rate = read_wav(data)
    assert rate == 22050 and back.shape == (44100, 2)
    assert np.max(np.abs(back - r.samples)) < (0.01 if width == 1 else 1e-4)
    path = write_wav(tmp_path / "x.wav", r.samples, 22050, width)
    assert path.read_bytes() == data
