"""Butterworth band filters applied block by block, with numpy only.

``scipy.signal`` would do this (``butter`` + ``sosfilt``), but importing it takes about 1.2 s (it loads
scipy.stats), more than the whole ``kneeclick count-clicks`` budget. So the same filters are built here:
the Butterworth design follows scipy's (analog prototype, band transform, bilinear transform with
pre-warping), each pair of conjugate poles gives a second-order section whose impulse response has a
closed form, and the cascade's impulse response (truncated once its remaining energy is 120 dB down) is
applied by FFT overlap-add. ``tests/core/audio/test_filters.py`` checks the output against
``scipy.signal.sosfilt(scipy.signal.butter(...))``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["impulse_response", "BlockFilter"]


def _butter_poles(order: int) -> np.ndarray:
    """The analog lowpass prototype's poles (cut-off 1 rad/s), as scipy.signal.buttap."""
    m = np.arange(-order + 1, order, 2)
    return -np.exp(1j * np.pi * m / (2 * order))


@lru_cache(maxsize=32)
def impulse_response(order: int, low_hz: float | None, high_hz: float | None, rate: float, max_s: float = 1.0) -> np.ndarray:
    """The causal impulse response of a digital Butterworth filter: bandpass (both edges), highpass
    (``high_hz`` None) or lowpass (``low_hz`` None), of the given order (per edge, as scipy's ``butter``)."""
    fs2 = 2.0 * rate
    p = _butter_poles(order)
    if low_hz and high_hz:
        w1, w2 = (fs2 * math.tan(math.pi * f / rate) for f in (low_hz, high_hz))
        bw, wo = w2 - w1, math.sqrt(w1 * w2)
        pl = p * bw / 2
        root = np.sqrt(pl * pl - wo * wo)
        poles = np.concatenate((pl + root, pl - root))
        zeros = np.concatenate((np.ones(order), -np.ones(order)))  # s=0 -> z=1, s=inf -> z=-1
        analog_z = np.zeros(order)
        k = bw**order * np.real(np.prod(fs2 - analog_z) / np.prod(fs2 - poles))
    elif low_hz:
        wo = fs2 * math.tan(math.pi * low_hz / rate)
        poles = wo / p
        zeros = np.ones(order)
        k = np.real(1 / np.prod(-p)) * np.real(np.prod(fs2 - np.zeros(order)) / np.prod(fs2 - poles))
    elif high_hz:
        wo = fs2 * math.tan(math.pi * high_hz / rate)
        poles = wo * p
        zeros = -np.ones(order)
        k = wo**order * np.real(1 / np.prod(fs2 - poles))
    else:
        raise ValueError("a filter needs at least one edge")
    zpoles = (fs2 + poles) / (fs2 - poles)
    # Pair each pole with its conjugate (upper half-plane ones; Butterworth orders here are even) and
    # give each section two of the zeros.
    upper = np.sort_complex(zpoles[zpoles.imag > 0])
    if upper.size * 2 != zpoles.size:
        raise ValueError("only even-order sections are supported")
    # Long enough for the slowest section to decay by 200 dB (the cascade is then truncated at -120 dB).
    slowest = float(np.abs(upper).max())
    n = min(int(max_s * rate), int(upper.size * math.log(1e-10) / math.log(slowest)) + 16)
    idx = np.arange(n)
    h = None
    zeros = list(np.sort(zeros.real))
    for pole in upper:
        z1, z2 = zeros.pop(0), zeros.pop(-1)  # one zero at +1 and one at -1 where there are both
        b = np.array([1.0, -(z1 + z2), z1 * z2])
        a2 = abs(pole) ** 2
        c = b[2] / a2
        num = b[0] + b[1] / pole + b[2] / pole**2
        r = num / (1 - np.conj(pole) / pole)
        sec = 2 * np.real(r * pole**idx)
        sec[0] += c
        h = sec if h is None else _convolve(h, sec)[:n]
    h = h * k
    energy = np.cumsum((h * h)[::-1])[::-1]
    keep = int(np.searchsorted(-energy, -energy[0] * 1e-12)) + 1
    return h[: max(keep, 8)].copy()


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = a.size + b.size - 1
    nfft = 1 << (m - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(a, nfft) * np.fft.rfft(b, nfft), nfft)[:m]


class BlockFilter:
    """Applies an impulse response to consecutive blocks of rows ``(channels, n)``, as one long signal.

    Overlap-add in segments of ``nfft - len(h) + 1`` samples (``nfft``: a power of two, at least 4 times
    the response's length), all segments of a block in one batched FFT, in float32."""

    def __init__(self, h: np.ndarray, channels: int) -> None:
        self.L = h.size
        self.nfft = max(4096, 1 << (4 * h.size - 1).bit_length())
        self.seg = self.nfft - self.L + 1
        self.spectrum = np.fft.rfft(h.astype(np.float32), self.nfft)
        self.tail = np.zeros((channels, self.L - 1), dtype=np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        ch, m = x.shape
        seg, L = self.seg, self.L
        k = -(-m // seg)
        xs = np.zeros((ch, k * seg), dtype=np.float32)
        xs[:, :m] = x
        y = np.fft.irfft(np.fft.rfft(xs.reshape(ch, k, seg), self.nfft, axis=2) * self.spectrum, self.nfft, axis=2)
        out = np.zeros((ch, (k + 1) * seg), dtype=np.float32)
        out[:, : k * seg] = y[:, :, :seg].reshape(ch, k * seg)
        spill = np.zeros((ch, k, seg), dtype=np.float32)
        spill[:, :, : L - 1] = y[:, :, seg : seg + L - 1]
        out[:, seg:] += spill.reshape(ch, k * seg)
        out[:, : L - 1] += self.tail
        self.tail = out[:, m : m + L - 1].copy()
        return out[:, :m]
