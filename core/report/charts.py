"""Altair charts of the analysis (plain Altair: core/ never imports streamlit).

Each function takes the analysis output or CSV-schema rows of ONE leg and
returns an ``alt.Chart``; the Results page shows them with ``st.altair_chart``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.analysis.ranking import CONTROL, INSUFFICIENT, LIKELY, POSSIBLE, UNLIKELY, LegResult
from core.session.vocabulary import MuscleGroup

VERDICT_LABELS = {
    LIKELY: "likely",
    POSSIBLE: "possible",
    UNLIKELY: "unlikely",
    INSUFFICIENT: "not enough data",
}
#: Altair refuses a chart of more than 5,000 rows (MaxRowsError).  The charts across sessions draw at most this
#: many rows, from the latest sessions (by date), and say so in their title; the analysis still uses them all.
MAX_CHART_ROWS = 4_000

_VERDICT_COLORS = alt.Scale(
    domain=list(VERDICT_LABELS.values()),
    range=["#d62728", "#ff7f0e", "#7f7f7f", "#c7c7c7"],
)


def _label(group: str) -> str:
    return MuscleGroup(group).label


def ranking_frame(leg: LegResult) -> pd.DataFrame:
    """The ranking as a table: one row per group with an estimate, in ranking order."""
    rows = [
        dict(
            rank=i + 1,
            group=r.label,
            muscle_group=r.muscle_group,
            verdict=VERDICT_LABELS[r.verdict],
            rate_ratio=r.rate_ratio,
            ci_low=r.ci_low,
            ci_high=r.ci_high,
            cut_pct=r.cut_pct,
            p_top=r.p_top,
            sessions=r.sessions,
        )
        for i, r in enumerate(leg.ranking)
    ]
    return pd.DataFrame(
        rows,
        columns=["rank", "group", "muscle_group", "verdict", "rate_ratio", "ci_low", "ci_high", "cut_pct", "p_top", "sessions"],
    )


def ranking_chart(leg: LegResult) -> alt.Chart:
    """Forest plot: each group's rate ratio against the control with its 95% interval; the line at 1 is 'same as
    resting'.  Left of the line: fewer clicks than after resting."""
    data = ranking_frame(leg).dropna(subset=["rate_ratio"])
    against = "resting" if leg.compared_with == CONTROL else "the expected drift"
    order = data["group"].tolist()
    lo = min([0.5, *data["ci_low"].tolist()]) / 1.2
    hi = max([2.0, *data["ci_high"].tolist()]) * 1.2
    scale = alt.Scale(type="log", domain=[max(lo, 0.01), min(hi, 20.0)], clamp=True)
    x = alt.X("rate_ratio:Q", title=f"Clicks after the stretch ÷ clicks after {against}", scale=scale)
    y = alt.Y("group:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("verdict:N", title="Verdict"),
        alt.Tooltip("rate_ratio:Q", title=f"Clicks vs {against}", format=".2f"),
        alt.Tooltip("ci_low:Q", title="Could be as low as", format=".2f"),
        alt.Tooltip("ci_high:Q", title="Could be as high as", format=".2f"),
        alt.Tooltip("p_top:Q", title="P(biggest contributor)", format=".0%"),
    ]
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q", y=y,
        color=alt.Color("verdict:N", scale=_VERDICT_COLORS, title="Verdict"), tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=90).encode(
        x=x, y=y, color=alt.Color("verdict:N", scale=_VERDICT_COLORS, title="Verdict"), tooltip=tooltip
    )
    line = alt.Chart(pd.DataFrame({"rate_ratio": [1.0], "what": [f"same as {against}"]})).mark_rule(
        strokeDash=[4, 4], color="gray"
    ).encode(x=alt.X("rate_ratio:Q", scale=scale), tooltip=alt.Tooltip("what:N", title=""))
    return (line + bars + points).properties(
        title=f"Which stretch cut the clicking more than {against}", height=alt.Step(36)
    )


def p_top_chart(leg: LegResult) -> alt.Chart:
    """Bars: the chance each group is the biggest contributor, plus the chance that none beats the control."""
    rows = [dict(group=r.label, p=r.p_top or 0.0) for r in leg.ranking if r.rate_ratio is not None]
    if leg.p_none is not None:
        none = "none beats resting" if leg.compared_with == CONTROL else "none beats the drift"  # fits a phone
        rows.append(dict(group=none, p=leg.p_none))
    data = pd.DataFrame(rows, columns=["group", "p"])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("p:Q", title="Chance of being the biggest contributor", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%")),
            y=alt.Y("group:N", sort=data["group"].tolist(), title=None),
            tooltip=[alt.Tooltip("group:N", title="Group"), alt.Tooltip("p:Q", title="Chance", format=".0%")],
        )
        .properties(title="How sure is the ranking", height=alt.Step(30))
    )


