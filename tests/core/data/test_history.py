"""core/data/history.py and core/report/summary.py: the tables the History page shows, and what may reach a heading."""

from core.data.history import safe_date, safe_side, session_label
from core.report.summary import before_after_chart, summary_table
from tests.core.data.test_csv_roundtrip import session


def test_only_a_date_or_a_side_reaches_a_heading():
    for date in ("2026-10-05", "2026-10-05T08:30", "2026-10-05 08:30:00+02:00"):
        assert safe_date(date) == date
    for hostile in ("[Verify](http://evil)", "2026-10-05 :material/warning:", "$x^2$", "2026-10-05<b>", ""):
        assert safe_date(hostile) == "undated"
    assert (safe_side("left"), safe_side("right"), safe_side("**both**")) == ("left", "right", "unknown")


def test_before_after_keeps_skipped_conditions_apart_from_zero(store):
    s = store.create_session(session())
    store.record_test(s.id, 10, 6)
    store.record_test(s.id, 10, 0, after_position=1)
    store.skip_trial(s.id, 2)
    store.record_test(s.id, 10, 2, after_position=3)
    table = summary_table(store.get_session(s.id), details=True)
    assert table["Status"].tolist() == ["done", "skipped", "done", "planned"]
    assert table["After"].tolist()[0] == 0 and table["After"].isna().tolist() == [False, True, False, True]
    assert table["Change"].tolist()[:1] == [-6] and table["Before"].tolist()[2] == 0
    assert table["Reps"].tolist() == ["10 / 10", "", "10 / 10", ""]
    spec = before_after_chart(store.get_session(s.id)).to_dict()
    (data,) = spec["datasets"].values()
    assert sorted({d["label"] for d in data}) == ["1. Calves", "3. Quadriceps"], "a skipped one is not drawn as 0"
    row = store.list_sessions().iloc[0]
    assert session_label(row).endswith(f"in progress · {s.id}")
