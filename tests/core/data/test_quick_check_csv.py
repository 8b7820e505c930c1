"""Quick checks in the store and the CSV: one row each, export -> import -> export byte-identical (SQLite and
PostgreSQL), old files still read, and every misshapen quick-check row reported with its line and column."""

import pandas as pd
import pytest

from core.data.csvio import CsvError, export_csv, import_csv, read_csv, split_quick_checks
from core.data.store import new_session_id
from core.session import flow
from core.session.vocabulary import Movement, SafetyScreen, SessionKind, SessionStatus, Side
from tests.core.data.test_csv_roundtrip import fill


def quick_check(store, side=Side.LEFT, clicks=7, pain=1, reps=12, note=None, date=None):
    session = flow.new_quick_check(new_session_id(), side, Movement.STEP_DOWN, reps, SafetyScreen())
    if date:
        session.session_date = date
    session = store.create_session(session)
    store.record_test(session.id, reps, clicks, pain=pain)
    store.set_status(session.id, SessionStatus.FINISHED)
    if note:
        store.set_note(session.id, note)
    return session.id


def test_quick_checks_survive_export_import_export_byte_identical(new_db_url, open_store):
    first = open_store(new_db_url())
    full = fill(first)  # full sessions: chains, a skip, every status, nasty notes
    checks = [
        quick_check(first, clicks=7, date="2026-11-02"),
        quick_check(first, side=Side.RIGHT, clicks=0, pain=None, date="2026-11-02T07:15:00"),
        quick_check(first, clicks=3, note="=after the run, \"sore\"\nsecond line", date="2026-11-05"),
    ]
    exported = export_csv(first).encode("utf-8")
    rows = read_csv(exported)
    assert sorted(rows.loc[rows["session_kind"] == "quick_check", "session_id"]) == sorted(checks)
    assert set(rows.loc[rows["session_kind"] == "full", "session_id"]) == set(full)

    empty = open_store(new_db_url())
    report = import_csv(empty, exported)
    assert sorted(report.new_sessions) == sorted(full + checks)
    assert export_csv(empty).encode("utf-8") == exported
    for sid in checks:
        a, b = first.get_session(sid), empty.get_session(sid)
        assert b.kind is SessionKind.QUICK_CHECK and b.trials == []
        assert (b.baseline.reps, b.baseline.clicks, b.baseline.pain) == (a.baseline.reps, a.baseline.clicks, a.baseline.pain)
        assert (b.status, b.notes, b.side, b.movement, b.session_date) == (a.status, a.notes, a.side, a.movement, a.session_date)
    # importing the same file again adds nothing and finds no conflict
    again = import_csv(empty, exported)
    assert again.new_sessions == [] and sorted(again.already_stored) == sorted(full + checks)


def test_a_quick_check_row_has_its_test_and_no_condition(store):
    sid = quick_check(store, clicks=7, pain=1, reps=12, date="2026-11-02")
    header, row = export_csv(store).splitlines()
    cells = dict(zip(header.split(","), row.split(",")))
    assert cells == {
        "session_id": sid, "session_date": "2026-11-02", "side": "left", "movement": "step_down", "position": "",
        "muscle_group": "", "stretch_seconds": "", "reps_before": "12", "clicks_before": "7", "reps_after": "",
        "clicks_after": "", "pain_before": "1", "pain_after": "", "notes": "", "session_status": "finished",
        "stop_reason": "", "session_notes": "", "planned_order": "", "skipped_positions": "",
        "session_kind": "quick_check",
    }  # fmt: skip
    # the conditions alone, as the ranking and the planner read them, are unchanged by quick checks
    assert store.trials_frame().empty
    assert list(store.trials_frame(checks=True)["session_id"]) == [sid]


def test_an_unfinished_quick_check_and_a_full_session_with_only_a_baseline_have_no_row(store):
    open_check = store.create_session(flow.new_quick_check(new_session_id(), Side.LEFT, Movement.STEP_DOWN, 10, SafetyScreen()))
    baseline_only = fill(store)[0]
    assert open_check.id not in export_csv(store)
    assert baseline_only in export_csv(store)


