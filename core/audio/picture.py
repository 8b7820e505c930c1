"""A picture of a recording for the Session page: the high-band level over time with the detected clicks.

Plain Altair (no Streamlit). On a page: ``st.altair_chart(recording_chart(detection), height=300)``; pass
the height there, Streamlit 1.67 sizes the element by its own ``height`` argument, not the chart's (checked
in Chromium: without it the plot is about 60 px tall).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.audio.detector import Detection, Settings
from core.session.words import count


def envelope_frame(detection: Detection) -> pd.DataFrame:
    """The chart's level data: ``time_s``, ``level_dbfs`` (the loudest 1 ms in each bin, at most ~3000 bins)
    and ``threshold_dbfs`` (the background plus the detector's threshold)."""
    env = detection.envelope
    floor = Settings().floor_dbfs
    return pd.DataFrame(
        {
            "time_s": np.round(env.times_s, 4),
            "level_dbfs": np.round(np.maximum(env.level_dbfs, floor), 1),
            "threshold_dbfs": np.round(np.maximum(env.background_dbfs, floor) + Settings().threshold_db, 1),
        }
    )


def clicks_frame(detection: Detection) -> pd.DataFrame:
    """One row per detected click: ``click`` (1-based), ``time_s``, ``level_dbfs``."""
    return pd.DataFrame(
        {
            "click": np.arange(1, detection.count + 1),
            "time_s": [round(c.time_s, 3) for c in detection.clicks],
            "level_dbfs": [round(c.level_dbfs, 1) for c in detection.clicks],
        }
    )


def recording_chart(detection: Detection, height: int = 180) -> alt.LayerChart:
    """The recording's level (dBFS, 1-8 kHz band) over time, the detection threshold dashed, and a red rule
    with a number on each detected click."""
    env = envelope_frame(detection)
    clicks = clicks_frame(detection)
    top = float(max(env["level_dbfs"].max(), clicks["level_dbfs"].max() if len(clicks) else -np.inf)) + 3
    bottom = float(max(env["level_dbfs"].min(), top - 70)) - 3
    x = alt.X("time_s:Q", title="time (s)", scale=alt.Scale(domain=[0, round(detection.duration_s, 2)], nice=False))
    y_scale = alt.Scale(domain=[bottom, top], clamp=True)
    level = (
        alt.Chart(env)
        .mark_area(line={"color": "#4c78a8", "strokeWidth": 0.8}, color="#4c78a8", opacity=0.35)
        .encode(x=x, y=alt.Y("level_dbfs:Q", title="level (dBFS)", scale=y_scale), y2=alt.datum(bottom))
    )
    threshold = (
        alt.Chart(env)
        .mark_line(strokeDash=[4, 3], color="#888888", strokeWidth=1)
        .encode(x=x, y=alt.Y("threshold_dbfs:Q", scale=y_scale))
    )
    layers = [level, threshold]
    if len(clicks):
        rules = (
            alt.Chart(clicks)
            .mark_rule(color="#d62728", strokeWidth=1.5, opacity=0.5)
            .encode(
                x=x,
                tooltip=[
                    alt.Tooltip("click:Q", title="click"),
                    alt.Tooltip("time_s:Q", title="time (s)", format=".2f"),
                    alt.Tooltip("level_dbfs:Q", title="level (dBFS)", format=".1f"),
                ],
            )
        )
        labels = (
            alt.Chart(clicks)
            .mark_text(color="#d62728", baseline="top", dy=2, fontSize=10)
            .encode(x=x, y=alt.value(0), text="click:Q")
        )
        layers = [level, threshold, rules, labels]
    title = f"{count(detection.count, 'click')} found in {detection.duration_s:.1f} s"
    return alt.layer(*layers).properties(height=height, title=title)
