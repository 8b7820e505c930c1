"""One session's before/after, as a small table and an Altair chart (no Streamlit here).

The one per-session summary: the Session page shows it when a session ends, the History page when one is
opened (with two more columns, ``details=True``; on a phone those are ``detail_lines`` below the table).  One session cannot separate a stretch's effect from
noise: these show what was counted, in the order it happened, with the rest control beside the stretches.
The Results page does the comparison across sessions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.session.flow import trial_state
from core.session.vocabulary import Session

TABLE_COLUMNS = ("Order", "Condition", "Status", "Before", "After", "Change", "Pain after")
#: What ``summary_table(..., details=True)`` adds: the reps of the two tests, and the condition's note.
DETAIL_COLUMNS = ("Reps", "Note")


def conditions_frame(session: Session) -> pd.DataFrame:
    """One row per planned condition, in order: what was counted just before and right after it.

    Skipped conditions and conditions the session never reached have no counts (never zero).
    """
    rows = []
    for t in sorted(session.trials, key=lambda t: t.position):
        before = session.measurements.get(t.before_seq) if t.before_seq is not None else None
        after = session.measurements.get(t.after_seq) if t.after_seq is not None else None
        rows.append(
            {
                "position": t.position,
                "condition": t.muscle_group.label,
                "muscle_group": t.muscle_group.value,
                "is_control": t.muscle_group.is_control,
                "status": trial_state(session, t),
                "reps_before": before.reps if before else None,
                "clicks_before": before.clicks if before else None,
                "reps_after": after.reps if after else None,
                "clicks_after": after.clicks if after else None,
                "pain_after": after.pain if after else None,
                "notes": t.notes or "",
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "position", "condition", "muscle_group", "is_control", "status",
            "reps_before", "clicks_before", "reps_after", "clicks_after", "pain_after", "notes",
        ],
    )  # fmt: skip
    for col in ("reps_before", "clicks_before", "reps_after", "clicks_after", "pain_after"):
        frame[col] = frame[col].astype("Int64")
    frame["change"] = frame["clicks_after"] - frame["clicks_before"]
    return frame


def summary_table(session: Session, *, details: bool = False) -> pd.DataFrame:
    """The small table of one session: one row per condition, counts as clicks in the test's reps.

    ``details``: also the reps of the test before and after ("10 / 10") and the condition's note.
    """
    f = conditions_frame(session)
    columns = {
        "Order": f["position"].astype("int64"),
        "Condition": f["condition"],
        "Status": f["status"],
        "Before": f["clicks_before"],
        "After": f["clicks_after"],
        "Change": f["change"],
        "Pain after": f["pain_after"],
    }
    if details:
        columns["Reps"] = [
            "" if pd.isna(b) or pd.isna(a) else f"{b} / {a}" for b, a in zip(f["reps_before"], f["reps_after"])
        ]
        columns["Note"] = f["notes"]
    return pd.DataFrame(columns, columns=list(TABLE_COLUMNS) + (list(DETAIL_COLUMNS) if details else []))


def phone_table(table: pd.DataFrame) -> pd.DataFrame:
    """``summary_table``'s rows narrow enough for a phone: one line per condition, its order in its name, and a
    condition that was not done saying so ("skipped", "not done") where its counts would be, never "None"."""
    done = table["Status"] == "done"
    said = table["Status"].where(~done, "")

    def count(column: str) -> list[str]:
        return [str(int(v)) if ok and pd.notna(v) else (word or "not done") for v, ok, word in zip(table[column], done, said)]

    return pd.DataFrame({
        # a no-break space after "1.": the table's cells are Markdown, where "1. " would start a list
        "Condition": [f"{o}.\u00a0{c}" for o, c in zip(table["Order"], table["Condition"])],
        "Before": count("Before"),
        "After": count("After"),
        # a true minus sign (a hyphen reads as a dash, and a screen reader says "minus" only for this one)
        "Change": [f"{int(v):+d}".replace("-", "\u2212") if ok and pd.notna(v) else ""
                   for v, ok in zip(table["Change"], done)],
        "Pain": [str(int(v)) if ok and pd.notna(v) else "" for v, ok in zip(table["Pain after"], done)],
    })  # fmt: skip


def markdown_table(table: pd.DataFrame) -> str:
    """``table`` (its index the first column) as one Markdown table, the counts aligned right.

    Only for kneeclick's own words and numbers (condition names, counts): a person's text (a note) never goes
    in a cell, since the cells are Markdown."""

    def line(cells) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    head = [table.index.name or "", *table.columns]
    return "\n".join([
        line(head),
        "|:---|" + "---:|" * len(table.columns),
        *(line([i, *row]) for i, row in zip(table.index, table.itertuples(index=False))),
    ])  # fmt: skip


def detail_lines(session: Session) -> list[str]:
    """What ``summary_table(..., details=True)`` adds, as lines of plain text that wrap on a phone: a test done
    with other than the planned reps ("2. Quadriceps: 10 reps before, 12 after"), and each condition's note.

    A note is a person's text: the lines are for ``st.text``, never Markdown."""
    f = conditions_frame(session)
    planned = session.reps_per_test
    lines = []
    for row in f.itertuples(index=False):
        name = f"{row.position}. {row.condition}"
        before, after = row.reps_before, row.reps_after
        if any(pd.notna(r) and r != planned for r in (before, after)):
            said = [f"{int(r)} reps {when}" for r, when in ((before, "before"), (after, "after")) if pd.notna(r)]
            lines.append(f"{name}: {', '.join(said)} (planned {planned})")
    for row in f.itertuples(index=False):
        if row.notes:
            lines.append(f"{row.position}. {row.condition}, note: {row.notes}")
    return lines


