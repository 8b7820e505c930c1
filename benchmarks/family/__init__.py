"""Evaluation family for the ranking: simulated-person generators with written priors, their Bayes-optimal ceiling,
and the methods judged against it.  May import core (never streamlit); only benchmarks and tests import it."""
