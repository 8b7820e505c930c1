"""The end of a session: recording why it ended, and the summary."""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.report.summary import before_after_chart, reps_differ, summary_table
from core.session import flow
from core.session.flow import Step
from core.session.vocabulary import (
    Session,
    SessionStatus,
)
from ui.views import narrow
from ui.session_common import (
    _new_session_button,
)
from ui.text import alert


# ------------------------------------------------------------------ summary
def summary(store: Store, session: Session, step: Step) -> None:
    if step.quick:
        from ui.step_check import summary as quick_summary

        return quick_summary(store, session, step)
    code = flow.stop_code(session)
    if session.status is SessionStatus.FINISHED:
        st.success("Session complete. Every test is saved.", icon=":material/check_circle:")
    else:
        # The reason may come from an imported file: plain text, never Markdown.
        alert("warning", "The session ended early.", session.stop_reason, icon=":material/stop_circle:")
    advice = flow.advice(session)
    if advice:
        (st.error if code in (flow.STOP_PAIN, flow.STOP_RED_FLAG) else st.info)(advice)
        for reason in flow.red_flag_reasons(flow.new_red_flags(session)):
            st.markdown(f"- {reason}")
    table, spec = _summary_parts(session)
    if spec is not None:
        st.vega_lite_chart(spec, width="stretch")
    if not table.empty:
        # A plain HTML table, not the data grid: a handful of lines, drawn at once (the grid's canvas and
        # its hundreds of nodes were most of this step's wait). Every cell is kneeclick's own words and numbers.
        st.table(phone_table(table).set_index("Condition"), border="horizontal")
        if len(table) > 1:
            st.caption(
                "Before is the test just before each condition: for every condition after the first, that is the "
                "retest after the one before it, so it can still carry that stretch's effect. A high Before is "
                "not caused by the stretch of its own row."
            )
        if reps_differ(session):
            st.caption("Some tests had a different number of reps, so their counts are not directly comparable.")
        st.caption(
            "One session cannot tell a real effect from noise: the clicking changes by itself as the knee warms "
            "up. Compare each stretch with the rest control, and look at Results after a few sessions."
        )
    st.page_link("pages/results.py", label="See Results across sessions", icon=":material/insights:")
    _new_session_button("summary-new")


def phone_table(table):
    """The summary table narrow enough for a phone: one line per condition, its order in its name, and a
    condition that was not done saying so ("skipped", "not done") where its counts would be, never "None"."""
    import pandas as pd

    done = table["Status"] == "done"
    said = table["Status"].where(~done, "")

    def count(column: str) -> list[str]:
        return [str(int(v)) if ok and pd.notna(v) else (word or "not done") for v, ok, word in zip(table[column], done, said)]

    return pd.DataFrame({
        # a no-break space after "1.": the table's cells are Markdown, where "1. " would start a list
        "Condition": [f"{o}.\u00a0{c}" for o, c in zip(table["Order"], table["Condition"])],
        "Before": count("Before"),
        "After": count("After"),
        "Change": [f"{int(v):+d}" if ok and pd.notna(v) else "" for v, ok in zip(table["Change"], done)],
        "Pain": [str(int(v)) if ok and pd.notna(v) else "" for v, ok in zip(table["Pain after"], done)],
    })  # fmt: skip


def _summary_parts(session: Session) -> tuple:
    """The summary table and chart (as a Vega-Lite spec), built once per content: pandas and Altair's
    validation are the slow part of a rerun, and an ended session does not change."""
    content = (
        session.id,
        tuple((m.seq, m.reps, m.clicks, m.pain) for m in session.measurements.values()),
        tuple((t.position, t.status.value, t.before_seq, t.after_seq) for t in session.trials),
        session.status.value,
    )
    return _parts_for(content, session)


@st.cache_data(show_spinner=False, max_entries=64)
def _parts_for(content: tuple, _session: Session) -> tuple:
    chart = before_after_chart(_session)
    # Altair's spec validation is skipped: the chart is kneeclick's own and checked by its tests.
    return summary_table(_session), (None if chart is None else narrow(chart.to_dict(validate=False)))


