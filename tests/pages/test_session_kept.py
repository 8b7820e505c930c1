"""What the browser keeps for a test until it is saved, through AppTest: the way of counting chosen (in the
address, so a reload opens on it), the taps (the counter's localStorage) and a recording (IndexedDB), which
Save has the browser forget.

AppTest runs no JavaScript: what the page tells the browser components is read from their data, and a reload
is a new AppTest on the same address (a new browser session: ``st.session_state`` is empty again).
"""

from __future__ import annotations

import json

from tests.pages.test_session import clock, ok, session_app  # noqa: F401
from tests.pages.test_session_recording import clean, record, save, started


def components(at) -> dict[str, dict]:
    """The browser components on the page, by key, with the data the page sent them."""
    return {c.key: json.loads(c.proto.json or "null") for c in at.get("bidi_component")}


def source(at, s, tag="b"):
    return at.segmented_control(key=f"{s}-test-{tag}-source").value


def test_a_reload_mid_test_opens_on_the_way_of_counting_chosen_last(session_app, store):
    at, s = started(session_app)
    assert source(at, s) == "tap" and "count" not in at.query_params, "tapping first, nothing in the address"
    record(at, s, "b", clean())
    assert at.query_params["count"] == "audio", "Record chosen: kept in the address"

    reloaded = ok(session_app(query={"session": s, "count": "audio"}))
    assert source(reloaded, s) == "audio", "the reload opens on Record"
    assert f"{s}-test-b-audio" in components(reloaded), "so the recorder is there to hand its kept recording back"

    reloaded.segmented_control(key=f"{s}-test-b-source").set_value("tap").run()
    assert "count" not in ok(reloaded).query_params, "back to tapping: the address forgets Record"
    assert source(ok(session_app(query={"session": s})), s) == "tap"
    assert source(ok(session_app(query={"session": s, "count": "<b>nonsense</b>"})), s) == "tap", "unknown: tapping"


def test_the_next_test_starts_on_record_after_a_reload_too(session_app, clock, store):
    from tests.pages.test_session import stretch_and_wait

    at, s = started(session_app)
    record(at, s, "b", clean())
    save(at, s, "b")
    reloaded = ok(session_app(query={"session": s, "count": "audio"}))  # a reload during the stretch
    stretch_and_wait(reloaded, clock, 1)
    assert source(reloaded, s, "r1") == "audio"


def test_a_rerun_before_the_counter_reports_sends_it_no_count(session_app, store):
    """The counter's taps kept across a reload win over the page's count only while the page knows none: a
    second run right after a reload (the wake lock reports what the browser offers) must not send it 0."""
    at, s = started(session_app)
    key = f"{s}-test-b-tap"
    assert components(at)[key] == {"count": None, "storage_key": f"kneeclick-{key}"}
    at.run()
    assert components(at)[key]["count"] is None, "no count before the counter reported one"
    at.session_state[key] = {"count": 3}  # the counter reports 3 taps (restored, or tapped)
    at.run()
    assert components(at)[key]["count"] == 3, "a reported count is sent back: a redrawn counter starts from it"
    assert at.number_input(key=f"{s}-test-b-clicks").value == 3


def test_saving_a_test_has_the_browser_forget_its_taps_and_its_recording(session_app, clock, store):
    at, s = started(session_app)
    assert "kneeclick-forget-taps" not in components(at), "nothing saved, nothing to forget"
    at.session_state[f"{s}-test-b-tap"] = {"count": 4}
    at.run()
    save(at, s, "b")
    assert store.get_session(s).measurements[0].clicks == 4
    drawn = components(at)
    assert drawn["kneeclick-forget-taps"] == {"keys": [f"kneeclick-{s}-test-b-tap"]}, "the kept taps dropped"
    assert drawn["kneeclick-forget-recordings"] == {"keys": [f"{s}-test-b-audio"]}, "and a kept recording"
