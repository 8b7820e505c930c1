"""Reading CSV bytes: size limits, decoding, and parsing into rows with their line numbers."""


from __future__ import annotations

import csv
import dataclasses
import difflib
import io
from pathlib import Path

import pandas as pd

from core.data.csv_schema import (
    EXPORT_COLUMNS,
    MAX_IMPORT_BYTES,
    CsvError,
    Problem,
    _Collector,
)
from core.data.store import CSV_COLUMNS


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


