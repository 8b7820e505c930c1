"""CSV in and out, in the kneeclick CSV schema (a contract other tools rely on).

One row per completed condition, header row, UTF-8, comma-separated.  Required
columns, in this order: ``session_id, session_date, side, movement, position,
muscle_group, stretch_seconds, reps_before, clicks_before, reps_after,
clicks_after``.  kneeclick writes after them, in this order: ``pain_before,
pain_after, notes`` (the optional columns of the contract) and
``session_status, stop_reason, session_notes, planned_order,
skipped_positions`` (its own, so a session's status, note and skipped
conditions survive an export and import).  Readers ignore any other column.

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

import csv
import dataclasses
import datetime as dt
import difflib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from core.model import (
    MAX_CLICKS_PER_REP,
    MAX_REPS,
    CountMethod,
    Measurement,
    Movement,
    MuscleGroup,
    Session,
    SessionStatus,
    Side,
    TrialStatus,
)
from core.store import CSV_COLUMNS, CSV_OPTIONAL_COLUMNS, Store, trial_from_row

#: kneeclick's own columns, written after the optional ones (one value per session, repeated on its rows).
CSV_SESSION_COLUMNS: tuple[str, ...] = (
    "session_status",
    "stop_reason",
    "session_notes",
    "planned_order",
    "skipped_positions",
)
#: Every column kneeclick writes, in the order it writes them.
EXPORT_COLUMNS: tuple[str, ...] = CSV_COLUMNS + CSV_OPTIONAL_COLUMNS + CSV_SESSION_COLUMNS
INT_COLUMNS = ("position", "stretch_seconds", "reps_before", "clicks_before", "reps_after", "clicks_after")
PAIN_COLUMNS = ("pain_before", "pain_after")
TEXT_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in INT_COLUMNS + PAIN_COLUMNS)
#: Columns whose value is one per session (every row of a session must agree).
PER_SESSION_COLUMNS = ("session_date", "side", "movement") + CSV_SESSION_COLUMNS

#: Limits that catch files that cannot be a person's history.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
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
        more = f" (and {self.total - 1} more problem{'s' if self.total > 2 else ''})" if self.total > 1 else ""
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


# ----------------------------------------------------------------- escaping
def escape_formulas(values: pd.Series) -> pd.Series:
    """Put one apostrophe before text a spreadsheet would run as a formula (reversible, see module doc)."""
    values = values.astype(object).where(values.notna(), "").astype(str)
    risky = values.str.match(_FORMULA)
    return values.where(~risky, "'" + values)


def unescape_formulas(values: pd.Series) -> pd.Series:
    """Undo :func:`escape_formulas`."""
    escaped = values.str.match(_ESCAPED)
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
    """Every completed condition of the (named) sessions with all the columns kneeclick writes."""
    ids = list(session_ids) if session_ids is not None else None
    rows = store.trials_frame(ids)
    extra = store.session_columns(ids)
    frame = rows.merge(extra, on="session_id", how="left", validate="many_to_one")
    return frame.loc[:, list(EXPORT_COLUMNS)]


def export_csv(store: Store, session_ids: Iterable[str] | None = None) -> str:
    """All (or the named) sessions as CSV text.  Sessions without a completed condition have no row."""
    return write_csv(export_frame(store, session_ids))


# ------------------------------------------------------------------ reading
@dataclasses.dataclass
class _Raw:
    frame: pd.DataFrame  # every known column present, as text; index: the row's first line in the file
    columns: dict[str, int]  # known column -> 1-based column number in the file


def _decode(data: bytes, problems: _Collector) -> str | None:
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        problems.add(None, None, None, "the file is empty: it needs a header row and at least one row")
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 10:
        problems.add(1, 1, None, "the file is UTF-16 text, not UTF-8: save it as 'CSV UTF-8' and import it again")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        column = data.count(b",", line_start, e.start) + 1  # the field (quoted commas aside)
        problems.add(
            line, column, None,
            f"the file is not UTF-8 text (byte 0x{data[e.start]:02x} at character {e.start - line_start + 1} "
            "of the line); save it as 'CSV UTF-8' and import it again",
        )  # fmt: skip
        return None


def _check_size(size: int) -> None:
    if size > MAX_IMPORT_BYTES:
        raise CsvError(
            [
                Problem(
                    None, None, None,
                    f"the file is too large ({size / 2**20:.1f} MB); the limit is {MAX_IMPORT_BYTES / 2**20:.0f} MB. "
                    "Split it into smaller files.",
                )
            ]
        )  # fmt: skip


def _parse(data: bytes) -> _Raw:
    problems = _Collector()
    _check_size(len(data))
    text = _decode(data, problems)
    problems.check()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    header: list[str] | None = None
    header_line = 1
    last = 0
    try:
        for record in reader:
            start = last + 1
            last = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            if header is None:
                header, header_line = record, start
                continue
            rows.append(record)
            starts.append(start)
    except csv.Error as e:
        problems.add(reader.line_num, None, None, f"the CSV quoting is broken ({e}); nothing was imported")
        problems.check()
    assert header is not None  # the file is not blank
    names = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    columns: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        if name in columns and name in EXPORT_COLUMNS:
            problems.add(header_line, i, name, f"the column {name} appears twice (also column {columns[name]})")
        columns.setdefault(name, i)
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        if len(header) == 1 or any(d in header[0] for d in ";\t|"):
            delim = next((d for d in (";", "\t", "|") if d in header[0]), None)
            if delim:
                shown = {"\t": "tabs", ";": "semicolons", "|": "bars"}[delim]
                problems.add(
                    header_line, 1, None,
                    f"the fields are separated by {shown}, not commas: export the file as comma-separated CSV",
                )  # fmt: skip
                problems.check()
        unknown = [n for n in names if n not in EXPORT_COLUMNS]
        for col in missing:
            hint = difflib.get_close_matches(col, unknown, n=1, cutoff=0.75)
            near = f" (column {names.index(hint[0]) + 1} is '{hint[0]}': a misspelling?)" if hint else ""
            problems.add(header_line, None, col, f"the required column {col} is missing{near}")
        problems.check()
    if not rows:
        problems.add(header_line + 1, None, None, "there are no rows after the header")
        problems.check()
    width = len(header)
    for record, start in zip(rows, starts):
        if len(record) != width:
            problems.add(start, None, None, f"this row has {len(record)} fields, the header has {width}")
    problems.check()
    known = {name: i for name, i in columns.items() if name in EXPORT_COLUMNS}
    frame = pd.DataFrame(
        {name: [r[i - 1] for r in rows] for name, i in known.items()},
        index=pd.Index(starts, name="line"),
        dtype=object,
    )
    return _Raw(frame, known)


def _read_bytes(source: str | Path | io.IOBase | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        _check_size(path.stat().st_size)  # before reading it all into memory
        return path.read_bytes()
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _validate(raw: _Raw) -> pd.DataFrame:
    """Check every cell; return the typed frame (index: line numbers) or raise CsvError with every problem."""
    f, cols = raw.frame, raw.columns
    problems = _Collector()
    lines = f.index.to_numpy()

    def report(mask: np.ndarray | pd.Series, col: str, message) -> None:
        mask = np.asarray(mask, dtype=bool)
        for line, value in zip(lines[mask], f[col].to_numpy()[mask]):
            problems.add(int(line), cols[col], col, message(value) if callable(message) else message)

    out = pd.DataFrame(index=f.index)
    for col in TEXT_COLUMNS:
        if col in f.columns:
            out[col] = unescape_formulas(f[col].astype(str))
    for col in ("session_id", "session_date", "side", "movement", "muscle_group"):
        out[col] = out[col].str.strip()
        report(out[col].eq("").to_numpy(), col, "this cell is empty")
    report(out["session_id"].str.len().gt(MAX_ID_CHARS).to_numpy(), "session_id", f"longer than {MAX_ID_CHARS} characters")
    for col in ("notes", "session_notes", "stop_reason"):
        if col in out.columns:
            report(out[col].str.len().gt(MAX_TEXT_CHARS).to_numpy(), col, f"longer than {MAX_TEXT_CHARS} characters")

    # dates: ISO 8601 date or date-time (checked once per distinct value)
    bad_dates = {d for d in out["session_date"].unique() if d and not _is_iso(d)}
    report(
        out["session_date"].isin(bad_dates).to_numpy(), "session_date",
        lambda v: f"{v!r} is not an ISO 8601 date (like 2026-10-05) or date-time (like 2026-10-05T08:30)",
    )  # fmt: skip
    for col, kind, allowed in (
        ("side", "side", [s.value for s in Side]),
        ("movement", "movement", [m.value for m in Movement]),
        ("muscle_group", "muscle group", [g.value for g in MuscleGroup]),
    ):
        bad = ~out[col].isin(allowed) & out[col].ne("")
        report(bad.to_numpy(), col, lambda v, kind=kind, allowed=allowed: f"unknown {kind} {v!r}; use one of: {', '.join(allowed)}")

    # whole numbers
    for col in INT_COLUMNS:
        text = f[col].astype(str)
        ok = text.str.isdigit() & text.str.len().le(9)  # the common case, vectorised
        if not ok.all():  # signs, spaces, or not a number at all: look at those few closely
            rest = text[~ok]
            ok.loc[rest.index] = rest.str.fullmatch(_INT).to_numpy()
        report((~ok).to_numpy(), col, lambda v: f"expected a whole number, got {v!r}")
        values = text.where(ok, "0").str.strip().str.lstrip("+").astype("int64").to_numpy(copy=True)
        values[~ok.to_numpy()] = -(10**12)  # marks "already reported" for the range checks below
        out[col] = values
    for col in PAIN_COLUMNS:
        if col in f.columns:
            text = f[col].astype(str).str.strip()
            empty = text.eq("")
            ok = text.str.fullmatch(_INT) | empty
            report((~ok).to_numpy(), col, lambda v: f"expected a pain score 0-10 or nothing, got {v!r}")
            values = pd.to_numeric(text.where(ok & ~empty, None)).astype("Int64")
            report((values.lt(0) | values.gt(10)).fillna(False).to_numpy(), col, lambda v: f"pain is scored 0-10, got {v}")
            out[col] = values
    valid = {c: out[c].ne(-(10**12)).to_numpy() for c in INT_COLUMNS}

    def rng(col, low, high, what):
        v = out[col].to_numpy()
        report(valid[col] & (v < 0), col, lambda x: f"{what} cannot be negative, got {x}")
        report(valid[col] & (v >= 0) & (v < low), col, lambda x: f"{what} must be at least {low}, got {x}")
        report(valid[col] & (v > high), col, lambda x: f"{what} of {x} is not plausible (at most {high})")

    rng("position", 1, MAX_POSITION, "the position")
    rng("stretch_seconds", 1, MAX_STRETCH_SECONDS, "the stretch time in seconds")
    for when in ("before", "after"):
        reps, clicks = f"reps_{when}", f"clicks_{when}"
        rng(reps, 0, MAX_REPS, "reps")
        r, c = out[reps].to_numpy(), out[clicks].to_numpy()
        both = valid[reps] & valid[clicks] & (r >= 0) & (r <= MAX_REPS)
        report(valid[clicks] & (c < 0), clicks, lambda x: f"clicks cannot be negative, got {x}")
        report(both & (r == 0) & (c > 0), clicks, lambda x: f"{x} clicks counted in zero reps")
        report(
            both & (r > 0) & (c > r * MAX_CLICKS_PER_REP), clicks,
            lambda x: f"{x} clicks is not plausible for these reps (at most {MAX_CLICKS_PER_REP} a rep)",
        )  # fmt: skip

    # a position once per session
    key = out[["session_id", "position"]]
    dup = key.duplicated(keep="first").to_numpy() & valid["position"]
    if dup.any():
        first_line = pd.Series(lines, index=pd.MultiIndex.from_frame(key)).groupby(level=[0, 1]).first()
        for line, sid, pos in zip(lines[dup], out["session_id"].to_numpy()[dup], out["position"].to_numpy()[dup]):
            problems.add(
                int(line), cols["position"], "position",
                f"position {pos} appears twice in session {sid!r} (first on line {first_line[(sid, pos)]})",
            )  # fmt: skip

    # one value per session for the session's own columns
    for col in PER_SESSION_COLUMNS:
        if col not in out.columns:
            continue
        firsts = out.groupby("session_id", sort=False)[col].transform("first")
        differs = out[col].ne(firsts).to_numpy()
        first_line = pd.Series(lines, index=f.index).groupby(out["session_id"].to_numpy(), sort=False).transform("first")
        for line, value, want, at in zip(lines[differs], out[col].to_numpy()[differs], firsts.to_numpy()[differs], first_line.to_numpy()[differs]):
            if (int(line), cols[col]) in problems.cells or (int(at), cols[col]) in problems.cells:
                continue  # the cell itself is already reported as wrong
            problems.add(int(line), cols[col], col, f"{value!r} differs from {want!r} on line {at} of the same session")
    _validate_session_columns(out, cols, lines, problems)
    problems.check()
    return out


def _validate_session_columns(out: pd.DataFrame, cols: dict[str, int], lines: np.ndarray, problems: _Collector) -> None:
    if "session_status" in out.columns:
        out["session_status"] = out["session_status"].str.strip().replace("", SessionStatus.FINISHED.value)
        allowed = [s.value for s in SessionStatus]
        bad = ~out["session_status"].isin(allowed + [""])
        for line, v in zip(lines[bad.to_numpy()], out["session_status"].to_numpy()[bad.to_numpy()]):
            problems.add(int(line), cols["session_status"], "session_status", f"unknown status {v!r}; use one of: {', '.join(allowed)}")
    has_plan = "planned_order" in out.columns
    has_skips = "skipped_positions" in out.columns
    if not (has_plan or has_skips):
        return
    groups = {g.value for g in MuscleGroup}
    sids = out["session_id"].to_numpy()
    positions = out["position"].to_numpy()
    firsts = out.groupby("session_id", sort=False).head(1)
    first_lines = dict(zip(firsts["session_id"], firsts.index))
    plans: dict[str, list[str]] = {}
    if has_plan:
        for sid, text in zip(firsts["session_id"], firsts["planned_order"]):
            plan = text.split()
            plans[sid] = plan
            for g in plan:
                if g not in groups:
                    problems.add(int(first_lines[sid]), cols["planned_order"], "planned_order", f"unknown muscle group {g!r} in the planned order")
        for line, sid, pos, group in zip(lines, sids, positions, out["muscle_group"].to_numpy()):
            plan = plans[sid]
            if not plan or pos < 1 or pos > MAX_POSITION:
                continue
            if pos > len(plan):
                problems.add(int(line), cols["position"], "position", f"position {pos} is beyond the planned order of {len(plan)} conditions")
            elif plan[pos - 1] != group:
                problems.add(int(line), cols["muscle_group"], "muscle_group", f"{group!r} at position {pos}, but the planned order has {plan[pos - 1]!r} there")
    if has_skips:
        done: dict[str, set] = {}
        for sid, pos in zip(sids, positions):
            done.setdefault(sid, set()).add(int(pos))
        for sid, text in zip(firsts["session_id"], firsts["skipped_positions"]):
            plan = plans.get(sid, [])
            for x in text.split():
                if not x.isdigit() or not 1 <= int(x) <= len(plan):
                    problems.add(int(first_lines[sid]), cols["skipped_positions"], "skipped_positions", f"skipped position {x!r} is not a position of the planned order")
                elif int(x) in done[sid]:
                    problems.add(int(first_lines[sid]), cols["skipped_positions"], "skipped_positions", f"position {x} is listed as skipped but has a row")
    if has_plan:
        # no planned order given: when the positions run 1, 2, 3, ... the rows are the plan
        empty = out["session_id"].isin([sid for sid, plan in plans.items() if not plan])
        if empty.any():
            rows = out.loc[empty, ["session_id", "position", "muscle_group"]].sort_values(["session_id", "position"], kind="stable")
            by = rows.groupby("session_id", sort=False)
            stats = by["position"].agg(["min", "max", "count", "nunique"])
            whole = stats.index[(stats["min"] == 1) & (stats["max"] == stats["count"]) & (stats["nunique"] == stats["count"])]
            joined = by["muscle_group"].agg(" ".join)
            fill = out["session_id"].map(joined.loc[whole])
            out["planned_order"] = out["planned_order"].where(fill.isna(), fill)


def _is_iso(text: str) -> bool:
    try:
        if len(text) == 10:
            dt.date.fromisoformat(text)
        else:
            dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_csv(source: str | Path | io.IOBase | bytes) -> pd.DataFrame:
    """Read and check a file in the CSV schema; return its rows with typed columns.

    The frame has the required columns, then the optional and session columns the
    file has (unknown columns are dropped), one row per data row, in file order.
    Raises CsvError listing every problem with its line and column.
    """
    typed = _validate(_parse(_read_bytes(source)))
    return typed.loc[:, [c for c in EXPORT_COLUMNS if c in typed.columns]].reset_index(drop=True)


# ---------------------------------------------------------------- importing
@dataclasses.dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    rows: int
    new_sessions: list[str]
    already_stored: list[str]
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        n = len(self.new_sessions)
        text = f"{verb} {n} session{'s' if n != 1 else ''}"
        if self.already_stored:
            k = len(self.already_stored)
            text += f"; {k} already in the store (identical, left as they are)"
        return text


def _tables(frame: pd.DataFrame, source: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for the sessions, trials and measurements tables from checked CSV rows.

    In a chain (a row's before-test equal to the previous row's after-test: reps,
    clicks and pain) the two rows share one measurement, as the app records them.
    """
    f = frame.sort_values(["session_id", "position"], kind="stable")
    sid = f["session_id"].to_numpy()
    same_session = np.r_[False, sid[1:] == sid[:-1]]

    def shifted(col):
        return f[col].shift(1)

    chained = same_session & (f["reps_before"].to_numpy() == shifted("reps_after").to_numpy()) & (
        f["clicks_before"].to_numpy() == shifted("clicks_after").to_numpy()
    )
    if "pain_before" in f.columns and "pain_after" in f.columns:
        pb, pa = f["pain_before"], shifted("pain_after").astype("Int64")
        chained &= ((pb == pa).fillna(False) | (pb.isna() & pa.isna())).to_numpy()
    new_measurements = np.where(chained, 1, 2)
    after_seq = pd.Series(new_measurements).groupby(sid).cumsum().to_numpy() - 1
    before_seq = after_seq - 1

    n = len(f)
    pain_b = f["pain_before"].astype(object).where(f["pain_before"].notna(), None).to_numpy() if "pain_before" in f.columns else [None] * n
    pain_a = f["pain_after"].astype(object).where(f["pain_after"].notna(), None).to_numpy() if "pain_after" in f.columns else [None] * n
    notes = f["notes"].to_numpy() if "notes" in f.columns else [""] * n
    method = CountMethod.IMPORT.value
    measurements = [
        {"session_id": s, "seq": int(b), "reps": int(r), "clicks": int(c), "pain": p, "method": method}
        for s, b, r, c, p, ch in zip(sid, before_seq, f["reps_before"], f["clicks_before"], pain_b, chained)
        if not ch
    ]
    measurements += [
        {"session_id": s, "seq": int(a), "reps": int(r), "clicks": int(c), "pain": p, "method": method}
        for s, a, r, c, p in zip(sid, after_seq, f["reps_after"], f["clicks_after"], pain_a)
    ]
    done = TrialStatus.DONE.value
    trials = [
        {
            "session_id": s, "position": int(pos), "muscle_group": g, "stretch_seconds": int(sec),
            "status": done, "before_seq": int(b), "after_seq": int(a), "notes": (nt or None),
        }
        for s, pos, g, sec, b, a, nt in zip(
            sid, f["position"], f["muscle_group"], f["stretch_seconds"], before_seq, after_seq, notes
        )
    ]  # fmt: skip

    sessions: list[dict] = []
    firsts = f.groupby("session_id", sort=False).head(1)
    positions = f.groupby("session_id", sort=False)["position"].agg(list).to_dict()
    groups_done = f.groupby("session_id", sort=False)["muscle_group"].agg(list).to_dict()
    for row in firsts.to_dict("records"):
        s = row["session_id"]
        plan = (row.get("planned_order") or "").split()
        skipped = {int(x) for x in (row.get("skipped_positions") or "").split()}
        if plan:
            have = set(positions[s])
            for pos, group in enumerate(plan, 1):
                if pos not in have:
                    trials.append(
                        {
                            "session_id": s, "position": pos, "muscle_group": group,
                            "stretch_seconds": int(row["stretch_seconds"]),
                            "status": TrialStatus.SKIPPED.value if pos in skipped else TrialStatus.PLANNED.value,
                            "before_seq": None, "after_seq": None, "notes": None,
                        }
                    )  # fmt: skip
        else:
            plan = groups_done[s]
        sessions.append(
            {
                "id": s,
                "session_date": row["session_date"],
                "side": row["side"],
                "movement": row["movement"],
                "reps_per_test": int(row["reps_before"]),
                "stretch_seconds": int(row["stretch_seconds"]),
                "order_seed": None,
                "randomized": False,
                "planned_order": plan,
                "safety": None,
                "status": row.get("session_status") or SessionStatus.FINISHED.value,
                "stop_reason": row.get("stop_reason") or None,
                "started_at": None,
                "finished_at": None,
                "notes": row.get("session_notes") or None,
                "source": source,
            }
        )
    return sessions, trials, measurements


