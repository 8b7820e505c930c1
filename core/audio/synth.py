"""Synthetic knee recordings with a known truth, for tests, benchmarks and the fake browser microphone.

A recording is a mix of
- **clicks**: 2-3 decaying sinusoids at 0.8-6 kHz (kept below the Nyquist limit), lasting 3-12 ms, with a
  peak level in dBFS;
- **thumps** (a foot landing, a hand on the thigh): a 40-150 Hz decaying sine lasting 60-150 ms;
- **room background**: pink noise plus mains hum (50 or 60 Hz with a few harmonics);
- optional **speech-like sound**: a harmonic buzz (a glottal pulse train with pitch drift) shaped by three
  formant resonances, in syllables, with fricative noise bursts between them;
- optional **clipping**: a gain and a hard limit at full scale, as an overdriven microphone does.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments give the same samples.
``wav_bytes`` / ``write_wav`` turn samples into a WAV file (8/16/24/32-bit integer or 32-bit float PCM,
mono or stereo), e.g. for Chromium's ``--use-file-for-fake-audio-capture``.
"""

from __future__ import annotations

import dataclasses
import io
import wave
from pathlib import Path

import numpy as np
from scipy import signal
from scipy.fft import irfft, next_fast_len

__all__ = [
    "Recording",
    "click",
    "thump",
    "rustle",
    "pink_noise",
    "hum",
    "speech_like",
    "synth_recording",
    "wav_bytes",
    "write_wav",
]


@dataclasses.dataclass(frozen=True)
class Recording:
    """Samples in [-1, 1] (shape ``(n,)`` or ``(n, channels)``) and what is in them."""

    samples: np.ndarray
    sample_rate: int
    click_times_s: tuple[float, ...]
    thump_times_s: tuple[float, ...] = ()
    speech_spans_s: tuple[tuple[float, float], ...] = ()
    clipped: bool = False

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def n_clicks(self) -> int:
        return len(self.click_times_s)

    def wav_bytes(self, sample_width: int = 2) -> bytes:
        return wav_bytes(self.samples, self.sample_rate, sample_width)


def _db_to_amp(db: float) -> float:
    return float(10.0 ** (db / 20.0))


# ------------------------------------------------------------------ single sounds
def click(sample_rate: int, rng: np.random.Generator, peak_dbfs: float = -20.0) -> np.ndarray:
    """One knee click: 2-3 decaying sinusoids at 0.8-6 kHz, lasting 3-12 ms, peak at ``peak_dbfs``."""
    duration = rng.uniform(0.003, 0.012)
    n = max(int(round(duration * sample_rate)), 8)
    t = np.arange(n) / sample_rate
    top = min(6000.0, 0.42 * sample_rate)
    out = np.zeros(n)
    for _ in range(int(rng.integers(2, 4))):
        f = rng.uniform(800.0, top)
        tau = duration / rng.uniform(3.0, 6.0)  # decays 26-52 dB over its length
        out += rng.uniform(0.4, 1.0) * np.exp(-t / tau) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    attack = min(n, max(2, int(0.0003 * sample_rate)))  # a 0.3 ms rise, not a step
    out[:attack] *= np.linspace(0.0, 1.0, attack, endpoint=False)
    out *= _fade_out(n, n // 4)
    return out * (_db_to_amp(peak_dbfs) / np.max(np.abs(out)))


def thump(sample_rate: int, rng: np.random.Generator, peak_dbfs: float = -12.0) -> np.ndarray:
    """A foot thump: a 40-150 Hz decaying sine lasting 60-150 ms, peak at ``peak_dbfs``."""
    duration = rng.uniform(0.060, 0.150)
    n = int(round(duration * sample_rate))
    t = np.arange(n) / sample_rate
    f = rng.uniform(40.0, 150.0)
    env = np.exp(-t / (duration / 4.0))
    attack = max(2, int(rng.uniform(0.001, 0.004) * sample_rate))
    env[:attack] *= np.linspace(0.0, 1.0, attack, endpoint=False)
    out = env * np.sin(2 * np.pi * f * t) * _fade_out(n, n // 4)
    return out * (_db_to_amp(peak_dbfs) / np.max(np.abs(out)))


def _fade_out(n: int, m: int) -> np.ndarray:
    """Ones, then a half-cosine to zero over the last ``m`` samples (no step at the end of a sound)."""
    out = np.ones(n)
    if m > 1:
        out[n - m :] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, m))
    return out


