"""CSV in and out, in the kneeclick CSV schema (a contract other tools rely on).

One row per completed condition, header row, UTF-8, comma-separated.  Required
columns, in this order: ``session_id, session_date, side, movement, position,
muscle_group, stretch_seconds, reps_before, clicks_before, reps_after,
clicks_after``.  Optional after them: ``pain_before, pain_after, notes``;
readers ignore any other column.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from core.model import CountMethod, Measurement, Movement, MuscleGroup, Session, SessionStatus, Side, Trial, TrialStatus
from core.store import CSV_COLUMNS, CSV_OPTIONAL_COLUMNS, Store

INT_COLUMNS = ("position", "stretch_seconds", "reps_before", "clicks_before", "reps_after", "clicks_after")


class CsvError(ValueError):
    """A problem in a CSV file, with where it is."""


def read_csv(source: str | Path | io.IOBase | bytes) -> pd.DataFrame:
    """Read a file in the CSV schema into a frame with typed columns.

    Raises CsvError naming the line and column of the first problem found.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as e:
        raise CsvError("the file is empty: it needs a header row and at least one row") from e
    except UnicodeDecodeError as e:
        raise CsvError("the file is not UTF-8 text") from e
    missing = [c for c in CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise CsvError(f"line 1: missing required column(s): {', '.join(missing)}")
    out = frame.copy()
    for col in INT_COLUMNS:
        for i, value in enumerate(frame[col]):
            try:
                int(value)
            except ValueError:
                raise CsvError(
                    f"line {i + 2}, column {frame.columns.get_loc(col) + 1} ({col}): "
                    f"expected a whole number, got {value!r}"
                ) from None
        out[col] = frame[col].astype("int64")
    for col in ("pain_before", "pain_after"):
        if col in frame.columns:
            out[col] = pd.to_numeric(frame[col].replace("", None)).astype("Int64")
    return out


def frame_to_sessions(frame: pd.DataFrame, *, source: str = "import") -> list[Session]:
    """Turn CSV-schema rows into sessions with trials and measurements.

    In a chain (a row's ``clicks_before``/``reps_before`` equal the previous
    row's after-test) both rows share one measurement, as the app records them.
    """
    sessions: list[Session] = []
    for session_id, rows in frame.groupby("session_id", sort=False):
        rows = rows.sort_values("position")
        first = rows.iloc[0]
        session = Session(
            id=str(session_id),
            side=Side(first["side"]),
            movement=Movement(first["movement"]),
            reps_per_test=int(first["reps_before"]),
            stretch_seconds=int(first["stretch_seconds"]),
            session_date=str(first["session_date"]),
            randomized=False,
            planned_order=[MuscleGroup(g) for g in rows["muscle_group"]],
            status=SessionStatus.FINISHED,
            source=source,
        )
        seq = -1
        last: tuple[int, int, object] | None = None
        for _, row in rows.iterrows():
            pain_before = _opt_int(row.get("pain_before"))
            pain_after = _opt_int(row.get("pain_after"))
            before = (int(row["reps_before"]), int(row["clicks_before"]))
            if last is None or last[:2] != before:
                seq += 1
                session.measurements[seq] = Measurement(
                    seq=seq, reps=before[0], clicks=before[1], pain=pain_before, method=CountMethod.IMPORT
                )
            before_seq = seq
            seq += 1
            session.measurements[seq] = Measurement(
                seq=seq,
                reps=int(row["reps_after"]),
                clicks=int(row["clicks_after"]),
                pain=pain_after,
                method=CountMethod.IMPORT,
            )
            last = (int(row["reps_after"]), int(row["clicks_after"]), pain_after)
            notes = row.get("notes")
            session.trials.append(
                Trial(
                    position=int(row["position"]),
                    muscle_group=MuscleGroup(row["muscle_group"]),
                    stretch_seconds=int(row["stretch_seconds"]),
                    status=TrialStatus.DONE,
                    before_seq=before_seq,
                    after_seq=seq,
                    notes=notes if isinstance(notes, str) and notes else None,
                )
            )
        sessions.append(session)
    return sessions


def _opt_int(value) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return int(value)


def import_frame(store: Store, frame: pd.DataFrame, *, source: str = "import") -> list[str]:
    """Store every session of ``frame`` that the store does not have yet; returns the new ids."""
    added = []
    for session in frame_to_sessions(frame, source=source):
        if store.has_session(session.id):
            continue
        store.create_session(session)
        added.append(session.id)
    return added


def write_csv(frame: pd.DataFrame, target: str | Path | io.IOBase | None = None) -> str | None:
    """Write CSV-schema rows (required columns first, then the optional ones present)."""
    columns = list(CSV_COLUMNS) + [c for c in CSV_OPTIONAL_COLUMNS if c in frame.columns]
    return frame.loc[:, columns].to_csv(target, index=False, lineterminator="\n")


def export_csv(store: Store, session_ids: Iterable[str] | None = None) -> str:
    """All (or the named) sessions as CSV text."""
    ids = list(session_ids) if session_ids is not None else None
    return write_csv(store.trials_frame(ids))
