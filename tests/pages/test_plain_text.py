"""Issue 12, finding 3: text from a person or a file is shown as plain text on every page, never as Markdown.

One hostile session (imported from a CSV file, as an attacker would hand it over) is sent through every place
that shows such text: the History caption, its stop reason, the delete warning and the flash after deleting,
the Session summary's stop reason, the note, the upload's file name and the problems of a refused file.  Every
element that Streamlit renders as Markdown must be free of it; it must appear whole in a plain-text element.
"""

from core.data.csvio import import_csv, write_csv
from tests.core.data.test_import_validation import HEADER

HOSTILE = "![x](http://evil.example/x.png) [Verify your account](http://evil.example) :material/warning: $x^2$ <b>b</b>"
HOSTILE_ID = "id-:material/warning:-[v](http://evil.example/a)"
TRACES = ("evil.example", ":material/warning:", "$x^2$", "<b>", "Verify your account")


def hostile_csv() -> bytes:
    header = HEADER + ",session_status,stop_reason,session_notes"
    row = f"{HOSTILE_ID},2026-10-05,left,bodyweight_squat,1,calves,90,10,8,10,4,0,0,{HOSTILE},stopped,{HOSTILE},{HOSTILE}"
    return (header + "\n" + row + "\n").encode()


def markdown_shown(at) -> list[str]:
    """Everything on the page that Streamlit renders as Markdown: bodies, headings, alerts, labels."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(b.label) for b in at.button] + [str(t.label) for t in at.text_area]
    return out


def assert_plain(at, *expected: str) -> None:
    assert not at.exception, at.exception
    leaked = [t for t in markdown_shown(at) if any(trace in t for trace in TRACES)]
    assert not leaked, f"user text rendered as Markdown: {leaked}"
    texts = [t.value for t in at.text]
    for want in expected:
        assert any(want in t for t in texts), f"{want!r} is not shown as plain text: {texts}"


def test_hostile_text_is_plain_on_every_page_that_shows_it(app_test, store):
    import_csv(store, hostile_csv())
    assert store.has_session(HOSTILE_ID)

    at = app_test(page="history")  # the caption, the stop reason, the note (a widget value)
    at.selectbox(key="open").set_value(HOSTILE_ID).run()
    assert_plain(at, f"id {HOSTILE_ID}", f"Stopped: {HOSTILE}")
    assert at.text_area[0].value == HOSTILE
    next(b for b in at.button if b.label == "Delete this session").click().run()  # the delete warning
    assert_plain(at, HOSTILE_ID)
    at.button(key="confirm_delete_yes").click().run()  # the flash after it
    assert not store.has_session(HOSTILE_ID)
    assert_plain(at, HOSTILE_ID)

    import_csv(store, hostile_csv())
    name = f"{HOSTILE[:60]}.csv"  # the upload's own name, and a refused file's problems
    at.file_uploader[0].upload(name, hostile_csv().replace(b",left,", b",both,")).run()
    assert_plain(at, name)
    problems = at.container(key="problems").dataframe[0].value
    assert problems["Problem"].str.contains("unknown side 'both'").any()

    at = app_test(page="session", query={"session": HOSTILE_ID})  # the Session summary
    assert at.warning and "ended early" in at.warning[0].value
    assert_plain(at, HOSTILE)

    # the data-quality notes quote a session's id when another session has the same date
    import_csv(store, hostile_csv().replace(HOSTILE_ID.encode(), b"same-day"))
    at = app_test(page="results")
    assert any("data quality" in w.value for w in at.warning)
    assert_plain(at, f"The session of 2026-10-05 (id {HOSTILE_ID}) stopped early")
