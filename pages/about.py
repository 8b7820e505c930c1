"""About page: what kneeclick does, how, and its limits."""

import streamlit as st

from core.report.about import ABOUT_MARKDOWN
from ui.frame import through_app

through_app()
st.title("About kneeclick")
st.markdown(ABOUT_MARKDOWN)
