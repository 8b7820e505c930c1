"""AppTest: start a program from Results, see it on the Session page; the report download on Results and History."""

import datetime as dt

from core.data.csvio import import_csv
from core.data.sample import SAMPLE_CSV
from core.session.program import CHECK_NUDGE, WHY_DEFAULT_WEEKS
from ui.report import LABEL


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning])


def _downloads(at) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def test_start_a_program_from_results_and_see_it_on_the_session_page(app_test, store):
    import_csv(store, SAMPLE_CSV)  # a left knee where no group is `likely` yet
    at = app_test(page="results")
    assert not at.exception
    group = at.selectbox(key="program-group-left")
    assert group.value == "quadriceps"  # no `likely` group: the first-ranked one is offered
    text = _text(at)
    assert "The evidence for this group is weaker" in text  # said plainly, as a warning
    assert WHY_DEFAULT_WEEKS in text
    assert at.number_input(key="program-weeks-left").value == 6
    group.set_value("calves").run()
    button = at.button(key="program-start-button-left")
    assert button.label == "Start a program for your calves"
    assert button.proto.type == "secondary", "no green button for a group that is not `likely`"
    assert [h.value for h in at.subheader if "program" in h.value.lower()] == ["A program, before the culprit is clear"]
    button.click().run()
    assert not at.exception
    program = store.active_program("left")
    assert (program.muscle_group, program.weeks, program.start_date) == ("calves", 6, dt.date.today())
    assert program.verdict == "possible"
    assert any("Started: your calves program, 6 weeks" in s.value for s in at.success)

    at.switch_page("pages/session.py").run()
    assert not at.exception
    text = _text(at)
    assert "Week 1 of 6: your calves program" in text
    assert "wall calf stretch" in text and "Slow calf raises" not in text  # lowered: "slow calf raises ..."
    assert "slow calf raises on a step" in text
    assert CHECK_NUDGE in text
    assert at.radio(key="safety-side") is not None  # the session can still be started below it


def test_a_second_program_on_the_same_leg_asks_to_end_the_first(app_test, store):
    import_csv(store, SAMPLE_CSV)
    store.start_program("left", "calves")
    at = app_test(page="results")
    assert "Week 1 of 6: your calves program" in _text(at)
    # the running program first; the form for another one folded away under it, not a second form on show
    assert [e.label for e in at.expander if "program" in e.label] == ["Start a different program instead"]
    assert at.selectbox(key="program-group-left") in at.expander[[e.label for e in at.expander].index(
        "Start a different program instead")].selectbox  # fmt: skip
    at.selectbox(key="program-group-left").set_value("hamstrings").run()
    at.button(key="program-start-button-left").click().run()
    assert store.active_program("left").muscle_group == "calves"  # nothing changed yet
    assert "Your calves program still runs on this leg" in _text(at)
    at.button(key="program-replace-left").click().run()
    assert not at.exception
    assert store.active_program("left").muscle_group == "hamstrings"
    assert [p.muscle_group for p in store.programs()] == ["hamstrings", "calves"]


def test_ending_a_program_on_the_session_page(app_test, store):
    store.start_program("right", "quadriceps")
    at = app_test(page="session")
    assert "your quadriceps program" in _text(at)
    at.button(key="program-end-right").click().run()
    assert not at.exception
    assert store.active_program("right") is not None, "one tap only asks"
    assert "End your quadriceps program now?" in _text(at)
    at.button(key="program-end-no-right").click().run()
    assert store.active_program("right") is not None and "End your quadriceps program now?" not in _text(at)
    at.button(key="program-end-right").click().run()
    at.button(key="program-end-yes-right").click().run()
    assert not at.exception
    assert store.active_program("right") is None
    assert "quadriceps program" not in _text(at)


def test_the_example_data_offers_no_program_but_the_report(app_test):
    at = app_test(page="results", query={"example": "true"})
    assert at.button(key="program-start-button-left").disabled
    assert any("read-only" in c.value for c in at.caption), "why, in words a phone shows (not only a tooltip)"
    assert LABEL in _downloads(at)
    at.switch_page("pages/history.py").run()
    at.toggle(key="example").set_value(True).run()
    assert not at.exception
    assert LABEL in _downloads(at)
