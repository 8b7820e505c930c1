"""What the History page shows, as plain tables (no Streamlit here)."""

from __future__ import annotations

import re

import pandas as pd

from core.data.csvio import CsvError
from core.session.vocabulary import Movement, SessionKind, SessionStatus, Side

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


def session_label(row) -> str:
    """One line naming a session: date, leg, movement, status and its id."""
    return (
        f"{row['session_date']} · {row['side']} leg · {_movement(row['movement'])} · "
        f"{STATUS_LABELS.get(row['status'], row['status'])} · {row['id']}"
    )


def _when(date, started) -> str:
    """``2026-10-23 18:05``: the session's date and its start in this computer's time (the date alone if unknown)."""
    if started is None or pd.isna(started):
        return str(date)
    t = pd.Timestamp(started)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return f"{date} {t.to_pydatetime().astimezone():%H:%M}"


def conditions_done(row) -> str:
    """``3 of 5``; a quick check (one test, no stretch) says so instead of "0 of 0"; a stopped session whose
    planned conditions are all done says only ``3``: "3 of 3" would read as complete, and an imported stopped
    session only knows the conditions it reached (Results calls it stopped early too)."""
    if row.get("kind") == SessionKind.QUICK_CHECK.value:
        return "quick check"
    done, planned = row["conditions_done"], row["conditions_planned"]
    if row.get("status") == "stopped" and done == planned:
        return f"{done}"
    return f"{done} of {planned}"


def conditions_line(row) -> str:
    """``3 of 5 conditions done`` for the opened session's heading line, or ``quick check``."""
    done = conditions_done(row)
    return done if row.get("kind") == SessionKind.QUICK_CHECK.value else f"{done} conditions done"


def sessions_table(listing: pd.DataFrame) -> pd.DataFrame:
    """The list of sessions for display, newest first (as ``Store.list_sessions`` orders them)."""
    return pd.DataFrame(
        {
            # Date with the time it started, then status: on a phone the first two columns are what shows,
            # and they tell two sessions of one day apart.
            "Date": [_when(d, t) for d, t in zip(listing["session_date"], listing["started_at"])],
            "Status": listing["status"].map(lambda s: STATUS_LABELS.get(s, s)),
            "Leg": listing["side"],
            "Conditions done": [conditions_done(row) for row in listing.to_dict("records")],
            "Movement": listing["movement"].map(_movement),
            "Note": listing["notes"].fillna("").map(lambda n: n.splitlines()[0][:80] if n else ""),
            "Id": listing["id"],
        }
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


_SAFE_DATE = re.compile(r"[0-9][0-9T:.+\- ]{0,31}")


def safe_date(value: object) -> str:
    """A session date for a heading: an ISO 8601 date or date-time as stored (checked on import), else
    "undated".  Headings are Markdown, so only digits and ISO separators may reach one."""
    text = str(value)
    return text if _SAFE_DATE.fullmatch(text) else "undated"


def safe_side(value: object) -> str:
    """``left`` or ``right`` (anything else, which the store never holds, as "unknown")."""
    return str(value) if str(value) in {s.value for s in Side} else "unknown"
