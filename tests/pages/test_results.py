"""The Results page through AppTest: ranking first, every chart, one sentence per group, per leg."""

import json

import numpy as np
import pandas as pd

from core.analysis.planner import with_sessions_to_settle
from core.analysis.ranking import analyze
from core.data.csvio import import_csv, import_frame, read_csv
from core.session.protocol import STRETCHES
from core.session.vocabulary import MuscleGroup, Side
from core.data.sample import SAMPLE_CSV
from core.analysis.simulate import Person, simulate_sessions
from core.report.trend_chart import TITLE as TREND_TITLE
from tests.core.data.test_csv_roundtrip import session

CHART_KEYS = ("ranking", "ptop", "before-after", "over-time")


def _charts(at):
    """The ranking's charts, without "Is it working?"'s (tests/pages/test_quick_check.py)."""
    return [c for c in at.get("vega_lite_chart") if json.loads(c.proto.spec).get("title") != TREND_TITLE]


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_results_on_the_example_data_show_ranking_charts_and_sentences(app_test):
    at = app_test(page="results", query={"example": "true"})
    assert not at.exception
    charts = _charts(at)
    assert len(charts) == len(CHART_KEYS)
    titles = [json.loads(c.proto.spec).get("title", "") for c in charts]
    titles = [" ".join(t) if isinstance(t, list) else t for t in titles]  # long titles come as lines (phone)
    assert "Which stretch cut the clicking" in str(titles[0]), "the ranking picture comes first"
    assert [str(t) for t in titles[1:]] == [
        "How sure is the ranking", "Before and after, every session", "Click rate across sessions (gray: baseline)"
    ]
    text = _markdown(at)
    (leg,) = analyze(read_csv(SAMPLE_CSV))
    leg = with_sessions_to_settle(leg, read_csv(SAMPLE_CSV))  # "about N more sessions" as the planner sees it
    # the ranking comes first: the summary, then the forest plot, then one sentence per group in ranking order
    assert leg.summary in text
    positions = [text.index(f"After stretching your {r.label.lower()} ") for r in leg.ranking]
    assert positions == sorted(positions)
    assert "than after resting" in text
    # what to do next names the strengthening exercise of the best candidate
    top = STRETCHES[MuscleGroup(leg.ranking[0].muscle_group)]
    assert top.strengthen[1:].rstrip(".") in text
    assert "more session" in text
    assert at.warning and "data quality" in at.warning[0].value
    # each note in full as plain text (a grid made a phone scroll sideways to read them)
    notes = [e.value for e in at.text]
    assert [f"• {f.message}" for f in leg.flags] == [n for n in notes if n.startswith("• ")]
    # the file says it was stopped; a note names the session by its date (each of the example's is on its own day)
    assert "• The session of 2026-10-18 stopped early, after 3 conditions." in notes
    assert ("• The session of 2026-10-13: just before rest (control), the 3rd condition, the clicking was already at 1 "
            "after an earlier stretch, so it could not show a drop.") in notes, "no '(control) (position 3)'"


def _in_order(node) -> list:
    """Every element of the page, in the order it is drawn (top to bottom)."""
    out = []
    for _, child in sorted(getattr(node, "children", {}).items()):
        out.append(child)
        out.extend(_in_order(child))
    return out


def test_the_words_and_the_program_button_come_before_every_chart(app_test):
    """The browser draws the charts last (on a first visit it loads their code first): the answer in words and
    the program's button sit above every chart, so a chart appearing late moves nothing read or tapped."""
    at = app_test(page="results", query={"example": "true"})
    order = _in_order(at.main)
    kinds = [e.type for e in order]
    first_chart = kinds.index("vega_lite_chart")
    (leg,) = analyze(read_csv(SAMPLE_CSV))
    words = [i for i, e in enumerate(order) if e.type == "markdown" and (leg.summary in e.value or "After stretching your" in e.value)]
    button = [i for i, e in enumerate(order) if e.type == "button" and e.label.startswith("Start a program")]
    assert words and button, "the summary, the verdicts and the program's button are shown"
    assert max(words + button) < first_chart


def test_each_leg_is_its_own_tab_and_user_notes_are_never_html(app_test, store):
    def person(effects):
        groups = ("quadriceps", "hamstrings", "calves", "hip_abductors")
        return Person({g: effects.get(g, 1.0) for g in groups}, 1.2, 0.95, 0.3, 0.7, 0.2, 12.0, 0.0)

    rng = np.random.default_rng(8)
    left = simulate_sessions(person({"quadriceps": 0.3}), 4, rng, side="left", prefix="L")
    right = simulate_sessions(person({"calves": 0.3}), 4, rng, side="right", prefix="R")
    frame = pd.concat([left, right], ignore_index=True)
    frame.loc[0, "notes"] = "<script>alert(1)</script> <b>loud</b>"
    import_frame(store, frame)

    at = app_test(page="results")
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Left knee", "Right knee"]
    assert len(_charts(at)) == 2 * len(CHART_KEYS)
    left_text = "\n".join(m.value for m in at.tabs[0].markdown)
    right_text = "\n".join(m.value for m in at.tabs[1].markdown)
    assert left_text.index("your quadriceps") < left_text.index("your calves")
    assert right_text.index("your calves") < right_text.index("your quadriceps")
    everything = _markdown(at) + "".join(h.value for h in at.get("html"))
    assert "<script>" not in everything and "<b>loud</b>" not in everything


