"""Work that the first visit to Results would otherwise wait for, done in the background instead.

After a server starts, the first opening of Results pays once for what no later opening does: the analysis
of every leg (the model fits, the first use of statsmodels), its charts and the "Is it working?" trends. The
Session page starts that work for its store while the safety questions are shown; Results then finds it in
the same caches (a second caller of a cached function waits for the first one's value, never recomputes).
"""

from __future__ import annotations

import threading

from core.data.store import Store
from ui.trend_view import trend_views
from ui.views import results, store_key

_WARMED: set[str] = set()
_LOCK = threading.Lock()


def warm_results(store: Store) -> None:
    """Work out Results' analysis and trends for ``store`` in a background thread, once per store revision."""
    key = store_key(store)
    with _LOCK:
        if key in _WARMED:
            return
        if len(_WARMED) > 64:
            _WARMED.clear()
        _WARMED.add(key)

    def work() -> None:
        try:
            results(store)
            trend_views(store)
        except Exception:  # a failed warm-up changes nothing: Results works it out itself
            pass

    threading.Thread(target=work, name="kneeclick-results-warmup", daemon=True).start()
