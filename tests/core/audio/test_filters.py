"""The detector's numpy band filters give what scipy.signal's Butterworth filters give (the reference)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from core.audio.filters import BlockFilter, impulse_response


RATES = (8000, 16000, 44100, 48000, 192000)
BANDS = ((1000.0, 8000.0), (1000.0, None), (None, 300.0))
#: Every rate with every band it can hold (a band edge must stay below the Nyquist limit).
CASES = [(rate, band) for rate in RATES for band in BANDS if not (band[1] and band[1] >= 0.45 * rate)]


@pytest.mark.parametrize(("rate", "edges"), CASES)
def test_block_filtering_matches_scipy_sosfilt(rate, edges):
    low, high = edges
    if low and high:
        sos = signal.butter(4, [low, high], "bandpass", fs=rate, output="sos")
    elif low:
        sos = signal.butter(4, low, "highpass", fs=rate, output="sos")
    else:
        sos = signal.butter(4, high, "lowpass", fs=rate, output="sos")
    rng = np.random.default_rng(rate)
    x = rng.normal(0, 0.1, (2, rate * 2))
    x[:, rate // 2] += 0.9  # an impulse: the transient a click is
    expected = signal.sosfilt(sos, x, axis=-1)
    f = BlockFilter(impulse_response(4, low, high, float(rate)), 2)
    sizes = [7, 1000, rate // 3, 5]  # uneven blocks, as the last block of a file is
    pieces, at = [], 0
    while at < x.shape[1]:
        n = sizes[len(pieces) % len(sizes)]
        pieces.append(f(x[:, at : at + n]))
        at += n
    got = np.concatenate(pieces, axis=1)
    assert got.shape == x.shape
    assert np.max(np.abs(got - expected)) < 1e-5 * np.max(np.abs(expected))
