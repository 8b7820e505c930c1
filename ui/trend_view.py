"""Results' "Is it working?": each leg's click rate over time and its trend, cached per store revision."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from core.analysis.trend import Trend, estimate_trend, trend_points
from core.data.store import Store
from core.report.trend_chart import KIND_LABELS, trend_chart
from core.session.vocabulary import Side
from ui.views import arrow_spec, store_key


@dataclasses.dataclass(frozen=True)
class TrendView:
    side: str
    trend: Trend
    chart: dict  # Vega-Lite spec with Arrow data (ui.views.arrow_spec)
    numbers: pd.DataFrame  # the figures, one row
    points: pd.DataFrame  # every test used: date, what it was, clicks, reps


def trend_views(store: Store) -> list[TrendView]:
    """Each leg with at least one quick check or full-session baseline (left, then right)."""
    return _trend_views(store_key(store), store)


@st.cache_resource(show_spinner=False, max_entries=8)
def _trend_views(key: str, _store: Store) -> list[TrendView]:
    frame = _store.trials_frame(checks=True, baselines=True)
    views = []
    for side in (s.value for s in Side):
        points = trend_points(frame, side)
        if points.empty:
            continue
        trend = estimate_trend(points)
        numbers = pd.DataFrame(
            [{"change per week %": trend.change_per_week_pct, "95% CI from %": trend.ci_low_pct,
              "95% CI to %": trend.ci_high_pct, "tests": trend.checks, "days": trend.days,
              "verdict": trend.verdict.replace("_", " ")}]
        )  # fmt: skip
        shown = pd.DataFrame(
            {"date": points["at"].dt.strftime("%Y-%m-%d"), "test": points["kind"].map(KIND_LABELS),
             "clicks": points["clicks"], "reps": points["reps"]}
        )  # fmt: skip
        views.append(TrendView(side, trend, arrow_spec(trend_chart(points, trend).to_dict()), numbers, shown))
    return views


def is_it_working(views: list[TrendView]) -> None:
    """The section: per leg, the plain sentence first, the chart, the numbers one tap away."""
    if not views:
        return
    st.header("Is it working?")
    st.caption(
        "The click rate of your quick checks and of the first test of each full session, over the weeks. A quick "
        "check a few times a week shows whether the clicking goes down while you stretch and strengthen."
    )
    for view in views:
        st.subheader(f"{view.side.capitalize()} knee")
        st.markdown(f"**{view.trend.sentence}**")
        st.vega_lite_chart(
            spec=view.chart, key=f"trend-{view.side}", width="stretch",
            alt=f"{view.side} knee: clicks per rep of each quick check and session baseline over time, with the trend",
        )  # fmt: skip
        # Filled only while open, like Results' other numbers (fewer elements on every rerun)
        numbers = st.expander("The numbers: the trend and every test it uses", key=f"trend-open-{view.side}",
                              on_change="rerun")  # fmt: skip
        if not numbers.open:
            continue
        with numbers:
            st.caption(
                "Change per week: how much the clicks per rep change each week, in percent (negative: fewer), "
                "with its 95% interval, from a count model of each day's tests that allows for day-to-day "
                "variation. Too early to tell until there are tests on at least 6 days over at least 2 weeks."
            )
            st.dataframe(
                view.numbers, hide_index=True, key=f"trend-numbers-{view.side}",
                column_config={c: st.column_config.NumberColumn(c, format="%.0f") for c in
                               ("change per week %", "95% CI from %", "95% CI to %")},
            )  # fmt: skip
            st.dataframe(view.points, hide_index=True, key=f"trend-points-{view.side}")