def before_after_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Long form: one row per condition and test (before/after) with its clicks per rep."""
    out = []
    for r in rows.itertuples(index=False):
        for when, reps, clicks in (("before", r.reps_before, r.clicks_before), ("after", r.reps_after, r.clicks_after)):
            out.append(
                dict(
                    session=f"{r.session_date} ({r.session_id})",
                    group=_label(str(r.muscle_group)),
                    position=int(r.position),
                    when=when,
                    clicks=int(clicks),
                    reps=int(reps),
                    rate=clicks / reps if reps else None,
                )
            )
    return pd.DataFrame(out, columns=["session", "group", "position", "when", "clicks", "reps", "rate"])


def latest_sessions(rows: pd.DataFrame, per_row: int, per_session: int = 0) -> tuple[pd.DataFrame, int, int]:
    """The rows of the latest sessions whose chart fits in MAX_CHART_ROWS, when a session draws ``per_row``
    chart rows for each of its rows plus ``per_session``; returns (rows, sessions kept, sessions in all)."""
    ids = rows["session_id"].astype(str)
    sizes = ids.groupby(ids, sort=False).size() * per_row + per_session
    total = len(sizes)
    if sizes.sum() <= MAX_CHART_ROWS:
        return rows, total, total
    dates = rows["session_date"].astype(str).groupby(ids, sort=False).first()
    newest_first = dates.iloc[::-1].sort_values(ascending=False, kind="stable").index  # ties: the later one first
    fits = sizes.loc[newest_first].cumsum() <= MAX_CHART_ROWS
    keep = set(fits.index[fits])
    return rows[ids.isin(keep).to_numpy()], len(keep), total


def before_after_chart(rows: pd.DataFrame) -> alt.Chart:
    """Per group, one line per session from the click rate before the stretch to the rate right after it
    (the latest sessions only, when all of them would not fit in one chart)."""
    rows, kept, total = latest_sessions(rows, per_row=2)
    data = before_after_frame(rows)
    groups = [_label(g) for g in _present_groups(rows)]
    base = alt.Chart(data).encode(
        x=alt.X("when:N", sort=["before", "after"], title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title="Clicks per rep"),
        detail="session:N",
        tooltip=[
            alt.Tooltip("session:N", title="Session"),
            alt.Tooltip("position:Q", title="Place in the order"),
            alt.Tooltip("when:N", title="Test"),
            alt.Tooltip("clicks:Q", title="Clicks"),
            alt.Tooltip("reps:Q", title="Reps"),
        ],
    )
    layer = base.mark_line(opacity=0.6) + base.mark_point(filled=True)
    return layer.properties(width=110, height=160).facet(
        facet=alt.Facet("group:N", sort=groups, title=None), columns=4,
        title="Before and after, every session" if kept == total else f"Before and after, the latest {kept} of {total} sessions",
    )


def rate_over_time_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Every test's click rate with its session date: the baseline and the retest after each condition.

    Sessions in the order they first appear in ``rows``; within one, the baseline (the first condition's
    test before) and then the test after each condition in position order.
    """
    columns = ["session", "date", "test", "group", "rate"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    ids = rows["session_id"].astype(str)
    first_seen = {sid: i for i, sid in enumerate(dict.fromkeys(ids))}
    ordered = rows.assign(_session=ids, _order=ids.map(first_seen)).sort_values(["_order", "position"], kind="stable")
    dates = {d: pd.to_datetime(d, errors="coerce") for d in ordered["session_date"].astype(str).unique()}
    date = ordered["session_date"].astype(str).map(dates)
    firsts = ~ordered["_order"].duplicated()
    baseline = pd.DataFrame(
        {
            "session": ordered["_session"][firsts],
            "date": date[firsts],
            "test": "baseline",
            "group": "Baseline",
            "rate": ordered["clicks_before"][firsts] / ordered["reps_before"][firsts],
            "_order": ordered["_order"][firsts],
            "_k": -1,
        }
    )
    labels = {g: _label(g) for g in ordered["muscle_group"].astype(str).unique()}
    after = pd.DataFrame(
        {
            "session": ordered["_session"],
            "date": date,
            "test": "after " + ordered["position"].astype(int).astype(str),
            "group": ordered["muscle_group"].astype(str).map(labels),
            "rate": ordered["clicks_after"] / ordered["reps_after"],
            "_order": ordered["_order"],
            "_k": range(len(ordered)),
        }
    )
    out = pd.concat([baseline, after]).sort_values(["_order", "_k"], kind="stable")
    return out[columns].reset_index(drop=True)


def rate_over_time_chart(rows: pd.DataFrame) -> alt.Chart:
    """The click rate at baseline (line) and after each condition (points), session by session (the latest
    sessions only, when all of them would not fit in one chart)."""
    rows, kept, total = latest_sessions(rows, per_row=1, per_session=1)
    data = rate_over_time_frame(rows)
    tooltip = [
        alt.Tooltip("date:T", title="Date"),
        alt.Tooltip("session:N", title="Session"),
        alt.Tooltip("test:N", title="Test"),
        alt.Tooltip("group:N", title="After"),
        alt.Tooltip("rate:Q", title="Clicks per rep", format=".2f"),
    ]
    base = alt.Chart(data).encode(x=alt.X("date:T", title="Session date"), y=alt.Y("rate:Q", title="Clicks per rep"))
    baseline = base.transform_filter(alt.datum.group == "Baseline").mark_line(
        color="gray", point=alt.OverlayMarkDef(color="gray")
    ).encode(
        tooltip=tooltip
    )
    points = base.transform_filter(alt.datum.group != "Baseline").mark_circle(size=60, opacity=0.8).encode(
        color=alt.Color("group:N", title="After"), tooltip=tooltip
    )
    title = "Click rate across sessions" if kept == total else f"Click rate across the latest {kept} of {total} sessions"
    # a plot of its own height: left to fit its box, the two-line title and the legend below squeezed it to a
    # strip about 45 px high on a phone, and cut the title's top
    return (baseline + points).properties(title=f"{title} (gray: baseline)", height=400)


def _present_groups(rows: pd.DataFrame) -> list[str]:
    present = set(rows["muscle_group"].astype(str))
    return [g.value for g in MuscleGroup if g.value in present]
