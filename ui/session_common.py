"""What every step of the Session page shares: the clock, the session in the URL, the header, the style.

Tests replace the clock: ``ui.session_common.CLOCK = FakeClock()``.
"""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.session import flow
from core.session.clock import SYSTEM_CLOCK
from core.session.flow import Step, StepKind
from core.session.timer import (
    TIMER_ENV_VAR,
    timer_override,
)
from core.session.vocabulary import (
    STRETCH_GROUPS,
    MuscleGroup,
    Session,
)
from ui import record as _record
from ui.components import scroll_into_view
from ui.components import scroll_to_top_on_change as _scroll_top
from ui.count import register
from ui.phone import keep_screen_awake

register(_record.SOURCE)  # "Count by: Tap | Record" above the counter

#: The clock every step reads; tests replace it (``ui.session_steps.CLOCK = FakeClock()``).
CLOCK = SYSTEM_CLOCK
PARAM = "session"
_FLASH = "kneeclick-flash"
_YES_NO = ["No", "Yes"]
CONDITION_OPTIONS: list[MuscleGroup] = [*STRETCH_GROUPS, MuscleGroup.REST_CONTROL]


# ------------------------------------------------------------------ plumbing
def now():
    return CLOCK.now()


def session_from_url(store: Store) -> Session | None:
    """The session named in the URL; None for a new one.  An unknown id is said plainly, then st.stop()."""
    sid = st.query_params.get(PARAM)
    if not sid:
        return None
    try:
        return store.get_session(sid)
    except KeyError:
        st.title("Find what makes your knee click")
        st.error(
            "This link names a session that is not in your store. It may have been made with another "
            "database, or deleted. Nothing was changed.",
            icon=":material/error:",
        )
        st.button("Start a new session", type="primary", key="unknown-new", on_click=go_to, args=(None,))
        st.stop()


def go_to(session_id: str | None, flash: str | None = None) -> None:
    """Show ``session_id`` (None: a new session) on this run.

    Called from a widget's ``on_click`` callback, which runs before the script: the run that follows reads the
    URL and the store afresh and draws the next step at once, with no second run (``st.rerun()``) after a write.
    """
    if session_id:
        st.query_params[PARAM] = session_id
    else:
        st.query_params.pop(PARAM, None)
    if flash:
        st.session_state[_FLASH] = flash


_RUNNING = (StepKind.SETUP, StepKind.BASELINE, StepKind.STRETCH, StepKind.TIMING, StepKind.RETEST)


def _still(store: Store, session: Session, step: Step, *, same_condition: bool = False) -> Session | None:
    """The session as stored now, if it is still at ``step``; else None, saying so (for a callback: the run
    that follows shows where the session is now).

    ``same_condition``: for skip and stop, any running step of the same condition will do (a timer that ran
    out a moment ago turned the stretch into the retest, and skipping it is still meant).
    """
    fresh = store.get_session(session.id)
    again = flow.current_step(fresh, now())
    same_trial = (again.trial.position if again.trial else None) == (step.trial.position if step.trial else None)
    if same_trial and (again.kind is step.kind or (same_condition and again.kind in _RUNNING)):
        return fresh
    st.session_state[_FLASH] = "That step was already saved (perhaps in another tab). Here is where the session is now."
    return None


def header(step: Step) -> None:
    """Progress, always visible: step k of n and what this step is."""
    if step.kind is StepKind.SAFETY:
        st.title("Quick check" if step.quick else "Find what makes your knee click")
    elif step.kind is StepKind.SUMMARY:
        st.title("Quick check" if step.quick else "Session summary")
    with st.container(key="kc-progress"):  # its placeholder is sized in _CSS
        st.progress(step.number / step.total, text=f"**{step.progress}** · {step.label}")
    # The phone must not sleep during a stretch; says once when it cannot (never above a tap counter).
    keep_screen_awake(say_why=step.kind not in (StepKind.BASELINE, StepKind.RETEST))
    flash = _flash(step)
    # Always drawn, so the elements below keep their place on the next rerun: a message that vanished would
    # shift the tap counter, and a shifted component is remounted and loses the taps made meanwhile.
    slot = st.empty()
    if flash:  # said in place: a toast would cover the tap target on a phone
        slot.caption(f":material/check_circle: {flash}")
    override = _override()
    if override is not None and step.kind in (StepKind.STRETCH, StepKind.TIMING):
        st.caption(f"Test setting {TIMER_ENV_VAR}: timers run {override:g} s.")


