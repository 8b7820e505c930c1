""""Get a count" for one test: a count source proposes, the person confirms or corrects.

A *count source* renders whatever it needs (the tap counter; a microphone
recording, ``ui/record.py``) and returns its proposed count, or None while
it has none.  :func:`get_count` shows the chosen source, then the count as an
editable number, and returns ``(count, method)``: the source's method when the
person kept the proposal, ``CountMethod.MANUAL`` when they typed another number
(an edited recording proposal too: the number stored is then the person's,
not the detector's).

To add a source, append a :class:`CountSource` to ``SOURCES`` (or call
:func:`register`); the session flow does not change.  With more than one
source, a switch above the counter picks one; the next test starts with the
source chosen last.  The source chosen last is also kept in the address
(``?count=audio``; none for the first source, tapping), so a reload in the
middle of a test opens on the source the person was using: with Record, the
recording the browser kept comes back at once.

A saved test is handed to :func:`saved`; :func:`forget_saved`, drawn at the
bottom of the page, has each source drop what the browser kept for it (the
taps in localStorage, a recording in IndexedDB).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import NamedTuple

import streamlit as st

from core.session.vocabulary import MAX_CLICKS_PER_REP, MAX_REPS, CountMethod
from ui.components import forget_taps, tap_count, tap_counter


class Proposed(NamedTuple):
    """A proposed count with a token naming where it came from (e.g. the recording's id).

    A new token puts the count in the box again even when it equals the last one (a re-recording that
    finds the same number replaces what the person typed over the first).  ``details`` draws what can wait
    below the Save button (a picture of the recording), so the count and Save stay on a phone's screen.
    """

    count: int | None
    token: Hashable
    details: Callable[[], None] | None = None


@dataclasses.dataclass(frozen=True)
class CountSource:
    name: str  # short, stable: used in widget keys
    label: str  # shown on the switch
    method: CountMethod
    #: ``render(key, reps)`` draws the source and returns its proposed count (None: nothing yet), or a
    #: :class:`Proposed`.
    render: Callable[[str, int], int | Proposed | None]
    #: ``peek(key)``: the count the source proposes now, read from session state without drawing (for a Save
    #: callback, which runs before the page is drawn); None: the source cannot tell, its last drawn proposal holds.
    peek: Callable[[str], int | None] | None = None
    #: ``forget(keys)``: the tests rendered with ``keys`` are saved: drop what the source keeps for them, here
    #: and in the browser (it may draw a component that takes no room; called at the bottom of the page).
    forget: Callable[[list[str]], None] | None = None


#: The source chosen last in this browser session: the next test starts with it.
_LAST = "kneeclick-count-by"
#: The query parameter that keeps the source chosen last across a reload (absent: the first source).
PARAM = "count"
#: The tests saved in this browser session (their keys), whose sources forget what they kept.
_SAVED = "kneeclick-saved-tests"


def _tap(key: str, reps: int) -> int | None:
    return tap_counter(key)


SOURCES: list[CountSource] = [CountSource("tap", "Tap", CountMethod.TAP, _tap, peek=tap_count, forget=forget_taps)]


def register(source: CountSource) -> None:
    """Offer another way to count (once; a second registration of the same name replaces the first)."""
    SOURCES[:] = [s for s in SOURCES if s.name != source.name] + [source]


def _source_key(key: str) -> str:
    return f"{key}-source"


def use_source(render_key: str, name: str) -> None:
    """Switch the test whose source was rendered with ``render_key`` to the source ``name``.

    For an ``on_click`` callback (a widget's state can only be set before it is drawn), e.g. a
    "Count by tapping instead" button in a source that could not propose a count.
    """
    test_key = render_key.rsplit("-", 1)[0]
    st.session_state[_source_key(test_key)] = name
    _remember(name)


def _chose(key: str) -> None:
    """The person picked a source on the switch of the test ``key`` (its ``on_change``)."""
    _remember(st.session_state.get(_source_key(key)))


def _remember(name: str | None) -> None:
    """Keep ``name`` as the source chosen last: for this browser session, and in the address for a reload.

    Written only when the person picks a source (a callback), never by a plain run: the address changes once
    per choice (one entry in the browser's history), and Back to the address before it is not written over.
    """
    if name not in {s.name for s in SOURCES}:
        return
    st.session_state[_LAST] = name
    if name == SOURCES[0].name:
        st.query_params.pop(PARAM, None)
    elif st.query_params.get(PARAM) != name:
        st.query_params[PARAM] = name


def _last(names) -> str:
    """The source the next test starts with: the one chosen last in this browser session, else the address's."""
    for last in (st.session_state.get(_LAST), st.query_params.get(PARAM)):
        if last in names:
            return last
    return SOURCES[0].name


def saved(test_key: str) -> None:
    """The test ``test_key`` is saved (e.g. in Save's callback): its sources forget it from the next run on."""
    keys = st.session_state.setdefault(_SAVED, [])
    if test_key not in keys:
        keys.append(test_key)


def forget_saved() -> None:
    """Have each source drop what it (and the browser) kept for the tests saved in this browser session.

    Draw it at the bottom of the page: the components it may draw take no room.
    """
    keys = st.session_state.get(_SAVED)
    if not keys:
        return
    for source in SOURCES:
        if source.forget is not None:
            source.forget([f"{k}-{source.name}" for k in keys])


def get_count(
    key: str, reps: int, *, reps_key: str | None = None, details=None, on_reps=None
) -> tuple[int | None, CountMethod, int]:
    """Render "get a count" for the test ``key``: returns (count, method, reps done).

    ``count`` is None while there is none; ``reps`` starts at the planned ``reps`` and can be corrected.
    ``details``: a container (placed lower on the page) for the source's details; default: right here.
    ``on_reps``: ``(callback, args)`` for the reps box's ``on_change`` (e.g. the page's :func:`stale_box` check:
    a reps correction sent before the last tap's reply arrived carries the count box's older value too).
    """
    source = SOURCES[0]
    if len(SOURCES) > 1:
        by_name = {s.name: s for s in SOURCES}
        chosen = st.segmented_control(
            "Count by",
            list(by_name),
            default=_last(by_name),
            required=True,
            format_func=lambda n: by_name[n].label,
            key=_source_key(key),
            on_change=_chose,
            args=(key,),
            label_visibility="collapsed",  # "Tap | Record" says it; the line it saves keeps Save on a phone's screen
        )
        source = by_name.get(chosen, SOURCES[0])
        st.session_state[_LAST] = source.name
    result = source.render(f"{key}-{source.name}", reps)
    proposed, token = (result.count, result.token) if isinstance(result, Proposed) else (result, None)

    # The editable count follows the proposal until the person types a number; a new proposal wins again.
    box = f"{key}-clicks"
    if st.session_state.get(f"{key}-proposed") != (source.name, proposed, token):
        _propose(key, source.name, proposed, token)
    else:
        _behind_once(key)
    left, right = st.columns(2, wrap=False)
    count = left.number_input(
        "Clicks counted",
        min_value=0,
        max_value=MAX_REPS * MAX_CLICKS_PER_REP,
        step=1,
        key=box,
        help="Correct it here if a click was missed or counted twice.",
    )
    st.session_state[_shown_key(key)] = count  # what the browser is sent (and above): see :func:`stale_box`
    callback, args = on_reps or (None, None)
    done = right.number_input(
        "Reps done", min_value=1, max_value=MAX_REPS, value=reps, step=1, key=reps_key or f"{key}-reps",
        on_change=callback, args=args,
    )
    if isinstance(result, Proposed) and result.details is not None:
        with details if details is not None else st.container():
            result.details()
    if count is None:
        return None, source.method, int(done)
    count = int(count)
    return count, (source.method if count == proposed else CountMethod.MANUAL), int(done)


def _chosen(key: str) -> CountSource:
    """The source chosen for the test ``key``, from session state alone (for a callback)."""
    if len(SOURCES) > 1:
        return {s.name: s for s in SOURCES}.get(st.session_state.get(_source_key(key)), SOURCES[0])
    return SOURCES[0]


def _shown_key(key: str) -> str:
    return f"{key}-shown"


def _behind_key(key: str) -> str:
    return f"{key}-behind"


def _propose(key: str, source: str, count: int | None, token: Hashable) -> None:
    """Put the proposal ``count`` of ``source`` in the count box of the test ``key`` (before the box is drawn),
    remembering it as the proposal drawn and as what the browser is sent (see :func:`stale_box`), and the box's
    value before it, which a browser that has not yet had this run's reply still holds (see :func:`_behind_once`)."""
    box = f"{key}-clicks"
    st.session_state[_behind_key(key)] = st.session_state.get(box)
    st.session_state[f"{key}-proposed"] = (source, count, token)
    st.session_state[box] = st.session_state[_shown_key(key)] = count
    sent = st.session_state.setdefault(_sent_key(key), [])
    if count is not None and count not in sent:
        sent.append(count)


def _sent_key(key: str) -> str:
    return f"{key}-sent"


def _behind_once(key: str) -> None:
    """The first run after a proposal that did not bring a new one: a box back at its value from before the
    proposal is the browser's older value, not the person's, and gets the proposal back.

    Any message from the browser carries every widget's value. One sent before the proposal's reply arrived (the
    wake lock's or the recorder's report, a kept count restored after a reload) carries the box's older value,
    and the run it starts would draw that value over the proposal: the box would say 0 beside a counter showing
    2, and Save would store the 0 as typed. That value is put back once per proposal; from the next message on
    (or once the browser has sent the proposal back) a number in the box is the person's, even the older one
    typed again.
    """
    behind = st.session_state.pop(_behind_key(key), _NOTHING)
    box = f"{key}-clicks"
    shown = st.session_state.get(_shown_key(key))
    if behind is not _NOTHING and behind != shown and st.session_state.get(box) == behind:
        st.session_state[box] = shown


_NOTHING = object()


def stale_box(key: str) -> tuple[int, int] | None:
    """For a Save button's callback: ``(box, taps)`` when the count box's value may be one the browser had not
    yet replaced, else None.  A source that proposes with every tap (the tap counter) puts each new count in the
    box with a run; a Save pressed before that run's reply reached the browser carries the box's older value,
    which looks exactly like a number the person typed.  A number typed in the box reaches the server with its
    own message (the box commits when it loses focus, before the Save's tap), so a box that changed in the
    Save's own message, away from what the taps say, to a number the page once put there, is that older value
    (or, rarely, a correction to that same number typed just before, which a busy server took in one run with
    the Save): either way the person must see it first. A number the page never put there was typed: it stands.
    The box is set back to the taps' count for the next run (the caller says why and does not save).
    """
    source = _chosen(key)
    if source.peek is None:
        return None
    box = st.session_state.get(f"{key}-clicks")
    shown = st.session_state.get(_shown_key(key), box)
    taps = source.peek(f"{key}-{source.name}")
    if box is None or taps is None or box == shown or int(box) == taps:
        return None
    if int(box) not in st.session_state.get(_sent_key(key), ()):
        # Never a number the page put in the box: the person typed it, and its own message was taken in the same
        # run as this one (a busy server drops a run that a newer message overtakes).
        return None
    _propose(key, source.name, taps, None)
    return int(box), taps


def counted(key: str, *, reps_key: str) -> tuple[int | None, CountMethod, int | None]:
    """What :func:`get_count` would return for the test ``key`` on the next run, from session state alone.

    For a Save button's callback: a tap that reached the server with the Save, after the page was last drawn,
    still counts (the source's newest proposal replaces the box, as drawing it would).
    """
    source = _chosen(key)
    count, seen = st.session_state.get(f"{key}-clicks"), st.session_state.get(f"{key}-proposed")
    proposed = seen[1] if isinstance(seen, tuple) and seen[0] == source.name else None
    if source.peek is not None:
        now = source.peek(f"{key}-{source.name}")
        if seen != (source.name, now, None):  # a newer proposal than the one drawn: it wins, as on screen
            count = proposed = now
    reps = st.session_state.get(reps_key)
    if count is None:
        return None, source.method, reps
    count = int(count)
    return count, (source.method if count == proposed else CountMethod.MANUAL), reps
