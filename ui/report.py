"""The "Report for your physiotherapist (PDF)" download on Results and History (Streamlit glue; the report is
core.report.pdf).  Built only when the button is pressed, and kept per store revision and day, so the pages stay
as fast as before and a second download of unchanged data costs nothing."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.data.store import Store
from core.report.pdf import report_pdf
from ui.views import store_key

LABEL = "Report for your physiotherapist (PDF)"


def download(store: Store, key: str) -> None:
    today = store.clock.now().date()
    st.download_button(
        LABEL, data=lambda: _report(store_key(store), today, store), file_name=f"kneeclick-report-{today}.pdf",
        mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:", key=key,
        help="One PDF to bring along: the safety answers, every session, the ranking with its verdicts, the "
             "program and whether the clicking is going down. It prints on A4 and on Letter.",
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _report(key: str, today: dt.date, _store: Store) -> bytes:
    return report_pdf(_store, today=today)
