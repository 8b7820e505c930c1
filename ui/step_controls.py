"""Skip this condition and stop the session: the controls beside every running step, and recording the end."""

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
                if st.button("Yes, skip it", type="primary", key=_key(session, "skip", step.trial.position)):
                    fresh = _still(store, session, step, same_condition=True)
                    store.skip_trial(fresh.id, step.trial.position)
                    go_to(fresh.id, f"{step.trial.muscle_group.label} skipped (kept as skipped, not as zero clicks).")
        with st.popover("Stop the session", icon=":material/stop_circle:"):
            flags = st.multiselect(
                "Any new symptom? It ends the session with advice.",
                list(RED_FLAGS),
                format_func=lambda f: flow.RED_FLAG_SHORT[f].capitalize(),
                key=_key(session, "new-flags"),
            )
            if st.button("Stop now", type="primary", key=_key(session, "stop")):
                fresh = _still(store, session, step, same_condition=True)
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


