"""The end of a session: recording why it ended, and the summary."""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.report.summary import before_after_chart, markdown_table, phone_table, reps_differ, summary_table
from core.session import flow
from core.session.flow import Step
from core.session.vocabulary import (
    Session,
    SessionStatus,
)
from ui.views import narrow
from ui.session_common import (
    _key,
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
    content = _content(session)
    table, drawable = _table_for(content, session)
    if not table.empty:
        # A Markdown table: a handful of lines, drawn at once. The data grid (a canvas and hundreds of nodes)
        # and then st.table (each of its cells a Markdown element of its own) were most of this step's wait.
        # Every cell is kneeclick's own words and numbers (condition names, counts), never a person's text.
        st.markdown(markdown_table(table))
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
        # The chart is drawn only once asked for: building it (about 50 ms) and the browser drawing it were
        # most of what this step still waited for. It opens below its own heading: nothing moves above it.
        chart = st.expander("See the chart", icon=":material/show_chart:", key=_key(session, "summary-chart"),
                            on_change="rerun") if drawable else None  # fmt: skip
        if chart is not None and chart.open:
            with chart:
                st.vega_lite_chart(_chart_for(content, session), width="stretch")
    st.page_link("pages/results.py", label="See Results across sessions", icon=":material/insights:")
    _new_session_button("summary-new")


def _content(session: Session) -> tuple:
    """What the summary shows depends on: an ended session does not change, so its table and chart are
    built once per content (pandas and Altair are the slow part of a rerun)."""
    return (
        session.id,
        tuple((m.seq, m.reps, m.clicks, m.pain) for m in session.measurements.values()),
        tuple((t.position, t.status.value, t.before_seq, t.after_seq) for t in session.trials),
        session.status.value,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _table_for(content: tuple, _session: Session) -> tuple:
    """The summary's table, one line per condition, as the page shows it (empty without conditions), and
    whether there is a chart to draw (a condition done)."""
    table = summary_table(_session)
    return (table if table.empty else phone_table(table).set_index("Condition")), bool((table["Status"] == "done").any())


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_for(content: tuple, _session: Session) -> dict | None:
    """The before/after chart as a Vega-Lite spec; None when no condition was done."""
    chart = before_after_chart(_session)
    # Altair's spec validation is skipped: the chart is kneeclick's own and checked by its tests.
    return None if chart is None else narrow(chart.to_dict(validate=False))