def _conflicts(store: Store, frame: pd.DataFrame, lines: pd.Index, stored_ids: set[str]) -> tuple[list[Problem], list[str]]:
    """Compare sessions the store already has with the file's rows; returns (conflicts, identical ids)."""
    if not stored_ids:
        return [], []
    ids = sorted(stored_ids)
    if len(ids) <= 500:
        stored = export_frame(store, ids)
    else:  # one read of everything beats a query with thousands of parameters
        stored = export_frame(store)
        stored = stored.loc[stored["session_id"].isin(stored_ids)]
    cols = [c for c in EXPORT_COLUMNS if c in frame.columns]
    mine = frame.assign(_line=lines.to_numpy()).loc[frame["session_id"].isin(stored_ids)]
    ours, theirs = _signatures(mine, cols), _signatures(stored, cols)
    first_line = mine.groupby("session_id", sort=False)["_line"].min()
    problems: list[Problem] = []
    identical: list[str] = []
    for sid, sig in ours.items():
        if theirs.get(sid) == sig:
            identical.append(sid)
        else:
            problems.append(
                Problem(
                    int(first_line[sid]), 1, "session_id",
                    f"session {sid!r} is already in the store with different data; it is not merged. "
                    "Give it another session_id to import it as a new session, or delete the stored one first.",
                )
            )  # fmt: skip
    return problems, identical


