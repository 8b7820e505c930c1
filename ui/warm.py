"""Work that the first visit to Results would otherwise wait for, done in the background instead.

After a server starts, the first opening of Results pays once for what no later opening does: the analysis
of every leg (the model fits, the first use of statsmodels), its charts and the "Is it working?" trends. The
Session page starts that work for its store while the safety questions are shown; Results then finds it in
the same caches (a second caller of a cached function waits for the first one's value, never recomputes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

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
