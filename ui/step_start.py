"""The steps before the first test: the safety questions, a blocked session, and setup."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import streamlit as st

from core.analysis.planner import Plan, plan_next
from core.data.store import Store, new_session_id
from ui.components import scroll_into_view
from core.session import flow
from core.session.flow import Setup, Step, StepKind
from core.session.protocol import (
    CLICK_FREQUENCY_LABELS,
    RARE_CLICKS_NOTE,
    RED_FLAG_QUESTIONS,
    RED_FLAG_REASONS,
    WHY_CONTROL_AND_RANDOM,
)
from core.session.vocabulary import (
    MAX_REPS,
    RED_FLAGS,
    ClickFrequency,
    Movement,
    MuscleGroup,
    SafetyScreen,
    Session,
    SessionKind,
    Side,
    TrialStatus,
)
from ui.session_common import (
    _YES_NO,
    CONDITION_OPTIONS,
    _key,
    _new_session_button,
    _still,
    go_to,
    say_problem,
    show_problems,
)
from ui.step_controls import _side_controls
from ui.views import store_key
from ui.warm import in_background, warm_results, widget_code


# ------------------------------------------------------------------ 1 safety
def safety(store: Store) -> None:
    st.write(
        "Count the clicks in a fixed test movement, stretch one muscle group, retest, and repeat for each "
        "group. kneeclick keeps the order random, adds a rest of the same length as a control, and saves "
        "every count at once. It takes about 15 minutes, with your phone propped up beside you."
    )
    _offer_resume(store)
    key = store_key(store)
    _warm_plans(store, key)
    warm_results(store, key)  # the first opening of Results after a server start need not wait for its analysis
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
        # Every answer given: the session is made in the callback, so this very run draws the setup step.
        sent = st.form_submit_button("Continue", type="primary", width="stretch", on_click=_create, args=(store,))
    widget_code()  # hidden: the next steps' widgets then draw at once
    if not sent:
        return
    missing = _unanswered(side, answers, frequency)
    if missing:
        name, question = missing[0]
        more = f" ({len(missing) - 1} more after it)" if len(missing) > 1 else ""
        st.error(f"Not answered yet: “{question}”{more}. Every question needs an answer, so the test only "
                 "starts when it is safe.", icon=":material/error:")  # fmt: skip
        tries = st.session_state["safety-tries"] = st.session_state.get("safety-tries", 0) + 1
        scroll_into_view(f"safety-{name}", token=str(tries))  # every press of Continue goes to the question


def _unanswered(side, answers: dict, frequency) -> list[tuple[str, str]]:
    asked = [("side", "Which knee clicks?", side), *((n, RED_FLAG_QUESTIONS[n], a) for n, a in answers.items()),
             ("frequency", "How often does the knee click?", frequency)]  # fmt: skip
    return [(name, question) for name, question, v in asked if v is None]


def _create(store: Store) -> None:
    """Continue on the safety screen (a callback): a fully answered screen makes the session; else the page
    says what is missing."""
    side, frequency = st.session_state.get("safety-side"), st.session_state.get("safety-frequency")
    answers = {name: st.session_state.get(f"safety-{name}") for name in RED_FLAGS}
    if _unanswered(side, answers, frequency):
        return
    screen = SafetyScreen(
        **{name: answers[name] == "Yes" for name in RED_FLAGS}, click_frequency=ClickFrequency(frequency)
    )
    before = store_key(store)
    session = store.create_session(flow.new_session(new_session_id(), side, screen))
    _same_tests(before, store_key(store))
    go_to(session.id)


def _offer_resume(store: Store) -> None:
    open_ = store.latest_unfinished()
    if open_ is None:
        return
    done = sum(t.status is not TrialStatus.PLANNED for t in open_.trials)
    where = f"{done} of {len(open_.trials)} conditions done or skipped" if open_.trials else "not set up yet"
    if open_.kind is SessionKind.QUICK_CHECK:
        where = "a quick check, its test not saved yet"
    with st.container(border=True):
        st.markdown(
            f"You have an unfinished session from **{open_.session_date}** ({open_.side.value} knee, {where})."
        )
        st.button("Resume it", icon=":material/play_arrow:", key="resume", on_click=go_to, args=(open_.id,))


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
def _suggested(store: Store, side: Side) -> tuple[Plan | None, Movement | None]:
    """(the planner's next session, the test movement of the latest session) on ``side``; None without any."""
    key = store_key(store)
    return _suggested_plan(_SAME_TESTS.get(key, key), side.value, store)


#: Store keys after a new session was made (no test, no condition: nothing the planner reads changed) ->
#: the key just before it, so the setup step finds the plan worked out while the safety questions were shown.
_SAME_TESTS: dict[str, str] = {}
_LOCK = threading.Lock()


def _same_tests(before: str, after: str) -> None:
    """Note that ``after`` differs from ``before`` only by the one new, empty session (its write alone: the
    owner's write counter moved by exactly one), so a plan cached for ``before`` still holds."""
    head, _, count = before.rpartition(":")
    if count.isdigit() and after == f"{head}:{int(count) + 1}":
        with _LOCK:
            if len(_SAME_TESTS) > 64:
                _SAME_TESTS.clear()
            _SAME_TESTS[after] = _SAME_TESTS.get(before, before)


def _warm_plans(store: Store, key: str) -> None:
    """Work out the suggested plan for both legs in the background while the safety questions are answered
    (the planner fits a model: about 0.1 s, which the step after Continue would otherwise wait for)."""

    def work() -> None:
        for side in Side:
            _suggested_plan(key, side.value, store)

    in_background("plan", key, work)


@st.cache_resource(show_spinner=False, max_entries=16)
def _suggested_plan(key: str, side: str, _store: Store) -> tuple[Plan | None, Movement | None]:
    frame = _store.trials_frame()
    rows = frame[frame["side"].astype(str) == side]
    if rows.empty:
        return None, None
    # the same test movement as last time on this leg: sessions are compared with each other only through it
    movement = Movement(str(rows.sort_values(["session_date", "session_id"])["movement"].iloc[-1]))
    listing = _store.list_sessions()
    stopped = listing.loc[listing["status"] == "stopped", "id"].tolist()
    try:
        return plan_next(rows, side, stopped_sessions=stopped), movement
    except (ValueError, np.linalg.LinAlgError):  # a plan that cannot be made must not stop the session: no suggestion
        return None, movement


def counted(store: Store, session: Session, step: Step) -> Step:
    """Setup's step counted for the session it suggests: "Step 2 of 12" for a planned three groups and the rest,
    so the total does not change once that session is planned (the standard session's until then)."""
    if step.kind is not StepKind.SETUP:
        return step
    plan, _ = _suggested(store, session.side)
    if plan is None or plan.stop:
        return step
    return dataclasses.replace(step, total=flow.total_steps(len(plan.conditions)))


def _listed(groups) -> str:
    names = [g.label.lower() for g in sorted(groups, key=list(MuscleGroup).index)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _suggestion(plan: Plan | None) -> None:
    """Say what the plan suggests and why (or that the answer is settled)."""
    if plan is None:
        return
    if plan.stop:  # one element, not an alert and a caption: each new element is drawn anew at this step
        st.success(f"{plan.why}\n\nYou can still run another session below, with the standard settings.",
                   icon=":material/task_alt:")  # fmt: skip
        return
    groups = [MuscleGroup(c) for c in plan.conditions if not MuscleGroup(c).is_control]
    reasons = plan.reasons[:1].lower() + plan.reasons[1:]
    st.info(
        f"Suggested from your last sessions: {_listed(groups)} with the rest control, {plan.reps} reps per test "
        f"and {plan.stretch_seconds}-second stretches, because {reasons}",
        icon=":material/lightbulb:",
    )


def _summary(choice: Setup) -> str:
    """Today's settings in a sentence (the app's own words and numbers only: no stored text)."""
    groups = [g for g in choice.conditions if not g.is_control]
    order = "in a random order" if choice.randomized else "in this order"
    return (
        f"**Today:** your {choice.side.value} knee, tested with the {choice.movement.label.lower()} "
        f"({choice.reps_per_test} reps per test) before and after a {choice.stretch_seconds}-second stretch of "
        f"each of {_listed(groups)}, and a rest of the same length, {order}."
    )


def setup(store: Store, session: Session, step: Step) -> None:
    """Today's settings in one sentence and one button; the form to change them only when asked for.

    The form (six inputs) is what made this step slow to appear on a phone (issue 16: its widgets cost the
    browser about 45 ms to draw, on top of the page's own 75), and most people keep the standard or suggested
    settings, so the step opens with what will run and the button that runs it near the top, under the thumb.
    The switch sits above both, so turning it on or off moves nothing above the finger.
    """
    st.subheader("Set up today's test")
    freq = session.safety.click_frequency if session.safety else None
    if freq in (ClickFrequency.RARELY, ClickFrequency.NEVER):
        st.info(RARE_CLICKS_NOTE, icon=":material/info:")
    plan, movement = _suggested(store, session.side)
    _suggestion(plan)
    use = plan if plan is not None and not plan.stop else None
    default = Setup(
        side=session.side, movement=movement or list(Movement)[0],
        reps_per_test=use.reps if use else flow.DEFAULT_REPS,
        stretch_seconds=use.stretch_seconds if use else flow.DEFAULT_STRETCH_SECONDS,
        conditions=tuple(g for g in MuscleGroup if g.value in use.conditions) if use else tuple(flow.DEFAULT_CONDITIONS),
        randomized=True,
    )  # fmt: skip
    if not st.toggle("Change these settings", key=_key(session, "setup-edit")):
        st.markdown(_summary(default))
        st.button("Plan the session", type="primary", width="stretch", key=_key(session, "setup-go"),
                  on_click=_plan, args=(store, session, step, use, default))  # fmt: skip
    else:
        _setup_form(store, session, step, use, default)
    _side_controls(store, session, step)
    show_problems()


def _setup_form(store: Store, session: Session, step: Step, use: Plan | None, default: Setup) -> None:
    with st.form(_key(session, "setup")):
        st.radio(
            "Leg to test", [s.value for s in Side], index=[s.value for s in Side].index(default.side.value),
            horizontal=True, format_func=str.capitalize, key=_key(session, "setup-side"),
        )  # fmt: skip
        st.radio(
            "Test movement (the same one before and after every stretch)",
            [m.value for m in Movement],
            index=list(Movement).index(default.movement),
            format_func=lambda v: Movement(v).label,
            captions=[m.how_to for m in Movement],
            key=_key(session, "setup-movement"),
        )
        st.number_input("Reps per test", min_value=1, max_value=MAX_REPS, value=default.reps_per_test, step=1,
                        key=_key(session, "setup-reps"))  # fmt: skip
        st.slider(
            "Stretch length (seconds)", flow.STRETCH_MIN_SECONDS, flow.STRETCH_MAX_SECONDS, default.stretch_seconds,
            step=5, key=_key(session, "setup-seconds"),
        )  # fmt: skip
        st.multiselect(
            "Conditions (the rest control stays in)",
            [g.value for g in CONDITION_OPTIONS],
            default=[g.value for g in default.conditions],
            format_func=lambda v: MuscleGroup(v).label,
            key=_key(session, "setup-conditions"),
        )
        st.toggle(  # why a rest and a random order: in its help, not a caption of its own (one element fewer)
            "Random order (recommended)", value=True, help=f"Off: the order of the list above. {WHY_CONTROL_AND_RANDOM}",
            key=_key(session, "setup-random"),
        )  # fmt: skip
        st.form_submit_button("Plan the session", type="primary", width="stretch", on_click=_plan,
                              args=(store, session, step, use, None))  # fmt: skip


def _plan(store: Store, session: Session, step: Step, use: Plan | None, default: Setup | None) -> None:
    """Plan the session (a callback): the settings shown (``default``) or the form's, checked, then saved once,
    if the session is still at setup."""
    def value(name: str):
        return st.session_state.get(_key(session, f"setup-{name}"))

    choice = default or Setup(
        side=Side(value("side")), movement=Movement(value("movement")), reps_per_test=int(value("reps")),
        stretch_seconds=int(value("seconds")), conditions=tuple(MuscleGroup(c) for c in value("conditions")),
        randomized=bool(value("random")),
    )  # fmt: skip
    problems = choice.problems()
    if problems:
        return say_problem(*problems)
    fresh = _still(store, session, step)
    if fresh is None:
        return
    seed = flow.new_seed() if choice.randomized else None
    conditions = choice.conditions
    if use and choice.randomized and choice.side is session.side and set(conditions) == set(use.groups):
        # the suggested conditions: run them in the plan's own order (its seed, on the app's list order)
        seed, conditions = use.seed, tuple(g for g in MuscleGroup if g in set(conditions))
    order = flow.plan_order(conditions, choice.randomized, seed)
    store.save_setup(
        fresh.id, side=choice.side, movement=choice.movement, reps_per_test=choice.reps_per_test,
        stretch_seconds=choice.stretch_seconds, order_seed=seed, randomized=choice.randomized,
        trials=flow.planned_trials(order, choice.stretch_seconds),
    )  # fmt: skip
    go_to(fresh.id, "Session planned. Start with the baseline test.")


