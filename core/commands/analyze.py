"""`kneeclick analyze FILE... [--json]`: rank the likely culprits from CSV files.

Each file is analysed on its own, and each leg in it separately (left, then
right).  Without ``--json``: a readable table per file and leg.  With
``--json``: JSON Lines, one object per file and leg, in input order::

    {"file": ..., "side": "left", "ranking": [{"muscle_group": ..., "verdict": ...,
     "rate_ratio": ..., "ci_low": ..., "ci_high": ..., "cut_pct": ..., "p_top": ..., "p_culprit": ..., ...},
     ...], "p_none": ..., ...}

``p_top`` is the chance a group is the biggest contributor, ``p_culprit`` the chance it is a culprit at all,
``p_none`` the chance no group beats the control (core.analysis.decision).

``ranking`` runs from the most to the least likely contributor; the rest
control is never in it.  A file that cannot be read or analysed stops the
command with one line naming the file (and the line and column when known)
and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING

from core.cli import CliError
from core.commands import saying_errors
from core.session.vocabulary import MAX_REPS, MuscleGroup, Side, validate_counts
from core.session.words import count

if TYPE_CHECKING:  # pandas and the analysis load only when the command runs (--help stays fast)
    import pandas as pd

    from core.analysis.ranking import LegResult


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="rank the muscle groups most likely behind the clicking, from CSV files",
        description="Read each CSV file (the kneeclick CSV schema, e.g. an export) and rank, per leg, the muscle "
        "groups whose stretch cut the clicking more than the rest control did, with 95%% intervals and a "
        "verdict: likely, possible, unlikely or insufficient_data.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV file(s) in the kneeclick schema")
    p.add_argument("--json", action="store_true", help="print JSON Lines: one object per file and leg")
    p.set_defaults(func=run)


def _run(args: argparse.Namespace) -> int:
    from core.analysis.planner import with_sessions_to_settle
    from core.analysis.ranking import AnalysisError, analyze

    # Read and check every file first, so a bad file is reported before any output.
    frames = [(path, load(path)) for path in args.files]
    for path, frame in frames:
        try:
            legs = analyze(frame)
        except AnalysisError as e:
            raise CliError(f"{path}: {e}") from None
        for leg in legs:
            leg = with_sessions_to_settle(leg, frame[frame["side"].astype(str) == leg.side])
            if args.json:
                print(json.dumps({"file": path, **leg.to_dict()}, allow_nan=False))
            else:
                print(table(path, leg))
        if not legs and not args.json:
            print(f"{path}: no conditions to analyse\n")
    return 0


def load(path: str, *, checks: bool = False) -> pd.DataFrame:
    """Read one CSV file; any problem becomes a CliError naming the file (and line and column).

    The rows of conditions only, unless ``checks``: then quick checks too (``session_kind`` ``quick_check``).
    """
    from core.data.csvio import CsvError, read_csv, split_quick_checks

    try:
        frame = read_csv(path)
    except CsvError as e:
        raise CliError(f"{path}: {e}") from None
    except OSError as e:
        raise CliError(f"{path}: cannot read the file: {e.strerror or e}") from None
    conditions, quick = split_quick_checks(frame)
    check(path, conditions)
    return frame if checks else conditions


def check(path: str, frame: pd.DataFrame) -> None:
    """The values the analysis relies on, checked with their line and column (line 1 is the header)."""
    columns = list(frame.columns)
    sides = {s.value for s in Side}
    groups = {g.value for g in MuscleGroup}
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        r = row._asdict()

        def where(col: str) -> str:
            return f"{path}: line {i}, column {columns.index(col) + 1} ({col})"

        if str(r["side"]) not in sides:
            raise CliError(f"{where('side')}: expected left or right, got {r['side']!r}")
        if str(r["muscle_group"]) not in groups:
            raise CliError(f"{where('muscle_group')}: unknown muscle group {r['muscle_group']!r} "
                           f"(one of {', '.join(sorted(groups))})")
        if not str(r["session_id"]).strip():
            raise CliError(f"{where('session_id')}: the session id is empty")
        for reps_col, clicks_col in (("reps_before", "clicks_before"), ("reps_after", "clicks_after")):
            reps, clicks = int(r[reps_col]), int(r[clicks_col])
            if reps < 1 or reps > MAX_REPS:
                raise CliError(f"{where(reps_col)}: reps must be 1 to {MAX_REPS}, got {reps}")
            try:
                validate_counts(reps, clicks)
            except ValueError as e:
                raise CliError(f"{where(clicks_col)}: {e}") from None


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None or not math.isfinite(x) else format(x, spec)


def table(path: str, leg: LegResult) -> str:
    """A plain-text table of one leg's ranking."""
    from core.analysis.ranking import CONTROL

    against = "rest control" if leg.compared_with == CONTROL else "expected drift (no rest control in this file)"
    lines = [
        f"{path}: {leg.side} knee, {count(leg.n_sessions, 'session')}, compared with the {against}",
        f"  {'#':>2}  {'muscle group':22s} {'verdict':18s} {'clicks vs control':>17s} {'95% CI':>13s} {'P(top)':>7s} {'P(culprit)':>10s} {'sessions':>8s}",
    ]
    for i, r in enumerate(leg.ranking, start=1):
        ci = f"{_fmt(r.ci_low, '.2f')}-{_fmt(r.ci_high, '.2f')}" if r.ci_low is not None else "-"
        lines.append(
            f"  {i:>2}  {r.muscle_group:22s} {r.verdict:18s} {_fmt(r.rate_ratio, '.2f'):>17s} {ci:>13s} "
            f"{_fmt(None if r.p_top is None else 100 * r.p_top, '.0f') + ('%' if r.p_top is not None else ''):>7s} "
            f"{_fmt(None if r.p_culprit is None else 100 * r.p_culprit, '.0f') + ('%' if r.p_culprit is not None else ''):>10s} "
            f"{r.sessions:>8d}"
        )
    if leg.p_none is not None:
        lines.append(f"  chance that no group beats the control: {leg.p_none:.0%}")
    lines.append(f"  {leg.summary}")
    for f in leg.flags:
        lines.append(f"  note: {f.message}")
    return "\n".join(lines) + "\n"


run = saying_errors("analyze", _run)
