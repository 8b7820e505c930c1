"""Writing CSV: formula protection, quoting, and the export of stored sessions."""


from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from core.data.csv_schema import (
    _ESCAPED,
    _FORMULA,
    _NEEDS_QUOTES,
    EXPORT_COLUMNS,
    INT_COLUMNS,
    PAIN_COLUMNS,
)
from core.data.store import CSV_COLUMNS, Store


# ----------------------------------------------------------------- escaping
def escape_formulas(values: pd.Series) -> pd.Series:
    """Put one apostrophe before text a spreadsheet would run as a formula (reversible, see module doc)."""
    values = values.astype(object).where(values.notna(), "").astype(str)
    risky = values.str.match(_FORMULA)
    return values.where(~risky, "'" + values)


def unescape_formulas(values: pd.Series) -> pd.Series:
    """Undo :func:`escape_formulas`."""
    escaped = values.str.match(_ESCAPED)
    if not escaped.any():  # the common case: the same text, not a copy of it
        return values
    return values.where(~escaped, values.str.slice(1))


# ------------------------------------------------------------------ writing
def _quote(values: pd.Series) -> pd.Series:
    needs = values.str.contains(_NEEDS_QUOTES)
    return values.where(~needs, '"' + values.str.replace('"', '""', regex=False) + '"')


def _cells(frame: pd.DataFrame, col: str) -> pd.Series:
    values = frame[col]
    if col in INT_COLUMNS or col in PAIN_COLUMNS:
        out = values.astype("Int64").astype(object).where(values.notna(), None)
        return pd.Series([("" if v is None else str(int(v))) for v in out], index=frame.index, dtype=object)
    return _quote(escape_formulas(values))


def write_csv(frame: pd.DataFrame, target: str | Path | io.IOBase | None = None) -> str | None:
    """Write rows in the CSV schema: the required columns, then the optional and session columns present.

    UTF-8, ``\\n`` line ends, fields quoted only when they hold a comma, quote or line break,
    text protected against formula injection.  Returns the text when ``target`` is None.
    """
    columns = [c for c in EXPORT_COLUMNS if c in frame.columns or c in CSV_COLUMNS]
    lines = [",".join(columns)]
    if len(frame):
        cells = [_cells(frame, c).to_numpy(dtype=object) for c in columns]
        lines.extend(",".join(row) for row in zip(*cells))
    text = "\n".join(lines) + "\n"
    if target is None:
        return text
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(text.encode("utf-8"))
    else:
        target.write(text)
    return None


def export_frame(store: Store, session_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every completed condition and quick check of the (named) sessions with all the columns kneeclick writes."""
    ids = list(session_ids) if session_ids is not None else None
    rows = store.trials_frame(ids, checks=True)
    extra = store.session_columns(ids)
    frame = rows.merge(extra, on="session_id", how="left", validate="many_to_one")
    return frame.loc[:, list(EXPORT_COLUMNS)]


def export_csv(store: Store, session_ids: Iterable[str] | None = None) -> str:
    """All (or the named) sessions as CSV text.  Sessions without a completed condition have no row, except
    quick checks (one row: their test)."""
    return write_csv(export_frame(store, session_ids))