def rustle(sample_rate: int, rng: np.random.Generator, rms_dbfs: float = -30.0) -> np.ndarray:
    """A burst of hiss (cloth rustling): 30-250 ms of noise above ~700 Hz, swelling and fading over 5-40 ms."""
    n = int(rng.uniform(0.03, 0.25) * sample_rate)
    nyq = sample_rate / 2
    sos = signal.butter(2, min(rng.uniform(500.0, 1500.0), 0.5 * nyq) / nyq, "highpass", output="sos")
    out = signal.sosfilt(sos, rng.standard_normal(n)) * _fade(n, sample_rate, rng.uniform(0.005, 0.04))
    return out * (_db_to_amp(rms_dbfs) / np.sqrt(np.mean(out**2)))


def pink_noise(n: int, rng: np.random.Generator, rms_dbfs: float = -55.0) -> np.ndarray:
    """Pink (1/f power) noise of ``n`` samples at an RMS level of ``rms_dbfs``."""
    if n == 0:
        return np.zeros(0)
    m = next_fast_len(n, real=True)
    spectrum = rng.standard_normal(m // 2 + 1) + 1j * rng.standard_normal(m // 2 + 1)
    k = np.arange(m // 2 + 1, dtype=float)
    k[0] = 1.0
    spectrum /= np.sqrt(k)
    spectrum[0] = 0.0
    out = irfft(spectrum, m)[:n]
    return out * (_db_to_amp(rms_dbfs) / (np.sqrt(np.mean(out**2)) or 1.0))


def hum(n: int, sample_rate: int, rng: np.random.Generator, rms_dbfs: float = -50.0) -> np.ndarray:
    """Mains hum: 50 or 60 Hz with weaker 2nd-5th harmonics, at an RMS level of ``rms_dbfs``."""
    if n == 0:
        return np.zeros(0)
    f0 = float(rng.choice([50.0, 60.0]))
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    for h, a in zip(range(1, 6), (1.0, 0.5, 0.35, 0.2, 0.1), strict=True):
        out += a * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 2 * np.pi))
    return out * (_db_to_amp(rms_dbfs) / np.sqrt(np.mean(out**2)))


def speech_like(duration_s: float, sample_rate: int, rng: np.random.Generator, rms_dbfs: float = -28.0) -> np.ndarray:
    """Talking: syllables of formant-shaped harmonic buzz (pitch 90-230 Hz) and fricative noise bursts.

    The RMS level over the voiced parts is ``rms_dbfs``.
    """
    n = int(round(duration_s * sample_rate))
    out = np.zeros(n)
    nyq = sample_rate / 2
    f0_base = rng.uniform(90.0, 230.0)
    t = 0.0
    while t < duration_s - 0.05:
        # A syllable: optional fricative, then a voiced vowel.
        if rng.random() < 0.45:
            dur = rng.uniform(0.05, 0.16)
            m = int(dur * sample_rate)
            start = int(t * sample_rate)
            m = min(m, n - start)
            if m > 16:
                lo = min(rng.uniform(2500.0, 4500.0), 0.6 * nyq)
                sos = signal.butter(4, lo / nyq, "highpass", output="sos")
                noise = signal.sosfilt(sos, rng.standard_normal(m))
                out[start : start + m] += 0.5 * noise * _fade(m, sample_rate, rng.uniform(0.01, 0.03))
            t += dur
        dur = rng.uniform(0.10, 0.30)
        start = int(t * sample_rate)
        m = min(int(dur * sample_rate), n - start)
        if m > 16:
            out[start : start + m] += _vowel(m, sample_rate, f0_base, rng) * _fade(m, sample_rate, rng.uniform(0.008, 0.03))
        t += dur + (rng.uniform(0.04, 0.2) if rng.random() < 0.8 else rng.uniform(0.3, 0.7))
    active = np.abs(out) > 0
    rms = np.sqrt(np.mean(out[active] ** 2)) if active.any() else 1.0
    return out * (_db_to_amp(rms_dbfs) / rms)


