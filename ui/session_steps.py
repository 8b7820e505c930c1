"""The Session page's steps: one function per step of core.session.flow, each a short Streamlit script.

Where the person is comes from the stored session (``core.session.flow.current_step``),
never from ``st.session_state``: the session id lives in the URL
(``?session=...``), so a reload, a closed tab or a restarted server resumes
the same step.  Every action re-reads the session and checks the step is still
the one on screen before writing, so a double tap or a second tab never
records a test twice.
"""


from __future__ import annotations

from core.session.flow import StepKind
from ui.session_common import (
    go_to,
    header,
    now,
    page_style,
    scroll_to_top_on_change,
    session_from_url,
)
from ui.step_controls import end
from ui.step_end import summary
from ui.step_start import blocked, counted, safety, setup
from ui.step_stretch import stretch, timing
from ui.step_test import test

__all__ = ["RENDER", "counted", "end", "go_to", "header", "now", "page_style", "safety", "scroll_to_top_on_change", "session_from_url"]

RENDER = {
    StepKind.BLOCKED: blocked,
    StepKind.SETUP: setup,
    StepKind.BASELINE: test,
    StepKind.RETEST: test,
    StepKind.STRETCH: stretch,
    StepKind.TIMING: timing,
    StepKind.SUMMARY: summary,
}
