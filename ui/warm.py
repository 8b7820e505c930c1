"""Work that the first visit to Results would otherwise wait for, done in the background instead.

After a server starts, the first opening of Results pays once for what no later opening does: the analysis
of every leg (the model fits, the first use of statsmodels), its charts and the "Is it working?" trends. The
Session page starts that work for its store while the safety questions are shown; Results then finds it in
the same caches (a second caller of a cached function waits for the first one's value, never recomputes).

The browser has its own first-time cost: Streamlit loads the code of most widget kinds only when one is first
drawn in the tab, and shows a grey placeholder until it has arrived and run (30-60 ms a kind on this machine,
revealed in batches). :func:`widget_code` draws one hidden widget of each kind the setup and test steps use
while the safety questions are read, so those steps appear whole at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from core.data.store import Store
from ui.trend_view import trend_views
from ui.views import results

_STARTED: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def in_background(name: str, key: str, work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread, once per (``name``, ``key``) (a store key: once per store revision).

    A failed warm-up changes nothing: whoever needs the value works it out itself.
    """
    with _LOCK:
        if (name, key) in _STARTED:
            return
        if len(_STARTED) > 128:  # two names a store revision: about the last 64 revisions
            _STARTED.clear()
        _STARTED.add((name, key))

    def run() -> None:
        try:
            work()
        except Exception:
            pass

    threading.Thread(target=run, name=f"kneeclick-{name}-warmup", daemon=True).start()


def warm_results(store: Store, key: str) -> None:
    """Work out Results' analysis and trends for ``store`` (at ``key``, its store key) in the background."""

    def work() -> None:
        results(store)
        trend_views(store)

    in_background("results", key, work)


#: The container of :func:`widget_code`'s widgets; the Session page's style hides it (``display: none``).
HIDDEN = "kc-widget-code"


def widget_code() -> None:
    """One hidden widget of each kind that setup and the tests draw, and the safety screen does not.

    Never seen nor read (hidden, outside every form, no callback): it only has the browser load and run each
    kind's code now, so the setup step (number box, slider, multiselect, toggle) and the baseline test
    (segmented buttons) draw at once instead of showing placeholders first.
    """
    with st.container(key=HIDDEN):
        st.number_input("Preload", value=1, key=f"{HIDDEN}-number", label_visibility="collapsed")
        st.slider("Preload", 0, 2, 1, key=f"{HIDDEN}-slider", label_visibility="collapsed")
        st.multiselect("Preload", ["a"], default=["a"], key=f"{HIDDEN}-multiselect", label_visibility="collapsed")
        st.toggle("Preload", value=True, key=f"{HIDDEN}-toggle", label_visibility="collapsed")
        st.segmented_control("Preload", ["a"], key=f"{HIDDEN}-segmented", label_visibility="collapsed")
