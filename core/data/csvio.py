"""CSV in and out, in the kneeclick CSV schema (a contract other tools rely on).

One row per completed condition, header row, UTF-8, comma-separated.  Required
columns, in this order: ``session_id, session_date, side, movement, position,
muscle_group, stretch_seconds, reps_before, clicks_before, reps_after,
clicks_after``.  kneeclick writes after them, in this order: ``pain_before,
pain_after, notes`` (the optional columns of the contract) and
``session_status, stop_reason, session_notes, planned_order,
skipped_positions, session_kind`` (its own, so a session's status, note and skipped
conditions survive an export and import).  Readers ignore any other column.

A quick check (``session_kind`` ``quick_check``; empty or absent: ``full``) is one row: its test in the
``_before`` columns, every column of a condition empty.

Reading is lenient where real files differ (a UTF-8 byte-order mark, CRLF line
ends, quoted fields, extra columns, columns in another order) and strict about
content: every problem is reported with its line and column, and a file with any
problem imports nothing.

Formula protection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return (after any number of apostrophes) is written with one more
apostrophe in front, so a spreadsheet shows it as text instead of running it;
reading removes exactly that apostrophe again.  Every text reads back unchanged.
"""

from __future__ import annotations

from core.data.csv_import import (
    ImportReport,
    frame_to_sessions,
    import_csv,
    import_frame,
)
from core.data.csv_schema import (
    CSV_SESSION_COLUMNS,
    EXPORT_COLUMNS,
    INT_COLUMNS,
    MAX_ID_CHARS,
    MAX_IMPORT_BYTES,
    MAX_POSITION,
    MAX_PROBLEMS,
    MAX_STRETCH_SECONDS,
    MAX_TEXT_CHARS,
    PAIN_COLUMNS,
    PER_SESSION_COLUMNS,
    TEXT_COLUMNS,
    CsvError,
    Problem,
)
from core.data.csv_validate import read_csv, split_quick_checks
from core.data.csv_write import (
    escape_formulas,
    export_csv,
    export_frame,
    unescape_formulas,
    write_csv,
)

__all__ = [
    "CSV_SESSION_COLUMNS",
    "EXPORT_COLUMNS",
    "INT_COLUMNS",
    "PAIN_COLUMNS",
    "TEXT_COLUMNS",
    "PER_SESSION_COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_POSITION",
    "MAX_STRETCH_SECONDS",
    "MAX_ID_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_PROBLEMS",
    "Problem",
    "CsvError",
    "escape_formulas",
    "unescape_formulas",
    "write_csv",
    "export_frame",
    "export_csv",
    "read_csv",
    "split_quick_checks",
    "ImportReport",
    "import_csv",
    "import_frame",
    "frame_to_sessions",
]
