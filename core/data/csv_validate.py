"""Checking parsed rows against the schema: every problem with its line and column; read_csv."""


from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.csv_read import _parse, _Raw, _read_bytes
from core.data.csv_schema import (
    _INT,
    EXPORT_COLUMNS,
    INT_COLUMNS,
    MAX_ID_CHARS,
    MAX_POSITION,
    MAX_STRETCH_SECONDS,
    MAX_TEXT_CHARS,
    PAIN_COLUMNS,
    PER_SESSION_COLUMNS,
    QUICK_CHECK_EMPTY,
    TEXT_COLUMNS,
    _Collector,
)
from core.data.csv_write import (
    unescape_formulas,
)
from core.session.vocabulary import (
    MAX_CLICKS_PER_REP,
    MAX_REPS,
    Movement,
    MuscleGroup,
    SessionKind,
    SessionStatus,
    Side,
)
from core.session.words import count

KIND = "session_kind"
#: The condition's numbers, which a quick check's row leaves empty (nullable integers in the frame then).
_QUICK_EMPTY_INTS = tuple(c for c in QUICK_CHECK_EMPTY if c in INT_COLUMNS)


def _validate(raw: _Raw) -> pd.DataFrame:
    """Check every cell; return the typed frame (index: line numbers) or raise CsvError with every problem."""
    f, cols = raw.frame, raw.columns
    problems = _Collector()
    lines = f.index.to_numpy()

    def report(mask: np.ndarray | pd.Series, col: str, message) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():  # the common case: no problem, and no column turned into Python objects
            return
        for line, value in zip(lines[mask], f[col].to_numpy()[mask]):
            problems.add(int(line), cols[col], col, message(value) if callable(message) else message)

    out = pd.DataFrame(index=f.index)
    for col in TEXT_COLUMNS:
        if col in f.columns:
            out[col] = unescape_formulas(f[col].astype(str))
    quick = _quick_rows(out, f, cols, lines, problems)
    for col in ("session_id", "session_date", "side", "movement", "muscle_group"):
        out[col] = _strip(out[col])
        report(out[col].eq("").to_numpy() & ~quick, col, "this cell is empty")
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
        if quick.any() and col in _QUICK_EMPTY_INTS:  # a quick check has no condition: these stay empty
            text = text.where(~quick, "0")
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
            digits = text.str.isdigit() & text.str.len().le(9)  # the common case, vectorised
            ok = digits | empty
            if not ok.all():  # signs or not a number: look at those few closely
                rest = text[~ok]
                ok.loc[rest.index] = rest.str.fullmatch(_INT).to_numpy()
            report((~ok).to_numpy(), col, lambda v: f"expected a pain score 0-10 or nothing, got {v!r}")
            number = (ok & ~empty).to_numpy()
            values = pd.array(np.zeros(len(text), dtype="int64"), dtype="Int64")
            values[number] = text[number].str.lstrip("+").astype("int64").to_numpy()
            values[~number] = pd.NA
            values = pd.Series(values, index=text.index)
            report((values.lt(0) | values.gt(10)).fillna(False).to_numpy(), col, lambda v: f"pain is scored 0-10, got {v}")
            out[col] = values
    valid = {c: out[c].ne(-(10**12)).to_numpy() & (~quick if c in _QUICK_EMPTY_INTS else True) for c in INT_COLUMNS}

    def rng(col, low, high, what):
        v = out[col].to_numpy()
        report(valid[col] & (v < 0), col, lambda x: f"{what} cannot be negative, got {x}")
        report(valid[col] & (v >= 0) & (v < low), col, lambda x: f"{what} must be at least {low}, got {x}")
        report(valid[col] & (v > high), col, lambda x: f"{what} of {x} is not plausible (at most {high})")

    rng("position", 1, MAX_POSITION, "the position")
    # The rest control has no stretch: 0 seconds is a valid way to say so; every stretch lasts at least a second.
    rest = out["muscle_group"].astype(str).eq(MuscleGroup.REST_CONTROL.value).to_numpy()
    sec = out["stretch_seconds"].to_numpy()
    report(valid["stretch_seconds"] & (sec < 0), "stretch_seconds", lambda x: f"the stretch time in seconds cannot be negative, got {x}")
    report(valid["stretch_seconds"] & ~rest & (sec == 0), "stretch_seconds",
           lambda x: f"the stretch time in seconds must be at least 1, got {x} (only the rest control can be 0)")
    report(valid["stretch_seconds"] & (sec > MAX_STRETCH_SECONDS), "stretch_seconds",
           lambda x: f"the stretch time in seconds of {x} is not plausible (at most {MAX_STRETCH_SECONDS})")
    for when in ("before", "after"):
        reps, clicks = f"reps_{when}", f"clicks_{when}"
        rng(reps, 0, MAX_REPS, "reps")
        r, c = out[reps].to_numpy(), out[clicks].to_numpy()
        both = valid[reps] & valid[clicks] & (r >= 0) & (r <= MAX_REPS)
        report(valid[clicks] & (c < 0), clicks, lambda x: f"clicks cannot be negative, got {x}")
        report(both & (r == 0) & (c > 0), clicks, lambda x: f"{count(x, 'click')} counted in zero reps")
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
    by_session = out.groupby("session_id", sort=False)
    first_line = None
    for col in PER_SESSION_COLUMNS:
        if col not in out.columns:
            continue
        firsts = by_session[col].transform("first")
        differs = out[col].ne(firsts).to_numpy()
        if not differs.any():
            continue
        if first_line is None:
            first_line = pd.Series(lines, index=f.index).groupby(out["session_id"].to_numpy(), sort=False).transform("first")
        for line, value, want, at in zip(lines[differs], out[col].to_numpy()[differs], firsts.to_numpy()[differs], first_line.to_numpy()[differs]):
            if (int(line), cols[col]) in problems.cells or (int(at), cols[col]) in problems.cells:
                continue  # the cell itself is already reported as wrong
            problems.add(int(line), cols[col], col, f"{value!r} differs from {want!r} on line {at} of the same session")
    _validate_session_columns(out, cols, lines, problems, quick)
    problems.check()
    if quick.any():  # the condition's numbers of a quick check: empty (NA), the column nullable
        for col in _QUICK_EMPTY_INTS:
            out[col] = pd.array(out[col].to_numpy(), dtype="Int64")
            out.loc[quick, col] = pd.NA
    return out


