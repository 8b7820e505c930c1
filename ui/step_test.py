"""The test steps: the baseline and each retest, counted by tapping or recording."""

from __future__ import annotations

import streamlit as st

from core.data.store import Store
from core.session import words
from core.session.flow import Step, StepKind
from core.session.vocabulary import (
    Session,
    validate_counts,
)
from ui.components import scroll_into_view
from ui.count import counted, get_count, saved, stale_box
from ui.session_common import (
    _key,
    _still,
    go_to,
    say_problem,
    show_problems,
)
from ui.step_controls import _side_controls


# -------------------------------------------------------------------- tests
def test(store: Store, session: Session, step: Step) -> None:
    """The baseline test or a retest: count the clicks, say the pain, save at once."""
    movement = session.movement
    # One set of widget keys per test screen: "b" for the baseline, "r<position>" for a retest (a skipped
    # condition's half-counted taps must not carry over to the next retest, which gets the same seq).
    tag = "b" if step.kind is StepKind.BASELINE else f"r{step.trial.position}"
    when = "Now" if step.kind is StepKind.BASELINE else "Straight away, the same"
    st.markdown(
        f"{when} **{session.reps_per_test} {movement.label.lower()}s**, {session.side.value} leg, steady pace: "
        "tap for every click, or record them."
    )
    # The count, pain and Save first (one phone screen); a recording's picture below them.
    main, details = st.container(), st.container()
    with main:
        test_key = _key(session, "test", tag)
        count, method, reps = get_count(
            test_key, session.reps_per_test, reps_key=_key(session, "reps", tag), details=details,
            on_reps=(_check_box, (test_key, "corrected the reps")),
        )  # fmt: skip
        st.segmented_control(
            "Pain during these reps (0 none, 10 worst)", list(range(11)), key=_key(session, "pain", tag), width="stretch",
            on_change=_check_box, args=(test_key, "chose the pain score"),
        )
        # Saved in the button's callback, before the next run: that run already draws the next step.
        st.button("Save this test", type="primary", width="stretch", icon=":material/save:", key=_key(session, "save", tag),
                  on_click=_save, args=(store, session, step, tag))  # fmt: skip
        show_problems()  # just below Save, on a phone's first screen (nothing above Save moves)
    # A 0-click baseline ends the session: asked once, below Save (nothing above the counter moves).
    asked = st.session_state.get(_key(session, "zero-ask"))
    if step.kind is StepKind.BASELINE and not step.quick and asked and count == 0:
        with st.container(key=_key(session, "zero-box")):
            st.warning("0 clicks in the baseline ends today's session: with no clicks there is nothing to measure. "
                       "Is 0 right?", icon=":material/help:")  # fmt: skip
            st.button("Yes, 0 clicks: save and end", key=_key(session, "zero-yes"), width="stretch",
                      on_click=_save, args=(store, session, step, tag, True))  # fmt: skip
        scroll_into_view(_key(session, "zero-box"), token=str(asked))  # it may be below the screen's edge
    if step.kind is StepKind.BASELINE:  # a retest is "the same again": no need to say how twice
        # A popover, not an expander: the browser builds its content only when it is opened (an expander's is
        # built with the step, closed or not), and this step change is the session's slowest.
        with st.popover(f"How to do a {movement.label.lower()}" + ("" if step.quick else ", and today's order"),
                        icon=":material/help:", width="stretch"):  # fmt: skip
            st.write(movement.how_to)
            if session.trials:  # a quick check has no conditions
                _order_list(session)
    _side_controls(store, session, step)


def _check_box(test_key: str, action: str, prefix: str = "") -> bool:
    """True (and a message below Save) when the count box held an older count than the taps as the person did
    ``action``: the box gets the taps' count back (see ``ui.count.stale_box``)."""
    stale = stale_box(test_key)
    if stale is None:
        return False
    box, taps = stale
    say_problem(f"{prefix}your taps counted {taps}, but the box held {box} as you {action}. The box shows your "
                f"{taps} taps again: correct it if you meant another number.")  # fmt: skip
    return True


def _save(store: Store, session: Session, step: Step, tag: str, confirmed: bool = False) -> None:
    """Save the test on screen (a callback): checked, then written once, if the session is still at this step."""
    if _check_box(_key(session, "test", tag), "pressed Save", prefix="Not saved yet: "):
        return
    count, method, reps = counted(_key(session, "test", tag), reps_key=_key(session, "reps", tag))
    pain = st.session_state.get(_key(session, "pain", tag))
    if count is None:
        return say_problem("Enter the number of clicks (0 if there were none).")
    if pain is None:
        return say_problem("Choose how much it hurt, from 0 (not at all) to 10.")
    try:
        validate_counts(int(reps), int(count))
    except ValueError as e:
        return say_problem(f"Not saved: {e}. Check the numbers and save again.")
    if step.kind is StepKind.BASELINE and not step.quick and int(count) == 0 and not confirmed:
        st.session_state[_key(session, "zero-ask")] = int(st.session_state.get(_key(session, "zero-ask")) or 0) + 1
        return
    fresh = _still(store, session, step)
    if fresh is None:
        return
    after = step.trial.position if step.kind is StepKind.RETEST else None
    store.record_test(fresh.id, int(reps), int(count), pain=int(pain), method=method, after_position=after)
    saved(_key(session, "test", tag))  # the browser no longer keeps its taps or recording
    # a quick check's summary says what was saved in its own box: no second line saying the same
    go_to(fresh.id, None if step.quick else
          f"Saved: {words.count(int(count), 'click')} in {words.count(int(reps), 'rep')}, pain {pain}.")  # fmt: skip


def _order_list(session: Session) -> None:
    how = "random (seed stored with the session)" if session.randomized else "fixed"
    st.caption(f"Today's order, {how}:")
    st.markdown("\n".join(f"{t.position}. {t.muscle_group.label}" for t in session.trials))


