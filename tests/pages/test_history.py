"""The History page through AppTest: list, open, resume, note, delete, export and import."""

import json

import pytest

from core.data.csvio import export_csv, import_csv, write_csv
from core.session.vocabulary import SessionStatus
from core.data.sample import SAMPLE_CSV
from core.report.summary import markdown_table, phone_table, summary_table
from tests.helpers import markdown_rows
from tests.core.data.test_csv_roundtrip import session

NOTE = "<script>alert(1)</script> **bold** [link](javascript:alert(1)) ![img](http://x/y.png) :red[red] $x^2$"


def page_text(at) -> list[str]:
    """Everything the page rendered as Markdown (where a note must never end up unescaped)."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


@pytest.fixture
def stocked(store):
    import_csv(store, SAMPLE_CSV)
    open_one = store.create_session(session(date="2026-12-01"))
    store.record_test(open_one.id, 10, 6)
    store.record_test(open_one.id, 10, 3, after_position=1)
    store.skip_trial(open_one.id, 2)
    return store, open_one.id


def test_sessions_are_listed_newest_first_with_their_status(app_test, stocked):
    store, open_id = stocked
    at = app_test(page="history")
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Date"].tolist() == sorted(table["Date"].tolist(), reverse=True)
    first = table.iloc[0]
    assert (first["Id"], first["Status"], first["Conditions done"]) == (open_id, "in progress", "1 of 4")
    assert set(table["Status"]) == {"in progress", "finished", "stopped"}
    stopped = table[table["Status"] == "stopped"]
    assert stopped["Id"].tolist() == ["example-05"] and stopped["Conditions done"].tolist() == ["3"], (
        "a stopped session never reads as complete ('3 of 3')")


def test_on_a_phone_the_first_columns_tell_two_sessions_of_one_day_apart(app_test, store):
    import re

    first = store.create_session(session(date="2026-12-01"))
    store.record_test(first.id, 10, 6)
    second = store.create_session(session(date="2026-12-01"))
    at = app_test(page="history")
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["Date", "Status"], "what a 390 px screen shows without scrolling the table"
    rows = table.set_index("Id").loc[[first.id, second.id]]
    assert all(re.fullmatch(r"2026-12-01 \d\d:\d\d", d) for d in rows["Date"]), rows["Date"].tolist()
    assert rows["Status"].tolist() == ["in progress", "in progress"]


def test_opening_a_session_shows_its_before_and_after_and_a_resume_link(app_test, stocked):
    store, open_id = stocked
    at = app_test(page="history")
    at.selectbox(key="open").set_value(open_id).run()
    assert not at.exception
    rows = markdown_rows(at.container(key="before_after").markdown[0].value)
    assert [(r["Before"], r["After"], r["Change"]) for r in rows][:2] == [("6", "3", "\u22123"), ("skipped", "skipped", "")]
    assert [r["After"] for r in rows][2:] == ["planned", "planned"], "conditions still to come are not counted as zero"
    assert rows == markdown_rows(markdown_table(phone_table(summary_table(store.get_session(open_id))).set_index(
        "Condition"))), "the same summary as the Session page's"  # fmt: skip
    link = at.page_link[-1]
    assert link.value == "Resume this session"
    assert link.proto.page == "session" and f"session={open_id}" in link.proto.query_string
    (chart,) = at.get("vega_lite_chart")
    title = json.loads(chart.proto.spec)["title"]  # a long title comes as lines, to fit a phone
    assert " ".join(title) == "Clicks before and after each condition", "the Session page's chart"

    at.selectbox(key="open").set_value("example-02").run()
    assert not [p for p in at.page_link if p.value == "Resume this session"], "a finished session is not resumed"


def test_a_test_recorded_meanwhile_shows_on_the_next_rerun(app_test, stocked):
    """The list and the open session are cached per store revision: a test recorded elsewhere rebuilds both."""
    store, open_id = stocked
    at = app_test(page="history")
    at.selectbox(key="open").set_value(open_id).run()
    assert at.dataframe[0].value.iloc[0]["Conditions done"] == "1 of 4"
    store.record_test(open_id, 10, 5, after_position=3)  # as another tab or process would
    at.run()
    assert not at.exception
    assert at.dataframe[0].value.iloc[0]["Conditions done"] == "2 of 4"
    rows = markdown_rows(at.container(key="before_after").markdown[0].value)
    assert [r["After"] for r in rows] == ["3", "skipped", "5", "planned"]


def test_a_note_is_saved_and_never_rendered_as_markup(app_test, stocked):
    store, _ = stocked
    at = app_test(page="history")
    at.selectbox(key="open").set_value("example-01").run()
    at.text_area[0].set_value(NOTE)
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert store.get_session("example-01").notes == NOTE
    assert at.text_area[0].value == NOTE
    assert not [t for t in page_text(at) if "script" in t or "javascript" in t], "the note appears only as plain text"
    at.text_area[0].set_value("edited")
    at.form_submit_button[0].click().run()
    assert store.get_session("example-01").notes == "edited"


def test_delete_asks_first_naming_the_session(app_test, stocked):
    store, open_id = stocked
    at = app_test(page="history")
    at.selectbox(key="open").set_value("example-02").run()
    delete = next(b for b in at.button if b.label == "Delete this session")
    delete.click().run()
    assert store.has_session("example-02"), "nothing is deleted before the confirmation"
    assert "cannot be undone" in at.warning[0].value
    assert "2026-10-09, left leg, id example-02" in [t.value for t in at.text], "named, as plain text"
    at.button(key="confirm_delete_no").click().run()
    assert store.has_session("example-02") and not at.warning

    next(b for b in at.button if b.label == "Delete this session").click().run()
    at.button(key="confirm_delete_yes").click().run()
    assert not at.exception
    assert not store.has_session("example-02")
    assert any("Deleted the session" in s.value for s in at.success)
    assert "2026-10-09, left leg, id example-02" in [t.value for t in at.text]
    assert "example-02" not in at.dataframe[0].value["Id"].tolist()
    assert len(store.list_sessions()) == 7, "only that one session is gone (8 before)"


def test_import_shows_the_check_then_imports_on_request(app_test, store):
    at = app_test(page="history")
    at.file_uploader[0].upload("mine.csv", SAMPLE_CSV.read_bytes()).run()
    assert not at.exception
    assert any("would import 7 sessions" in i.value for i in at.info)
    assert store.list_sessions().empty, "checking imports nothing"
    at.button(key="import").click().run()
    assert not at.exception
    assert len(store.list_sessions()) == 7
    assert any("imported 7 sessions" in s.value for s in at.success)
    assert len(at.dataframe[0].value) == 7
    assert not at.file_uploader[0].value, "the uploader is cleared after the import"


def test_a_bad_upload_lists_every_problem_and_imports_nothing(app_test, stocked):
    store, _ = stocked
    before = export_csv(store)
    bad = SAMPLE_CSV.read_text().replace("example-", "new-").replace(",quadriceps,", ",glutes,")
    bad = bad.replace("2026-10-09", "09.10.2026")
    at = app_test(page="history")
    at.file_uploader[0].upload("bad.csv", bad.encode()).run()
    assert not at.exception
    assert at.error and "nothing was imported" in at.error[0].value
    problems = at.container(key="problems").dataframe[0].value
    assert {"Line", "Column", "Field", "Problem"} <= set(problems.columns)
    assert (problems["Field"] == "muscle_group").sum() == 7 and (problems["Field"] == "session_date").sum() == 5
    assert problems["Line"].notna().all() and problems["Column"].notna().all()
    assert not [b for b in at.button if b.key == "import"]
    assert export_csv(store) == before


def test_a_conflicting_upload_is_reported_not_merged(app_test, stocked):
    store, _ = stocked
    changed = SAMPLE_CSV.read_text().replace("example-01,2026-10-05,left,bodyweight_squat,1,quadriceps,90,10,10,10,6",
                                             "example-01,2026-10-05,left,bodyweight_squat,1,quadriceps,90,10,10,10,2")
    before = export_csv(store)
    at = app_test(page="history")
    at.file_uploader[0].upload("changed.csv", changed.encode()).run()
    problems = at.container(key="problems").dataframe[0].value
    assert problems["Problem"].str.contains("already in the store with different data").tolist() == [True]
    assert export_csv(store) == before


def test_the_example_data_can_be_opened_and_exported_but_not_changed(app_test, store):
    at = app_test(page="history")
    at.toggle(key="example").set_value(True).run()
    at.selectbox(key="open").set_value("example-01").run()
    assert not at.exception
    assert at.text_area[0].disabled
    assert next(b for b in at.button if b.label == "Delete this session").disabled
    assert not at.file_uploader, "no import into the example"
    assert [b.label for b in at.get("download_button")] == [
        "Download this session (CSV)", "Report for your physiotherapist (PDF)", "Download all sessions (CSV)"]
    assert store.list_sessions().empty


def test_a_locked_store_during_an_import_is_a_message(app_test, db_url, store, monkeypatch):
    import sqlite3

    import core.data.schema

    monkeypatch.setattr(core.data.schema, "SQLITE_BUSY_TIMEOUT_MS", 300)
    at = app_test(page="history")
    at.file_uploader[0].upload("mine.csv", SAMPLE_CSV.read_bytes()).run()
    blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        at.button(key="import").click().run()
    finally:
        blocker.rollback()
        blocker.close()
    assert not at.exception
    assert any("Nothing was imported" in e.value for e in at.error) and any("locked" in t.value for t in at.text)
    assert store.list_sessions().empty


def test_a_file_in_the_uploader_is_checked_once_not_on_every_rerun(app_test, stocked, monkeypatch):
    """Issue 12, finding 5: a file left in the uploader used to be checked again on every rerun."""
    import ui.views

    calls = []
    real = ui.views.import_csv

    def counted(*args, **kwargs):
        calls.append(kwargs.get("dry_run"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ui.views, "import_csv", counted)
    store, open_id = stocked
    at = app_test(page="history")
    at.file_uploader[0].upload("mine.csv", SAMPLE_CSV.read_bytes().replace(b"example-", b"new-")).run()
    assert any("would import 7 sessions" in i.value for i in at.info)
    at.selectbox(key="open").set_value(open_id).run()  # reruns while the file sits in the uploader
    at.selectbox(key="open").set_value("example-02").run()
    assert not at.exception and calls == [True], "checked once"
    store.record_test(open_id, 10, 5, after_position=3)  # the store changed: the check may differ now
    at.run()
    assert calls == [True, True]


def test_a_note_into_a_deleted_store_file_says_so_and_never_saved(app_test, stocked, db_url):
    """Issue 12, finding 2: the store file deleted while the app runs; the note is refused, never "saved"."""
    from pathlib import Path

    at = app_test(page="history")
    at.selectbox(key="open").set_value("example-01").run()
    Path(db_url.removeprefix("sqlite:///")).unlink()
    at.text_area[0].set_value("lost?")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert not any("saved" in s.value.lower() for s in at.success)
    assert any("was deleted while kneeclick was running" in t.value and "not saved" in t.value for t in at.text)


def test_a_quick_check_is_listed_as_one_not_as_zero_of_zero_conditions(app_test, store):
    from core.data.store import new_session_id
    from core.session import flow
    from core.session.vocabulary import Movement, SafetyScreen, Side

    full = store.create_session(session(date="2026-12-01"))
    check = flow.new_quick_check(new_session_id(), Side.LEFT, Movement.BODYWEIGHT_SQUAT, 10, SafetyScreen())
    check.session_date = "2026-12-02"
    check = store.create_session(check)
    store.record_test(check.id, 10, 3)
    store.set_status(check.id, SessionStatus.FINISHED)
    at = app_test(page="history")
    rows = at.dataframe[0].value.set_index("Id")
    assert rows.loc[check.id, "Conditions done"] == "quick check"
    assert rows.loc[full.id, "Conditions done"] == "0 of 4", "a full session keeps its count"
    at.selectbox(key="open").set_value(check.id).run()
    assert not at.exception
    lines = [t.value for t in at.text] + [m.value for m in at.markdown]
    assert any(f"finished · quick check · id {check.id}" in line for line in lines), lines
    assert "Quick check: 3 clicks in 10 reps." in lines
    assert not any("0 of 0" in line for line in lines)


def test_an_opened_session_fits_a_phone_with_its_notes_and_odd_reps_as_plain_text(app_test, store):
    """The counts are the Session page's narrow table; what the wide grid's Reps and Note columns held comes
    as lines of plain text below it, so nothing scrolls sideways and a note is never Markdown."""
    from dataclasses import replace

    s = session()
    s = replace(s, trials=[replace(s.trials[0], notes=NOTE), *s.trials[1:]])
    s = store.create_session(s)
    planned = s.reps_per_test
    store.record_test(s.id, planned, 6)
    store.record_test(s.id, planned + 2, 3, after_position=1)
    at = app_test(page="history")
    at.selectbox(key="open").set_value(s.id).run()
    assert not at.exception
    rows = markdown_rows(at.container(key="before_after").markdown[0].value)
    assert list(rows[0]) == ["Condition", "Before", "After", "Change", "Pain"], "five narrow columns, no note"
    lines = [t.value for t in at.container(key="details").text]
    assert lines == [f"1. Calves: {planned} reps before, {planned + 2} reps after (planned {planned})",
                     f"1. Calves, note: {NOTE}"]  # fmt: skip
    assert not [t for t in page_text(at) if "script" in t or "javascript" in t], "the note appears only as plain text"
    assert any("different number of reps" in c.value for c in at.caption)