def _fade(m: int, sample_rate: int, attack_s: float) -> np.ndarray:
    env = np.ones(m)
    a = min(m // 2, max(1, int(attack_s * sample_rate)))
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, a))
    env[:a] = ramp
    env[m - a :] = np.minimum(env[m - a :], ramp[::-1])
    return env


def _vowel(m: int, sample_rate: int, f0_base: float, rng: np.random.Generator) -> np.ndarray:
    nyq = sample_rate / 2
    # Glottal pulses with a drifting pitch (+-12%) and 1% jitter.
    drift = f0_base * (1 + 0.12 * np.sin(2 * np.pi * rng.uniform(1, 4) * np.arange(m) / sample_rate + rng.uniform(0, 6)))
    phase = np.cumsum(drift / sample_rate) * (1 + 0.01 * rng.standard_normal())
    pulses = np.zeros(m)
    pulses[np.flatnonzero(np.diff(np.floor(phase)) > 0)] = 1.0
    # Glottal source tilt (two one-pole low-passes), then the formant resonators in parallel.
    src = signal.lfilter([1.0], [1.0, -0.95], signal.lfilter([1.0], [1.0, -0.95], pulses))
    src -= src.mean()
    out = np.zeros(m)
    formants = (rng.uniform(300, 800), rng.uniform(900, 2300), rng.uniform(2400, 3200))
    for f, gain in zip(formants, (1.0, 0.6, 0.3), strict=True):
        if f >= 0.9 * nyq:
            continue
        bw = rng.uniform(60.0, 150.0)
        r = np.exp(-np.pi * bw / sample_rate)
        a = [1.0, -2 * r * np.cos(2 * np.pi * f / sample_rate), r * r]
        out += gain * signal.lfilter([1.0 - r], a, src)
    return out


# ------------------------------------------------------------------ a whole recording
def _place(rng: np.random.Generator, count: int, start: float, stop: float, min_gap: float, taken=()) -> list[float]:
    """``count`` random times in [start, stop) at least ``min_gap`` apart (and from ``taken``)."""
    times: list[float] = []
    tries = 0
    while len(times) < count:
        tries += 1
        if tries > 10000:
            raise ValueError(f"cannot fit {count} events {min_gap} s apart in {stop - start:.1f} s")
        x = rng.uniform(start, stop)
        if all(abs(x - y) >= min_gap for y in (*times, *taken)):
            times.append(x)
    return sorted(times)


