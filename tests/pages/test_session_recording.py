"""Counting a test from a microphone recording, in the Session page through AppTest.

AppTest hands the recorder a synthetic WAV with a known number of clicks (core.audio.synth) the way the
browser does on Stop: as the component's ``recording`` value (``ui.record.recording_payload``). The person accepts the proposed count (stored as ``audio``), edits it
(stored as ``manual``: the number is then theirs, not the detector's), or, when a recording gives no
count, falls back to tapping or typing.
"""

from __future__ import annotations

import json

import numpy as np

from core.audio.detector import MESSAGES
from core.audio.synth import synth_recording, wav_bytes
from core.session.vocabulary import CountMethod
from ui.record import PROBLEMS, recording_payload
from tests.pages.test_session import answer_safety, clock, ok, plan, session_app, sid, stretch_and_wait  # noqa: F401

TIMES = (1.0, 1.9, 2.7, 3.8, 4.6, 5.5, 6.7)


def clean(times=TIMES, seed=1) -> bytes:
    """A clean recording whose clicks the detector finds exactly (quiet room, no thumps, loud clicks)."""
    return synth_recording(seed, duration_s=8.0, click_times_s=times, noise_dbfs=-60.0, hum_dbfs=None, click_dbfs=-18.0).wav_bytes()


def started(session_app, conditions=("calves", "rest_control"), reps=10):
    at = ok(session_app())
    answer_safety(at)
    plan(at, conditions=list(conditions), randomized=False, reps=reps)
    return at, sid(at)


def record(at, s, tag, data: bytes, **payload):
    """Choose "Record" (if not already chosen) and hand the page a recording, as the recorder does on Stop."""
    switch = at.segmented_control(key=f"{s}-test-{tag}-source")
    if switch.value != "audio":
        switch.set_value("audio").run()
    at.session_state[f"{s}-test-{tag}-audio"] = {"recording": recording_payload(data, **payload)}
    at.run()
    return ok(at)


def box(at, s, tag):
    return at.number_input(key=f"{s}-test-{tag}-clicks")


def save(at, s, tag, pain=0):
    at.segmented_control(key=f"{s}-pain-{tag}").set_value(pain)
    at.button(key=f"{s}-save-{tag}").click().run()
    return ok(at)


def chart_titles(at) -> list[str]:
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return [s.get("title") for s in specs]


def test_a_recorded_test_proposes_its_count_and_accepting_it_stores_audio(session_app, store):
    at, s = started(session_app)
    assert box(at, s, "b").value == 0, "tapping is the default"
    at.segmented_control(key=f"{s}-test-b-source").set_value("audio").run()
    assert box(at, s, "b").value is None, "no recording yet, no count"
    assert any("same place for every test" in c.value and "don't talk" in c.value for c in at.caption), "advice"

    record(at, s, "b", clean())
    assert [x.value for x in at.success] == ["Proposed: 7 clicks. Nothing in the recording casts doubt on the count."]
    assert box(at, s, "b").value == 7, "the proposal fills the count box"
    assert chart_titles(at) == ["7 clicks found in 8.0 s"], "the picture of the recording, clicks marked"
    save(at, s, "b")
    assert any("Saved: 7 clicks" in c.value for c in at.caption)
    m = store.get_session(s).measurements[0]
    assert (m.clicks, m.method, m.reps) == (7, CountMethod.AUDIO, 10)


def test_an_edited_proposal_is_stored_as_manual_and_the_next_test_starts_on_record(session_app, clock, store):
    at, s = started(session_app)
    record(at, s, "b", clean())
    box(at, s, "b").set_value(8).run()  # the person heard one more
    save(at, s, "b")
    stretch_and_wait(at, clock, 1)
    assert at.segmented_control(key=f"{s}-test-r1-source").value == "audio", "Record stays chosen"
    assert box(at, s, "r1").value is None, "the last test's recording does not carry over"
    record(at, s, "r1", clean(TIMES[:4], seed=2))
    assert box(at, s, "r1").value == 4
    save(at, s, "r1")
    stored = [(m.clicks, m.method) for m in store.get_session(s).measurements.values()]
    assert stored == [(8, CountMethod.MANUAL), (4, CountMethod.AUDIO)]


def test_recording_again_replaces_an_edited_count_even_when_it_finds_the_same_number(session_app, store):
    at, s = started(session_app)
    record(at, s, "b", clean(TIMES[:5]))
    box(at, s, "b").set_value(9).run()
    record(at, s, "b", clean(TIMES[:5], seed=7))
    assert box(at, s, "b").value == 5, "a new recording's proposal wins over the typed number"
    save(at, s, "b")
    m = store.get_session(s).measurements[0]
    assert (m.clicks, m.method) == (5, CountMethod.AUDIO)


def test_a_doubtful_recording_is_proposed_with_its_reasons(session_app, store):
    at, s = started(session_app)
    talking = synth_recording(2, duration_s=10.0, n_clicks=6, speech_dbfs=-28.0, speech_fraction=0.8).wav_bytes()
    record(at, s, "b", talking)
    assert at.warning and at.warning[0].value.startswith("Proposed:") and "Check the count" in at.warning[0].value
    assert any(MESSAGES["speech"] in m.value for m in at.markdown), "why to doubt it"
    proposed = box(at, s, "b").value
    assert proposed is not None and proposed > 0
    save(at, s, "b")
    m = store.get_session(s).measurements[0]
    assert (m.clicks, m.method) == (proposed, CountMethod.AUDIO), "accepted as proposed"