def test_a_test_recorded_meanwhile_shows_on_the_next_rerun(app_test, store):
    """The page caches its analysis per store revision: any new test (here from outside the page) rebuilds it."""
    import_csv(store, SAMPLE_CSV)
    at = app_test(page="results")
    assert not at.dataframe or "session_date" not in at.dataframe[-1].value, "the table waits for its expander"
    at.session_state["detail-open-left"] = True  # open "Every condition of every session"
    at.run()
    sessions = read_csv(SAMPLE_CSV)["session_id"].nunique()
    assert any(c.value.startswith(f"{sessions} sessions on this leg") for c in at.caption)
    before = at.dataframe[-1].value
    at.run()
    assert at.dataframe[-1].value.equals(before), "nothing changed: the same table"

    new = session(order=("hamstrings", "rest_control"), date="2027-01-05")
    new.side = Side.LEFT  # the example's leg
    store.create_session(new)
    store.record_test(new.id, 10, 9)
    store.record_test(new.id, 10, 2, after_position=1)
    at.run()
    assert not at.exception
    assert any(c.value.startswith(f"{sessions + 1} sessions on this leg") for c in at.caption)
    after = at.dataframe[-1].value
    assert len(after) == len(before) + 1
    assert after.iloc[-1][["session_date", "muscle_group", "clicks_before", "clicks_after"]].tolist() == [
        "2027-01-05", "Hamstrings", 9, 2
    ]  # fmt: skip


def test_one_session_says_more_sessions_are_needed(app_test, store):
    frame = read_csv(SAMPLE_CSV)
    import_frame(store, frame[frame["session_id"] == "example-01"])
    at = app_test(page="results")
    assert not at.exception
    text = _markdown(at)
    assert "too few to tell" in text
    assert "more session" in text


def test_no_control_and_only_control_sessions_render(app_test, store):
    frame = read_csv(SAMPLE_CSV)
    import_frame(store, frame[frame["muscle_group"] != "rest_control"])
    at = app_test(page="results")
    assert not at.exception
    assert any("No rest control was run" in c.value for c in at.caption)
    assert "than the test order alone would predict" in _markdown(at)


def test_a_leg_with_only_rest_controls_renders(app_test, store):
    frame = read_csv(SAMPLE_CSV)
    import_frame(store, frame[frame["muscle_group"] == "rest_control"])
    at = app_test(page="results")
    assert not at.exception
    assert "After stretching your" not in _markdown(at)


def test_the_about_page_explains_the_model_in_plain_words(app_test):
    at = app_test(page="about")
    text = _markdown(at).lower()
    for words in ("own click level", "drift", "carry over", "95% interval", "likely", "insufficient data",
                  "biggest contributor"):
        assert words in text, words


def test_two_sessions_where_only_calves_cut_the_clicking(app_test, store):
    """Issue 9: calves cut the clicking 8 -> 2 and 7 -> 2, every other condition stayed flat.  Calves come
    first, "What to do next" names them, no flat group is called a candidate, and the words are plain."""
    from tests.core.analysis.test_ranking import rows

    frame = pd.concat([
        rows(("quadriceps", 8, 8), ("calves", 8, 2), ("hamstrings", 2, 8), ("rest_control", 8, 8),
             ("hip_abductors", 8, 8), session="s1"),
        rows(("hamstrings", 7, 8), ("rest_control", 8, 7), ("calves", 7, 2), ("hip_abductors", 2, 7),
             ("quadriceps", 7, 8), session="s2", date="2026-01-03"),
    ])
    import_frame(store, frame)
    at = app_test(page="results")
    assert not at.exception
    text = _markdown(at)
    summary = next(m.value for m in at.markdown if m.value.startswith("**"))
    sentences = text
    assert "your calves" in summary
    first = text.index("After stretching your calves")
    assert all(first < text.index(f"After stretching your {g}") for g in ("quadriceps", "hamstrings", "hip abductors"))
    advice = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert advice and "calves" in advice[0]
    for flat in ("quadriceps", "hamstrings", "hip abductors"):
        assert flat not in advice[0] and flat not in summary
        sentence = next(line for line in sentences.split("\n\n") if f"your {flat} " in line)
        assert "not a candidate" in sentence or "Probably not" in sentence
    assert "not enough data" not in text.lower()
    outside = text + " ".join(c.value for c in at.caption)
    for jargon in ("95% CI", "rate ratio", "log scale", "variance", "hip_abductors", "rest_control"):
        assert jargon not in outside, jargon
    # not `likely` yet: a program can still be started, but not under "the culprit" nor with the green button
    assert [h.value for h in at.subheader if "program" in h.value.lower()] == ["A program, before the culprit is clear"]
    assert at.button(key="program-start-button-left").proto.type == "secondary"
    # a third session like them makes calves `likely`: the program for it, under its own heading, green
    import_frame(store, rows(("calves", 8, 2), ("quadriceps", 2, 8), ("rest_control", 8, 8), ("hip_abductors", 8, 8),
                             ("hamstrings", 8, 8), session="s3", date="2026-01-05"))  # fmt: skip
    at.run()
    assert not at.exception
    assert at.selectbox(key="program-group-left").value == "calves"
    assert [h.value for h in at.subheader if "program" in h.value.lower()] == ["A program for the culprit"]
    assert at.button(key="program-start-button-left").proto.type == "primary"


