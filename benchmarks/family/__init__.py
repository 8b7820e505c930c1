"""A family of simulated-person generators, their Bayes-optimal ceiling and the methods judged against it.

Used by ``benchmarks/bench_ranking_family.py``; see that script's docstring.
"""
