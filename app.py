"""kneeclick: the entry point.  `streamlit run app.py`."""

import streamlit as st

from core.data.store import StoreError
from core.session.protocol import DISCLAIMER
from ui.account import account_menu, owner
from ui.frame import app_frame
from ui.text import alert
from ui.phone import gate, menu_style, open_on_phone

st.set_page_config(page_title="kneeclick", page_icon=":material/accessibility_new:", layout="centered")

PAGES = [
    st.Page(
        "pages/session.py",
        title="Session",
        icon=":material/timer:",
        url_path="session",
        help="Run the guided test: safety questions, baseline, each stretch with a timer, and retests.",
    ),
    st.Page(
        "pages/results.py",
        title="Results",
        icon=":material/insights:",
        url_path="results",
        help="Which muscle groups likely contribute to the clicking, and how sure that is.",
    ),
    st.Page(
        "pages/history.py",
        title="History",
        icon=":material/history:",
        url_path="history",
        help="Every session: open, resume, annotate, export or import.",
    ),
    st.Page(
        "pages/about.py",
        title="About",
        icon=":material/info:",
        url_path="about",
        help="What kneeclick does, how it decides, and its limits.",
    ),
]



def _home() -> None:
    """``/`` opens the Session page at ``/session`` (a default page's own URL is always ``/``)."""
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())


HOME = st.Page(_home, title="kneeclick", url_path="home", default=True, visibility="hidden")

# The menu is drawn here with page links: `client.showSidebarNavigation = false` (needed so a deep link on a
# fresh server never shows Streamlit's legacy pages/ list) also hides st.navigation's own menu.
page = st.navigation([HOME, *PAGES], position="hidden")
gate()  # phone mode (`kneeclick serve --phone`): a visitor without the access key sees only "scan the code"
menu_style()
with st.container(horizontal=True, gap="small", key="nav"):
    for p in PAGES:
        st.page_link(p)
    open_on_phone()  # phone mode, wide screens: the QR code of the phone's link
    account_menu()  # hosted mode, signed in: who, and Sign out
st.caption(DISCLAIMER)  # said once, at the top of every page
if page.url_path != "about":  # hosted mode: the sign-in screen instead of any page with data; About is open to all
    owner()  # (ui.frame.user_store asks again: no store is handed out without its owner)
try:
    with app_frame():
        page.run()
except StoreError as e:  # the store is locked, unreadable, too new...: say so, never a traceback
    alert("error", "kneeclick cannot use its store:", str(e))  # the message quotes a path or URL: plain text