def _quick_rows(out: pd.DataFrame, f: pd.DataFrame, cols: dict[str, int], lines: np.ndarray, problems: _Collector) -> np.ndarray:
    """Which rows are quick checks (``session_kind``; empty or absent: a full session), every problem of their
    shape reported: a known kind, the condition's cells empty, one row per quick check."""
    if KIND not in out.columns:
        return np.zeros(len(out), dtype=bool)
    out[KIND] = _strip(out[KIND]).replace("", SessionKind.FULL.value)
    allowed = [k.value for k in SessionKind]
    bad = (~out[KIND].isin(allowed)).to_numpy()
    for line, v in zip(lines[bad], out[KIND].to_numpy()[bad]):
        problems.add(int(line), cols[KIND], KIND, f"unknown session kind {v!r}; use one of: {', '.join(allowed)}")
    quick = out[KIND].eq(SessionKind.QUICK_CHECK.value).to_numpy()
    if not quick.any():
        return quick
    for col in QUICK_CHECK_EMPTY:
        values = out[col] if col in out.columns else f[col] if col in f.columns else None
        if values is None:
            continue
        filled = quick & values.astype(str).str.strip().ne("").to_numpy()
        for line, v in zip(lines[filled], values.to_numpy()[filled]):
            problems.add(int(line), cols[col], col,
                         f"a quick check has only its test (the _before columns), no condition: leave {col} empty, "
                         f"got {v!r}")  # fmt: skip
    sid = out["session_id"].str.strip()
    again = quick & sid.where(quick, None).duplicated(keep="first").to_numpy()  # among quick-check rows
    if again.any():
        first = pd.Series(lines, index=out.index).groupby(sid.to_numpy(), sort=False).transform("first").to_numpy()
        for line, s, at in zip(lines[again], sid.to_numpy()[again], first[again]):
            problems.add(int(line), cols["session_id"], "session_id",
                         f"quick check {s!r} has a row already (line {at}): a quick check is one row, its test")  # fmt: skip
    return quick


