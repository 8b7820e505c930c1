"""`kneeclick import`: add the sessions of a CSV file to the store, all or nothing."""

from __future__ import annotations

import argparse
import sys

from core.commands import add_owner_option, open_owned
from core.session.words import count

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR (a test checks); not imported: --help stays fast


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="add the sessions of a CSV file",
        description="Check a CSV file in kneeclick's schema and add its sessions to the store in one transaction. "
        "Every problem is listed with its line and column, and then nothing is imported. Sessions already in the "
        "store (same session_id, same rows) are left as they are; one with different rows is reported, never merged.",
    )
    p.add_argument("file", metavar="FILE", help="the CSV file ('-' reads stdin)")
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    add_owner_option(p)
    p.add_argument("--check", action="store_true", help="only check the file and say what would be imported")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli import CliError
    from core.data.csvio import CsvError, import_csv
    from core.data.store import resolve_db_url

    if args.file == "-":
        source = sys.stdin.buffer.read()
    else:
        source = args.file
    store = open_owned(resolve_db_url(args.db), args.owner)
    try:
        report = import_csv(store, source, dry_run=args.check)
    except FileNotFoundError:
        raise CliError(f"no such file: {args.file}") from None
    except IsADirectoryError:
        raise CliError(f"{args.file} is a folder, not a CSV file") from None
    except PermissionError:
        raise CliError(f"cannot read {args.file}: permission denied") from None
    except CsvError as e:
        n = e.total
        print(f"kneeclick import: {args.file}: {count(n, 'problem')}, nothing imported:", file=sys.stderr)
        for line in e.lines():
            print(f"  {line}", file=sys.stderr)
        return 2
    print(f"{args.file}: {report.summary()} ({report.rows} rows) into {store.url}")
    return 0

