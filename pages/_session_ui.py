"""The Session page's steps: one function per step of core.flow, each a short Streamlit script.

Where the person is comes from the stored session (``core.flow.current_step``),
never from ``st.session_state``: the session id lives in the URL
(``?session=...``), so a reload, a closed tab or a restarted server resumes
the same step.  Every action re-reads the session and checks the step is still
the one on screen before writing, so a double tap or a second tab never
records a test twice.
"""

from __future__ import annotations

import time

import streamlit as st

from core import flow
from core.clock import SYSTEM_CLOCK
from core.flow import Ending, Setup, Step, StepKind
from core.model import (
    MAX_REPS,
    RED_FLAGS,
    STRETCH_GROUPS,
    ClickFrequency,
    Movement,
    MuscleGroup,
    SafetyScreen,
    Session,
    SessionStatus,
    Side,
    TrialStatus,
    validate_counts,
)
from core.protocol import (
    CLICK_FREQUENCY_LABELS,
    RARE_CLICKS_NOTE,
    RED_FLAG_QUESTIONS,
    RED_FLAG_REASONS,
    WHY_CONTROL_AND_RANDOM,
    stretch_for,
)
from core.store import Store, new_session_id
from core.summary import before_after_chart, reps_differ, summary_table
from core.timer import TIMER_ENV_VAR, Timer, effective_seconds, format_seconds, timer_override
from pages._components import countdown, scroll_to_top_on_change as _scroll_top
from pages import _record
from pages._count import get_count, register

register(_record.SOURCE)  # "Count by: Tap | Record" above the counter

#: The clock every step reads; tests replace it (``pages._session_ui.CLOCK = FakeClock()``).
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
        if st.button("Start a new session", type="primary", key="unknown-new"):
            go_to(None)
        st.stop()


def go_to(session_id: str | None, flash: str | None = None) -> None:
    """Show ``session_id`` (None: a new session) and rerun."""
    if session_id:
        st.query_params[PARAM] = session_id
    else:
        st.query_params.pop(PARAM, None)
    if flash:
        st.session_state[_FLASH] = flash
    st.rerun()


_RUNNING = (StepKind.SETUP, StepKind.BASELINE, StepKind.STRETCH, StepKind.TIMING, StepKind.RETEST)


def _still(store: Store, session: Session, step: Step, *, same_condition: bool = False) -> Session | None:
    """The session as stored now, if it is still at ``step``; else rerun, saying so.

    ``same_condition``: for skip and stop, any running step of the same condition will do (a timer that ran
    out a moment ago turned the stretch into the retest, and skipping it is still meant).
    """
    fresh = store.get_session(session.id)
    again = flow.current_step(fresh, now())
    same_trial = (again.trial.position if again.trial else None) == (step.trial.position if step.trial else None)
    if same_trial and (again.kind is step.kind or (same_condition and again.kind in _RUNNING)):
        return fresh
    st.session_state[_FLASH] = "That step was already saved (perhaps in another tab). Here is where the session is now."
    st.rerun()
    return None


def header(step: Step) -> None:
    """Progress, always visible: step k of n and what this step is."""
    if step.kind is StepKind.SAFETY:
        st.title("Find what makes your knee click")
    elif step.kind is StepKind.SUMMARY:
        st.title("Session summary")
    st.progress(step.number / step.total, text=f"**{step.progress}** · {step.label}")
    flash = st.session_state.pop(_FLASH, None)
    # Always drawn, so the elements below keep their place on the next rerun: a message that vanished would
    # shift the tap counter, and a shifted component is remounted and loses the taps made meanwhile.
    slot = st.empty()
    if flash:  # said in place: a toast would cover the tap target on a phone
        slot.caption(f":material/check_circle: {flash}")
    override = _override()
    if override is not None and step.kind in (StepKind.STRETCH, StepKind.TIMING):
        st.caption(f"Test setting {TIMER_ENV_VAR}: timers run {override:g} s.")


