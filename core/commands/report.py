"""`kneeclick report`: the PDF report for a physiotherapist, written whole or not at all."""

from __future__ import annotations

import argparse
import sys

from core.commands import add_owner_option, open_owned

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR; not imported: --help stays fast


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write the PDF report for a physiotherapist",
        description="Write one PDF: who it is for, the safety answers, the sessions run, the ranking with its "
        "picture and plain verdicts, the program and the trend, and the limits. Built offline; the page prints "
        "on A4 and on Letter. Written whole or not at all.",
    )
    p.add_argument("--side", choices=["left", "right"], help="only this leg (default: every leg with sessions)")
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    add_owner_option(p)
    p.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help="the PDF file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.commands.export import _write_whole
    from core.data.store import resolve_db_url
    from core.report.pdf import report_pdf

    store = open_owned(resolve_db_url(args.db), args.owner)
    data = report_pdf(store, args.side)
    _write_whole(Path(args.output), data)
    print(f"wrote the report ({len(data) // 1024 + 1} KiB) to {args.output}", file=sys.stderr)
    return 0
