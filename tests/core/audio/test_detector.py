"""The click detector on synthetic recordings the tests generate (core.audio.synth), with a known truth.

Every condition runs on several seeds and at 16, 44.1 and 48 kHz, so no test is tuned to one recording.
"""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest

from core.audio.detector import (
    AudioError,
    Detection,
    EmptyRecordingError,
    NotWavError,
    UnsupportedAudioError,
    detect_clicks,
    detect_clicks_in_samples,
    read_wav,
)
from core.audio.synth import synth_recording, wav_bytes

RATES = (16000, 44100, 48000)
SEEDS = (1, 2, 3)


def rec(seed: int, sample_rate: int, **kw):
    kw.setdefault("duration_s", 8.0)
    kw.setdefault("n_clicks", 8)
    return synth_recording(seed, sample_rate=sample_rate, **kw)


def detect(r) -> Detection:
    """Through the real entry point: WAV bytes, as st.audio_input gives them."""
    return detect_clicks(r.wav_bytes())


def matched(truth, found, tol_s: float = 0.005) -> int:
    """How many true clicks have a detection within ``tol_s``."""
    found = list(found)
    hits = 0
    for t in truth:
        near = [f for f in found if abs(f - t) <= tol_s]
        if near:
            hits += 1
            found.remove(near[0])
    return hits


# ------------------------------------------------------------------ counts on clean recordings
@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("seed", (*SEEDS, 4))
def test_clean_recording_count_is_within_one_and_the_times_are_right(sample_rate, seed):
    r = rec(seed, sample_rate, click_dbfs=(-30.0, -15.0))
    d = detect(r)
    assert abs(d.count - r.n_clicks) <= 1, (d.times_s, r.click_times_s)
    assert matched(r.click_times_s, d.times_s) >= r.n_clicks - 1
    assert d.quality.verdict == "ok", d.quality.messages
    assert d.sample_rate == sample_rate and d.channels == 1
    assert d.duration_s == pytest.approx(8.0)


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("seed", SEEDS)
def test_foot_thumps_are_not_counted_as_clicks(sample_rate, seed):
    r = rec(seed + 10, sample_rate, n_thumps=10, thump_dbfs=-10.0)
    d = detect(r)
    assert abs(d.count - r.n_clicks) <= 1
    assert matched(r.click_times_s, d.times_s) >= r.n_clicks - 1
    assert d.quality.verdict == "ok", d.quality.messages


@pytest.mark.parametrize("sample_rate", RATES)
def test_quiet_clicks_at_minus_35_dbfs_in_a_quiet_room_are_counted(sample_rate):
    for seed in SEEDS:
        r = rec(seed + 20, sample_rate, click_dbfs=-35.0, n_thumps=4)
        d = detect(r)
        assert abs(d.count - r.n_clicks) <= 1, seed


@pytest.mark.parametrize("sample_rate", (8000, 22050))
def test_other_sample_rates_work_too(sample_rate):
    for seed in SEEDS:
        r = rec(seed + 30, sample_rate, n_thumps=4)
        assert abs(detect(r).count - r.n_clicks) <= 1, seed


