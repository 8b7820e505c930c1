"""The bundled example history: shown on request, never mixed into a person's own data.

It is loaded into its own in-memory store, so the pages can show it with the
same code as real data while the person's store stays untouched.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from core.data.csvio import import_frame, read_csv
from core.data.store import Store, metadata

#: Where the example lives: ``sample_data/`` at the top of the project.
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_CSV = SAMPLE_DIR / "example_sessions.csv"
SAMPLE_LABEL = "Example data (a made-up person), not your own sessions"


def memory_store() -> Store:
    """An empty store that lives in memory only (one shared connection)."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    store = Store(engine)
    store.ensure_schema()
    return store


def load_sample_store(path: Path = SAMPLE_CSV) -> Store:
    """A fresh in-memory store holding the example sessions."""
    store = memory_store()
    import_frame(store, read_csv(path), source="example")
    return store