def reps_differ(session: Session) -> bool:
    """Whether any test was done with other than the planned reps (then raw counts are not comparable)."""
    return any(m.reps != session.reps_per_test for m in session.measurements.values())


def before_after_chart(session: Session) -> alt.Chart | None:
    """Clicks before and after each done condition, in the order run; None when no condition was done.

    A line joins each condition's before and after; the rest control is drawn dashed, so a stretch's drop
    can be read against the drop from resting alone.
    """
    f = conditions_frame(session)
    done = f[f["status"] == "done"]
    if done.empty:
        return None
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "label": done["position"].astype(str) + ". " + done["condition"],
                    "order": done["position"].astype(int),
                    "kind": done["is_control"].map({True: "Rest control", False: "Stretch"}),
                    "when": when,
                    "clicks": done[col].astype(int),
                    "reps": done[reps].astype(int),
                }
            )
            for when, col, reps in (("Before", "clicks_before", "reps_before"), ("After", "clicks_after", "reps_after"))
        ],
        ignore_index=True,
    )
    labels = sorted(long["label"].unique(), key=lambda s: int(s.split(".")[0]))
    # One row per condition, its name at the left: on a phone, names side by side overlapped (Vega dropped some)
    # and, tilted, squeezed the plot to a sliver; rows fit any number of conditions at any width.
    y = alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=150, labelPadding=6))
    x = alt.X("clicks:Q", title="Clicks in the test", scale=alt.Scale(zero=True), axis=alt.Axis(tickMinStep=1))
    tooltip = [
        alt.Tooltip("label:N", title="Condition"),
        alt.Tooltip("when:N", title="Test"),
        alt.Tooltip("clicks:Q", title="Clicks"),
        alt.Tooltip("reps:Q", title="Reps"),
    ]
    rule = (
        alt.Chart(long)
        .mark_line(strokeWidth=2, color="#8a9a94")
        .encode(
            x=x,
            y=y,
            detail="label:N",
            strokeDash=alt.StrokeDash(
                "kind:N",
                scale=alt.Scale(domain=["Stretch", "Rest control"], range=[[1, 0], [4, 3]]),
                # no legend of its own: the rest control's row is named, and a second legend beside Before /
                # After ran past a phone's screen
                legend=None,
            ),
        )
    )
    points = (
        alt.Chart(long)
        .mark_point(filled=True, size=110)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "when:N",
                scale=alt.Scale(domain=["Before", "After"], range=["#b8c4bf", "#2f6f5e"]),
                legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
            ),
            shape=alt.Shape("when:N", scale=alt.Scale(domain=["Before", "After"], range=["circle", "diamond"]), legend=None),
            tooltip=tooltip,
        )
    )
    # the height is the whole chart's on the page: on a phone the title (two lines), the axis and the legend take
    # about 170 px, and a row needs about 30 for its name (shorter, and Vega drops names that would overlap)
    return (rule + points).properties(height=170 + 30 * len(labels), title="Clicks before and after each condition")
