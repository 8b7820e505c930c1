"""Export, import into an empty store, export again: the same bytes, on SQLite and PostgreSQL."""

import io

import pandas as pd
import pytest

from core.data.csvio import EXPORT_COLUMNS, escape_formulas, export_csv, import_csv, read_csv, unescape_formulas, write_csv
from core.session.vocabulary import Movement, MuscleGroup, Session, SessionStatus, Side, Trial
from core.data.store import CSV_COLUMNS, new_session_id

#: Text that breaks naive CSV code or runs in a spreadsheet.
NASTY = [
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "windows\r\nline end",
    "lone\rreturn",
    "Knie knackt – Ünïcödé 膝 😀",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1 better",
    "-3 clicks",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a return",
    "'=already protected by hand",
    "''+two apostrophes",
    "'tis just an apostrophe",
    " leading and trailing spaces ",
    '""',
    "trailing comma,",
]


def session(order=("calves", "rest_control", "quadriceps", "hamstrings"), date="2026-11-02") -> Session:
    return Session(
        id=new_session_id(),
        side=Side.RIGHT,
        movement=Movement.STEP_DOWN,
        session_date=date,
        planned_order=[MuscleGroup(g) for g in order],
        trials=[Trial(position=i, muscle_group=MuscleGroup(g), stretch_seconds=60) for i, g in enumerate(order, 1)],
    )


def fill(store) -> list[str]:
    """Sessions as the app makes them: chains, a skipped condition, pain, every status, nasty notes."""
    ids = []
    finished = store.create_session(session(date="2026-11-01T08:30:00"))
    store.record_test(finished.id, 10, 9, pain=0)
    store.record_test(finished.id, 10, 4, pain=1, after_position=1)
    store.skip_trial(finished.id, 2)
    store.record_test(finished.id, 10, 8, pain=0, after_position=3)
    store.record_test(finished.id, 10, 0, pain=None, after_position=4)
    store.set_status(finished.id, SessionStatus.FINISHED)
    store.set_note(finished.id, "all of them:\n" + "\n".join(n.strip("\r\n\t ") for n in NASTY))
    ids.append(finished.id)
    stopped = store.create_session(session(order=("hip_flexors", "rest_control"), date="2026-11-03"))
    store.record_test(stopped.id, 8, 12)
    store.record_test(stopped.id, 8, 11, after_position=1)
    store.set_status(stopped.id, SessionStatus.STOPPED, "pain 6, \"sharp\" = stop")
    ids.append(stopped.id)
    open_one = store.create_session(session(date="2026-11-04"))
    store.record_test(open_one.id, 10, 5)
    store.record_test(open_one.id, 10, 5, after_position=1)
    store.set_note(open_one.id, "=cmd|' /C calc'!A0")
    ids.append(open_one.id)
    return ids


def nasty_file() -> bytes:
    """One session per nasty text, written as trial notes through the CSV writer itself."""
    rows = []
    for i, note in enumerate(NASTY):
        rows.append(
            dict(
                session_id=f"imp-{i:02d}", session_date="2026-10-0" + str(1 + i % 9), side="left",
                movement="bodyweight_squat", position=1, muscle_group="quadriceps", stretch_seconds=90,
                reps_before=10, clicks_before=7, reps_after=10, clicks_after=3, pain_before=0, pain_after=None,
                notes=note, session_notes=note, stop_reason=None, session_status="finished",
                planned_order="quadriceps", skipped_positions="",
            )  # fmt: skip
        )
    frame = pd.DataFrame(rows)
    frame["pain_after"] = frame["pain_after"].astype("Int64")
    return write_csv(frame).encode("utf-8")


