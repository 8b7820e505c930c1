"""Skip this condition and stop the session: the controls beside every running step, and recording the end.

The buttons act in their ``on_click`` callbacks, so the run that follows already draws the next step."""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.session import flow
from core.session.flow import Ending, Step
from core.session.vocabulary import (
    RED_FLAGS,
    Session,
)
from ui.session_common import (
    _key,
    _still,
    go_to,
)


# ------------------------------------------------------------- skip and stop
def _side_controls(store: Store, session: Session, step: Step) -> None:
    """Skip this condition, or stop the session (reporting a new symptom), from any step."""
    with st.container(horizontal=True, key=_key(session, "controls")):
        if step.trial is not None:  # asks once: a mis-tap opens the question, it never skips
            with st.popover("Skip this condition", icon=":material/skip_next:"):
                st.text(f"Skip {step.trial.muscle_group.label.lower()}? It is kept as skipped, not as zero clicks.")
                st.button("Yes, skip it", type="primary", key=_key(session, "skip", step.trial.position),
                          on_click=_skip, args=(store, session, step))  # fmt: skip
        with st.popover("Stop the session", icon=":material/stop_circle:"):
            st.multiselect(
                "Any new symptom? It ends the session with advice.",
                list(RED_FLAGS),
                format_func=lambda f: flow.RED_FLAG_SHORT[f].capitalize(),
                key=_key(session, "new-flags"),
            )
            st.button("Stop now", type="primary", key=_key(session, "stop"), on_click=_stop, args=(store, session, step))


def _skip(store: Store, session: Session, step: Step) -> None:
    fresh = _still(store, session, step, same_condition=True)
    if fresh is None:
        return
    store.skip_trial(fresh.id, step.trial.position)
    go_to(fresh.id, f"{step.trial.muscle_group.label} skipped (kept as skipped, not as zero clicks).")


def _stop(store: Store, session: Session, step: Step) -> None:
    flags = st.session_state.get(_key(session, "new-flags")) or []
    fresh = _still(store, session, step, same_condition=True)
    if fresh is None:
        return
    if flags:
        end(store, fresh, flow.red_flag_ending(flags), new_red_flags=flags)
    else:
        end(store, fresh, flow.person_ending())
    go_to(fresh.id)


def end(store: Store, session: Session, ending: Ending, new_red_flags: list[str] | None = None) -> None:
    """Finish or stop the session, with why, in one write."""
    stop = {"code": ending.code} if ending.code else None
    if stop and new_red_flags:
        stop["new_red_flags"] = list(new_red_flags)
    store.update_flow(session.id, {"stop": stop, "timer": None}, status=ending.status, reason=ending.reason)


