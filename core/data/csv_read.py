"""Reading CSV bytes: size limits, decoding, and parsing into rows with their line numbers."""


from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.csv_schema import (
    EXPORT_COLUMNS,
    MAX_COLUMNS,
    MAX_HEADER_BYTES,
    MAX_IMPORT_BYTES,
    MAX_LINE_BYTES,
    MAX_PROBLEMS,
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


def _looks_like_text(data: bytes, problems: _Collector) -> bool:
    """True when ``data`` is non-empty UTF-8 text, checked piece by piece (no copy of the whole file as text);
    otherwise :func:`_decode` says what is wrong."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 22
    try:
        for at in range(0, len(data), step):
            decoder.decode(data[at : at + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


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


def _check_shape(data: bytes) -> None:
    """Refuse a file whose header or lines cannot be a person's history, before parsing any of it.

    A header of ten million commas, or one line of many megabytes, would otherwise cost the CSV reader
    (and the memory of every empty field) far more than a real file of the same size.
    """
    head_end = data.find(b"\n")
    header = data if head_end < 0 else data[:head_end]
    if len(header) > MAX_HEADER_BYTES or header.count(b",") >= MAX_COLUMNS:
        raise CsvError([Problem(1, None, None,
            f"the header row has {header.count(b',') + 1:,} fields in {len(header):,} bytes; a kneeclick file has "
            f"a few dozen at most (limit: {MAX_COLUMNS} fields, {MAX_HEADER_BYTES // 1024} KB). This is not a "
            "kneeclick CSV file; nothing was imported.")])  # fmt: skip
    if len(data) <= MAX_LINE_BYTES:
        return
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    lengths = np.diff(ends, prepend=-1) - 1
    tail = len(data) - 1 - (ends[-1] if len(ends) else -1)
    longest = int(lengths.max()) if len(lengths) else 0
    if max(longest, tail) > MAX_LINE_BYTES:
        line = int(np.argmax(lengths)) + 1 if longest >= tail else len(ends) + 1
        raise CsvError([Problem(line, None, None,
            f"this line is {max(longest, tail) / 2**20:.1f} MB long; a row of a kneeclick file is at most "
            f"{MAX_LINE_BYTES // 2**20} MB (its notes included). This is not a kneeclick CSV file; nothing was imported.")])  # fmt: skip


_NEWLINE = re.compile(r"\r\n|\r|\n")  # what csv.reader (over newline="" text) counts as a line end
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
_UNQUOTED = re.compile(r"[^,\r\n]*")


def _offset_of_line(text: str, line: int) -> int:
    """Where the 1-based ``line`` starts in ``text``."""
    if line <= 1:
        return 0
    for i, m in enumerate(_NEWLINE.finditer(text), 2):
        if i == line:
            return m.end()
    return len(text)


def _line_at(text: str, offset: int, first_line: int = 1, start: int = 0) -> int:
    return first_line + sum(1 for _ in _NEWLINE.finditer(text, start, offset))


def _bad_quote(text: str, start_line: int) -> tuple[int, int | None] | None:
    """The first quoted field from ``start_line`` on that is broken: (the line where its quote opens, the line
    where it closes with text right after it, or None when it never closes).  None if every field is fine."""
    start = pos = _offset_of_line(text, start_line)
    n = len(text)
    while pos < n:
        if text[pos] == '"':
            m = _QUOTED.match(text, pos)
            if m is None:
                return _line_at(text, pos, start_line, start), None
            if m.end() < n and text[m.end()] not in ",\r\n":
                opened = _line_at(text, pos, start_line, start)
                return opened, _line_at(text, m.end(), opened, pos)
            pos = m.end()
        pos = _UNQUOTED.match(text, pos).end()  # the rest of the field (a quote inside it is text)
        if pos < n:
            pos += 2 if text.startswith("\r\n", pos) else 1  # the comma or line end after the field
    return None


def record_has_nul(record: list[str]) -> bool:
    return any("\x00" in value for value in record)


def _nul_problems(record: list[str], start: int, problems: _Collector) -> int:
    """Every NUL byte in a record, with the physical line and the column (field) it is in; returns how many."""
    found = 0
    line = start
    for column, value in enumerate(record, 1):
        at = value.find("\x00")
        while at >= 0:
            where = line + sum(1 for _ in _NEWLINE.finditer(value, 0, at))
            problems.add(where, column, None,
                         "this field holds a NUL byte (character 0), which no database can store: the file is damaged "
                         "or is not text; remove it and import again")  # fmt: skip
            at = value.find("\x00", at + 1)
            found += 1
        line += sum(1 for _ in _NEWLINE.finditer(value))
    return found


def _parse(data: bytes) -> _Raw:
    problems = _Collector()
    _check_size(len(data))
    _check_shape(data)
    if _looks_like_text(data, problems):
        fast = _parse_fast(data)
        if fast is not None:
            return fast
    text = _decode(data, problems)
    problems.check()
    has_nul = "\x00" in text
    nul_left = text.count("\x00") if has_nul else 0
    records = 0  # data records, kept or not
    # Lines handed over one at a time (as io.StringIO(text, newline="") would split them, without its copy of
    # the whole text, four bytes a character).
    lines = (m.group() for m in _LINE.finditer(text))
    reader = csv.reader(lines, strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    header: list[str] | None = None
    header_line = 1
    last = 0
    width = 0
    try:
        for record in reader:
            start = last + 1
            last = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            if has_nul and record_has_nul(record):
                nul_left -= _nul_problems(record, start, problems)
                if len(problems.problems) >= MAX_PROBLEMS:  # enough to show: count the rest, locate no more
                    problems.total += nul_left
                    break
            if header is None:
                header, header_line, width = record, start, len(record)
                continue
            records += 1
            if len(record) != width:  # said here, and the row not kept: a row of a million fields costs nothing
                problems.add(start, None, None, f"this row has {len(record)} fields, the header has {width}")
                continue
            rows.append(record)
            starts.append(start)
    except csv.Error as e:
        bad = _bad_quote(text, last + 1)
        if bad is not None and bad[1] is None:
            problems.add(bad[0], None, None,
                         "a quoted field opens on this line and is never closed (a missing \"), so the rest of the "
                         "file would be one field; nothing was imported")  # fmt: skip
        elif bad is not None:
            problems.add(bad[0], None, None,
                         f"a quoted field opens on this line and runs on to line {bad[1]}, where text follows its "
                         "closing quote: a \" is missing or not doubled; nothing was imported")  # fmt: skip
        else:
            problems.add(reader.line_num, None, None, f"the CSV quoting is broken ({e}); nothing was imported")
        problems.check()
    if has_nul:
        problems.check()
    assert header is not None  # the file is not blank
    known = _known_columns(header, header_line, problems)
    if not records and not has_nul:
        problems.add(header_line + 1, None, None, "there are no rows after the header")
    problems.check()
    frame = pd.DataFrame(
        {name: [r[i - 1] for r in rows] for name, i in known.items()},
        index=pd.Index(starts, name="line"),
        dtype=object,
    )
    return _Raw(frame, known)


def _known_columns(header: list[str], header_line: int, problems: _Collector) -> dict[str, int]:
    """kneeclick's columns in the header (name -> 1-based column); every problem of the header reported."""
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
    return {name: i for name, i in columns.items() if name in EXPORT_COLUMNS}


# ------------------------------------------------------------------ the fast path
def _parse_fast(data: bytes) -> _Raw | None:
    """Parse a well-formed file with Arrow's CSV reader: its columns as Arrow-backed text, no Python object per cell.

    Each row's physical line comes from the bytes themselves: a line end outside quotes (an even number of
    quotes before it; a doubled quote keeps the count even) ends a record.  Returns None whenever the file is
    not plainly well-formed (a NUL byte, a lone carriage return, a quote that does not open or close a field,
    a line of spaces, a row of another width, text that is not UTF-8, ...): :func:`_parse`'s exact reader then
    finds and reports every problem with its line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b"\x00" in data:
        return None
    body_start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    raw = np.frombuffer(data, dtype=np.uint8)
    returns = np.flatnonzero(raw == 0x0D)
    if len(returns) and (returns[-1] == len(raw) - 1 or (raw[returns + 1] != 0x0A).any()):
        return None  # a carriage return alone: a line end of its own for the exact reader
    quotes = np.flatnonzero(raw == 0x22)
    if len(quotes) % 2:
        return None
    if len(quotes):  # every quote opens a field, closes one, or is half of a doubled quote inside one
        i = np.arange(len(quotes))
        before = raw[np.maximum(quotes - 1, 0)]
        after = raw[np.minimum(quotes + 1, len(raw) - 1)]
        pair_prev = np.r_[False, quotes[1:] == quotes[:-1] + 1]
        pair_next = np.r_[quotes[:-1] + 1 == quotes[1:], False]
        opens = (quotes == body_start) | np.isin(before, (0x2C, 0x0A)) | pair_prev
        closes = (quotes == len(raw) - 1) | np.isin(after, (0x2C, 0x0A, 0x0D)) | pair_next
        if not (opens[i % 2 == 0].all() and closes[i % 2 == 1].all()):
            return None
    newlines = np.flatnonzero(raw == 0x0A)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]  # line ends outside quotes: records end there
    if not len(ends) or ends[-1] != len(data) - 1:
        ends = np.r_[ends, len(data)]  # the last record without a line end
    line_of = np.searchsorted(newlines, ends)  # 0-based line of each record's last line
    begins = np.r_[body_start, ends[:-1] + 1]
    sizes = ends - begins
    blank = (sizes == 0) | ((sizes == 1) & (raw[np.minimum(begins, len(raw) - 1)] == 0x0D))  # "" or "\r"
    del raw
    first_lines = np.r_[0, line_of[:-1] + 1] + 1  # 1-based physical line where each record starts
    filled = np.flatnonzero(~blank)
    if len(filled) < 2:
        return None
    h = filled[0]
    try:
        header_text = data[begins[h] : ends[h]].decode("utf-8")
        header = next(csv.reader([header_text.rstrip("\r")], strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    problems = _Collector()
    known = _known_columns(header, int(first_lines[h]), problems)
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(int(ends[h]) + 1)),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=len(ends) < len(newlines), ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},  # pandas' own text type: no conversion
                include_columns=[f"c{i - 1}" for i in known.values()],
                strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=True,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    rows = filled[1:]
    if table.num_rows != len(rows):
        return None
    table = table.rename_columns(list(known))
    frame = table.to_pandas()
    frame.index = pd.Index(first_lines[rows], name="line")
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