_CSS = """
<style>
/* The session runs on a phone propped beside the person: keep the counter and its Save button in one screen. */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-bottom: 2rem; }
}
[class*="-pain-"] [data-testid="stButtonGroup"] button { min-width: 0; padding-left: 0; padding-right: 0; flex: 1 1 0; }
[class*="-pain-"] [data-testid="stButtonGroup"] > div { flex-wrap: nowrap; width: 100%; }
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


# ------------------------------------------------------------------ 1 safety
def safety(store: Store) -> None:
    st.write(
        "Count the clicks in a fixed test movement, stretch one muscle group, retest, and repeat for each "
        "group. kneeclick keeps the order random, adds a rest of the same length as a control, and saves "
        "every count at once. It takes about 15 minutes, with your phone propped up beside you."
    )
    _offer_resume(store)
    with st.form("safety"):
        st.markdown("**First, a few safety questions.** Answer them about the knee that clicks.")
        side = st.radio(
            "Which knee clicks?", [s.value for s in Side], index=None, horizontal=True,
            format_func=str.capitalize, key="safety-side",
        )  # fmt: skip
        answers = {
            name: st.radio(RED_FLAG_QUESTIONS[name], _YES_NO, index=None, horizontal=True, key=f"safety-{name}")
            for name in RED_FLAGS
        }
        frequency = st.radio(
            "How often does the knee click or make noise when it moves?",
            [f.value for f in ClickFrequency],
            index=None,
            horizontal=True,
            format_func=lambda v: CLICK_FREQUENCY_LABELS[ClickFrequency(v)],
            key="safety-frequency",
        )
        sent = st.form_submit_button("Continue", type="primary", width="stretch")
    if not sent:
        return
    missing = [q for q, v in [("which knee", side), *((RED_FLAG_QUESTIONS[n], a) for n, a in answers.items()),
                              ("how often it clicks", frequency)] if v is None]  # fmt: skip
    if missing:
        st.error(
            f"Please answer every question ({len(missing)} still open), so the test only starts when it is safe.",
            icon=":material/error:",
        )
        return
    screen = SafetyScreen(
        **{name: answers[name] == "Yes" for name in RED_FLAGS}, click_frequency=ClickFrequency(frequency)
    )
    session = store.create_session(flow.new_session(new_session_id(), side, screen))
    go_to(session.id)


def _offer_resume(store: Store) -> None:
    open_ = store.latest_unfinished()
    if open_ is None:
        return
    done = sum(t.status is not TrialStatus.PLANNED for t in open_.trials)
    where = f"{done} of {len(open_.trials)} conditions done or skipped" if open_.trials else "not set up yet"
    with st.container(border=True):
        st.markdown(
            f"You have an unfinished session from **{open_.session_date}** ({open_.side.value} knee, {where})."
        )
        if st.button("Resume it", icon=":material/play_arrow:", key="resume"):
            go_to(open_.id)


# ----------------------------------------------------------------- blocked
def blocked(store: Store, session: Session, step: Step) -> None:
    st.title("Please see a clinician first")
    st.error("The test will not start on this knee today.", icon=":material/medical_services:")
    flags = session.safety.red_flags if session.safety else flow.new_red_flags(session)
    st.markdown("You answered yes to:")
    for name in flags:
        st.markdown(f"- **{RED_FLAG_QUESTIONS[name]}** {RED_FLAG_REASONS[name]}")
    st.write(flow.ADVICE[flow.STOP_BLOCKED])
    st.caption("Your answers are saved with this session, so you can show them to the clinician.")
    _new_session_button("blocked-new")


# ------------------------------------------------------------------- setup
def setup(store: Store, session: Session, step: Step) -> None:
    st.subheader("Set up today's test")
    freq = session.safety.click_frequency if session.safety else None
    if freq in (ClickFrequency.RARELY, ClickFrequency.NEVER):
        st.info(RARE_CLICKS_NOTE, icon=":material/info:")
    with st.form(_key(session, "setup")):
        side = st.radio(
            "Leg to test", [s.value for s in Side], index=[s.value for s in Side].index(session.side.value),
            horizontal=True, format_func=str.capitalize, key=_key(session, "setup-side"),
        )  # fmt: skip
        movement = st.radio(
            "Test movement (the same one before and after every stretch)",
            [m.value for m in Movement],
            format_func=lambda v: Movement(v).label,
            captions=[m.how_to for m in Movement],
            key=_key(session, "setup-movement"),
        )
        reps = st.number_input("Reps per test", min_value=1, max_value=MAX_REPS, value=flow.DEFAULT_REPS, step=1,
                               key=_key(session, "setup-reps"))
        seconds = st.slider(
            "Stretch length (seconds)", flow.STRETCH_MIN_SECONDS, flow.STRETCH_MAX_SECONDS,
            flow.DEFAULT_STRETCH_SECONDS, step=5, key=_key(session, "setup-seconds"),
        )  # fmt: skip
        conditions = st.multiselect(
            "Conditions (the rest control stays in)",
            [g.value for g in CONDITION_OPTIONS],
            default=[g.value for g in flow.DEFAULT_CONDITIONS],
            format_func=lambda v: MuscleGroup(v).label,
            key=_key(session, "setup-conditions"),
        )
        randomized = st.toggle(
            "Random order (recommended)", value=True, help="Off: the order of the list above.",
            key=_key(session, "setup-random"),
        )  # fmt: skip
        st.caption(WHY_CONTROL_AND_RANDOM)
        sent = st.form_submit_button("Plan the session", type="primary", width="stretch")
    _side_controls(store, session, step)
    if not sent:
        return
    choice = Setup(
        side=Side(side), movement=Movement(movement), reps_per_test=int(reps), stretch_seconds=int(seconds),
        conditions=tuple(MuscleGroup(c) for c in conditions), randomized=bool(randomized),
    )  # fmt: skip
    problems = choice.problems()
    if problems:
        for p in problems:
            st.error(p, icon=":material/error:")
        return
    fresh = _still(store, session, step)
    seed = flow.new_seed() if choice.randomized else None
    order = flow.plan_order(choice.conditions, choice.randomized, seed)
    store.save_setup(
        fresh.id, side=choice.side, movement=choice.movement, reps_per_test=choice.reps_per_test,
        stretch_seconds=choice.stretch_seconds, order_seed=seed, randomized=choice.randomized,
        trials=flow.planned_trials(order, choice.stretch_seconds),
    )  # fmt: skip
    go_to(fresh.id, "Session planned. Start with the baseline test.")


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
        count, method, reps = get_count(
            _key(session, "test", tag), session.reps_per_test, reps_key=_key(session, "reps", tag), details=details
        )
        pain = st.segmented_control(
            "Pain during these reps (0 none, 10 worst)", list(range(11)), key=_key(session, "pain", tag), width="stretch"
        )
        saved = st.button("Save this test", type="primary", width="stretch", icon=":material/save:", key=_key(session, "save", tag))
    if step.kind is StepKind.BASELINE:  # a retest is "the same again": no need to say how twice
        with st.expander(f"How to do a {movement.label.lower()}, and today's order"):
            st.write(movement.how_to)
            _order_list(session)
    _side_controls(store, session, step)
    if not saved:
        return
    if count is None:
        st.error("Enter the number of clicks (0 if there were none).", icon=":material/error:")
        return
    if pain is None:
        st.error("Choose how much it hurt, from 0 (not at all) to 10.", icon=":material/error:")
        return
    try:
        validate_counts(int(reps), int(count))
    except ValueError as e:
        st.error(f"Not saved: {e}. Check the numbers and save again.", icon=":material/error:")
        return
    fresh = _still(store, session, step)
    after = step.trial.position if step.kind is StepKind.RETEST else None
    store.record_test(fresh.id, int(reps), int(count), pain=int(pain), method=method, after_position=after)
    go_to(fresh.id, f"Saved: {count} clicks in {reps} reps, pain {pain}.")


def _order_list(session: Session) -> None:
    how = "random (seed stored with the session)" if session.randomized else "fixed"
    st.caption(f"Today's order, {how}:")
    st.markdown("\n".join(f"{t.position}. {t.muscle_group.label}" for t in session.trials))


# ----------------------------------------------------------------- stretches
def _instructions(session: Session, step: Step, compact: bool = False) -> None:
    s = stretch_for(step.trial.muscle_group, session.side)
    if not compact:
        st.markdown(f"**{s.name}** · {format_seconds(step.trial.stretch_seconds)}")
    st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(s.steps, 1)))
    st.markdown(f":material/check_circle: {s.cue}")
    st.markdown(f":material/warning: **Avoid:** {s.mistake}")


def stretch(store: Store, session: Session, step: Step) -> None:
    st.subheader(step.label)
    _instructions(session, step)
    seconds = effective_seconds(step.trial.stretch_seconds)
    start = st.button(
        f"Start the {format_seconds(seconds)} timer", type="primary", width="stretch", icon=":material/timer:",
        key=_key(session, "start", step.trial.position),
    )  # fmt: skip
    _side_controls(store, session, step)
    if start:
        _start_timer(store, session, step)


def _start_timer(store: Store, session: Session, step: Step) -> None:
    fresh = _still(store, session, step)
    timer = Timer(now(), effective_seconds(step.trial.stretch_seconds))
    store.update_flow(fresh.id, {"timer": {"position": step.trial.position, **timer.to_dict()}})
    go_to(fresh.id)


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
    )
    if ended:  # the browser's countdown reached zero; the stored start decides (a moment's skew is waited out)
        time.sleep(min(left, 2.0))
        go_to(session.id)
    _instructions(session, step, compact=True)
    with st.container(horizontal=True):
        if st.button("Restart the timer", icon=":material/restart_alt:", key=_key(session, "restart", step.trial.position)):
            _start_timer(store, session, step)
    _side_controls(store, session, step)


# ------------------------------------------------------------- skip and stop
def _side_controls(store: Store, session: Session, step: Step) -> None:
    """Skip this condition, or stop the session (reporting a new symptom), from any step."""
    with st.container(horizontal=True, key=_key(session, "controls")):
        if step.trial is not None and st.button(
            "Skip this condition", icon=":material/skip_next:", key=_key(session, "skip", step.trial.position)
        ):
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


# ------------------------------------------------------------------ summary
def summary(store: Store, session: Session, step: Step) -> None:
    code = flow.stop_code(session)
    if session.status is SessionStatus.FINISHED:
        st.success("Session complete. Every test is saved.", icon=":material/check_circle:")
    else:
        st.warning(f"The session ended early. {session.stop_reason or ''}", icon=":material/stop_circle:")
    advice = flow.advice(session)
    if advice:
        (st.error if code in (flow.STOP_PAIN, flow.STOP_RED_FLAG) else st.info)(advice)
        for reason in flow.red_flag_reasons(flow.new_red_flags(session)):
            st.markdown(f"- {reason}")
    table, spec = _summary_parts(session)
    if spec is not None:
        st.vega_lite_chart(spec, width="stretch")
    if not table.empty:
        st.dataframe(table, hide_index=True, width="stretch")
        if reps_differ(session):
            st.caption("Some tests had a different number of reps, so their counts are not directly comparable.")
        st.caption(
            "One session cannot tell a real effect from noise: the clicking changes by itself as the knee warms "
            "up. Compare each stretch with the rest control, and look at Results after a few sessions."
        )
    st.page_link("pages/results.py", label="See Results across sessions", icon=":material/insights:")
    _new_session_button("summary-new")


def _summary_parts(session: Session) -> tuple:
    """The summary table and chart (as a Vega-Lite spec), built once per content: pandas and Altair's
    validation are the slow part of a rerun, and an ended session does not change."""
    content = (
        session.id,
        tuple((m.seq, m.reps, m.clicks, m.pain) for m in session.measurements.values()),
        tuple((t.position, t.status.value, t.before_seq, t.after_seq) for t in session.trials),
        session.status.value,
    )
    return _parts_for(content, session)


@st.cache_data(show_spinner=False, max_entries=64)
def _parts_for(content: tuple, _session: Session) -> tuple:
    chart = before_after_chart(_session)
    return summary_table(_session), (None if chart is None else chart.to_dict())


def _new_session_button(key: str) -> None:
    if st.button("Start a new session", icon=":material/add:", key=key):
        for k in [k for k in st.session_state if str(k).startswith("safety-")]:
            del st.session_state[k]
        go_to(None)


RENDER = {
    StepKind.BLOCKED: blocked,
    StepKind.SETUP: setup,
    StepKind.BASELINE: test,
    StepKind.RETEST: test,
    StepKind.STRETCH: stretch,
    StepKind.TIMING: timing,
    StepKind.SUMMARY: summary,
}
