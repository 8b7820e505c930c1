"""History page: every session, newest first."""

import streamlit as st

from pages._ui import store_or_example, through_app

through_app()
st.title("History")
store, is_example = store_or_example()
sessions = store.list_sessions()
if sessions.empty:
    st.info("No sessions yet. Start one on the Session page, or switch on the example data above.")
    st.stop()
st.dataframe(
    sessions[["session_date", "side", "movement", "conditions_done", "status", "notes"]],
    hide_index=True,
    column_config={
        "session_date": "Date",
        "side": "Leg",
        "movement": "Movement",
        "conditions_done": "Conditions done",
        "status": "Status",
        "notes": "Note",
    },
)
