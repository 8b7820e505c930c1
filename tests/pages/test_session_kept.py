"""What the browser keeps for a test until it is saved, through AppTest: the taps (the counter's localStorage).

AppTest runs no JavaScript: what the page tells the browser components is read from their data, and a reload
is a new AppTest on the same address (a new browser session: ``st.session_state`` is empty again).
"""

from __future__ import annotations

import json

from tests.pages.test_session import clock, ok, session_app  # noqa: F401
from tests.pages.test_session_recording import started


def components(at) -> dict[str, dict]:
    """The browser components on the page, by key, with the data the page sent them."""
    return {c.key: json.loads(c.proto.json or "null") for c in at.get("bidi_component")}


def source(at, s, tag="b"):
    return at.segmented_control(key=f"{s}-test-{tag}-source").value


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
