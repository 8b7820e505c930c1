"""What the Results and History pages show, cached per store revision (Streamlit glue; the work is in core/).

Every view is keyed by the store's address, its owner and :meth:`core.data.store.Store.revision`, which any write changes
(in this process or another one): a new test, a note, a deletion or an import rebuilds the views on the next
rerun, and until then every rerun (a widget touched, a tab switched) reuses them.  Defined here, in a module
imported once, rather than in the page scripts, which Streamlit runs afresh on every rerun.

The views are held with ``st.cache_resource``: one shared object per store revision, handed out without the
copy ``st.cache_data`` makes on every call (about as slow as the rest of a rerun).  So they are read-only:
the pages only display them, and nothing here may change one after it is built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import textwrap

import pandas as pd
import pyarrow as pa
import streamlit as st

from core.data import history
from core.data.csvio import CsvError, ImportReport, import_csv
from core.data.store import Store, StoreError
from core.report.results import LegView, results_views
from core.report.summary import before_after_chart, detail_lines, markdown_table, phone_table, reps_differ, summary_table
from ui.text import plain


def store_key(store: Store) -> str:
    """What a cached view of ``store`` is keyed by: its address, its owner and its revision (the caches are
    shared by everyone the server serves: one person's view is never handed to another)."""
    return f"{store.engine.url!r}|{store.owner}|{store.revision()}"


#: Longest line of a chart's or an axis's title before it wraps: what a 390 px phone shows uncut.
TITLE_CHARS = 36


def narrow(spec: dict | None) -> dict | None:
    """The chart laid out to fit a phone's 390 px as well as a wide screen: long titles wrapped onto lines,
    the legend below the plot (not beside it, where it takes half the width), facets at most two across."""
    if spec is None:
        return spec
    spec = _wrap_titles(spec)
    config = dict(spec.get("config") or {})
    config["legend"] = {**(config.get("legend") or {}), "orient": "bottom", "columns": 2}
    spec["config"] = config
    if "facet" in spec and int(spec.get("columns") or 0) > 2:
        spec["columns"] = 2
    return spec


def _wrap_titles(node, parent: str = ""):
    """Every title (a chart's ``title`` or its ``title.text``, an axis's or a legend's) longer than a phone's
    line, as a list of lines (Vega-Lite draws a list as lines); the data is left alone."""
    if isinstance(node, dict):
        return {
            k: v if k == "datasets" else
            textwrap.wrap(v, TITLE_CHARS) if (k == "title" or (k == "text" and parent == "title"))
            and isinstance(v, str) and len(v) > TITLE_CHARS else _wrap_titles(v, k)
            for k, v in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_wrap_titles(v, parent) for v in node]
    return node


def arrow_spec(spec: dict | None) -> dict | None:
    """A Vega-Lite spec (``chart.to_dict()``) with its named datasets as Arrow IPC bytes, ready for
    ``st.vega_lite_chart``: what ``st.altair_chart`` sends, but converted once instead of on every rerun.
    Laid out for a phone too (``narrow``)."""
    spec = narrow(spec)
    if spec is None or not spec.get("datasets"):
        return spec
    return {**spec, "datasets": {name: _arrow_bytes(pd.DataFrame(rows)) for name, rows in spec["datasets"].items()}}


def _arrow_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


# ----------------------------------------------------------------------------------------------- Results
_CHARTS = ("ranking", "p_top", "before_after", "over_time")


def results(store: Store) -> list[LegView]:
    """Every leg's analysis, charts and table of every condition (see core.report.results)."""
    return _results(store_key(store), store)


@st.cache_resource(show_spinner=False, max_entries=8)
def _results(key: str, _store: Store) -> list[LegView]:
    return [dataclasses.replace(v, **{c: arrow_spec(getattr(v, c)) for c in _CHARTS}) for v in results_views(_store)]


# ----------------------------------------------------------------------------------------------- History
@dataclasses.dataclass(frozen=True)
class Listing:
    sessions: pd.DataFrame  # Store.list_sessions(), newest first
    table: pa.Table  # core.data.history.sessions_table, as Arrow (st.dataframe takes it without converting)
    labels: dict[str, str]  # session id -> one line naming it, in the list's order


@dataclasses.dataclass(frozen=True)
class Opened:
    session: object  # core.session.vocabulary.Session
    table: str  # the Session page's summary table, as Markdown (kneeclick's own words and counts only)
    details: list[str]  # core.report.summary.detail_lines: reps that differ and the notes, as plain text
    chart: dict | None  # core.report.summary.before_after_chart as a spec: the Session page's chart
    reps_differ: bool


def listing(store: Store) -> Listing:
    """Every session for the History page."""
    return _listing(store_key(store), store)


@st.cache_resource(show_spinner=False, max_entries=8)
def _listing(key: str, _store: Store) -> Listing:
    sessions = _store.list_sessions()
    labels = {row["id"]: history.session_label(row) for row in sessions.to_dict("records")}
    return Listing(sessions, pa.Table.from_pandas(history.sessions_table(sessions), preserve_index=False), labels)


def opened(store: Store, session_id: str) -> Opened:
    """One session with its summary, the same as the Session page shows when a session ends."""
    return _opened(store_key(store), session_id, store)


@st.cache_resource(show_spinner=False, max_entries=32)
def _opened(key: str, session_id: str, _store: Store) -> Opened:
    session = _store.get_session(session_id)
    chart = before_after_chart(session)
    spec = None if chart is None else arrow_spec(chart.to_dict())
    summary = summary_table(session)
    table = "" if summary.empty else markdown_table(phone_table(summary).set_index("Condition"))
    return Opened(session, table, detail_lines(session), spec, reps_differ(session))


#: The detail table's columns, as a person reads them.
DETAIL_CONFIG = {
    "session_date": "Date",
    "position": "Place",
    "muscle_group": "Condition",
    "clicks_before": "Clicks before",
    "clicks_after": "Clicks after",
    "change_pct": st.column_config.NumberColumn("Change %", format="%.0f"),
    "rate_ratio": st.column_config.NumberColumn("Rate ratio", format="%.2f"),
    "ci_low": st.column_config.NumberColumn("95% CI from", format="%.2f"),
    "ci_high": st.column_config.NumberColumn("95% CI to", format="%.2f"),
    "p_value": st.column_config.NumberColumn("p", format="%.3f"),
    "notes": "Note",
}
#: On a phone: the columns that fit its screen (a wide screen shows them all; see ``wide_and_narrow``).
NARROW_NUMBERS = ["Group", "Rate ratio", "P(top) %"]
NARROW_DETAIL = {"session_date": "Date", "muscle_group": "Condition", "clicks_before": "Before", "clicks_after": "After"}


def wide_and_narrow(key: str, frame, narrow, config: dict | None = None, narrow_config: dict | None = None) -> None:
    """One table as two grids: every column on a wide screen, ``narrow`` (the columns that fit) on a phone.
    App-wide CSS (``ui.phone.menu_style``) shows one of the two by the screen's width: a grid wider than a
    phone's screen scrolls sideways inside its box."""
    st.container(key=f"wide-{key}").dataframe(frame, hide_index=True, key=key, column_config=config)
    st.container(key=f"narrow-{key}").dataframe(narrow, hide_index=True, key=f"{key}-narrow",
                                                column_config=narrow_config)  # fmt: skip


def the_numbers(view: LegView) -> None:
    """Results, one leg's "The numbers": the ranking as numbers and every condition of every session."""
    leg = view.leg
    st.caption("Rate ratio = clicks after the stretch ÷ after resting, with its 95% CI; P(top) = chance of "
               "being the biggest contributor; P(culprit) = chance of being a culprit at all."
               + (f" Chance that no group beats resting (p_none): {leg.p_none:.0%}." if leg.p_none is not None else "")
               + " A phone held upright shows the first columns; turned sideways, or on a wider screen, all of them.")
    wide_and_narrow(f"numbers-{leg.side}", view.numbers, view.numbers[NARROW_NUMBERS])
    st.caption("Rate ratio = clicks per rep after ÷ before. The interval and p-value come from the exact test for "
               "two counts; one session alone is weak evidence, because the clicking also drifts by itself.")
    wide_and_narrow(f"detail-{leg.side}", view.detail, view.detail[list(NARROW_DETAIL)], DETAIL_CONFIG, NARROW_DETAIL)


#: The list's columns on a phone: what tells the sessions apart and how far each got (the rest is in the opened
#: session); a grid wider than the screen scrolled sideways inside its box.
NARROW_COLUMNS = {"Date": "Date", "Status": "Status", "Leg": "Leg", "Conditions done": "Done"}


def sessions_list(view: Listing) -> None:
    """Every session: all the columns on a wide screen, the first four on a phone."""
    narrow = view.table.select(list(NARROW_COLUMNS)).rename_columns(list(NARROW_COLUMNS.values()))
    wide_and_narrow("sessions", view.table, narrow)


def opened_summary(shown: Opened) -> None:
    """The opened session's chart, its table (narrow enough for a phone, as on the Session page), and below it
    the reps that differ and the notes as plain text (a note is a person's text: never Markdown)."""
    if not shown.table:
        return
    if shown.chart is not None:
        st.vega_lite_chart(spec=shown.chart, width="stretch", alt="Clicks before and after each condition")
    st.container(key="before_after").markdown(shown.table)
    if shown.reps_differ:
        st.caption("Some tests had a different number of reps, so their counts are not directly comparable.")
    with st.container(key="details"):
        for line in shown.details:
            plain(line)


# ------------------------------------------------------------------------------------------- Upload check
_UPLOAD_CHECK = "kneeclick-upload-check"


def checked_upload(store: Store, file_id: str, data: bytes) -> ImportReport | CsvError | StoreError:
    """The dry-run import of an uploaded file: its report, or the error that refuses it.

    Checked once per content (its SHA-256, hashed once per upload) and store revision, and kept in this
    browser session: a file left in the uploader is not checked again on every rerun (opening a session,
    typing a note), only when the file or the store changes.
    """
    kept = st.session_state.get(_UPLOAD_CHECK)
    digest = kept["digest"] if kept and kept["file_id"] == file_id else hashlib.sha256(data).hexdigest()
    key = (digest, store_key(store))
    if kept and kept["key"] == key:
        return kept["result"]
    try:
        result: ImportReport | CsvError | StoreError = import_csv(store, data, dry_run=True)
    except (CsvError, StoreError) as e:
        result = e
    st.session_state[_UPLOAD_CHECK] = {"file_id": file_id, "digest": digest, "key": key, "result": result}
    return result
