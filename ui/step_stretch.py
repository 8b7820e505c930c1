"""The stretch steps: how to stretch and the timer."""

from __future__ import annotations

import time

import streamlit as st

from core.data.store import Store
from core.session.flow import Step, current_step
from core.session.protocol import (
    stretch_for,
)
from core.session.timer import (
    Timer,
    effective_seconds,
    format_seconds,
)
from core.session.vocabulary import (
    MuscleGroup,
    Session,
)
from ui.components import countdown
from ui.session_common import (
    _key,
    _still,
    go_to,
    now,
)
from ui.step_controls import _side_controls

#: A cue at half time, for stretches done in two positions.
HALFWAY = {MuscleGroup.CALVES: "Halfway: now bend the {leg} knee a little, heel still down"}


# ----------------------------------------------------------------- stretches
def _instructions(session: Session, step: Step, compact: bool = False) -> None:
    s = stretch_for(step.trial.muscle_group, session.side)
    rest = step.trial.muscle_group is MuscleGroup.REST_CONTROL
    if not compact:  # the rest's name is already the heading: its length alone
        length = format_seconds(step.trial.stretch_seconds)
        st.markdown(f"**{length}** of rest" if rest else f"**{s.name}** · {length}")
    # one instruction is a sentence, not a numbered list of one
    st.markdown(s.steps[0] if len(s.steps) == 1 else "\n".join(f"{i}. {line}" for i, line in enumerate(s.steps, 1)))
    st.markdown(f":material/check_circle: {s.cue}")
    st.markdown(f":material/warning: **Avoid:** {s.mistake}")


def stretch(store: Store, session: Session, step: Step) -> None:
    st.subheader(step.label)
    _instructions(session, step)
    seconds = effective_seconds(step.trial.stretch_seconds)
    st.button(
        f"Start the {format_seconds(seconds)} timer", type="primary", width="stretch", icon=":material/timer:",
        key=_key(session, "start", step.trial.position), on_click=_start_timer, args=(store, session, step),
    )  # fmt: skip
    st.space("large")  # Skip and Stop are never right under Start, where a hurried thumb lands
    _side_controls(store, session, step)


def _start_timer(store: Store, session: Session, step: Step) -> None:
    """Start (or restart) the timer (a callback: the run that follows draws the countdown)."""
    fresh = _still(store, session, step)
    if fresh is None:
        return
    timer = Timer(now(), effective_seconds(step.trial.stretch_seconds))
    store.update_flow(fresh.id, {"timer": {"position": step.trial.position, **timer.to_dict()}})
    go_to(fresh.id)


def _timer_ended(store: Store, session: Session) -> None:
    """The browser's countdown reached zero (a callback): the stored start decides, and a moment's skew between
    the browser and the server is waited out here, so the run that follows already draws the retest."""
    step = current_step(store.get_session(session.id), now())
    if step.timer is not None:
        time.sleep(min(step.timer.remaining(now()), 2.0))


def timing(store: Store, session: Session, step: Step) -> None:
    st.subheader(step.label)
    timer = step.timer
    left = timer.remaining(now())
    ended = countdown(
        _key(session, "countdown", step.trial.position),
        remaining_seconds=left,
        total_seconds=timer.seconds,
        token=f"{step.trial.position}@{timer.started_at.isoformat()}",
        running_text="Hold the stretch" if not step.trial.muscle_group.is_control else "Stay still, no stretching",
        done_text="Time is up: retest now",
        halfway_text=HALFWAY.get(step.trial.muscle_group, "").format(leg=session.side.value) or None,
        on_done=lambda: _timer_ended(store, session),
    )
    if ended:  # still timing after the end was waited out (a clock far off): look again
        time.sleep(min(left, 2.0))
        st.rerun()
    _instructions(session, step, compact=True)
    with st.container(horizontal=True):
        st.button("Restart the timer", icon=":material/restart_alt:", key=_key(session, "restart", step.trial.position),
                  on_click=_start_timer, args=(store, session, step))  # fmt: skip
    _side_controls(store, session, step)