def test_results_work_with_two_thousand_sessions_on_one_leg(app_test, store):
    """Issue 12, finding 6: 2,000 sessions of 8 conditions (16,000 rows) used to crash Altair (MaxRowsError)."""
    from core.report.charts import MAX_CHART_ROWS

    rng = np.random.default_rng(12)
    groups = [g.value for g in MuscleGroup]  # the seven groups and the rest control: 8 conditions
    n = 2000
    clicks = rng.poisson(6, size=(n, len(groups) + 1))
    frame = pd.DataFrame({
        "session_id": np.repeat([f"s{i:04d}" for i in range(n)], len(groups)),
        "session_date": np.repeat((pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n), "D")).strftime("%Y-%m-%d"), len(groups)),
        "side": "left", "movement": "bodyweight_squat",
        "position": np.tile(np.arange(1, len(groups) + 1), n),
        "muscle_group": np.concatenate([rng.permutation(groups) for _ in range(n)]),
        "stretch_seconds": 90, "reps_before": 10, "clicks_before": clicks[:, :-1].ravel(),
        "reps_after": 10, "clicks_after": clicks[:, 1:].ravel(),
    })  # fmt: skip
    import_frame(store, frame)
    at = app_test(page="results")
    assert not at.exception, at.exception
    titles = [json.loads(c.proto.spec).get("title", "") for c in _charts(at)]
    titles = [" ".join(t) if isinstance(t, list) else str(t) for t in titles]  # long titles come as lines (phone)
    assert len(titles) == len(CHART_KEYS)
    assert any("Before and after, the latest" in t and "of 2000 sessions" in t for t in titles), titles
    assert any("Click rate across the latest" in t and "of 2000 sessions" in t for t in titles), titles
    assert any("2000 sessions on this leg" in c.value for c in at.caption), "the analysis uses every session"
    from core.report.charts import MAX_CHART_ROWS, before_after_frame, latest_sessions, rate_over_time_frame

    drawn, kept, total = latest_sessions(frame, per_row=2)  # what the charts draw: the newest sessions, within the limit
    assert total == 2000 and 0 < kept < 2000 and len(before_after_frame(drawn)) <= MAX_CHART_ROWS
    assert drawn["session_date"].max() == frame["session_date"].max()
    assert drawn["session_date"].min() > frame["session_date"].min()
    drawn, _, _ = latest_sessions(frame, per_row=1, per_session=1)
    assert len(rate_over_time_frame(drawn)) <= MAX_CHART_ROWS


def test_the_numbers_tables_name_each_condition_and_round_what_a_person_reads(app_test, store):
    import_csv(store, SAMPLE_CSV)
    at = app_test(page="results")
    at.session_state["detail-open-left"] = True
    at.run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    (numbers,) = [f for f in frames if "Verdict" in f.columns]  # the wide one (a phone gets its first columns)
    (phone,) = [f for f in frames if "Group" in f.columns and "Verdict" not in f.columns]
    assert list(phone.columns) == ["Group", "Rate ratio", "P(top) %"]
    assert list(numbers.columns[:2]) == ["Group", "Verdict"]
    assert "Quadriceps" in set(numbers["Group"])
    for col in ("Rate ratio", "95% CI from", "95% CI to"):
        assert all(v == round(v, 2) for v in numbers[col].dropna()), col
    assert all(0 <= v <= 100 and v == int(v) for v in numbers["P(top) %"].dropna())
    (detail,) = [f for f in frames if "p_value" in f.columns]
    shown = set(detail["muscle_group"])
    assert "Rest (control)" in shown and not shown & {"rest_control", "hip_abductors"}, shown
