"""The "Record" count source: record a test with the microphone, get a proposed count, confirm or correct it.

The recording (``st.audio_input``, WAV at 16 kHz) is analysed once per recording by
``core.audio.proposal``; the page shows the proposed count with how far to trust it, the reasons to doubt
it, and the picture of the recording with the detected clicks marked. The count goes into the session's
editable count box (``ui/count.py``): saved as proposed, the test's method is ``audio``; corrected,
it is ``manual``. A recording without a count says why and offers tapping instead.

Every string shown here is kneeclick's own (core's messages); nothing is rendered as HTML.
"""

from __future__ import annotations

import logging

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

#: What st.audio_input records at; the detector analyses 1-8 kHz, which 16 kHz holds.
SAMPLE_RATE = 16000
CHART_HEIGHT = 200
_log = logging.getLogger(__name__)
_SLOT = "kneeclick-recording-analysis"
_ICONS = {"ok": ":material/check_circle:", "check": ":material/warning:", "none": ":material/error:"}


def render(key: str, reps: int) -> Proposed | None:
    if not can_record():  # plain http at a network address, or an old browser: say why, never a dead button
        st.warning(NO_MIC_TEXT, icon=":material/mic_off:")
        st.button("Count by tapping instead", icon=":material/touch_app:", key=f"{key}-no-mic-to-tap",
                  on_click=use_source, args=(key, "tap"), width="stretch")  # fmt: skip
        return None
    audio = st.audio_input(
        "Record the test: start, do all the reps, stop",
        sample_rate=SAMPLE_RATE,
        key=key,
        help="The recording stays on this page: only the count is saved.",
    )
    if audio is None:
        st.caption(" ".join(RECORDING_ADVICE))
        return None
    proposal, spec = _analysis(key, audio, reps)
    _verdict(key, proposal)
    return Proposed(proposal.count, audio.file_id, lambda: _picture(proposal, spec))


def _analysis(key: str, audio, reps: int) -> tuple[Proposal, dict | None]:
    """The proposal and the chart's spec, computed once per recording (reruns only look them up).

    One slot for the whole browser session: the test on screen's latest recording (an earlier test's
    analysis is dropped, not kept for the rest of the session).
    """
    cached = st.session_state.get(_SLOT)
    if cached and cached[:3] == (key, audio.file_id, reps):
        return cached[3], cached[4]
    try:
        proposal = propose_from_recording(audio.getvalue(), reps)
    except Exception:  # noqa: BLE001 - a detector bug must not take the session page down mid-test
        _log.exception("analysing a recording failed")
        proposal = Proposal(None, "none", "This recording could not be analysed.", (FALLBACK,))
    spec = recording_chart(proposal.detection).to_dict() if proposal.detection is not None else None
    st.session_state[_SLOT] = (key, audio.file_id, reps, proposal, spec)
    return proposal, spec


def _verdict(key: str, proposal: Proposal) -> None:
    """The proposed count and how far to trust it, right under the recording."""
    box = {"ok": st.success, "check": st.warning, "none": st.error}[proposal.tone]
    box(proposal.headline, icon=_ICONS[proposal.tone])
    if proposal.reasons:
        st.markdown("\n".join(f"- {r}" for r in proposal.reasons))
    if proposal.tone == "check":
        st.caption("Accept it, correct the number below, or record again (the ✕ on the recording clears it).")
    if proposal.tone == "none":
        st.button(
            "Count by tapping instead",
            icon=":material/touch_app:",
            key=f"{key}-to-tap",
            on_click=use_source,
            args=(key, "tap"),
            width="stretch",
        )


def _picture(proposal: Proposal, spec: dict | None) -> None:
    """The recording with the clicks it found (drawn below the Save button)."""
    if spec is not None:
        st.vega_lite_chart(spec, height=CHART_HEIGHT, width="stretch")
        st.caption("Each red line is a click it counted; the dashed line is how loud a sound must be to count.")
    for note in proposal.notes:
        st.caption(note)


SOURCE = CountSource("audio", "Record", CountMethod.AUDIO, render)
