"""What the History page shows, as plain tables (no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from core.csvio import CsvError
from core.model import Movement, MuscleGroup, Session, SessionStatus, TrialStatus

STATUS_LABELS = {
    SessionStatus.FINISHED.value: "finished",
    SessionStatus.STOPPED.value: "stopped",
    SessionStatus.IN_PROGRESS.value: "in progress",
    SessionStatus.BLOCKED.value: "not started (safety screen)",
}


def _movement(value: str) -> str:
    try:
        return Movement(value).label
    except ValueError:
        return value


def _group(value: str) -> str:
    try:
        return MuscleGroup(value).label
    except ValueError:
        return value


def session_label(row) -> str:
    """One line naming a session: date, leg, movement, status and its id."""
    return (
        f"{row['session_date']} · {row['side']} leg · {_movement(row['movement'])} · "
        f"{STATUS_LABELS.get(row['status'], row['status'])} · {row['id']}"
    )


def sessions_table(listing: pd.DataFrame) -> pd.DataFrame:
    """The list of sessions for display, newest first (as ``Store.list_sessions`` orders them)."""
    return pd.DataFrame(
        {
            "Date": listing["session_date"],
            "Leg": listing["side"],
            "Movement": listing["movement"].map(_movement),
            "Conditions done": [f"{d} of {p}" for d, p in zip(listing["conditions_done"], listing["conditions_planned"])],
            "Status": listing["status"].map(lambda s: STATUS_LABELS.get(s, s)),
            "Note": listing["notes"].fillna("").map(lambda n: n.splitlines()[0][:80] if n else ""),
            "Id": listing["id"],
        }
    )


def before_after(session: Session) -> pd.DataFrame:
    """One row per condition in its place: clicks in the test before and right after it, and the change."""
    rows = []
    for t in sorted(session.trials, key=lambda t: t.position):
        before = session.measurements.get(t.before_seq) if t.before_seq is not None else None
        after = session.measurements.get(t.after_seq) if t.after_seq is not None else None
        rows.append(
            {
                "Position": t.position,
                "Condition": _group(t.muscle_group),
                "Clicks before": before.clicks if before else None,
                "Clicks after": after.clicks if after else None,
                "Change": (after.clicks - before.clicks) if (before and after) else None,
                "Reps": f"{before.reps} / {after.reps}" if (before and after) else "",
                "Pain after": after.pain if after else None,
                "Done": {TrialStatus.DONE: "done", TrialStatus.SKIPPED: "skipped"}.get(t.status, "not yet"),
                "Note": t.notes or "",
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("Clicks before", "Clicks after", "Change", "Pain after"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    return frame


def chart_data(table: pd.DataFrame) -> pd.DataFrame:
    """Long format for a grouped bar chart: condition (in session order), test (before/after), clicks."""
    done = table.dropna(subset=["Clicks before", "Clicks after"])
    label = done["Position"].astype(str) + ". " + done["Condition"]
    return pd.concat(
        [
            pd.DataFrame({"condition": label, "test": "before", "clicks": done["Clicks before"].astype(int)}),
            pd.DataFrame({"condition": label, "test": "after", "clicks": done["Clicks after"].astype(int)}),
        ],
        ignore_index=True,
    )


def problems_table(error: CsvError) -> pd.DataFrame:
    """Every problem of a refused file, one row each."""
    return pd.DataFrame(
        {
            "Line": pd.array([p.line for p in error.problems], dtype="Int64"),
            "Column": pd.array([p.column for p in error.problems], dtype="Int64"),
            "Field": [p.field or "" for p in error.problems],
            "Problem": [p.message for p in error.problems],
        }
    )


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~:$=")


def md(text: object) -> str:
    """``text`` made safe to place inside Markdown: every formatting character backslash-escaped.

    Streamlit never renders raw HTML here, but Markdown in user text (links, images,
    colour directives, LaTeX) would still be interpreted; escaped, it shows as typed.
    """
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text)).replace("\n", " ")