_FLASH_SHOWN = "kneeclick-flash-shown"


def _flash(step: Step) -> str | None:
    """The message a callback left for this step, kept for as long as the step is on screen: a rerun on the
    same step (a tap reported, the summary's chart opened) must not take away a line above what is tapped."""
    here = (st.query_params.get(PARAM), step.kind.value, step.number)
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.session_state[_FLASH_SHOWN] = (here, flash)
        return flash
    shown = st.session_state.get(_FLASH_SHOWN)
    return shown[1] if shown and shown[0] == here else None


_CSS = """
<style>
[class*="-pain-"] [data-testid="stButtonGroup"] button { min-width: 0; padding-left: 0; padding-right: 0; flex: 1 1 0; }
[class*="-pain-"] [data-testid="stButtonGroup"] > div { flex-wrap: nowrap; width: 100%; }
.st-key-kc-widget-code { display: none; }  /* ui.warm.widget_code: loads widget code, never shown */
/* A widget's placeholder before its code has loaded (40 px) sized as the widget, for the two above a tap counter
   (the step's progress line, the Tap | Record switch): on a reload the counter appears where it stays. */
.st-key-kc-progress [data-testid="stSkeleton"] { height: 35px; }
/* the screen-awake check (ui.phone.keep_screen_awake) takes no room unless the browser cannot keep the screen on */
.st-key-kneeclick-browser-caps > [data-testid="stSkeleton"] { height: 0; }
[class*="-test-"][class*="-source"] > [data-testid="stSkeleton"] { height: 2rem; }
</style>
"""


def scroll_to_top_on_change(step: Step) -> None:
    """A new step starts at the top of the screen, like a new page."""
    _scroll_top(f"{step.kind.value}-{step.number}")


def page_style() -> None:
    st.html(_CSS)


def _override() -> float | None:
    try:
        return timer_override()
    except ValueError as e:
        st.error(str(e), icon=":material/error:")
        st.stop()


def _key(session: Session, *parts) -> str:
    return "-".join([session.id, *map(str, parts)])



def _new_session_button(key: str) -> None:
    st.button("Start a new session", icon=":material/add:", key=key, on_click=_new_session)


def _new_session() -> None:
    for k in [k for k in st.session_state if str(k).startswith("safety-")]:
        del st.session_state[k]
    go_to(None)


#: A step's message from its callback (a count that is missing, a setup that cannot run), drawn by the step.
_PROBLEM = "kneeclick-problem"
_PROBLEM_N = "kneeclick-problem-n"
_PROBLEM_BOX = "step-problem"


def say_problem(*messages: str) -> None:
    """From a callback: the step on screen shows ``messages`` as errors where its action is (one run only)."""
    st.session_state[_PROBLEM] = list(messages)
    st.session_state[_PROBLEM_N] = st.session_state.get(_PROBLEM_N, 0) + 1


def show_problems() -> bool:
    """Draw the messages a callback left (see :func:`say_problem`) below the action, and bring them into view:
    on a phone they can fall below the screen's edge, and a tap that seems to do nothing is tapped again.
    True if there were any."""
    problems = st.session_state.pop(_PROBLEM, None)
    if problems:
        with st.container(key=_PROBLEM_BOX):
            for p in problems:
                st.error(p, icon=":material/error:")
        scroll_into_view(_PROBLEM_BOX, token=str(st.session_state.get(_PROBLEM_N, 0)))
    return bool(problems)


