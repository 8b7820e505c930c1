"""The "Record" count source: record a test with the microphone, get a proposed count, confirm or correct it.

The recorder is kneeclick's own browser component (``ui/recorder/``, components v2): it asks the browser for
the microphone with echo cancellation, noise suppression and automatic gain control off (they are made for
speech, and they pump the level and flatten a knee click), records uncompressed samples at the
microphone's own rate, shows a live level meter, and on Stop hands a 16-bit WAV to Python. Until the test is
saved the recording is also kept in the browser (IndexedDB, one entry per session and test), so a reload or
a switch to Tap and back brings it back (the address keeps Record chosen across a reload: ``ui/count.py``);
saving the test forgets it (:func:`forget`, called by ``ui.count.forget_saved`` on the next run).

The recording is analysed once per recording (and reps) by ``core.audio.proposal``; the page shows the
proposed count with how far to trust it, the reasons to doubt it, and the picture of the recording with the
detected clicks marked. The count goes into the session's editable count box (``ui/count.py``): saved as
proposed, the test's method is ``audio``; corrected, it is ``manual``. A recording without a count, or a
microphone the browser will not give, says why and offers tapping instead.

Every string shown here is kneeclick's own (core's messages); nothing is rendered as HTML. AppTest cannot
run the component's JavaScript: tests hand a recording over as the browser does, by setting the
component's state: ``at.session_state[key] = {"recording": recording_payload(wav_bytes)}``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import uuid
from importlib import resources

import streamlit as st

from core.audio.picture import recording_chart
from core.audio.proposal import (
    FALLBACK,
    RECORDING_ADVICE,
    Proposal,
    propose_from_recording,
)
from core.session.vocabulary import CountMethod
from ui.count import CountSource, Proposed, use_source
from ui.phone import NO_MIC_TEXT, can_record

CHART_HEIGHT = 200
#: The longest recording the recorder makes (it stops by itself): a test of the default 14 reps takes about a minute,
#: and 20 reps (the most a planned session asks for) well under the limit.
MAX_SECONDS = 180
#: The largest recording accepted from the browser (base64 text): MAX_SECONDS of 16-bit mono at 96 kHz.
MAX_PAYLOAD_CHARS = (MAX_SECONDS * 96_000 * 2 + 1024) * 4 // 3 + 4
_log = logging.getLogger(__name__)
_SLOT = "kneeclick-recording-analysis"
_KEPT = "kneeclick-recording"  # (key, id, wav bytes, seconds, settings): the test on screen's latest recording
_ICONS = {"ok": ":material/check_circle:", "check": ":material/warning:", "none": ":material/error:"}

#: Why the browser gave no microphone, in plain words; each ends with what to do instead.
PROBLEMS = {
    "insecure": NO_MIC_TEXT,
    "unsupported": (
        "This browser cannot record raw sound from the microphone (it is too old, or it offers no microphone "
        "to web pages). Open kneeclick in a current Chrome, Safari or Firefox, or count by tapping."
    ),
    "denied": (
        "The microphone is blocked for this page, so it cannot record. Allow the microphone in the browser's "
        "settings for this site (the icon beside the address), then press Try again; or count by tapping."
    ),
    "no_device": (
        "No microphone was found. Connect or switch on a microphone, then press Try again; or count by tapping."
    ),
    "busy": (
        "The microphone could not be started: another app may be using it (a call, a voice recorder). Close "
        "that app and press Try again; or count by tapping."
    ),
    "failed": "The recording could not be started in this browser. Press Try again, or count by tapping.",
}


def _asset(name: str) -> str:
    return (resources.files("ui") / "recorder" / name).read_text(encoding="utf-8")


_IDB_JS = _asset("idb.js")
# Drawn in the page, not a shadow root, like the tap counter it replaces (see ui/components.py): drawn with the
# rest of the step rather than a frame or two after it, so Save below it does not jump (its classes: `kc-rec`).
_RECORDER = st.components.v2.component(
    "kneeclick_recorder", html=_asset("recorder.html"), css=_asset("recorder.css"), js=_IDB_JS + _asset("recorder.js"),
    isolate_styles=False,
)
_FORGETTER = st.components.v2.component("kneeclick_forget_recordings", js=_IDB_JS + _asset("forget.js"))


def recording_payload(wav: bytes, *, rate: int | None = None, settings: dict | None = None, rec_id: str | None = None) -> dict:
    """What the recorder hands to Python on Stop (for tests, which cannot run its JavaScript)."""
    return {
        "id": rec_id or uuid.uuid4().hex,
        "wav": base64.b64encode(wav).decode("ascii"),
        "rate": rate,
        "settings": settings,
    }


def render(key: str, reps: int) -> Proposed | None:
    if not can_record():  # plain http at a network address, or an old browser: say why, never a dead button
        st.warning(NO_MIC_TEXT, icon=":material/mic_off:")
        _to_tap(key, "no-mic-to-tap")
        return None
    kept = _kept(key)
    state = st.session_state.get(key)
    problem = _field(state, "problem")
    result = _RECORDER(
        key=key,
        data={
            "store_key": key,
            "have": kept[1] if kept else None,
            "have_seconds": kept[3] if kept else None,
            "problem": problem,
            "max_seconds": MAX_SECONDS,
        },
        default={"problem": None},
        on_problem_change=_noop,
        on_recording_change=lambda: _take(key, _field(st.session_state.get(key), "recording")),
    )
    kept = _take(key, getattr(result, "recording", None)) or kept
    problem = getattr(result, "problem", None)
    if problem in PROBLEMS:  # also over a recording made before: "Record again" could not start
        st.warning(PROBLEMS[problem], icon=":material/mic_off:")
    if kept is None:
        if problem in PROBLEMS:
            _to_tap(key, "to-tap")
        else:
            st.caption(" ".join(RECORDING_ADVICE))
        return None
    _, rec_id, wav, _, settings = kept
    proposal, spec = _analysis(key, rec_id, wav, reps)
    _verdict(key, proposal)
    return Proposed(proposal.count, rec_id, lambda: _picture(proposal, spec, _about(proposal, settings)))


def forget(keys: list[str]) -> None:
    """The tests recorded with the recorder ``keys`` are saved: drop their recording here and in the browser
    (a component that takes no room: drawn at the bottom of the page)."""
    kept = st.session_state.get(_KEPT)
    if kept and kept[0] in keys:
        del st.session_state[_KEPT]
    _FORGETTER(key="kneeclick-forget-recordings", data={"keys": list(keys)}, height=0)


def _noop() -> None:
    pass


def _field(state, name: str):
    if isinstance(state, dict):
        return state.get(name)
    return getattr(state, name, None)


def _kept(key: str) -> tuple | None:
    kept = st.session_state.get(_KEPT)
    return kept if kept and kept[0] == key else None


def _take(key: str, rec) -> tuple | None:
    """Keep a recording the browser handed over (once per recording id); None if there is none or no new one."""
    if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) or not isinstance(rec.get("wav"), str):
        return None
    kept = _kept(key)
    if kept and kept[1] == rec["id"]:
        return kept
    text = rec["wav"]
    if len(text) > MAX_PAYLOAD_CHARS:
        wav = b""  # refused by the reader below as "not a WAV file": never decoded
    else:
        try:
            wav = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            wav = b""
    settings = rec.get("settings") if isinstance(rec.get("settings"), dict) else None
    seconds = rec.get("seconds") if isinstance(rec.get("seconds"), (int, float)) else None
    kept = (key, rec["id"], wav, seconds, settings)
    st.session_state[_KEPT] = kept
    return kept


def _analysis(key: str, rec_id: str, wav: bytes, reps: int) -> tuple[Proposal, dict | None]:
    """The proposal and the chart's spec, computed once per recording (reruns only look them up).

    One slot for the whole browser session: the test on screen's latest recording (an earlier test's
    analysis is dropped, not kept for the rest of the session).
    """
    cached = st.session_state.get(_SLOT)
    if cached and cached[:3] == (key, rec_id, reps):
        return cached[3], cached[4]
    try:
        proposal = propose_from_recording(wav, reps)
    except Exception:  # noqa: BLE001 - a detector bug must not take the session page down mid-test
        _log.exception("analysing a recording failed")
        proposal = Proposal(None, "none", "This recording could not be analysed.", (FALLBACK,))
    spec = recording_chart(proposal.detection).to_dict() if proposal.detection is not None else None
    st.session_state[_SLOT] = (key, rec_id, reps, proposal, spec)
    return proposal, spec


def _about(proposal: Proposal, settings: dict | None) -> str | None:
    """One line on the recording itself: its length and rate, and whether the browser's voice processing was off."""
    d = proposal.detection
    if d is None:
        return None
    line = f"The recording: {d.duration_s:.1f} s at {d.sample_rate:,} Hz"
    if settings is not None:
        on = [name for name, field in _PROCESSING if settings.get(field) is True]
        if on:
            line += f"; this browser kept its {', '.join(on)} on, which can hide or flatten clicks"
        elif all(settings.get(field) is False for _, field in _PROCESSING):
            line += ", straight from the microphone (the browser's voice processing off)"
    return line + "."


