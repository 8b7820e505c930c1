"""Results page: which muscle groups likely contribute to the clicking, per leg, and how sure that is."""

import streamlit as st

from core.analysis.ranking import (
    CONTROL,
    INSUFFICIENT,
    LIKELY,
    POSSIBLE,
    UNLIKELY,
    next_steps,
    sentence,
)
from core.session.words import count
from ui.frame import store_or_example, through_app
from ui.program import start_panel
from ui.report import download
from ui.text import plain
from ui.trend_view import is_it_working, trend_views
from ui.views import results, the_numbers

through_app()
st.title("Results")
store, is_example = store_or_example()
legs = results(store)  # cached until the store changes
if not legs:
    st.info("No finished conditions yet. Run a session, or switch on the example data above.")
    if not trend_views(store):
        st.stop()

download(store, key="report-results")
tabs = st.tabs([f"{v.leg.side.capitalize()} knee" for v in legs]) if len(legs) > 1 else [st.container()]

for tab, view in zip(tabs, legs):
    leg = view.leg
    with tab:
        st.subheader(f"{leg.side.capitalize()} knee: the likely culprits")
        st.caption(
            f"{count(leg.n_sessions, 'session')} on this leg; the other knee is a separate experiment and never pooled. "
            + ("Compared with the rest control." if leg.compared_with == CONTROL else
               "No rest control was run, so each stretch is compared with the drift the model expects from the "
               "test order alone: weaker evidence. Add the rest control to your next sessions.")
        )
        st.markdown(f"**{leg.summary}**")
        icons = {LIKELY: ":material/priority_high:", POSSIBLE: ":material/help:", INSUFFICIENT: ":material/hourglass_empty:",
                 UNLIKELY: ":material/remove:"}
        st.markdown(  # one paragraph per group, in ranking order
            "\n\n".join(f"{icons.get(r.verdict, ':material/remove:')} {sentence(r, leg.compared_with)}" for r in leg.ranking)
        )

        st.subheader("What to do next")
        st.markdown("\n".join(f"- {step}" for step in next_steps(leg)))

        if leg.flags:
            st.warning(f"{count(len(leg.flags), 'note')} about the data quality of this leg.", icon=":material/warning:")
            for flag in leg.flags:  # plain text (they quote session ids from files), wrapping on a phone
                plain(f"• {flag.message}")

        start_panel(store, leg, read_only="The example data is read-only." if is_example else None)

        # The charts come after the words and the program's button: the browser draws them last (on a first
        # visit it loads their code first), and a chart appearing late then moves nothing that was read or tapped.
        st.subheader("The evidence")
        if view.ranking is not None:
            st.vega_lite_chart(
                spec=view.ranking,
                key=f"ranking-{leg.side}",
                alt=f"{leg.side} knee: each stretch's effect on clicking compared with resting, with the range the data allow",
            )
        if view.p_top is not None:
            st.vega_lite_chart(
                spec=view.p_top,
                key=f"ptop-{leg.side}",
                alt=f"{leg.side} knee: the chance each group is the biggest contributor",
            )
        st.vega_lite_chart(
            spec=view.before_after,
            key=f"before-after-{leg.side}",
            alt=f"{leg.side} knee: clicks per rep before and after each condition, one line per session",
        )
        st.vega_lite_chart(
            spec=view.over_time,
            key=f"over-time-{leg.side}",
            alt=f"{leg.side} knee: click rate at baseline and after each condition across sessions",
        )
        # Filled only while open (a table of every condition of every session is the page's heaviest element)
        detail = st.expander("The numbers: the ranking and every condition of every session", key=f"detail-open-{leg.side}",
                             on_change="rerun")  # fmt: skip
        if detail.open:
            with detail:
                the_numbers(view)
        with st.expander("How this is worked out"):
            st.markdown(
                f"A count model of every test, with each session's own level, a drift along the test order "
                f"(estimated: ×{leg.drift_per_test:.2f} per test), carry-over of earlier stretches "
                f"(estimated share {leg.carry:.0%}) and counts that vary {leg.dispersion:.1f} times as much as pure "
                "chance would make them. The About page explains it in plain words."
                if leg.drift_per_test is not None
                else "Not enough clicks were counted on this leg to fit the model yet."
            )

# "Is it working?": quick checks and session baselines over time (cached the same way), worked out after the
# legs are drawn, so that on a first opening their answer goes out before the trends are ready
is_it_working(trend_views(store))
