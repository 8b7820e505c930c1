"""Results page: what the recorded sessions say."""

import streamlit as st

from pages._ui import store_or_example, through_app

through_app()
st.title("Results")
store, is_example = store_or_example()
frame = store.trials_frame()
if frame.empty:
    st.info("No finished conditions yet. Run a session, or switch on the example data above.")
    st.stop()
st.dataframe(frame, hide_index=True)
