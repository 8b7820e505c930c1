"""The quick check on the Session page: the offer on the start screen, its light safety screen, its summary.

A quick check is the test alone (core.session.flow.new_quick_check): the same movement and reps as the last
full session, about a minute, so it can be done a few times a week.  Its safety screen is one question, asked
every time: the seven red flags of the full screen, listed in a line, answered with one tap ("None of these")
or "Yes", which stores a blocked check with the flags chosen and gives the same advice as the full screen.  The
full nine-question form a few times a week would be tapped through unread; one plain list read each time
keeps what matters (any red flag stops the test) at the cost of one tap.  The leg and the test come from the
last full session; the leg can be changed on the same screen.
"""

from __future__ import annotations

import streamlit as st

from core.data.store import Store, new_session_id
from core.session import flow
from core.session.flow import Step, StepKind
from core.session.vocabulary import RED_FLAGS, Movement, SafetyScreen, Session, SessionKind, SessionStatus, Side
from ui.session_common import PARAM as SESSION_PARAM
from ui.session_common import go_to, say_problem, show_problems
from ui.text import alert
from ui.views import store_key
from core.session.words import count
from ui.warm import widget_code

#: ``?check=1``: the quick check's safety screen (kept in the URL, so a reload stays on it).
PARAM = "check"
_YES = "quick-yes"


def asked() -> bool:
    """Whether the start screen should be the quick check's (``?check=1`` and no session yet)."""
    return st.query_params.get(PARAM) == "1" and not st.query_params.get(SESSION_PARAM)


def start_step() -> Step:
    return Step(StepKind.SAFETY, 1, flow.QUICK_CHECK_STEPS, quick=True)


def offer(store: Store) -> None:
    """One tap from the start screen: the quick check (the main action only once a full session exists: a new
    person starts with the full session below)."""
    known = last_test(store) is not None
    with st.container(border=True, key="quick-offer"):
        st.markdown("**Quick check** · about a minute: the test alone, no stretches. A few times a week, it "
                    "shows whether the clicking goes down."
                    + ("" if known else " New here? Start with the full session below."))  # fmt: skip
        st.button("Quick check", icon=":material/speed:", type="primary" if known else "secondary", key="quick-check",
                  width="stretch", on_click=_ask)  # fmt: skip


def _ask() -> None:
    st.query_params[PARAM] = "1"  # a callback: the run that follows draws the quick check's screen


def last_test(store: Store) -> tuple[str, str, int] | None:
    """(side, movement, reps) of the latest full session with a test; None without one."""
    return _last_test(store_key(store), store)


@st.cache_resource(show_spinner=False, max_entries=16)
def _last_test(key: str, _store: Store) -> tuple[str, str, int] | None:
    listing = _store.list_sessions()
    for row in listing.loc[listing["conditions_planned"] > 0].to_dict("records"):
        session = _store.get_session(row["id"])
        if session.baseline is not None:
            return session.side.value, session.movement.value, session.reps_per_test
    return None


def start(store: Store) -> None:
    """The quick check's safety screen: the leg, the test, one question, one tap to start."""
    last = last_test(store)
    side, movement, reps = last if last else (None, Movement.BODYWEIGHT_SQUAT.value, flow.DEFAULT_REPS)
    sides = [s.value for s in Side]
    st.radio("Leg", sides, index=sides.index(side) if side else None, horizontal=True,
                      format_func=lambda v: f"{v.capitalize()} knee", key="quick-side")  # fmt: skip
    what = "the same test as your last session" if last else "the standard test (no full session yet)"
    st.markdown(f"The test: {what}, **{reps} {Movement(movement).label.lower()}s**, at the same steady pace, "
                "the phone in the same place.")  # fmt: skip
    st.markdown("**Today, does this knee have any of these?** "
                + " · ".join(flow.RED_FLAG_SHORT[f].capitalize() for f in RED_FLAGS))  # fmt: skip
    # Each action writes in its button's callback: the run that follows already draws the next step.
    st.button("None of these: start the check", type="primary", icon=":material/play_arrow:", key="quick-none",
              width="stretch", on_click=_begin, args=(store, movement, int(reps), False))  # fmt: skip
    if st.button("Yes, one of these", key="quick-yes-button", width="stretch"):
        st.session_state[_YES] = True
    if st.session_state.get(_YES):
        flags = st.multiselect("Which ones?", list(RED_FLAGS), format_func=lambda f: flow.RED_FLAG_SHORT[f].capitalize(),
                               key="quick-flags")  # fmt: skip
        st.button("Save and stop", key="quick-stop", disabled=not flags, on_click=_begin,
                  args=(store, movement, int(reps), True))  # fmt: skip
    st.button("Back", icon=":material/arrow_back:", key="quick-back", on_click=_leave)
    widget_code()  # hidden: opened straight from a link, the test that follows still draws at once
    show_problems()


def _begin(store: Store, movement: str, reps: int, stop: bool) -> None:
    """Store the quick check (a callback): blocked with the flags chosen when ``stop``, else at its test."""
    chosen = st.session_state.get("quick-side")
    if chosen is None:
        return say_problem("Choose the leg first.")
    flags = list(st.session_state.get("quick-flags") or []) if stop else []
    if stop and not flags:
        return say_problem("Choose which of them, or go back.")
    safety = SafetyScreen(**{f: True for f in flags}) if stop else SafetyScreen()
    session = store.create_session(flow.new_quick_check(new_session_id(), chosen, movement, reps, safety))
    _leave()
    go_to(session.id, None if stop else "Quick check started: do the reps and tap for every click.")


def _leave() -> None:
    st.query_params.pop(PARAM, None)
    for key in (_YES, "quick-flags", "quick-side"):
        st.session_state.pop(key, None)


def summary(store: Store, session: Session, step: Step) -> None:
    """A saved quick check: its count, the leg's trend in one sentence, and the way to Results."""
    from ui.trend_view import trend_views

    m = session.baseline
    if session.status is SessionStatus.FINISHED and m is not None:
        st.success(f"Quick check saved: {count(m.clicks, 'click')} in {count(m.reps, 'rep')}.", icon=":material/check_circle:")
    else:
        alert("warning", "The quick check ended early.", session.stop_reason, icon=":material/stop_circle:")
        advice = flow.advice(session)
        if advice:
            st.error(advice)
    view = next((v for v in trend_views(store) if v.side == session.side.value), None)
    if view is not None:
        st.markdown(f"**{view.trend.sentence}**")
    st.page_link("pages/results.py", label="See whether it is working, on Results", icon=":material/insights:")
    st.button("Done", key="quick-done", width="stretch", on_click=go_to, args=(None,))


def is_quick(session: Session | None) -> bool:
    return session is not None and session.kind is SessionKind.QUICK_CHECK