def _signatures(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Per session, its rows (sorted by position) as one text: equal texts mean equal data."""
    if frame.empty:
        return pd.Series(dtype=object)
    frame = frame.sort_values(["session_id", "position"], kind="stable")
    parts = []
    for c in cols:
        v = frame[c]
        if c in INT_COLUMNS or c in PAIN_COLUMNS:
            v = v.astype("Int64").astype(object).where(v.notna(), "").astype(str)
        else:
            v = v.astype(object).where(v.notna(), "").astype(str)
        parts.append(v.to_numpy(dtype=object))
    rows = pd.Series(["\x1f".join(r) for r in zip(*parts)], index=frame.index)
    return rows.groupby(frame["session_id"].to_numpy(), sort=False).agg("\x1e".join)


def import_csv(
    store: Store, source: str | Path | io.IOBase | bytes, *, dry_run: bool = False, source_label: str = "import"
) -> ImportReport:
    """Check a whole file and store its new sessions in one transaction.

    Nothing is stored unless the whole file is valid.  Sessions already in the
    store (same ``session_id``) with the same rows are left alone; one with
    different rows is a conflict, reported like any other problem.  Raises
    CsvError (every problem with line and column) or StoreError.
    """
    typed = _validate(_parse(_read_bytes(source)))
    return _import_typed(store, typed, dry_run=dry_run, source=source_label)


def _import_typed(store: Store, typed: pd.DataFrame, *, dry_run: bool, source: str) -> ImportReport:
    lines = typed.index
    frame = typed.reset_index(drop=True)
    ids = list(dict.fromkeys(frame["session_id"]))
    stored = store.existing_session_ids(ids)
    conflicts, identical = _conflicts(store, frame, lines, stored)
    if conflicts:
        raise CsvError(conflicts)
    new = [s for s in ids if s not in stored]
    if not dry_run and new:
        sessions, trials, measurements = _tables(frame.loc[~frame["session_id"].isin(stored)], source)
        store.insert_many(sessions, trials, measurements)
    return ImportReport(rows=len(frame), new_sessions=new, already_stored=identical, dry_run=dry_run)


def import_frame(store: Store, frame: pd.DataFrame, *, source: str = "import") -> list[str]:
    """Store every session of a frame from :func:`read_csv` that the store lacks; returns the new ids."""
    return _import_typed(store, frame, dry_run=False, source=source).new_sessions


def frame_to_sessions(frame: pd.DataFrame, *, source: str = "import") -> list[Session]:
    """Turn rows from :func:`read_csv` into sessions with trials and measurements (not stored)."""
    sessions, trials, measurements = _tables(frame, source)
    by_id: dict[str, Session] = {}
    for s in sessions:
        by_id[s["id"]] = Session(
            id=s["id"],
            side=Side(s["side"]),
            movement=Movement(s["movement"]),
            reps_per_test=s["reps_per_test"],
            stretch_seconds=s["stretch_seconds"],
            session_date=s["session_date"],
            randomized=False,
            planned_order=[MuscleGroup(g) for g in s["planned_order"]],
            status=SessionStatus(s["status"]),
            stop_reason=s["stop_reason"],
            notes=s["notes"],
            source=source,
        )
    for t in sorted(trials, key=lambda t: (t["session_id"], t["position"])):
        by_id[t["session_id"]].trials.append(trial_from_row(t))
    for m in measurements:
        by_id[m["session_id"]].measurements[m["seq"]] = Measurement(
            seq=m["seq"], reps=m["reps"], clicks=m["clicks"], pain=m["pain"], method=CountMethod.IMPORT
        )
    return list(by_id.values())