def test_old_files_without_session_kind_read_as_full_sessions(store):
    old = (
        "session_id,session_date,side,movement,position,muscle_group,stretch_seconds,reps_before,clicks_before,"
        "reps_after,clicks_after\ns1,2026-09-01,left,bodyweight_squat,1,quadriceps,90,10,8,10,4\n"
    )
    frame = read_csv(old.encode())
    assert frame["position"].dtype == "int64" and "session_kind" not in frame.columns
    import_csv(store, old.encode())
    text = export_csv(store)
    assert text.splitlines()[1].endswith(",full")


def test_split_quick_checks_gives_plain_integer_conditions(store):
    fill(store)
    quick_check(store)
    frame = read_csv(export_csv(store).encode())
    assert frame["position"].dtype == "Int64"
    conditions, checks = split_quick_checks(frame)
    assert len(checks) == 1 and conditions["position"].dtype == "int64"
    assert (conditions["session_kind"] == "full").all()


HEADER = ("session_id,session_date,side,movement,position,muscle_group,stretch_seconds,reps_before,clicks_before,"
          "reps_after,clicks_after,pain_before,pain_after,notes,planned_order,session_kind")  # fmt: skip


def problems(*rows: str) -> list[str]:
    with pytest.raises(CsvError) as e:
        read_csv(("\n".join([HEADER, *rows]) + "\n").encode())
    return e.value.lines()


def test_misshapen_quick_check_rows_are_reported_with_line_and_column():
    assert problems("q1,2026-11-02,left,step_down,1,quadriceps,,10,5,,,0,,,,quick_check") == [
        "line 2, column 5 (position): a quick check has only its test (the _before columns), no condition: "
        "leave position empty, got '1'",
        "line 2, column 6 (muscle_group): a quick check has only its test (the _before columns), no condition: "
        "leave muscle_group empty, got 'quadriceps'",
    ]
    assert problems(
        "q1,2026-11-02,left,step_down,,,,10,5,,,0,,,,quick_check",
        "q1,2026-11-02,left,step_down,,,,10,4,,,0,,,,quick_check",
    ) == ["line 3, column 1 (session_id): quick check 'q1' has a row already (line 2): a quick check is one row, its test"]
    assert problems("q1,2026-11-02,left,step_down,,,,10,,,,0,,,,quick_check") == [
        "line 2, column 9 (clicks_before): expected a whole number, got ''"
    ]
    assert problems("q1,2026-11-02,left,step_down,1,quadriceps,90,10,5,10,4,0,0,,,quick") == [
        "line 2, column 16 (session_kind): unknown session kind 'quick'; use one of: full, quick_check"
    ]
    # a session cannot be both
    assert problems(
        "s1,2026-11-02,left,step_down,1,quadriceps,90,10,5,10,4,0,0,,,full",
        "s1,2026-11-02,left,step_down,,,,10,5,,,0,,,,quick_check",
    ) == ["line 3, column 16 (session_kind): 'quick_check' differs from 'full' on line 2 of the same session"]


def test_a_full_session_stopped_at_a_click_free_baseline_counts_in_the_trend_but_not_in_the_csv(store):
    """No clicks at baseline ends a full session with nothing to compare; for the trend it is the best news."""
    from core.analysis.trend import trend_points
    from tests.core.data.test_csv_roundtrip import session as full_session

    quick_check(store, side=Side.RIGHT, clicks=6, date="2026-11-02")
    stopped = store.create_session(full_session(date="2026-11-05"))
    store.record_test(stopped.id, 10, 0)
    store.set_status(stopped.id, SessionStatus.STOPPED, "No clicks in the baseline test")
    never_tested = store.create_session(full_session(date="2026-11-06"))  # set up, no test yet: no point

    frame = store.trials_frame(checks=True, baselines=True)
    row = frame.set_index("session_id").loc[stopped.id]
    assert (row["session_kind"], row["reps_before"], row["clicks_before"]) == ("full", 10, 0)
    assert pd.isna(row["position"]) and never_tested.id not in set(frame["session_id"])
    points = trend_points(frame, "right")
    assert points["clicks"].tolist() == [6, 0] and points["kind"].tolist() == ["quick_check", "full"]

    assert stopped.id not in set(store.trials_frame(checks=True)["session_id"]), "a CSV row is a condition or a check"
    assert stopped.id not in export_csv(store)
    with pytest.raises(ValueError):
        store.trials_frame(baselines=True)