@pytest.mark.parametrize("sample_rate", (4000, 5000))
def test_the_lowest_rates_read_are_counted_without_a_warning(sample_rate):
    # Below a 4.4 kHz rate there is no 2-8 kHz band to find clicks on words in, below 5.6 kHz nothing above
    # 2.5 kHz to weigh a click's low part against: the detector does without them.
    r = rec(41, sample_rate, n_thumps=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = detect(r)
    assert abs(d.count - r.n_clicks) <= 2  # a 4 kHz recording holds only 1-1.8 kHz of the band


# ------------------------------------------------------------------ recordings without clicks
NO_CLICKS = {
    "room noise and hum": dict(),
    "foot thumps": dict(n_thumps=10, thump_dbfs=-8.0),
    "talking": dict(speech_dbfs=-25.0, speech_fraction=1.0),
    "clipped thumps": dict(n_thumps=10, thump_dbfs=-6.0, clip_gain_db=12.0),
}


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("background", NO_CLICKS)
def test_a_recording_without_clicks_counts_zero(sample_rate, background):
    for seed in SEEDS:
        r = rec(seed + 40, sample_rate, n_clicks=0, **NO_CLICKS[background])
        d = detect(r)
        assert d.count == 0, (background, seed, d.times_s)


# ------------------------------------------------------------------ quality verdicts
@pytest.mark.parametrize("sample_rate", RATES)
def test_talking_is_flagged_and_the_clicks_are_still_counted(sample_rate):
    for seed in SEEDS:
        r = rec(seed + 50, sample_rate, speech_dbfs=-28.0, speech_fraction=0.6)
        d = detect(r)
        assert "speech" in d.quality.codes, seed
        assert d.quality.verdict == "check"
        assert d.quality.speech_s >= 0.4
        assert abs(d.count - r.n_clicks) <= 1, seed


@pytest.mark.parametrize("sample_rate", RATES)
def test_speech_alone_is_flagged_and_counts_zero(sample_rate):
    r = rec(55, sample_rate, n_clicks=0, speech_dbfs=-25.0, speech_fraction=1.0)
    d = detect(r)
    assert d.count == 0 and "speech" in d.quality.codes


@pytest.mark.parametrize("sample_rate", RATES)
def test_clipping_is_flagged_and_the_clicks_survive_it(sample_rate):
    for seed in SEEDS:
        r = rec(seed + 60, sample_rate, n_thumps=8, thump_dbfs=-6.0, clip_gain_db=12.0)
        assert r.clipped
        d = detect(r)
        assert "clipped" in d.quality.codes and d.quality.clipped_fraction > 0
        assert abs(d.count - r.n_clicks) <= 1, seed


def test_clipping_below_full_scale_is_flagged_too():
    """Some devices clip, then scale the signal down: flat tops at the recording's own maximum."""
    r = rec(61, 16000, n_thumps=8, thump_dbfs=-6.0, clip_gain_db=12.0)
    d = detect_clicks_in_samples(r.samples * 0.5, 16000)
    assert "clipped" in d.quality.codes


@pytest.mark.parametrize("sample_rate", RATES)
def test_no_false_verdicts_on_a_clean_recording_without_clicks(sample_rate):
    d = detect(rec(65, sample_rate, n_clicks=0, n_thumps=6))
    assert d.count == 0 and d.quality.verdict == "ok", d.quality.messages


def test_a_silent_recording_counts_zero_and_says_so():
    for samples in (np.zeros(16000 * 5), np.random.default_rng(0).normal(0, 1e-5, 16000 * 5)):
        d = detect_clicks(wav_bytes(samples, 16000))
        assert d.count == 0
        assert d.quality.verdict == "unusable" and d.quality.codes == ("silent",)
        assert "silent" in d.quality.messages[0]


def test_a_very_quiet_recording_is_flagged():
    r = rec(70, 16000, click_dbfs=-45.0, noise_dbfs=-70.0, hum_dbfs=-70.0)
    d = detect(r)
    assert "too_quiet" in d.quality.codes
    assert abs(d.count - r.n_clicks) <= 1


def test_rustling_is_flagged_as_noise():
    for sample_rate in RATES:
        d = detect(rec(75, sample_rate, n_clicks=0, n_rustles=40, rustle_dbfs=-30.0))
        assert "noisy" in d.quality.codes, sample_rate
        assert d.count <= 1


def test_clicks_barely_above_the_noise_are_flagged_as_faint():
    d = detect(rec(80, 48000, click_dbfs=-35.0, noise_dbfs=-45.0))
    assert "faint" in d.quality.codes


def test_an_evenly_ticking_metronome_is_flagged():
    r = rec(85, 16000, duration_s=16.0, click_times_s=tuple(1.0 + 0.6 * i for i in range(24)))
    d = detect(r)
    assert d.count == 24 and "metronome" in d.quality.codes
    assert "metronome" not in detect(rec(86, 16000)).quality.codes


def test_a_very_short_recording_is_flagged():
    d = detect(rec(90, 16000, duration_s=0.6, n_clicks=1))
    assert "too_short" in d.quality.codes


# ------------------------------------------------------------------ inputs: formats, channels, sources
@pytest.mark.parametrize("width", (1, 2, 3, 4, "float"))
def test_every_pcm_width_gives_the_same_clicks(width):
    r = rec(95, 44100, n_thumps=4)
    d = detect_clicks(wav_bytes(r.samples, 44100, width))
    assert d.count == detect(r).count
    assert matched(r.click_times_s, d.times_s) >= r.n_clicks - 1


def test_bytes_path_and_file_object_give_the_same_result(tmp_path):
    r = rec(96, 16000)
    data = r.wav_bytes()
    path = tmp_path / "clip.wav"
    path.write_bytes(data)
    results = [detect_clicks(data), detect_clicks(path), detect_clicks(str(path)), detect_clicks(io.BytesIO(data))]
    handle = io.BytesIO(data)
    handle.read(100)  # a file object already read from (as an UploadedFile can be) is rewound
    results.append(detect_clicks(handle))
    assert len({d.times_s for d in results}) == 1


@pytest.mark.parametrize("sample_rate", RATES)
def test_stereo_recordings_are_counted(sample_rate):
    r = rec(97, sample_rate, channels=2, n_thumps=4)
    d = detect(r)
    assert d.channels == 2 and abs(d.count - r.n_clicks) <= 1


def test_stereo_channels_in_opposite_phase_do_not_cancel_the_clicks():
    r = rec(98, 48000)
    stereo = np.stack([r.samples, -r.samples], axis=1)
    assert abs(detect_clicks(wav_bytes(stereo, 48000)).count - r.n_clicks) <= 1


def test_a_three_minute_recording_works_and_the_envelope_stays_small():
    r = rec(99, 16000, duration_s=180.0, n_clicks=60)
    d = detect(r)
    assert abs(d.count - 60) <= 1
    assert len(d.envelope.times_s) <= 3000
    assert d.envelope.times_s[-1] == pytest.approx(180.0, abs=0.2)


def test_a_recording_full_of_talk_is_judged_a_share_of_its_sounds_at_a_time(monkeypatch):
    """A long recording full of talk holds thousands of candidate sounds: their windows and spectra all at
    once took gigabytes (10 minutes of talking at 48 kHz: the server killed). They are read and judged a share
    at a time, and the count is the same as in one go."""
    from core.audio import clickmodel, detector
    from core.audio.fieldsynth import field_recording

    r = field_recording(3903, click_dbfs=(-30.0, -20.0), talking=True, steps=True)
    data = wav_bytes(r.samples, r.sample_rate)
    whole = detect_clicks(data)
    passes: list[int] = []
    rows: list[int] = []
    windows, rfft = detector._windows, np.fft.rfft

    def counted_windows(blocks, centers, sr):
        passes.append(len(centers))
        return windows(blocks, centers, sr)

    size = int(clickmodel.WINDOW_BEFORE_S * r.sample_rate) + int(clickmodel.WINDOW_AFTER_S * r.sample_rate)

    def counted_rfft(a, *args, **kwargs):
        if np.ndim(a) == 2 and a.shape[1] == size:  # the spectra of whole candidate windows
            rows.append(a.shape[0])
        return rfft(a, *args, **kwargs)

    monkeypatch.setattr(detector, "_windows", counted_windows)
    monkeypatch.setattr(np.fft, "rfft", counted_rfft)
    monkeypatch.setattr(detector, "WINDOW_SAMPLES", 1)  # the smallest share: 16 sounds a pass
    monkeypatch.setattr(clickmodel, "FEATURE_ROWS", 5)
    shared = detect_clicks(data)
    assert len(passes) > 10 and max(passes) == 16  # hundreds of sounds, 16 at a time
    assert max(rows) <= 5
    assert shared.count == whole.count and shared.clicks == whole.clicks and shared.quality == whole.quality


def test_read_wav_scales_every_format_to_plus_minus_one():
    x = np.sin(np.linspace(0, 20 * np.pi, 8000)) * 0.5
    for width in (1, 2, 3, 4, "float"):
        samples, rate = read_wav(wav_bytes(x, 8000, width))
        assert rate == 8000 and samples.shape == (8000, 1)
        assert np.max(np.abs(samples[:, 0] - x)) < (0.01 if width == 1 else 1e-4), width


# ------------------------------------------------------------------ bad input: clear exceptions
def test_bad_files_raise_clear_audio_errors(tmp_path):
    good = rec(100, 16000, duration_s=2.0, n_clicks=2).wav_bytes()
    cases = {
        b"": (NotWavError, "empty"),
        b"hello, this is not audio" * 10: (NotWavError, "not a WAV"),
        b"ID3\x03\x00" + bytes(500): (NotWavError, "not a WAV"),  # an MP3
        good[:30]: (NotWavError, "damaged"),
        wav_bytes(np.zeros(0), 16000): (EmptyRecordingError, "empty"),
        wav_bytes(np.zeros(1000), 2000): (UnsupportedAudioError, "2000 Hz"),
    }
    for data, (kind, words) in cases.items():
        with pytest.raises(kind) as info:
            detect_clicks(data)
        assert words in str(info.value), str(info.value)
        assert isinstance(info.value, AudioError) and isinstance(info.value, ValueError)
    with pytest.raises(AudioError, match="no such file"):
        detect_clicks(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="folder"):
        detect_clicks(tmp_path)


def test_a_file_cut_short_is_read_and_flagged():
    r = rec(101, 16000, duration_s=6.0, n_clicks=6)
    data = r.wav_bytes()
    d = detect_clicks(data[: len(data) // 2 + 1])
    assert "truncated" in d.quality.codes
    assert d.duration_s == pytest.approx(3.0, abs=0.01)
    assert d.count == sum(t < 3.0 - 0.3 for t in r.click_times_s)  # the last 0.3 s is left out


def test_to_dict_is_json_with_count_times_and_quality():
    r = rec(102, 16000, speech_dbfs=-28.0)
    out = json.loads(json.dumps(detect(r).to_dict()))
    assert out["count"] == len(out["times_s"]) == len(out["clicks"])
    assert out["quality"]["verdict"] == "check"
    assert {"code", "message", "severity"} <= set(out["quality"]["issues"][0])
    silent = json.loads(json.dumps(detect_clicks(wav_bytes(np.zeros(8000), 16000)).to_dict()))
    assert silent["count"] == 0 and silent["quality"]["peak_dbfs"] is None


@pytest.mark.parametrize("sample_rate", RATES)
def test_a_click_during_a_thumps_ring_out_is_still_counted(sample_rate):
    from core.audio.synth import click, pink_noise, thump

    rng = np.random.default_rng(5)
    x = pink_noise(sample_rate * 3, rng, -55.0)
    found = []
    for delay_s in (0.02, 0.04, 0.06):
        y = x.copy()
        th = thump(sample_rate, rng, -8.0)
        i = sample_rate  # the thump at 1.0 s, the click inside it
        y[i : i + th.size] += th
        c = click(sample_rate, rng, -25.0)
        j = i + int(delay_s * sample_rate)
        y[j : j + c.size] += c
        found.append(detect_clicks_in_samples(y, sample_rate).times_s)
    for delay_s, times in zip((0.02, 0.04, 0.06), found, strict=True):
        assert len(times) == 1 and times[0] == pytest.approx(1.0 + delay_s, abs=0.003), (delay_s, times)


def test_damaged_files_never_raise_anything_but_an_audio_error():
    """Random damage to a good file (header bytes, data bytes, cut short) and random bytes after RIFF/WAVE."""
    import struct

    rng = np.random.default_rng(12)
    good = rec(103, 16000, duration_s=1.0, n_clicks=1).wav_bytes()
    samples = []
    for _ in range(150):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 12))):
            pos = int(rng.integers(0, 60)) if rng.random() < 0.7 else int(rng.integers(0, len(b)))
            b[pos] = int(rng.integers(0, 256))
        samples.append(bytes(b[: int(rng.integers(0, len(b)))] if rng.random() < 0.3 else b))
    for _ in range(100):
        junk = rng.integers(0, 256, int(rng.integers(0, 300))).astype(np.uint8).tobytes()
        samples.append(b"RIFF" + struct.pack("<I", int(rng.integers(0, 2**32))) + b"WAVE" + junk)
    outcomes = {"ok": 0, "error": 0}
    for data in samples:
        try:
            detect_clicks(data)
            outcomes["ok"] += 1
        except AudioError as e:
            assert str(e) and "\n" not in str(e)
            outcomes["error"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0  # the damage exercised both paths


@pytest.mark.parametrize("n", (1, 7, 48, 479, 1601))
def test_recordings_shorter_than_a_click_window_are_handled(n):
    d = detect_clicks(wav_bytes(np.random.default_rng(n).normal(0, 0.05, n), 16000))
    assert d.count == 0 and d.duration_s == pytest.approx(n / 16000)
    assert "too_short" in d.quality.codes


def test_the_taps_that_start_and_stop_the_recording_are_not_counted():
    r = rec(104, 16000, duration_s=6.0, click_times_s=(0.08, 1.5, 3.0, 4.5, 5.9))
    d = detect(r)
    assert d.times_s == pytest.approx((1.5, 3.0, 4.5), abs=0.003)
    assert d.ignored_at_edges == 2
    assert d.to_dict()["ignored_at_edges"] == 2


def test_a_recording_over_ten_minutes_is_refused_with_a_reason():
    with pytest.raises(UnsupportedAudioError, match="10.1 minutes long, over the 10-minute limit"):
        detect_clicks(wav_bytes(np.zeros(8000 * 606), 8000))


# ------------------------------------------------------------------ candidates on a word
def _vowel_with_click(sample_rate: int, click_gain: float, seed: int) -> tuple[np.ndarray, float]:
    """2 s of a sung vowel (harmonics of a wavering 120-160 Hz pitch up to 8 kHz, -20 dBFS) and a knee-like
    click (a sub-millisecond impulse ringing two damped resonances) 1.0-1.1 s in, ``click_gain`` times the
    vowel's sample peak."""
    rng = np.random.default_rng(seed)
    n = 2 * sample_rate
    t = np.arange(n) / sample_rate
    pitch = 140.0 + 20.0 * np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    vowel = sum(np.sin(k * phase + rng.uniform(0, 6)) / k for k in range(1, int(8000 / 160)))
    vowel *= 10 ** (-20 / 20) / np.abs(vowel).max()
    at = rng.uniform(1.0, 1.1)
    k0 = int(at * sample_rate)
    ring = np.arange(int(0.01 * sample_rate)) / sample_rate
    click = sum(np.exp(-ring / tau) * np.sin(2 * np.pi * f * ring) for f, tau in ((3100.0, 0.0007), (5300.0, 0.0005)))
    x = vowel.copy()
    x[k0 : k0 + click.size] += click_gain * 0.1 * click / np.abs(click).max()
    return x.astype(np.float32), at


@pytest.mark.parametrize("sample_rate", RATES)
def test_a_click_on_a_word_reaches_the_click_model_without_the_rest_of_the_word(sample_rate):
    """A click a little louder than the vowel it lands on (less than the 12 dB the envelope needs) is still
    judged: the 2-8 kHz spectrum rises in every band at once there, and the vowel's steady harmonics do not."""
    from core.audio import detector
    from core.audio.detector import Settings

    def judged(x: np.ndarray, settings: Settings) -> list[float]:
        got: dict = {}
        detector._TABLE_HOOK = lambda times, rows: got.update(times=times)
        try:
            detect_clicks_in_samples(x, sample_rate, settings)
        finally:
            detector._TABLE_HOOK = None
        return list(got.get("times", []))

    with_stage = without = 0
    for seed in range(1, 6):
        x, at = _vowel_with_click(sample_rate, 1.3, seed)
        with_stage += any(abs(t - at) <= 0.005 for t in judged(x, Settings()))
        without += any(abs(t - at) <= 0.005 for t in judged(x, Settings(percussive_db=None)))
        vowel_alone, _ = _vowel_with_click(sample_rate, 0.0, seed)
        assert judged(vowel_alone, Settings()) == [], seed  # the word alone gives the model nothing to judge
    assert with_stage == 5 and without <= 1, (with_stage, without)


def _knee_under_words(seed: int, rate: int = 16000, click_dbfs: float = -38.0, clear: int = 4):
    """12 s: ``clear`` knee clicks (-25 dBFS peak) in the quiet first 4 s, then words (-20 dBFS peak: pulses of
    100-200 Hz with a voice's falling spectrum through resonances at 0.6, 1.4 and 2.6 kHz) with a click of
    ``click_dbfs`` in the middle of every syllable, 18 dB under the vowel it lands on; with both sets of times."""
    rng = np.random.default_rng(seed)
    n = int(12.0 * rate)
    out = rng.normal(0, 10 ** (-62 / 20), n)
    t = np.arange(int(0.03 * rate)) / rate

    def click(peak_dbfs: float) -> np.ndarray:
        ring = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) * np.exp(-t / tau)
                   for f, tau in ((1300, 0.003), (3100, 0.002), (5200, 0.0015)))
        return 10 ** (peak_dbfs / 20) * ring / np.abs(ring).max()

    clear_times, masked = [], []
    for k in range(clear):
        at = int((0.6 + 0.8 * k) * rate)
        out[at : at + t.size] += click(-25.0)
        clear_times.append(at / rate)
    i = int(4.0 * rate)
    while i < n - int(0.6 * rate):
        m = int(rng.uniform(0.2, 0.3) * rate)
        pulses = np.zeros(m)
        pulses[:: int(rate / rng.uniform(100, 200))] = 1.0
        source = np.convolve(pulses, 0.97 ** np.arange(int(0.02 * rate)))[:m]
        formants = sum(a * np.sin(2 * np.pi * f * t) * np.exp(-np.pi * 120 * t)
                       for f, a in ((600, 1.0), (1400, 0.5), (2600, 0.25)))
        syllable = np.convolve(source, formants)[:m] * np.hanning(m)
        syllable *= 10 ** (-20 / 20) / np.abs(syllable).max()
        j = m // 2
        syllable[j : j + t.size] += click(click_dbfs)[: m - j]
        masked.append((i + j) / rate)
        out[i : i + m] += syllable
        i += m + int(rng.uniform(0.05, 0.15) * rate)
    return out.astype(np.float32), clear_times, masked


