"""Streamlit glue shared by the pages: app framing, the store, the example switch.

Kept here (not in core/, which never imports streamlit).
"""

from __future__ import annotations

import runpy
import threading
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from core.data.sample import SAMPLE_LABEL, load_sample_store
from core.data.store import Store, resolve_db_url
from ui import account

APP = Path(__file__).resolve().parent.parent / "app.py"
_run = threading.local()  # each browser session's script runs on its own thread


@contextmanager
def app_frame():
    """Mark that app.py is running the current page (see ``through_app``)."""
    _run.active = True
    try:
        yield
    finally:
        _run.active = False


def through_app() -> None:
    """Make sure this page runs inside app.py: with its navigation, page config and footer.

    While a ``pages/`` folder exists, Streamlit's legacy multipage runner runs a
    deep-linked page file *on its own* until the first run of app.py's
    ``st.navigation`` (on a fresh server, and in every AppTest run).  A page
    called that way runs app.py instead, which shows this same page properly,
    and stops its own run.
    """
    if getattr(_run, "active", False):
        return
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    return Store.open(url)


@st.cache_resource(show_spinner=False)
def sample_store() -> Store:
    return load_sample_store()


def user_store() -> Store:
    """The person's own store: every read and write through it is theirs alone (raises StoreError, which
    app.py shows as a message).

    Local mode: the store of the local owner.  Hosted mode (``[auth]`` in the secrets): the signed-in person's
    view of the shared store (``Store.for_owner``); a visitor who is not signed in gets the sign-in screen
    and the page stops here (``ui.account.owner``).  Every page takes its store from here.
    """
    person = account.owner()  # first: it also loads the secrets, which may set KNEECLICK_DB_URL
    store = _open_store(resolve_db_url())
    return store if person is None else store.for_owner(person)


def store_or_example(key: str = "example") -> tuple[Store, bool]:
    """A toggle between the person's data and the bundled example; returns (store, is_example).

    The choice lives in the URL (``?example=true``) so it survives a reload and can be linked.
    """
    own = user_store()
    is_example = st.toggle(
        "Show the example data",
        key=key,
        bind="query-params",
        help="A made-up person's sessions, to see what the results look like. Never mixed with yours.",
    )
    if is_example:
        st.info(SAMPLE_LABEL, icon=":material/science:")
        return sample_store(), True
    return own, False
