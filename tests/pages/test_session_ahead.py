"""The step before a test draws that test's own tap counter, hidden, where the test draws it (``ui.count.ahead``),
so the browser has it before the test's step: checked here through AppTest, as the data the page sends.

What matters for the data: the counter drawn ahead is keyed by its own test (the baseline's at setup, a retest's
during its stretch and timer), it starts with no count, whatever the test before counted, and it sits in the
same container, at the same place, as on the test's own screen (the browser keeps it only then).
"""

from __future__ import annotations

from tests.pages.test_session import answer_safety, clock, do_test, ok, plan, session_app, sid, step_text  # noqa: F401
from tests.pages.test_session_kept import components

AREA = "kc-count-area"


def counters(at) -> dict[str, dict]:
    """The tap counters on the page, by key, with the data sent to them."""
    return {k: v for k, v in components(at).items() if k.endswith("-tap")}


def area_path(at, key: str) -> tuple:
    """Where the counter ``key`` sits: its container's place in the page and its own place in that container."""
    for i, block in at.main.children.items():
        if getattr(block.proto, "id", "").endswith(AREA):
            for j, child in block.children.items():
                if getattr(child, "key", None) == key:
                    return (i, j)
    raise AssertionError(f"{key} is not in the count's container")


def test_the_next_tests_own_counter_is_drawn_ahead_with_no_count_in_the_tests_place(session_app, clock, store):
    at = answer_safety(ok(session_app()))
    assert "Set up" in step_text(at)
    s = sid(at)
    assert counters(at) == {f"{s}-test-b-tap": {"count": None, "storage_key": f"kneeclick-{s}-test-b-tap"}}
    ahead = area_path(at, f"{s}-test-b-tap")

    plan(at, conditions=["calves", "rest_control"], randomized=False)
    assert "Baseline" in step_text(at)
    assert area_path(at, f"{s}-test-b-tap") == ahead, "the baseline draws it where setup did"

    do_test(at, "b", clicks=6, pain=1)  # the baseline counted 6
    assert "Stretch" in step_text(at)
    assert counters(at) == {f"{s}-test-r1-tap": {"count": None, "storage_key": f"kneeclick-{s}-test-r1-tap"}}, (
        "the retest's own counter, with no count: nothing of the baseline's 6"
    )
    ahead = area_path(at, f"{s}-test-r1-tap")
    at.button(key=f"{s}-start-1").click().run()
    assert area_path(ok(at), f"{s}-test-r1-tap") == ahead, "kept in place while the timer runs"
    clock.advance(90)
    at.run()
    assert "Retest" in step_text(at)
    assert area_path(at, f"{s}-test-r1-tap") == ahead, "and on the retest's own screen"
    assert counters(at)[f"{s}-test-r1-tap"]["count"] is None
    assert at.number_input(key=f"{s}-test-r1-clicks").value == 0

    do_test(at, "r1", clicks=3, pain=0)
    assert counters(at) == {f"{s}-test-r2-tap": {"count": None, "storage_key": f"kneeclick-{s}-test-r2-tap"}}
    assert [m.clicks for m in store.get_session(s).measurements.values()] == [6, 3]


def test_nothing_is_drawn_ahead_when_the_next_test_starts_on_record(session_app, store):
    from tests.pages.test_session_recording import clean, record, save, started

    at, s = started(session_app)
    record(at, s, "b", clean())
    save(at, s, "b")
    assert "Stretch" in step_text(at)
    assert counters(at) == {}, "the retest starts on Record: no tap counter to draw ahead"