def test_clicks_under_words_are_counted_once_the_knee_has_clicked_clearly():
    """A click 18 dB under the vowel it lands on is one the model doubts; once it has found three clear
    clicks in the recording, it takes such a candidate under a word from a lower probability (the second
    look), and nothing else in the recording becomes a click."""
    from core.audio.detector import Settings

    found = found_first_look_only = 0
    for seed in (0, 1):
        x, clear, masked = _knee_under_words(seed)
        times = detect_clicks_in_samples(x, 16000).times_s
        assert matched(clear, times, 0.012) == len(clear)
        hits = matched(masked, times, 0.012)
        assert len(times) == len(clear) + hits  # no click where there was none
        found += hits
        first = detect_clicks_in_samples(x, 16000, Settings(second_threshold=None)).times_s
        found_first_look_only += matched(masked, first, 0.012)
    assert found >= 0.6 * 44, found  # 34 of 44 when written
    assert found_first_look_only <= 0.2 * 44, found_first_look_only  # the first look alone: 3


def test_without_clear_clicks_there_is_no_second_look():
    """The same words without the clear clicks: the model finds fewer than three clicks it is sure of, and the
    count is the first look's, so a recording counted 0 stays 0 (the second look never starts a count)."""
    from core.audio.detector import Settings

    x, _, masked = _knee_under_words(1, clear=0)
    words = x[int(4.0 * 16000) :]
    first = detect_clicks_in_samples(words, 16000, Settings(second_threshold=None))
    assert first.count == 0
    assert detect_clicks_in_samples(words, 16000).times_s == first.times_s


