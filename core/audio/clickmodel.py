"""What a click candidate sounds like, in numbers, and a small model that says whether it is a knee click.

The detector (``core.audio.detector``) finds candidates: sounds in the 1-8 kHz band well above the running
background. Its hand-set shape tests (abrupt rise, quick decay, standing alone, no foot thump under it)
are kept as numbers here, beside what the raw samples around the candidate say:

- **the onset's spectrum** (the first 4 ms): a knee click is a sub-millisecond impulse ringing a few damped
  resonances, so its spectrum is peaky (low flatness); a heel's slap on a hard floor or a fricative is
  noise (flat);
- **the low band at the event**: a step's thud (80-400 Hz) against the onset's 1-8 kHz energy;
- **voiced sound around it**: 80-1000 Hz energy in the 100 ms before and the 150 ms after, against the
  event, and how periodic it is (an autocorrelation peak at a pitch period of 2.5-12.5 ms): a plosive
  ("t", "k") is abrupt, short and decaying like a click, but a vowel follows it;
- **what follows**: 1-8 kHz energy 50-150 ms later (rustle, a television's programme go on; a click has
  died away);
- **the rise and the ring in the sound itself** (1-8 kHz, 0.25 ms RMS): a click rises in well under a
  millisecond and its ring dies within a few; a hiss or a fricative lingers;
- **percussive against harmonic** (:func:`percussive_features`): in a spectrogram a click is a vertical
  line (broadband, brief) and a vowel horizontal lines (its harmonics); median filters across time and
  across frequency split the 1-8 kHz sound at the onset into the two, so a click that lands on a word
  still stands out of the word's harmonics;
- **whether it rings** (:func:`_ring_correlation`): a knee click's resonances ring on, so the fine
  structure of the spectrum of its first 4 ms is still there in the next 4 ms; a plosive's burst, a
  fricative or a heel's slap is noise, and the next 4 ms are new noise;
- **the word around it** (:func:`_voice_context`): a plosive or fricative starts a syllable, so it sits in
  a dip of the 80-1000 Hz voice with its vowel swelling up after it, mostly above 2.5 kHz (``tilt_db``);
  a click lands anywhere on a word; and a thud still ringing before it (a step's end).

:func:`click_probability` applies gradient-boosted decision trees to these features (the trees in
``core/audio/click_model.json``), made by ``core/audio/train_click_model.py`` from ``core.audio.synth``
recordings and ``core.audio.fieldsynth``'s TUNING_SEEDS only; the held-out seeds are never used to fit or
choose anything.

numpy only: the counting path must not import scipy.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "ENVELOPE_FEATURES",
    "RAW_FEATURES",
    "FEATURES",
    "raw_features",
    "click_probability",
    "load_word_model",
    "MODEL_PATH",
    "WORD_MODEL_PATH",
]

#: Features the detector measures on the 1-8 kHz envelope (dB and ms).
ENVELOPE_FEATURES = (
    "snr_db",  # peak above the running background
    "onset_db",  # peak above the mean of the 3-30 ms before
    "tail_db",  # peak above the mean of the 15-45 ms after
    "isolation_db",  # peak above the loudest moment of the 3-30 ms before
    "rise_ms",  # from near the background to within 6 dB of the peak (capped at 20)
    "decay_ms",  # from the peak to 20 dB below it (or the background + 3 dB), capped at 100
    "width_ms",  # time within 6 dB of the peak around it
    "low_ratio_db",  # the low band (< 300 Hz) in the 35 ms from the candidate, against the high-band peak
    "low_rise_db",  # how much the low band rises at the candidate
    "clipped",  # clipped samples near it
    "neighbours",  # other candidates 40-300 ms before or after it (rustle, speech: many; a click: few)
)
#: Features measured on the raw samples around the candidate.
RAW_FEATURES = (
    "flatness_db",  # spectral flatness of the onset's 1-8 kHz spectrum (0 dB: white noise)
    "centroid_oct",  # the onset's spectral centroid, octaves above 1 kHz
    "event_low_db",  # 80-400 Hz against 1-8 kHz in the 20 ms from the onset
    "pre_voice_db",  # 80-1000 Hz in the 110-10 ms before, against the event's 1-8 kHz energy
    "post_voice_db",  # 80-1000 Hz in the 10-150 ms after, against the event's 1-8 kHz energy
    "pre_pitch",  # periodicity (0-1) of the 80-1000 Hz sound before
    "post_pitch",  # and after
    "post_high_db",  # 1-8 kHz 50-150 ms after, against the event
    "flatness12_db",  # spectral flatness of the 12 ms from the onset less the background's, 1-8 kHz
    # (a few resonances: low)
    "peakiness12_db",  # the 12 ms spectrum's strongest bins (90th percentile) against its median
    "thud_rise_db",  # 80-400 Hz in the 60 ms from the onset against the 60-5 ms before (a heel's thud)
    # Harmonic/percussive separation of 16 ms frames around the onset (median filters, as in Fitzgerald
    # 2010): a click is a vertical line in the spectrogram (broadband, brief), a vowel horizontal lines.
    "perc_harm_db",  # the onset's percussive energy against its harmonic energy, 1-8 kHz
    "perc_rise_db",  # the onset's percussive energy against the percussive level 32-16 ms before it
    "perc_bins",  # the fraction of 1-8 kHz bins at the onset 6 dB above their level over +-32 ms
    "perc_flatness_db",  # spectral flatness of what the onset adds to that level (a few resonances: low)
    "hf_rise_ms",  # 1-8 kHz, 0.25 ms RMS: from the last moment 20 dB below the peak (or 3 dB above the
    # level 20-5 ms before) to within 3 dB of it
    "hf_decay_db",  # 1-8 kHz: the 2-6 ms after the peak against the peak's 1.5 ms (a click's ring dies fast)
    # The word around it: a plosive or a fricative starts a syllable, so it sits in a dip of the voice
    # between two syllables and its vowel swells up after it; a click lands anywhere on a word.
    "voice_dip_pre_db",  # 80-1000 Hz in the 35-5 ms before, against the loudest 20 ms of it from 110 ms
    # before to 150 ms after
    "voice_dip_post_db",  # 80-1000 Hz in the 5-35 ms after, against the same
    "voice_onset_db",  # 80-1000 Hz in the 40-120 ms after against the 35-5 ms before (a vowel starting)
    "tilt_db",  # the 12 ms from the onset: 1-2.5 kHz against 2.5-8 kHz (a "t" or "s" is mostly above 2.5 kHz)
    "pre_low_db",  # 80-400 Hz in the 110-10 ms before, against the event's 1-8 kHz (a thud still ringing)
    "ring_corr",  # how alike the fine structure of the 1-8 kHz spectra of the 4 ms from the onset and the 4 ms
    # after is (-1..1): a click's resonances ring on in the same bins; a plosive's or a step's noise does not
)
FEATURES = ENVELOPE_FEATURES + RAW_FEATURES

#: The window of raw samples each candidate is judged on, around its envelope peak (s).
WINDOW_BEFORE_S = 0.12
WINDOW_AFTER_S = 0.16
#: How many candidates' numbers are worked out at once (about 0.9 MB each, in their spectra, at 44.1 kHz).
FEATURE_ROWS = 128

MODEL_PATH = Path(__file__).with_name("click_model.json")
#: The second look's model of the sounds under a word (core.audio.detector.Settings.word_threshold).
WORD_MODEL_PATH = Path(__file__).with_name("word_model.json")

#: The harmonic/percussive frames: 16 ms long, every 2 ms, centred up to 32 ms either side of the onset
#: (taken as 4 ms before the envelope's peak).
HPSS_FRAME_S = 0.016
HPSS_HOP_S = 0.002
HPSS_REACH = 16


def _pitch(x: np.ndarray, rate: float) -> np.ndarray:
    """Per row of ``x``: the normalized autocorrelation's peak at a pitch period of 2.5-12.5 ms (80-400 Hz),
    0..1, where it beats the autocorrelation at half that lag (noise and slow swells do not)."""
    n = x.shape[1]
    lo, hi = int(0.0025 * rate), int(0.0125 * rate)
    if n < 2 * hi or lo < 1:
        return np.zeros(x.shape[0])
    x = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(x, n=2 * n, axis=1)
    ac = np.fft.irfft(f.real**2 + f.imag**2, axis=1)[:, : hi + 1]
    ac = ac / np.maximum(ac[:, :1], 1e-30) * (n / (n - np.arange(hi + 1)))
    lags = np.arange(lo, hi + 1)
    seg = ac[:, lags]
    best = np.argmax(seg - 0.5 * ac[:, lags // 2], axis=1)
    return np.clip(seg[np.arange(x.shape[0]), best], 0.0, 1.0)


def _sliding_median(x: np.ndarray, size: int) -> np.ndarray:
    """The median of ``size`` (odd) neighbours along the last axis, the ends repeated (as
    scipy.ndimage.median_filter with mode "nearest" along that axis); numpy only."""
    half = size // 2
    padded = np.concatenate((np.repeat(x[..., :1], half, -1), x, np.repeat(x[..., -1:], half, -1)), axis=-1)
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, size, axis=-1), axis=-1)


def percussive_features(w: np.ndarray, e: int, rate: float) -> np.ndarray:
    """Per row of ``w`` (the envelope's peak at sample ``e``): :data:`RAW_FEATURES`' four ``perc_`` numbers.

    Harmonic/percussive separation (Fitzgerald 2010, librosa's ``hpss``) of 33 frames of 16 ms every 2 ms
    around the peak: the harmonic part of each 1-8 kHz bin is its median over the 33 frames (a vowel's
    harmonics hold for tens of ms; a click's frames are a quarter of them), the percussive part of a
    frame its median over 400 Hz of neighbouring bins (a click is broadband; a harmonic is one bin), and
    soft masks share each bin's energy between them. The onset is the frame of the most percussive
    energy among those centred within 4 ms of 4 ms before the peak; its level before is the median of
    the frames centred 32-16 ms before that."""
    c = w.shape[0]
    frame = max(32, int(round(HPSS_FRAME_S * rate)))
    hop = max(1, int(round(HPSS_HOP_S * rate)))
    size = 1 << (frame - 1).bit_length()
    f = np.fft.rfftfreq(size, 1.0 / rate)
    df = rate / size
    kernel = max(3, int(round(400.0 / df)) | 1)
    half = kernel // 2
    band = np.flatnonzero((f >= 1000) & (f < min(8000.0, 0.45 * rate)))
    lo, hi = max(0, band[0] - half), min(f.size, band[-1] + half + 1)
    centre = e - int(0.004 * rate)  # a 1 ms RMS envelope peaks a little after the onset
    starts = centre - frame // 2 + np.arange(-HPSS_REACH, HPSS_REACH + 1) * hop
    starts = np.clip(starts, 0, w.shape[1] - frame)
    frames = w[:, starts[:, None] + np.arange(frame)] * np.hanning(frame)  # (c, 33, frame)
    mag = np.abs(np.fft.rfft(frames, n=size, axis=2))[:, :, lo:hi]
    harmonic = np.median(mag, axis=1, keepdims=True)  # (c, 1, bins)
    onset = HPSS_REACH + np.arange(-2, 3)  # frames starting 4 ms either side of the onset's
    pre = np.arange(0, HPSS_REACH - 7)  # frames centred 32-16 ms before the onset's
    rows = np.concatenate((onset, pre))
    percussive = _sliding_median(mag[:, rows, :], kernel)
    inner = slice(band[0] - lo, band[-1] - lo + 1)
    m, p, h = mag[:, rows, inner] ** 2, percussive[:, :, inner] ** 2, harmonic[:, :, inner] ** 2
    share = p / (p + h + 1e-30)
    perc, harm = np.sum(share * m, axis=2), np.sum((1 - share) * m, axis=2)  # (c, rows)
    k = len(onset)
    best = np.argmax(perc[:, :k], axis=1)
    at = np.arange(c)
    perc_db = 10 * np.log10(perc[at, best] + 1e-20)
    ratio = perc_db - 10 * np.log10(harm[at, best] + 1e-20)
    rise = perc_db - 10 * np.log10(np.median(perc[:, k:], axis=1) + 1e-20)
    onset_mag = m[at, best]  # (c, bins)
    level = h[:, 0]
    bins = np.mean(onset_mag > 4.0 * level, axis=1)
    added = np.maximum(onset_mag - level, 1e-3 * onset_mag) + 1e-30
    flatness = 10 * (np.mean(np.log10(added), axis=1) - np.log10(np.mean(added, axis=1)))
    return np.column_stack([ratio, rise, bins, flatness])


def _rise_and_decay(high: np.ndarray, at: float, rate: float) -> np.ndarray:
    """:data:`RAW_FEATURES`' ``hf_rise_ms`` and ``hf_decay_db`` of the 1-8 kHz band ``high`` (at ``rate``)
    around sample ``at``, on its 0.25 ms RMS."""
    step = max(1, int(round(0.00025 * rate)))
    a = max(0, int(at - 0.020 * rate)) // step * step
    b = min(high.shape[1], int(at + 0.020 * rate)) // step * step
    env = 10 * np.log10(np.mean(high[:, a:b].reshape(high.shape[0], -1, step) ** 2, axis=2) + 1e-20)
    ms = 1.0 / (step / rate * 1000)  # frames a ms
    centre = int((at - a) / step)
    lo, hi = max(0, centre - int(4 * ms)), min(env.shape[1], centre + int(2 * ms) + 1)
    peak = lo + np.argmax(env[:, lo:hi], axis=1)
    rows = np.arange(env.shape[0])
    top = env[rows, peak]
    before = np.median(env[:, : max(1, int(15 * ms))], axis=1)
    low = np.maximum(top - 20.0, before + 3.0)
    idx = np.arange(env.shape[1])[None, :]
    under = (env < low[:, None]) & (idx < peak[:, None])
    start = np.where(under.any(axis=1), env.shape[1] - 1 - np.argmax(under[:, ::-1], axis=1), 0)
    near = (env >= top[:, None] - 3.0) & (idx > start[:, None])
    reach = np.argmax(near, axis=1)
    rise = np.minimum((reach - start) / ms, 20.0)
    power = 10 ** (env / 10)
    width = max(1, int(1.5 * ms))
    head = np.array([power[r, p : p + width].mean() for r, p in zip(rows, peak, strict=True)])
    tail = np.array([power[r, p + int(2 * ms) : p + int(6 * ms)].mean() if p + int(6 * ms) <= env.shape[1]
                     else 1e-20 for r, p in zip(rows, peak, strict=True)])
    return np.column_stack([rise, 10 * np.log10(tail + 1e-20) - 10 * np.log10(head + 1e-20)])


@lru_cache(maxsize=16)
def _plan(n: int, rate: float) -> tuple:
    """How to cut a window's spectrum into the high band (kept at >= 18 kHz or the rate) and the low and voice
    bands (kept at about 2.4 kHz): lengths, rates and masks."""
    f = np.fft.rfftfreq(n, 1.0 / rate)
    n_high = min(n, 2 * int(math.ceil(n * 9000.0 / rate)))
    n_low = min(n, 2 * int(math.ceil(n * 1200.0 / rate)))
    top = min(8000.0, 0.45 * rate)
    high = ((f >= 1000) & (f < top))[: n_high // 2 + 1]
    low = ((f >= 80) & (f < 400))[: n_low // 2 + 1]
    voice = ((f >= 80) & (f < 1000))[: n_low // 2 + 1]
    return n_high, rate * n_high / n, high, n_low, rate * n_low / n, low, voice


def raw_features(windows: np.ndarray, e: int, rate: float) -> np.ndarray:
    """The :data:`RAW_FEATURES` of candidates whose envelope peaks at sample ``e`` of each row of the mono
    ``windows`` (one row a candidate, :data:`WINDOW_BEFORE_S` + :data:`WINDOW_AFTER_S` long), FEATURE_ROWS at a
    time: each row's numbers are its own, and the spectra of thousands at once would take gigabytes."""
    if np.ndim(windows) == 2 and len(windows) > FEATURE_ROWS:
        return np.vstack([raw_features(windows[i : i + FEATURE_ROWS], e, rate)
                          for i in range(0, len(windows), FEATURE_ROWS)])  # fmt: skip
    w = np.atleast_2d(windows).astype(np.float64)
    c, n = w.shape
    spec = np.fft.rfft(w, axis=1)
    n_high, r_high, m_high, n_low, r_low, m_low, m_voice = _plan(n, rate)
    high = np.fft.irfft(spec[:, : n_high // 2 + 1] * m_high, n_high, axis=1) * (n_high / n)
    low = np.fft.irfft(spec[:, : n_low // 2 + 1] * m_low, n_low, axis=1) * (n_low / n)
    voice = np.fft.irfft(spec[:, : n_low // 2 + 1] * m_voice, n_low, axis=1) * (n_low / n)

    def power(x: np.ndarray, r: float, a_ms: float, b_ms: float) -> np.ndarray:
        at = e * r / rate
        a, b = max(0, int(at + a_ms * r / 1000)), min(x.shape[1], int(at + b_ms * r / 1000))
        return 10 * np.log10(np.mean(x[:, a:b] ** 2, axis=1) + 1e-20) if b > a else np.full(c, -200.0)

    ev_high = power(high, r_high, -2, 4)
    # The onset's spectrum: 4 ms from just before the envelope's peak (1 ms RMS windows peak late).
    ms = rate / 1000.0
    onset = max(0, e - int(2 * ms))
    length = max(8, int(4 * ms))
    size = max(64, 1 << (length - 1).bit_length())
    p = np.abs(np.fft.rfft(w[:, onset : onset + length] * np.hanning(length), n=size, axis=1)) ** 2 + 1e-30
    f = np.fft.rfftfreq(size, 1.0 / rate)
    band = (f >= 1000) & (f < min(8000.0, 0.45 * rate))
    pb, fb = p[:, band], f[band]
    flatness = 10 * (np.mean(np.log10(pb), axis=1) - np.log10(np.mean(pb, axis=1)))
    centroid = np.log2(np.sum(pb * fb, axis=1) / np.sum(pb, axis=1) / 1000.0)
    length = max(16, int(12 * ms))
    size = max(128, 1 << (length - 1).bit_length())
    hann = np.hanning(length)
    p = np.abs(np.fft.rfft(w[:, onset : onset + length] * hann, n=size, axis=1)) ** 2
    # Less the background's spectrum (the mean of 12 ms frames in the 110-10 ms before): a steady hiss or
    # an 8-bit file's quantization noise would otherwise flatten a click that has died away within 12 ms.
    starts = range(max(0, e - int(110 * ms)), max(0, e - int(10 * ms) - length) + 1, length)
    if len(starts):
        frames = np.stack([w[:, a : a + length] for a in starts], axis=1) * hann
        p = np.maximum(p - np.mean(np.abs(np.fft.rfft(frames, n=size, axis=2)) ** 2, axis=1), 0.01 * p)
    f = np.fft.rfftfreq(size, 1.0 / rate)
    pb = p[:, (f >= 1000) & (f < min(8000.0, 0.45 * rate))] + 1e-30
    flatness12 = 10 * (np.mean(np.log10(pb), axis=1) - np.log10(np.mean(pb, axis=1)))
    peakiness12 = 10 * np.log10(np.percentile(pb, 90, axis=1) / np.median(pb, axis=1))
    fb = f[(f >= 1000) & (f < min(8000.0, 0.45 * rate))]
    tilt = 10 * np.log10((np.sum(pb[:, fb < 2500], axis=1) + 1e-30) / (np.sum(pb[:, fb >= 2500], axis=1) + 1e-30))
    at = e * r_low / rate
    a, b = max(0, int(at - 0.110 * r_low)), max(0, int(at - 0.010 * r_low))
    cc, d = int(at + 0.010 * r_low), int(at + 0.150 * r_low)
    return np.column_stack(
        [
            flatness,
            centroid,
            power(low, r_low, -2, 20) - power(high, r_high, -2, 20),
            power(voice, r_low, -110, -10) - ev_high,
            power(voice, r_low, 10, 150) - ev_high,
            _pitch(voice[:, a:b], r_low),
            _pitch(voice[:, cc:d], r_low),
            power(high, r_high, 50, 150) - ev_high,
            flatness12,
            peakiness12,
            power(low, r_low, -2, 60) - power(low, r_low, -60, -5),
            percussive_features(w, e, rate),
            _rise_and_decay(high, e * r_high / rate, r_high),
            _voice_context(voice, e * r_low / rate, r_low),
            tilt,
            power(low, r_low, -110, -10) - ev_high,
            _ring_correlation(w, onset, rate),
        ]
    )


def _ring_correlation(w: np.ndarray, onset: int, rate: float) -> np.ndarray:
    """:data:`RAW_FEATURES`' ``ring_corr``: the correlation of the 1-8 kHz dB spectra of the 4 ms from
    ``onset`` and the 4 ms after them, each less its own average over 1.5 kHz of neighbouring bins (so the
    band's shape, which noise shares, does not count; a resonance's peak does)."""
    ms = rate / 1000.0
    length = max(16, int(4 * ms))
    size = max(64, 1 << (length - 1).bit_length())
    f = np.fft.rfftfreq(size, 1.0 / rate)
    band = (f >= 1000) & (f < min(8000.0, 0.45 * rate))
    frames = np.stack([w[:, onset + j * length : onset + (j + 1) * length] for j in (0, 1)], axis=1)
    s = 10 * np.log10(np.abs(np.fft.rfft(frames * np.hanning(length), n=size, axis=2)) ** 2 + 1e-20)[:, :, band]
    k = max(3, int(round(1500.0 / (rate / size))) | 1)
    padded = np.concatenate((np.repeat(s[..., :1], k // 2, -1), s, np.repeat(s[..., -1:], k // 2, -1)), axis=-1)
    r = s - np.lib.stride_tricks.sliding_window_view(padded, k, axis=-1).mean(axis=-1)
    r -= r.mean(axis=2, keepdims=True)
    a, b = r[:, 0], r[:, 1]
    return np.sum(a * b, axis=1) / np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1) + 1e-30)


def _voice_context(voice: np.ndarray, at: float, rate: float) -> np.ndarray:
    """:data:`RAW_FEATURES`' ``voice_dip_pre_db``, ``voice_dip_post_db`` and ``voice_onset_db`` of the
    80-1000 Hz band ``voice`` (at ``rate``) around sample ``at``."""
    ms = rate / 1000.0

    def level(a_ms: float, b_ms: float) -> np.ndarray:
        a, b = max(0, int(at + a_ms * ms)), min(voice.shape[1], int(at + b_ms * ms))
        return np.mean(voice[:, a:b] ** 2, axis=1) if b > a else np.zeros(voice.shape[0])

    step = max(1, int(round(10 * ms)))  # 20 ms frames every 10 ms
    a, b = max(0, int(at - 110 * ms)), min(voice.shape[1], int(at + 150 * ms))
    p = voice[:, a:b] ** 2
    k = (p.shape[1] - 2 * step) // step + 1
    if k > 0:
        loudest = np.max([p[:, i * step : i * step + 2 * step].mean(axis=1) for i in range(k)], axis=0)
    else:
        loudest = p.mean(axis=1)
    before, after, onset = level(-35, -5), level(5, 35), level(40, 120)
    db = lambda x: 10 * np.log10(x + 1e-20)  # noqa: E731
    return np.column_stack([db(before) - db(loudest), db(after) - db(loudest), db(onset) - db(before)])


@lru_cache(maxsize=1)
def _model() -> dict:
    return json.loads(MODEL_PATH.read_text())


@lru_cache(maxsize=1)
def load_word_model() -> dict:
    """The word model (:data:`WORD_MODEL_PATH`): the second look's judge of the sounds under a word."""
    return json.loads(WORD_MODEL_PATH.read_text())


def click_probability(x: np.ndarray, model: dict | None = None) -> np.ndarray:
    """The probability that each row of :data:`FEATURES` values is a knee click: a sum of small decision
    trees (gradient boosting, all of the same depth, stored level by level), through the logistic function."""
    m = model or _model()
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    feature = np.asarray(m["feature"])  # (trees, 2**depth - 1): the split of each inner node
    threshold = np.asarray(m["threshold"])
    value = np.asarray(m["value"])  # (trees, 2**depth): the leaves
    trees = np.arange(feature.shape[0])
    rows = np.arange(x.shape[0])[:, None]
    node = np.zeros((x.shape[0], feature.shape[0]), dtype=np.intp)
    for _ in range(int(m["depth"])):
        go_right = x[rows, feature[trees, node]] > threshold[trees, node]
        node = 2 * node + 1 + go_right
    leaf = node - feature.shape[1]
    logit = m["bias"] + value[trees, leaf].sum(axis=1)
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -40, 40)))