_PROCESSING = (
    ("echo cancellation", "echoCancellation"),
    ("noise suppression", "noiseSuppression"),
    ("automatic gain control", "autoGainControl"),
)


def _verdict(key: str, proposal: Proposal) -> None:
    """The proposed count and how far to trust it, right under the recorder."""
    box = {"ok": st.success, "check": st.warning, "none": st.error}[proposal.tone]
    box(proposal.headline, icon=_ICONS[proposal.tone])
    if proposal.reasons:
        st.markdown("\n".join(f"- {r}" for r in proposal.reasons))
    if proposal.tone == "check":
        st.caption("Accept it, correct the number below, or record again.")
    if proposal.tone == "none":
        _to_tap(key, "to-tap")


def _to_tap(key: str, suffix: str) -> None:
    st.button(
        "Count by tapping instead",
        icon=":material/touch_app:",
        key=f"{key}-{suffix}",
        on_click=use_source,
        args=(key, "tap"),
        width="stretch",
    )


def _picture(proposal: Proposal, spec: dict | None, about: str | None) -> None:
    """The recording with the clicks it found (drawn below the Save button)."""
    if spec is not None:
        st.vega_lite_chart(spec, height=CHART_HEIGHT, width="stretch")
        st.caption("Each red line is a click it counted; the dashed line is how loud a sound must be to count.")
    for note in proposal.notes:
        st.caption(note)
    if about:
        st.caption(about)


SOURCE = CountSource("audio", "Record", CountMethod.AUDIO, render, forget=forget)