def test_a_lone_click_the_model_is_not_sure_of_is_left_out_and_its_time_given():
    """In a recording where nothing else clicks, a click-like sound the model is not sure of (here a click
    under a word; in click-free recordings mostly a "t" or a heel strike) is not counted: a knee that clicks
    does so on many reps. The count is flagged with the sound's time, so the person can listen and add it."""
    from core.audio.detector import Settings

    left_out = 0
    for seed in (2, 3):  # words whose clicks the model scores just over its usual bar, not far over it
        x, _, _ = _knee_under_words(seed, clear=0)
        words = x[int(4.0 * 16000) :]
        before = detect_clicks_in_samples(words, 16000, Settings(lone_threshold=None))
        now = detect_clicks_in_samples(words, 16000)
        assert 1 <= before.count <= 2 and now.count == 0, (before.count, now.count)
        assert now.quality.verdict == "check" and "lone_click" in now.quality.codes
        message = next(i.message for i in now.quality.issues if i.code == "lone_click")
        assert all(f"{t:.1f}" in message for t in before.times_s), message
        left_out += before.count
    assert left_out == 3


def test_a_single_clear_click_is_still_counted_without_a_doubt():
    """The lone-click bar only asks more of an unsure sound: one clear click in a quiet room is counted."""
    for seed in (0, 1, 2):
        x, clear, _ = _knee_under_words(seed, clear=1)
        d = detect_clicks_in_samples(x[: 4 * 16000], 16000)
        assert d.count == 1 and matched(clear, d.times_s, 0.012) == 1
        assert d.quality.verdict == "ok", d.quality.codes


def test_the_word_model_finds_clicks_a_word_hides_from_the_onset_test_and_nothing_else():
    """Clicks 18-21 dB under the vowel they land on, after four clear clicks: the 3-30 ms before such a click
    are the vowel, so the click rises less than the 4 dB the click model asks of a candidate. The second
    look's word model (fitted on the sounds under words, those failing the onset test included) judges them,
    and finds more of these clicks than round 7's second look did, without a click where there was none."""
    from core.audio.detector import Settings

    found = found_round_7 = 0
    for click_dbfs in (-38.0, -41.0):
        for seed in (0, 1, 2, 3):
            x, clear, masked = _knee_under_words(seed, click_dbfs=click_dbfs)
            for settings, add in ((Settings(), 1), (Settings(word_threshold=None), 0)):
                times = detect_clicks_in_samples(x, 16000, settings).times_s
                hits = matched(masked, times, 0.012)
                assert matched(clear, times, 0.012) == len(clear)
                assert len(times) == len(clear) + hits  # no click where there was none
                found += hits * add
                found_round_7 += hits * (1 - add)
    assert found >= found_round_7 + 8, (found, found_round_7)  # 106 and 92 of 175 when written
