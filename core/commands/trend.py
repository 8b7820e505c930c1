"""`kneeclick trend FILE... [--side left|right] [--json]`: is the clicking going down over the weeks.

Each file is read as ``kneeclick analyze`` reads it (the kneeclick CSV schema, e.g. an export), and each leg
in it on its own (left, then right; only ``--side`` when given).  The points are the file's quick checks and
the baselines of its full sessions (core.analysis.trend).  Without ``--json``: the plain sentence and the
figures per file and leg.  With ``--json``: JSON Lines, one object per file and leg, in input order, exactly::

    {"file": ..., "side": ..., "change_per_week_pct": ..., "ci_low_pct": ..., "ci_high_pct": ...,
     "checks": ..., "verdict": ...}

``change_per_week_pct`` is the change of the click rate per week in percent (negative: fewer clicks), with
its 95% interval ``ci_low_pct``-``ci_high_pct`` (null when there is no rate to trend); ``checks`` the tests
used; ``verdict`` one of ``improving``, ``worsening``, ``no_clear_change``, ``too_early``.  A file that cannot
be read stops the command, before any output, with one line naming the file (and the line and column) and
exit code 2.
"""

from __future__ import annotations

import argparse
import json

from core.commands import saying_errors
from core.commands.analyze import load
from core.session.vocabulary import Side
from core.session.words import count


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trend",
        help="whether the clicking goes down over the weeks, from quick checks and session baselines in CSV files",
        description="For each CSV file (the kneeclick CSV schema, e.g. an export) and leg: the change of the "
        "click rate per week from its quick checks and the baselines of its full sessions, with a 95%% interval "
        "and a verdict: improving, worsening, no_clear_change or too_early.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV file(s) in the kneeclick schema")
    p.add_argument("--side", choices=[s.value for s in Side], help="only this leg (default: every leg in the file)")
    p.add_argument("--json", action="store_true", help="print JSON Lines: one object per file and leg")
    p.set_defaults(func=run)


def _run(args: argparse.Namespace) -> int:
    from core.analysis.trend import estimate_trend, trend_points

    frames = [(path, load(path, checks=True)) for path in args.files]  # every file checked before any output
    for path, frame in frames:
        present = set(frame["side"].astype(str))
        sides = [args.side] if args.side else [s.value for s in Side if s.value in present]
        for side in sides:
            trend = estimate_trend(trend_points(frame, side))
            if args.json:
                print(json.dumps({"file": path, "side": side, **trend.to_dict()}, allow_nan=False))
            else:
                print(text(path, side, trend))
    return 0


def text(path: str, side: str, trend) -> str:
    """The sentence first, then the figures."""
    lines = [f"{path}: {side} knee: {trend.sentence}"]
    if trend.change_per_week_pct is not None:
        lines.append(
            f"  change per week {trend.change_per_week_pct:+.1f}% (95% CI {trend.ci_low_pct:+.1f}% to "
            f"{trend.ci_high_pct:+.1f}%), {count(trend.checks, 'test')} on {count(trend.days, 'day')}, verdict {trend.verdict}"
        )
    else:
        lines.append(f"  {count(trend.checks, 'test')} on {count(trend.days, 'day')}, verdict {trend.verdict}")
    return "\n".join(lines) + "\n"


run = saying_errors("trend", _run)
