""""Get a count" for one test: a count source proposes, the person confirms or corrects.

A *count source* renders whatever it needs (the tap counter; later a
microphone recording, issue 6) and returns its proposed count, or None while it
has none.  :func:`get_count` shows the chosen source, then the count as an
editable number, and returns ``(count, method)``: the source's method when the
person kept the proposal, ``CountMethod.MANUAL`` when they typed another number.

To add a source, append a :class:`CountSource` to ``SOURCES`` (or call
:func:`register`); the session flow does not change.  With more than one
source, a switch above the counter picks one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import streamlit as st

from core.model import MAX_CLICKS_PER_REP, MAX_REPS, CountMethod
from pages._components import tap_counter


@dataclasses.dataclass(frozen=True)
class CountSource:
    name: str  # short, stable: used in widget keys
    label: str  # shown on the switch
    method: CountMethod
    #: ``render(key, reps)`` draws the source and returns its proposed count (None: nothing yet).
    render: Callable[[str, int], int | None]


def _tap(key: str, reps: int) -> int | None:
    return tap_counter(key)


SOURCES: list[CountSource] = [CountSource("tap", "Tap", CountMethod.TAP, _tap)]


def register(source: CountSource) -> None:
    """Offer another way to count (once; a second registration of the same name replaces the first)."""
    SOURCES[:] = [s for s in SOURCES if s.name != source.name] + [source]


def get_count(key: str, reps: int, *, reps_key: str | None = None) -> tuple[int | None, CountMethod, int]:
    """Render "get a count" for the test ``key``: returns (count, method, reps done).

    ``count`` is None while there is none; ``reps`` starts at the planned ``reps`` and can be corrected.
    """
    source = SOURCES[0]
    if len(SOURCES) > 1:
        by_name = {s.name: s for s in SOURCES}
        chosen = st.segmented_control(
            "Count by",
            list(by_name),
            default=SOURCES[0].name,
            required=True,
            format_func=lambda n: by_name[n].label,
            key=f"{key}-source",
        )
        source = by_name.get(chosen, SOURCES[0])
    proposed = source.render(f"{key}-{source.name}", reps)

    # The editable count follows the proposal until the person types a number; a new proposal wins again.
    box, seen = f"{key}-clicks", f"{key}-proposed"
    if st.session_state.get(seen) != (source.name, proposed):
        st.session_state[seen] = (source.name, proposed)
        st.session_state[box] = proposed
    left, right = st.columns(2, wrap=False)
    count = left.number_input(
        "Clicks counted",
        min_value=0,
        max_value=MAX_REPS * MAX_CLICKS_PER_REP,
        step=1,
        key=box,
        help="Correct it here if a tap was missed or doubled.",
    )
    done = right.number_input(
        "Reps done", min_value=1, max_value=MAX_REPS, value=reps, step=1, key=reps_key or f"{key}-reps"
    )
    if count is None:
        return None, source.method, int(done)
    count = int(count)
    return count, (source.method if count == proposed else CountMethod.MANUAL), int(done)