def _validate_session_columns(
    out: pd.DataFrame, cols: dict[str, int], lines: np.ndarray, problems: _Collector, quick: np.ndarray
) -> None:
    """The session columns: a known status, a planned order of known groups that agrees with the rows' positions,
    skipped positions that are in the plan and have no row.  Vectorised: a file of 50 MB holds 30,000 sessions."""
    if "session_status" in out.columns:
        out["session_status"] = out["session_status"].str.strip().replace("", SessionStatus.FINISHED.value)
        allowed = [s.value for s in SessionStatus]
        bad = (~out["session_status"].isin(allowed + [""])).to_numpy()
        if bad.any():
            for line, v in zip(lines[bad], out["session_status"].to_numpy()[bad]):
                problems.add(int(line), cols["session_status"], "session_status", f"unknown status {v!r}; use one of: {', '.join(allowed)}")
    has_plan = "planned_order" in out.columns
    has_skips = "skipped_positions" in out.columns
    if not (has_plan or has_skips):
        return
    groups = [g.value for g in MuscleGroup]
    # Sessions as integer codes in the order they first appear (the order of ``firsts``): no Python string per row.
    codes, _ = pd.factorize(out["session_id"], sort=False)
    positions = out["position"].to_numpy()
    firsts = out.groupby("session_id", sort=False).head(1)
    first_sids = firsts["session_id"].to_numpy(dtype=object)
    first_lines = firsts.index.to_numpy()
    plan_len = np.zeros(len(first_sids), dtype=np.int64)
    if has_plan:
        plans = firsts["planned_order"].str.split().to_numpy(dtype=object)
        plan_len = np.fromiter((len(p) for p in plans), dtype=np.int64, count=len(plans))
        flat = np.concatenate([np.asarray(p, dtype=object) for p in plans] or [np.array([], dtype=object)])
        flat_codes = pd.Index(groups).get_indexer(flat)  # -1: not a muscle group
        owner = np.repeat(np.arange(len(plans)), plan_len)
        for at in np.flatnonzero(flat_codes < 0):
            problems.add(int(first_lines[owner[at]]), cols["planned_order"], "planned_order",
                         f"unknown muscle group {flat[at]!r} in the planned order")  # fmt: skip
        n_plan = plan_len[codes]
        in_range = (n_plan > 0) & (positions >= 1) & (positions <= MAX_POSITION) & ~quick
        beyond = in_range & (positions > n_plan)
        for line, pos, n in zip(lines[beyond], positions[beyond], n_plan[beyond]):
            problems.add(int(line), cols["position"], "position", f"position {pos} is beyond the planned order of {n} conditions")
        check = np.flatnonzero(in_range & ~beyond)
        if len(check):
            starts = np.cumsum(plan_len) - plan_len  # where each session's plan begins in ``flat``
            wanted = flat_codes[starts[codes[check]] + positions[check] - 1]
            got = pd.Categorical(out["muscle_group"].to_numpy()[check], categories=groups).codes
            wrong = check[wanted != got]
            for line, pos, g, w in zip(lines[wrong], positions[wrong], out["muscle_group"].to_numpy()[wrong],
                                       flat[starts[codes[wrong]] + positions[wrong] - 1]):  # fmt: skip
                problems.add(int(line), cols["muscle_group"], "muscle_group", f"{g!r} at position {pos}, but the planned order has {w!r} there")
    if has_skips:
        listed = np.flatnonzero(firsts["skipped_positions"].str.strip().ne("").to_numpy())
        if len(listed):
            mine = np.isin(codes, listed)
            done = set(zip(codes[mine].tolist(), positions[mine].tolist()))
            for k in listed:
                for x in str(firsts["skipped_positions"].iloc[k]).split():
                    if not x.isdigit() or not 1 <= int(x) <= plan_len[k]:
                        problems.add(int(first_lines[k]), cols["skipped_positions"], "skipped_positions", f"skipped position {x!r} is not a position of the planned order")
                    elif (int(k), int(x)) in done:
                        problems.add(int(first_lines[k]), cols["skipped_positions"], "skipped_positions", f"position {x} is listed as skipped but has a row")
    if has_plan:
        # no planned order given: when the positions run 1, 2, 3, ... the rows are the plan
        empty = (plan_len[codes] == 0) & ~quick
        if empty.any():
            rows = out.loc[empty, ["session_id", "position", "muscle_group"]].sort_values(["session_id", "position"], kind="stable")
            by = rows.groupby("session_id", sort=False)
            stats = by["position"].agg(["min", "max", "count", "nunique"])
            whole = stats.index[(stats["min"] == 1) & (stats["max"] == stats["count"]) & (stats["nunique"] == stats["count"])]
            joined = by["muscle_group"].agg(" ".join)
            fill = out["session_id"].map(joined.loc[whole])
            out["planned_order"] = out["planned_order"].where(fill.isna(), fill)


def _strip(values: pd.Series) -> pd.Series:
    """``values.str.strip()``, without a copy of the column when no cell has spaces around it (the common case)."""
    padded = values.str.contains(r"^\s|\s$", regex=True)
    return values.str.strip() if padded.any() else values


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




def split_quick_checks(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A frame of :func:`read_csv` as (its conditions, its quick checks); the conditions' numbers as plain
    integers again, as in a file without quick checks.  Row labels are kept."""
    if KIND not in frame.columns:
        return frame, frame.iloc[:0]
    quick = frame[KIND].eq(SessionKind.QUICK_CHECK.value).to_numpy()
    if not quick.any():
        return frame, frame.iloc[:0]
    conditions = frame.loc[~quick].astype({c: "int64" for c in _QUICK_EMPTY_INTS if c in frame.columns})
    return conditions, frame.loc[quick]
