"""core/history.py: the tables the History page shows, and Markdown-safe user text."""

from core.history import before_after, chart_data, md, session_label
from tests.test_csv_roundtrip import session


def test_markdown_in_user_text_is_escaped_character_by_character():
    text = "**bold** [x](javascript:alert(1)) ![i](http://e/i.png) :red[r] $x$ <b>"
    escaped = md(text)
    assert "**" not in escaped and "](" not in escaped and ":red[" not in escaped and "$x$" not in escaped
    assert escaped.replace("\\", "") == text, "nothing but the escapes is added"
    assert md("two\nlines") == "two lines"


def test_before_after_keeps_skipped_conditions_apart_from_zero(store):
    s = store.create_session(session())
    store.record_test(s.id, 10, 6)
    store.record_test(s.id, 10, 0, after_position=1)
    store.skip_trial(s.id, 2)
    store.record_test(s.id, 10, 2, after_position=3)
    table = before_after(store.get_session(s.id))
    assert table["Done"].tolist() == ["done", "skipped", "done", "not yet"]
    assert table["Clicks after"].tolist()[0] == 0 and table["Clicks after"].isna().tolist() == [False, True, False, True]
    assert table["Change"].tolist()[:1] == [-6] and table["Clicks before"].tolist()[2] == 0
    bars = chart_data(table)
    assert bars["condition"].unique().tolist() == ["1. Calves", "3. Quadriceps"]
    row = store.list_sessions().iloc[0]
    assert session_label(row).endswith(f"in progress · {s.id}")
