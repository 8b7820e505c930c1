"""The "Is it working?" chart: one leg's click rate over time, quick checks and session baselines, with the
fitted trend (plain Altair; the Results page and the PDF report draw the same spec)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.analysis.trend import Trend
from core.session.vocabulary import SessionKind

#: The chart's title (short enough for one line on a phone).
TITLE = "Clicks per rep over time"
KIND_LABELS = {SessionKind.QUICK_CHECK.value: "quick check", SessionKind.FULL.value: "session baseline"}


def trend_frame(points: pd.DataFrame, trend: Trend) -> pd.DataFrame:
    """The points to draw: date, clicks per rep, what the test was, and the fitted rate on that date."""
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(points["at"]),
            "rate": points["clicks"].to_numpy(dtype=float) / points["reps"].to_numpy(dtype=float),
            "test": points["kind"].map(KIND_LABELS).fillna("session baseline"),
            "clicks": points["clicks"].astype(int),
            "reps": points["reps"].astype(int),
        }
    )
    fitted = trend.fitted(frame["date"])
    frame["trend"] = fitted if fitted is not None else float("nan")
    return frame


def trend_chart(points: pd.DataFrame, trend: Trend) -> alt.Chart:
    """Clicks per rep of each test over time (a dot each), and the fitted trend as a line when there is one.

    Sized by its container (a phone's 390 px or a wide screen), the legend below the plot.
    """
    frame = trend_frame(points, trend)
    base = alt.Chart(frame).encode(x=alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0,
                                                                             tickCount=4)))  # fmt: skip
    dots = base.mark_circle(size=70, opacity=0.85).encode(
        y=alt.Y("rate:Q", title="clicks per rep", scale=alt.Scale(zero=True)),
        color=alt.Color("test:N", title=None, scale=alt.Scale(domain=list(KIND_LABELS.values()),
                                                              range=["#1f77b4", "#9467bd"])),
        tooltip=[alt.Tooltip("date:T", title="date"), alt.Tooltip("test:N"), alt.Tooltip("clicks:Q"),
                 alt.Tooltip("reps:Q"), alt.Tooltip("rate:Q", title="clicks per rep", format=".2f")],
    )  # fmt: skip
    layers = [dots]
    if frame["trend"].notna().any():
        layers.insert(0, base.mark_line(color="#d62728", strokeDash=[6, 3]).encode(y="trend:Q"))
    return alt.layer(*layers).properties(title=TITLE, height=220, width="container").configure_legend(orient="bottom")
