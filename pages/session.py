"""Session page: the guided stretch-and-retest protocol."""

import streamlit as st

from pages._ui import user_store, through_app

through_app()
st.title("Find what makes your knee click")
store = user_store()
st.write(
    "Count the clicks in a fixed test movement, stretch one muscle group, retest, and repeat for each group. "
    "kneeclick keeps the order random, adds a rest of the same length as a control, and saves every count at once."
)
