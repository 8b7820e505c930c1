"""`kneeclick plan FILE... --side left|right [--json]`: the next session for one leg.

Each file holds one person's past sessions (the kneeclick CSV schema, e.g. an
export); only the rows of ``--side`` are used.  For each file, in input order:
the next session's conditions in running order (random; the seed is reported),
always with ``rest_control``, the reps per test and the stretch length, with the
reasons, or ``stop`` when the answer is settled (see core/analysis/planner.py).
With no file: the default first session.  With ``--json``: one JSON object per
file (one in all with no file), exactly::

    {"side": ..., "conditions": [...], "reps": ..., "stretch_seconds": ..., "seed": ..., "why": ..., "stop": ...}

Files are read and checked as ``kneeclick analyze`` reads them: a file that
cannot be read stops the command, before any output, with one line naming the
file (and the line and column when known) and exit code 2.
"""

from __future__ import annotations

import argparse
import json

from typing import TYPE_CHECKING

from core.cli import CliError
from core.commands import saying_errors
from core.commands.analyze import load
from core.session.vocabulary import MuscleGroup, Side

if TYPE_CHECKING:  # the planner (numpy, pandas, scipy) loads only when the command runs
    from core.analysis.planner import Plan


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="plan the next session for one leg from past sessions in CSV files",
        description="For each CSV file (one person's past sessions, the kneeclick CSV schema), plan the next "
        "session on the leg given by --side: the conditions in running order (always with the rest control), "
        "reps per test and stretch length, never longer than the standard session; or say that the answer is "
        "settled. With no file: the standard first session.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="CSV file(s) in the kneeclick schema, one person each")
    p.add_argument("--side", required=True, choices=[s.value for s in Side], help="the leg to plan for")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.set_defaults(func=run)


def _run(args: argparse.Namespace) -> int:
    from core.analysis.planner import default_plan, plan_next
    from core.analysis.ranking import AnalysisError

    frames = [(path, load(path)) for path in args.files]
    plans: list[tuple[str | None, Plan]] = []
    for path, frame in frames:
        try:
            plans.append((path, plan_next(frame, args.side)))  # an export's session_status tells which stopped
        except AnalysisError as e:
            raise CliError(f"{path}: {e}") from None
    if not frames:
        plans.append((None, default_plan(args.side)))
    for path, plan in plans:
        print(json.dumps(plan.to_dict(), allow_nan=False) if args.json else text(path, plan))
    return 0


def text(path: str | None, plan: Plan) -> str:
    """The plan in plain text."""
    where = f"{path}: " if path else ""
    lines = [f"{where}next session on the {plan.side} knee" + (" (not needed: the answer is settled)" if plan.stop else "")]
    if not plan.stop:
        lines.append(f"  {plan.reps} reps per test, {plan.stretch_seconds} s stretches, in this order (seed {plan.seed}):")
        lines += [f"  {i:>2}. {MuscleGroup(c).label}" for i, c in enumerate(plan.conditions, 1)]
    lines.append(f"  {plan.why}")
    return "\n".join(lines) + "\n"


run = saying_errors("plan", _run)