def test_export_import_export_is_byte_identical(new_db_url, open_store):
    first = open_store(new_db_url())
    fill(first)
    report = import_csv(first, nasty_file())
    assert len(report.new_sessions) == len(NASTY)
    exported = export_csv(first).encode("utf-8")

    empty = open_store(new_db_url())
    assert empty.list_sessions().empty
    report = import_csv(empty, exported)
    assert len(report.new_sessions) == len(NASTY) + 3
    again = export_csv(empty).encode("utf-8")
    assert again == exported

    # and the text came through unchanged, not just consistently
    back = read_csv(exported)
    notes = back.set_index("session_id")["notes"]
    assert [notes[f"imp-{i:02d}"] for i in range(len(NASTY))] == NASTY
    listing = empty.list_sessions().set_index("id")
    assert listing.loc["imp-06", "notes"] == NASTY[6]


def test_status_skips_and_session_notes_survive_the_round_trip(new_db_url, open_store):
    first = open_store(new_db_url())
    finished, stopped, open_one = fill(first)
    second = open_store(new_db_url())
    import_csv(second, export_csv(first).encode())
    for sid in (finished, stopped, open_one):
        a, b = first.get_session(sid), second.get_session(sid)
        assert (b.status, b.stop_reason, b.notes) == (a.status, a.stop_reason, a.notes)
        assert [(t.position, t.muscle_group, t.status) for t in b.trials] == [
            (t.position, t.muscle_group, t.status) for t in a.trials
        ]
    assert second.get_session(finished).trial(2).status.value == "skipped"
    assert second.get_session(open_one).next_trial.position == 2  # an in-progress session keeps its plan


def test_export_writes_the_contract_columns_first_and_protects_formulas(store):
    fill(store)
    text = export_csv(store)
    header = text.split("\n", 1)[0].split(",")
    assert tuple(header) == EXPORT_COLUMNS
    assert tuple(header[: len(CSV_COLUMNS)]) == CSV_COLUMNS
    assert "\n" in text and "\r\n" not in text.split("\n", 1)[0]
    # the stored note "=cmd|..." starts its cell with an apostrophe; no cell starts with a formula character
    import csv

    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell[:1] in ("=", "+", "@", "\t", "\r"), cell
            assert not (cell.startswith("-") and not cell.lstrip("-").isdigit()), cell
    assert "'=cmd|' /C calc'!A0" in text


@pytest.mark.parametrize("text", NASTY + ["", "'", "''", "-", "=", "a=b", "'a"])
def test_formula_escaping_is_reversible(text):
    escaped = escape_formulas(pd.Series([text]))[0]
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert unescape_formulas(pd.Series([escaped]))[0] == text


def test_real_world_files_are_accepted(store):
    """A UTF-8 BOM, CRLF line ends, every field quoted, columns reordered, unknown extra columns."""
    text = (
        '"temperature","clicks_after","session_id","session_date","side","movement","position","muscle_group",'
        '"stretch_seconds","reps_before","clicks_before","reps_after","notes","my own column"\r\n'
        '"21","4","s1","2026-09-01","left","bodyweight_squat","1","quadriceps","90","10","8","10","ok, fine","x"\r\n'
        '"22","5","s1","2026-09-01","left","bodyweight_squat","2","rest_control","90","10","4","10","","y"\r\n'
    )
    report = import_csv(store, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert report.new_sessions == ["s1"] and report.rows == 2
    frame = store.trials_frame()
    assert frame[["position", "clicks_before", "clicks_after"]].values.tolist() == [[1, 8, 4], [2, 4, 5]]
    assert frame["notes"].tolist()[0] == "ok, fine"
    s = store.get_session("s1")
    assert len(s.measurements) == 3  # the chain shares the middle test


def test_reimporting_the_same_file_adds_nothing(new_db_url, open_store):
    source = open_store(new_db_url())
    fill(source)
    data = export_csv(source).encode()
    target = open_store(new_db_url())
    first = import_csv(target, data)
    before = export_csv(target)
    second = import_csv(target, data)
    assert second.new_sessions == [] and sorted(second.already_stored) == sorted(first.new_sessions)
    assert export_csv(target) == before
    assert len(target.list_sessions()) == 3
