"""Session page: the guided stretch-and-retest protocol, one stored step at a time."""

from core.session.flow import StepKind, current_step
from ui import session_steps as ui
from ui import step_check
from ui.count import forget_saved
from ui.frame import through_app, user_store
from ui.program import today_cards

through_app()
store = user_store()
session = ui.session_from_url(store)  # a step's action (a callback) has already written: this run draws what follows
step = current_step(session, ui.now())
if session is None and step_check.asked():  # the quick check's own start screen (?check=1)
    step = step_check.start_step()
if step.kind is StepKind.ENDING:  # a stop rule was met, or every condition is done: record it, look again
    ui.end(store, session, step.ending)
    session = store.get_session(session.id)
    step = current_step(session, ui.now())
step = ui.counted(store, session, step)  # Setup counts the steps of the session it suggests
ui.page_style()
ui.header(step)
if session is None:
    if step.quick:
        step_check.start(store)
    else:
        today_cards(store)  # a running program: what to do today (the quick check is offered right below)
        step_check.offer(store)
        ui.safety(store)
else:
    ui.RENDER[step.kind](store, session, step)
ui.scroll_to_top_on_change(step)
forget_saved()  # the browser drops the taps and recordings it kept for tests saved (takes no room)
