"""The benchmarks' one way to run a function over many simulated people, on worker processes or in this one."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_jobs(fn: Callable[[T], R], tasks: Iterable[T], jobs: int, chunksize: int) -> list[R]:
    """``fn`` over ``tasks``, results in input order: on ``jobs`` worker processes when ``jobs > 1`` (``fn``
    must then be a module-level function), else one after the other in this process."""
    if jobs > 1:
        with multiprocessing.Pool(jobs) as pool:
            return pool.map(fn, tasks, chunksize=chunksize)
    return [fn(t) for t in tasks]