def synth_recording(
    seed: int,
    *,
    sample_rate: int = 16000,
    duration_s: float = 20.0,
    n_clicks: int = 10,
    click_dbfs: float | tuple[float, float] = -20.0,
    n_thumps: int = 0,
    thump_dbfs: float = -12.0,
    noise_dbfs: float | None = -55.0,
    hum_dbfs: float | None = -50.0,
    speech_dbfs: float | None = None,
    speech_fraction: float = 0.6,
    clip_gain_db: float | None = None,
    channels: int = 1,
    min_click_gap_s: float = 0.3,
    click_times_s: tuple[float, ...] | None = None,
    n_rustles: int = 0,
    rustle_dbfs: float = -30.0,
) -> Recording:
    """A recording of ``duration_s`` seconds with ``n_clicks`` clicks at known times.

    ``click_dbfs`` is the clicks' peak level (or a (low, high) range to draw each from). ``noise_dbfs`` /
    ``hum_dbfs`` set the room background (``None``: none). ``speech_dbfs`` adds talking over
    ``speech_fraction`` of the recording. ``clip_gain_db`` amplifies the mix by that gain and hard-clips it at
    full scale. ``channels=2`` gives a stereo pair (the second channel a little quieter, its own noise).
    ``click_times_s`` puts the clicks at given times instead of random ones. ``n_rustles`` adds bursts of
    hiss (clothes rustling, a hand brushing the phone) lasting 30-250 ms at an RMS of ``rustle_dbfs``.
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    margin = min(0.4, duration_s / 10)  # the detector ignores the first and last 0.3 s (start/stop taps)
    if click_times_s is not None:
        clicks = sorted(float(t) for t in click_times_s)
    else:
        clicks = _place(rng, n_clicks, margin, duration_s - margin - 0.015, min_click_gap_s)
    thumps = _place(rng, n_thumps, margin, duration_s - margin - 0.16, 0.4)

    def one_channel(ch_rng: np.random.Generator, gain: float) -> np.ndarray:
        x = np.zeros(n)
        for tc in clicks:
            lo_hi = click_dbfs if isinstance(click_dbfs, tuple) else (click_dbfs, click_dbfs)
            c = click(sample_rate, rng, float(rng.uniform(*lo_hi)))
            i = int(round(tc * sample_rate))
            x[i : i + c.size] += c[: n - i]
        for tt in thumps:
            th = thump(sample_rate, rng, thump_dbfs)
            i = int(round(tt * sample_rate))
            x[i : i + th.size] += th[: n - i]
        for _ in range(n_rustles):
            r = rustle(sample_rate, rng, rustle_dbfs)
            i = int(rng.uniform(0, max(1, n - r.size)))
            x[i : i + r.size] += r[: n - i]
        x *= gain
        if noise_dbfs is not None:
            x += pink_noise(n, ch_rng, noise_dbfs)
        return x

    # Clicks and thumps are the same in both channels (one source); noise is each channel's own.
    state = rng.bit_generator.state
    channels_out = []
    for ch in range(channels):
        rng.bit_generator.state = state
        channels_out.append(one_channel(np.random.default_rng([seed, ch]), 1.0 if ch == 0 else 0.8))
    x = np.stack(channels_out, axis=1)
    if hum_dbfs is not None:
        x += hum(n, sample_rate, rng, hum_dbfs)[:, None]
    spans: list[tuple[float, float]] = []
    if speech_dbfs is not None and speech_fraction > 0:
        length = speech_fraction * duration_s
        start = rng.uniform(0, duration_s - length) if length < duration_s else 0.0
        sp = speech_like(length, sample_rate, rng, speech_dbfs)
        i = int(round(start * sample_rate))
        x[i : i + sp.size] += sp[: n - i, None]
        spans.append((start, start + length))
    clipped = False
    if clip_gain_db is not None:
        x *= _db_to_amp(clip_gain_db)
        clipped = bool(np.any(np.abs(x) > 1.0))
    x = np.clip(x, -1.0, 1.0)
    samples = x[:, 0] if channels == 1 else x
    return Recording(
        samples=samples.astype(np.float64),
        sample_rate=sample_rate,
        click_times_s=tuple(clicks),
        thump_times_s=tuple(thumps),
        speech_spans_s=tuple(spans),
        clipped=clipped,
    )


# ------------------------------------------------------------------ WAV output
def wav_bytes(samples: np.ndarray, sample_rate: int, sample_width: int = 2) -> bytes:
    """WAV file bytes for samples in [-1, 1], shape ``(n,)`` or ``(n, channels)``.

    ``sample_width`` in bytes: 1 (8-bit unsigned), 2, 3, 4 (signed integer PCM), or ``"float"`` for
    32-bit IEEE float.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    x = np.clip(x, -1.0, 1.0)
    if sample_width == "float":
        from scipy.io import wavfile

        buf = io.BytesIO()
        wavfile.write(buf, int(sample_rate), x.astype(np.float32))
        return buf.getvalue()
    if sample_width == 1:
        data = np.round(x * 127.0 + 128.0).astype(np.uint8).tobytes()
    elif sample_width in (2, 3, 4):
        full = 2 ** (8 * sample_width - 1)
        ints = np.clip(np.round(x * full), -full, full - 1).astype("<i4")
        if sample_width == 2:
            data = ints.astype("<i2").tobytes()
        elif sample_width == 4:
            data = ints.tobytes()
        else:  # 24-bit: the low three bytes of each little-endian int32
            data = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        raise ValueError(f"sample_width must be 1, 2, 3, 4 or 'float', not {sample_width!r}")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(sample_width)
        w.setframerate(int(sample_rate))
        w.writeframes(data)
    return buf.getvalue()


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int, sample_width: int = 2) -> Path:
    """Write samples to a WAV file (see ``wav_bytes``); returns the path."""
    path = Path(path)
    path.write_bytes(wav_bytes(samples, sample_rate, sample_width))
    return path
