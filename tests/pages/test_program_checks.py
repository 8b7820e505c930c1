"""The follow-through in one go, as a person does it: start a program on Results, do three quick checks on the
Session page, and see on Results whether it is working, beside the running program."""

from core.report.trend_chart import TITLE as TREND_TITLE
from core.session.vocabulary import SessionKind
from tests.pages.test_quick_check import clock, full_session, quick_check  # noqa: F401 - fixture and helpers
from tests.pages.test_session import ok


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning])


def test_start_a_program_do_three_quick_checks_and_see_the_trend(app_test, clock, store):
    full_session(store)
    full_session(store)  # the right knee: calves 9 -> 5 twice
    at = ok(app_test(page="results"))
    at.selectbox(key="program-group-right").set_value("calves").run()
    at.button(key="program-start-button-right").click().run()
    ok(at)
    program = store.active_program("right")
    assert program.muscle_group == "calves" and program.weeks == 6

    at.switch_page("pages/session.py").run()
    ok(at)
    assert "Week 1 of 6: your calves program" in _text(at)
    checks = []
    for clicks in (8, 6, 5):
        checks.append(quick_check(at, clicks))
    assert [store.get_session(s).kind for s in checks] == [SessionKind.QUICK_CHECK] * 3
    assert [store.get_session(s).baseline.clicks for s in checks] == [8, 6, 5]

    at.switch_page("pages/results.py").run()
    ok(at)
    assert "Is it working?" in [h.value for h in at.header]
    text = _text(at)
    assert "Too early to tell" in text, "a few checks on one day: honest, too early"
    assert "Week 1 of 6: your calves program" in text, "the running program shows beside its trend"
    titles = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any(TREND_TITLE in spec for spec in titles)
