"""Differences between two methods (or designs) scored on the same simulated people."""

from __future__ import annotations

import numpy as np


def paired_interval(d) -> tuple[float, float, float]:
    """The mean of per-person differences ``d`` (e.g. -1, 0, 1 for right/wrong) and its normal 95% interval.

    Read person by person, the interval is narrower than the two methods' own margins combined whenever they agree
    on most people; nan for no people, and no width for one.
    """
    d = np.asarray(d, dtype=float)
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    half = 1.96 * (d.std(ddof=1) if d.size > 1 else 0.0) / np.sqrt(d.size)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)
