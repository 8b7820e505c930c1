"""A program for the culprit: started from Results, shown on the Session page (Streamlit glue; the logic is in
core.session.program, core.report.program and the store)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.analysis.ranking import LegResult
from core.data.store import Store
from core.data.store_programs import ProgramRunning
from core.report.program import offers
from core.session.program import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    MIN_WEEKS,
    WHY_DEFAULT_WEEKS,
    Program,
    daily_routine,
    today_plan,
)
from core.session.vocabulary import Side
from core.session.words import count

_CONFIRM = "program-confirm-{side}"
_FLASH = "program-flash"
_END = "program-end-ask-{side}"
#: The verdict in the group's choice, in the words Results uses.
_SHORT = {"likely": "likely", "possible": "possible", "unlikely": "probably not", "insufficient_data": "too few sessions"}


def _today(store: Store) -> dt.date:
    return store.clock.now().date()


def start_panel(store: Store, leg: LegResult, read_only: str | None = None) -> None:
    """Results, one leg: "Start a program for <group>" (the first `likely` group, or one picked from the
    ranking, with a plain word on how strong the evidence is); the running program if there is one."""
    choices = offers(leg)
    if not choices:
        return
    side = leg.side
    found = any(c.recommended for c in choices)
    # No `likely` group yet: no "culprit" in the heading and no green button pulling the thumb to a guess.
    st.subheader("A program for the culprit" if found else "A program, before the culprit is clear")
    if flash := st.session_state.pop(_FLASH, None):
        st.success(flash, icon=":material/check_circle:")  # kneeclick's own words
    current = store.active_program(side)
    if current is not None:
        st.markdown(f"**{today_plan(current, _today(store)).headline}.**")
        st.page_link("pages/session.py", label="See today's exercises on the Session page", icon=":material/timer:")
    # A running program comes first; starting another is one tap away, not a second form under "Week 1 of 6".
    other = st.expander("Start a different program instead", icon=":material/swap_horiz:",
                        key=f"program-other-{side}") if current is not None else st.container()
    with other:
        by_id = {c.muscle_group: c for c in choices}
        default = next((i for i, c in enumerate(choices) if c.recommended), 0)
        picked = st.selectbox(
            "Muscle group", list(by_id), index=default, key=f"program-group-{side}",
            format_func=lambda g: f"{by_id[g].label} ({_SHORT.get(by_id[g].verdict, by_id[g].verdict)})",
            help="Ranked as above. The first likely group is chosen for you; you can pick another.",
        )  # fmt: skip
        offer = by_id[picked]
        (st.caption if offer.recommended else st.warning)(offer.note)
        start = st.date_input("Start date", value=_today(store), key=f"program-start-{side}", format="YYYY-MM-DD")
        weeks = st.number_input("How many weeks", MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS, step=1, key=f"program-weeks-{side}")
        st.caption(WHY_DEFAULT_WEEKS)
        confirm_key = _CONFIRM.format(side=side)
        label = f"Start a program for your {offer.label.lower()}"
        if st.button(label, key=f"program-start-button-{side}",
                     type="primary" if current is None and offer.recommended else "secondary",
                     disabled=read_only is not None, help=read_only, icon=":material/fitness_center:"):  # fmt: skip
            if current is None:
                _start(store, side, offer, start, int(weeks), end_current=False)
            else:
                st.session_state[confirm_key] = picked
        if read_only:
            st.caption(read_only)  # a phone shows no tooltip: why the button does nothing, said under it
        if current is not None and st.session_state.get(confirm_key) == picked:
            st.warning(f"Your {current.label.lower()} program still runs on this leg: one program per leg at a time. "
                       f"End it and start the {offer.label.lower()} program?", icon=":material/warning:")  # fmt: skip
            with st.container(horizontal=True):
                if st.button("Yes, end it and start this one", type="primary", key=f"program-replace-{side}"):
                    st.session_state.pop(confirm_key, None)
                    _start(store, side, offer, start, int(weeks), end_current=True)
                if st.button("Keep the current one", key=f"program-keep-{side}"):
                    st.session_state.pop(confirm_key, None)
                    st.rerun()


def _start(store: Store, side: str, offer, start: dt.date, weeks: int, end_current: bool) -> None:
    try:
        program = store.start_program(side, offer.muscle_group, start_date=start, weeks=weeks,
                                      verdict=offer.verdict, end_current=end_current)  # fmt: skip
    except ProgramRunning:
        st.session_state[_CONFIRM.format(side=side)] = offer.muscle_group  # started elsewhere meanwhile: ask
        st.rerun()
    st.session_state[_FLASH] = f"Started: your {program.label.lower()} program, {count(program.weeks, 'week')}. The Session page shows what to do each day."
    st.rerun()


def today_cards(store: Store) -> None:
    """Session page: for each leg with a running program, what to do today, the week, and the quick-check nudge."""
    today = _today(store)
    for side in Side:
        program = store.active_program(side)
        if program is not None:
            _card(store, program, today)


def _card(store: Store, program: Program, today: dt.date) -> None:
    plan = today_plan(program, today)
    with st.container(border=True, key=f"program-today-{program.side.value}"):
        st.markdown(f"**{plan.headline}** ({program.side.value} leg)")
        if plan.status == "running":
            st.markdown(f"Today: **{plan.stretch.name.lower()}**, about 30 seconds, 2-3 times. "
                        f"{plan.stretch.cue}")  # fmt: skip
            with st.expander("How to do the stretch"):
                st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(plan.stretch.steps, 1)))
                st.caption(f"Watch for: {plan.stretch.mistake}")
            st.markdown(f"And every other day, to strengthen: {plan.strengthen[0].lower()}{plan.strengthen[1:]}")
            st.caption(plan.nudge)
        else:
            st.caption(" ".join(daily_routine(program)))
        side = program.side.value
        asking = _END.format(side=side)
        if st.session_state.get(asking) != program.id:
            if st.button("End this program", key=f"program-end-{side}", icon=":material/stop_circle:"):
                st.session_state[asking] = program.id  # one tap in reach of the thumb must not end six weeks
                st.rerun()
            return
        st.warning(f"End your {program.label.lower()} program now? It is kept as ended, with its dates, in the PDF report.",
                   icon=":material/warning:")  # fmt: skip
        with st.container(horizontal=True):
            if st.button("Yes, end it", type="primary", key=f"program-end-yes-{side}"):
                st.session_state.pop(asking, None)
                try:
                    store.end_program(program.id)
                except (KeyError, ValueError):
                    pass  # ended in another tab meanwhile: the rerun shows it gone
                st.rerun()
            if st.button("Keep it", key=f"program-end-no-{side}"):
                st.session_state.pop(asking, None)
                st.rerun()
