"""The CSV schema's columns and limits, and problems reported with their line and column."""


from __future__ import annotations

import dataclasses

from core.data.store import CSV_COLUMNS, CSV_OPTIONAL_COLUMNS, Store
from core.session.words import count

#: kneeclick's own columns, written after the optional ones (one value per session, repeated on its rows).
CSV_SESSION_COLUMNS: tuple[str, ...] = (
    "session_status",
    "stop_reason",
    "session_notes",
    "planned_order",
    "skipped_positions",
    "session_kind",
)
#: A quick check's row leaves these empty: it has its test (the ``_before`` columns) and no condition.
QUICK_CHECK_EMPTY: tuple[str, ...] = (
    "position", "muscle_group", "stretch_seconds", "reps_after", "clicks_after", "pain_after", "notes",
    "planned_order", "skipped_positions",
)  # fmt: skip
#: Every column kneeclick writes, in the order it writes them.
EXPORT_COLUMNS: tuple[str, ...] = CSV_COLUMNS + CSV_OPTIONAL_COLUMNS + CSV_SESSION_COLUMNS
INT_COLUMNS = ("position", "stretch_seconds", "reps_before", "clicks_before", "reps_after", "clicks_after")
PAIN_COLUMNS = ("pain_before", "pain_after")
TEXT_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in INT_COLUMNS + PAIN_COLUMNS)
#: Columns whose value is one per session (every row of a session must agree).
PER_SESSION_COLUMNS = ("session_date", "side", "movement") + CSV_SESSION_COLUMNS

#: Limits that catch files that cannot be a person's history.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: The header row: kneeclick writes 20 columns; other tools may add some, never thousands.
MAX_COLUMNS = 200
MAX_HEADER_BYTES = 16 * 1024
#: One physical line: three notes of MAX_TEXT_CHARS, every character 4 bytes and quoted, fit well within it.
MAX_LINE_BYTES = 1024 * 1024
MAX_POSITION = 100
MAX_STRETCH_SECONDS = 3600
MAX_ID_CHARS = 64
MAX_TEXT_CHARS = Store.MAX_NOTE_CHARS
#: How many problems a report keeps in full (the total is always counted).
MAX_PROBLEMS = 1000

# Plain pattern strings (not compiled) so pandas can run them in pyarrow's vectorised regex engine.
_FORMULA = r"'*[=+\-@\t\r]"
_ESCAPED = r"'+[=+\-@\t\r]"
_NEEDS_QUOTES = r'[,"\r\n]'
_INT = r"\s*[+-]?[0-9]{1,9}\s*"


# ---------------------------------------------------------------- problems
@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a file: where (1-based line and column of the file) and what."""

    line: int | None
    column: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}" + (f" ({self.field})" if self.field else ""))
        elif self.field:
            where.append(self.field)
        return (", ".join(where) + ": " if where else "") + self.message


class CsvError(ValueError):
    """A file that cannot be imported; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.message))
        self.total = total if total is not None else len(problems)
        first = str(self.problems[0]) if self.problems else "the file cannot be read"
        more = f" (and {count(self.total - 1, 'more problem')})" if self.total > 1 else ""
        super().__init__(first + more)

    def lines(self) -> list[str]:
        """Every problem as one line, then how many more there were if the list was cut."""
        out = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            out.append(f"... and {self.total - len(self.problems)} more problems")
        return out


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0
        self.cells: set[tuple] = set()  # (line, column) of every problem, to report a cell once

    def add(self, line, column, field, message) -> None:
        self.cells.add((line, column))
        self.total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, column, field, message))

    def check(self) -> None:
        if self.total:
            raise CsvError(self.problems, self.total)


