"""Importing checked rows into a store: conflicts, duplicates, and sessions built from rows."""


from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.csv_read import _parse, _read_bytes
from core.data.csv_schema import (
    EXPORT_COLUMNS,
    INT_COLUMNS,
    PAIN_COLUMNS,
    CsvError,
    Problem,
)
from core.data.csv_validate import (
    _validate,
)
from core.data.csv_write import (
    export_frame,
)
from core.data.schema import FLOW_KEY
from core.data.store import Store, trial_from_row
from core.session.words import count
from core.session.vocabulary import (
    CountMethod,
    Measurement,
    Movement,
    MuscleGroup,
    SESSION_KIND_COLUMN,
    Session,
    SessionKind,
    SessionStatus,
    Side,
    TrialStatus,
)


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
        text = f"{verb} {count(n, 'session')}"
        if self.already_stored:
            k = len(self.already_stored)
            text += f"; {k} already in the store (identical, left as they are)"
        return text


def _tables(frame: pd.DataFrame, source: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for the sessions, trials and measurements tables from checked CSV rows.

    In a chain (a row's before-test equal to the previous row's after-test: reps,
    clicks and pain) the two rows share one measurement, as the app records them.
    A quick check's row becomes a session with its test as the baseline and no condition.
    """
    if SESSION_KIND_COLUMN in frame.columns:
        quick = frame[SESSION_KIND_COLUMN].eq(SessionKind.QUICK_CHECK.value).to_numpy()
        if quick.any():
            sessions, trials, measurements = _tables(_conditions(frame.loc[~quick]), source)
            checks, tests = _quick_tables(frame.loc[quick], source)
            return sessions + checks, trials, measurements + tests
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


def _conditions(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of conditions only, their numbers as plain integers again."""
    return frame.astype({c: "int64" for c in INT_COLUMNS if c in frame.columns})


def _quick_tables(frame: pd.DataFrame, source: str) -> tuple[list[dict], list[dict]]:
    """Sessions and measurements of quick checks: one session each, its one test stored as the baseline."""
    sessions, measurements = [], []
    pain = frame["pain_before"] if "pain_before" in frame.columns else pd.Series(pd.NA, index=frame.index)
    for row, p in zip(frame.to_dict("records"), pain):
        s = row["session_id"]
        sessions.append(
            {
                "id": s, "session_date": row["session_date"], "side": row["side"], "movement": row["movement"],
                "reps_per_test": int(row["reps_before"]), "stretch_seconds": 0, "order_seed": None,
                "randomized": False, "planned_order": [],
                "safety": {FLOW_KEY: {"kind": SessionKind.QUICK_CHECK.value}},
                "status": row.get("session_status") or SessionStatus.FINISHED.value,
                "stop_reason": row.get("stop_reason") or None, "started_at": None, "finished_at": None,
                "notes": row.get("session_notes") or None, "source": source,
            }
        )  # fmt: skip
        measurements.append(
            {"session_id": s, "seq": 0, "reps": int(row["reps_before"]), "clicks": int(row["clicks_before"]),
             "pain": None if pd.isna(p) else int(p), "method": CountMethod.IMPORT.value}
        )  # fmt: skip
    return sessions, measurements


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
            flow=dict((s["safety"] or {}).get(FLOW_KEY) or {}),
        )
    for t in sorted(trials, key=lambda t: (t["session_id"], t["position"])):
        by_id[t["session_id"]].trials.append(trial_from_row(t))
    for m in measurements:
        by_id[m["session_id"]].measurements[m["seq"]] = Measurement(
            seq=m["seq"], reps=m["reps"], clicks=m["clicks"], pain=m["pain"], method=CountMethod.IMPORT
        )
    return list(by_id.values())