def test_a_silent_recording_says_why_and_tapping_still_works(session_app, store):
    at, s = started(session_app)
    record(at, s, "b", wav_bytes(np.zeros(16000 * 5), 16000))
    assert [e.value for e in at.error] == ["No count from this recording."]
    assert any(MESSAGES["silent"] in m.value for m in at.markdown)
    assert box(at, s, "b").value is None, "no count is proposed"
    save(at, s, "b")
    assert any("Enter the number of clicks" in e.value for e in at.error), "nothing is saved without a count"
    assert "kneeclick-into-view-step-problem" in [c.key for c in at.get("bidi_component")], (
        "the message is brought into view: with a recording on screen it falls below the screen's edge")
    assert store.get_session(s).measurements == {}

    at.button(key=f"{s}-test-b-audio-to-tap").click().run()  # "Count by tapping instead"
    ok(at)
    assert at.segmented_control(key=f"{s}-test-b-source").value == "tap"
    at.session_state[f"{s}-test-b-tap"] = {"count": 4}  # the tap counter (AppTest cannot run its JavaScript)
    at.run()
    assert box(at, s, "b").value == 4
    save(at, s, "b")
    m = store.get_session(s).measurements[0]
    assert (m.clicks, m.method) == (4, CountMethod.TAP)


def test_a_file_that_is_not_wav_is_a_clear_message_and_typing_still_works(session_app, store):
    at, s = started(session_app)
    record(at, s, "b", b"ID3\x03\x00\x00 this is an mp3, not a wav")
    assert [e.value for e in at.error] == ["This recording cannot be used."]
    assert any("Not a WAV file" in m.value for m in at.markdown)
    assert not at.get("vega_lite_chart"), "no picture of a file that could not be read"
    box(at, s, "b").set_value(3).run()
    save(at, s, "b")
    m = store.get_session(s).measurements[0]
    assert (m.clicks, m.method) == (3, CountMethod.MANUAL)


def test_more_clicks_than_the_reps_can_hold_are_not_proposed(session_app, store):
    at, s = started(session_app, reps=2)
    many = tuple(0.5 + 0.25 * i for i in range(25))
    record(at, s, "b", synth_recording(4, duration_s=7.0, click_times_s=many, noise_dbfs=-60.0, hum_dbfs=None).wav_bytes())
    assert [e.value for e in at.error] == ["No count from this recording."]
    assert any("more than 10 a rep in 2 reps" in m.value for m in at.markdown)
    assert box(at, s, "b").value is None
    assert store.get_session(s).measurements == {}


def test_a_failure_inside_the_detector_is_a_message_not_a_crash(session_app, store, monkeypatch):
    import core.audio.proposal

    def broken(data):
        raise FloatingPointError("a bug in the detector")

    monkeypatch.setattr(core.audio.proposal, "detect_clicks", broken)
    at, s = started(session_app)
    record(at, s, "b", clean())
    assert [e.value for e in at.error] == ["This recording could not be analysed."]
    box(at, s, "b").set_value(2).run()
    save(at, s, "b")
    assert (store.get_session(s).measurements[0].clicks, store.get_session(s).measurements[0].method) == (2, CountMethod.MANUAL)


def test_a_recording_says_its_rate_and_that_the_voice_processing_was_off(session_app):
    at, s = started(session_app)
    raw = {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False, "sampleRate": 16000}
    record(at, s, "b", clean(), settings=raw)
    assert "The recording: 8.0 s at 16,000 Hz, straight from the microphone (the browser's voice processing off)." in [
        c.value for c in at.caption
    ]
    processed = {**raw, "echoCancellation": True, "autoGainControl": True}
    record(at, s, "b", clean(seed=3), settings=processed)
    assert any(
        "this browser kept its echo cancellation, automatic gain control on, which can hide or flatten clicks" in c.value
        for c in at.caption
    ), "a browser that ignored the request is named"


def test_switching_to_tap_and_back_keeps_the_recording(session_app, store):
    at, s = started(session_app)
    record(at, s, "b", clean())
    at.segmented_control(key=f"{s}-test-b-source").set_value("tap").run()
    assert box(at, s, "b").value == 0, "tapping counts from its own zero"
    at.segmented_control(key=f"{s}-test-b-source").set_value("audio").run()
    ok(at)
    assert [x.value for x in at.success] == ["Proposed: 7 clicks. Nothing in the recording casts doubt on the count."]
    assert box(at, s, "b").value == 7
    save(at, s, "b")
    assert (store.get_session(s).measurements[0].clicks, store.get_session(s).measurements[0].method) == (7, CountMethod.AUDIO)


def test_a_refused_microphone_says_why_and_offers_tapping(session_app, store):
    at, s = started(session_app)
    at.segmented_control(key=f"{s}-test-b-source").set_value("audio").run()
    for problem in ("denied", "no_device", "insecure"):
        at.session_state[f"{s}-test-b-audio"] = {"problem": problem}  # as the recorder reports it
        at.run()
        ok(at)
        assert [w.value for w in at.warning] == [PROBLEMS[problem]]
    assert box(at, s, "b").value is None
    at.button(key=f"{s}-test-b-audio-to-tap").click().run()
    ok(at)
    assert at.segmented_control(key=f"{s}-test-b-source").value == "tap"


def test_a_damaged_hand_over_is_refused_not_counted(session_app, store):
    at, s = started(session_app)
    at.segmented_control(key=f"{s}-test-b-source").set_value("audio").run()
    at.session_state[f"{s}-test-b-audio"] = {"recording": {"id": "x1", "wav": "not base64 at all!"}}
    at.run()
    ok(at)
    assert [e.value for e in at.error] == ["This recording cannot be used."]
    assert box(at, s, "b").value is None
