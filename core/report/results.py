"""What the Results page shows, built in one go from a store (no Streamlit here).

The page caches :func:`results_views` per store revision, so the analysis, the exact tests and the charts'
validation run once per change of the data, not on every rerun.  Charts are returned as Vega-Lite specs
(plain dicts), which cache and draw without Altair's validation.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from core.report import charts
from core.analysis.planner import with_sessions_to_settle
from core.analysis.ranking import LegResult, analyze, session_table
from core.data.store import Store
from core.session.vocabulary import MuscleGroup

#: The columns of the table of every condition, in the order shown.
DETAIL_COLUMNS = [
    "session_date", "position", "muscle_group", "clicks_before", "clicks_after", "change_pct",
    "rate_ratio", "ci_low", "ci_high", "p_value", "notes",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class LegView:
    """One leg's results: the analysis, its four charts (Vega-Lite specs; None when there is nothing to
    draw) and the table of every condition with its exact test."""

    leg: LegResult
    ranking: dict | None
    p_top: dict | None
    before_after: dict
    over_time: dict
    detail: pd.DataFrame
    #: The ranking's numbers (shown only in the numbers expander): one row per group, in ranking order.
    numbers: pd.DataFrame


def numbers_frame(leg: LegResult) -> pd.DataFrame:
    """The ranking as numbers (the same quantities the sentences are made of), one row per group, as a person
    reads them: ratios to 2 decimals, chances in whole percent, the group by its name."""

    def pct(p: float | None) -> float | None:
        return None if p is None else round(100 * p)

    def two(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    return pd.DataFrame(
        [
            {
                "Group": r.label, "Verdict": r.verdict.replace("_", " "), "Rate ratio": two(r.rate_ratio),
                "95% CI from": two(r.ci_low), "95% CI to": two(r.ci_high), "P(top) %": pct(r.p_top),
                "P(culprit) %": pct(r.p_culprit), "Sessions": r.sessions,
            }
            for r in leg.ranking
        ],
        columns=["Group", "Verdict", "Rate ratio", "95% CI from", "95% CI to", "P(top) %", "P(culprit) %", "Sessions"],
    )  # fmt: skip


def detail_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Every condition of every session with its exact test, each condition by its name ("Rest (control)")."""
    detail = session_table(rows)[DETAIL_COLUMNS].copy()
    detail["muscle_group"] = detail["muscle_group"].astype(str).map(lambda g: MuscleGroup(g).label)  # as charts do
    return detail


def results_views(store: Store) -> list[LegView]:
    """Every leg's results from the store's completed conditions; empty when there are none."""
    frame = store.trials_frame()
    if frame.empty:
        return []
    sessions = store.list_sessions()
    stopped = sessions.loc[sessions["status"] == "stopped", "id"].tolist()
    views = []
    for leg in analyze(frame, stopped_sessions=stopped):
        rows = frame[frame["side"] == leg.side]
        leg = with_sessions_to_settle(leg, rows, stopped_sessions=stopped)
        views.append(
            LegView(
                leg=leg,
                ranking=charts.ranking_chart(leg).to_dict() if any(r.rate_ratio is not None for r in leg.ranking) else None,
                p_top=charts.p_top_chart(leg).to_dict() if any(r.p_top is not None for r in leg.ranking) else None,
                before_after=charts.before_after_chart(rows).to_dict(),
                over_time=charts.rate_over_time_chart(rows).to_dict(),
                detail=detail_frame(rows),
                numbers=numbers_frame(leg),
            )
        )
    return views
