"""`kneeclick export`: sessions as CSV (the schema in the README), to a file or stdout."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from core.commands import add_owner_option, open_owned
from core.session.words import count

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR (a test checks); not imported: --help stays fast


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write sessions as CSV",
        description="Write every session (or the ones named with --session) as CSV in kneeclick's schema: one "
        "row per completed stretch or control. To stdout, or with -o to a file (written whole or not at all).",
    )
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    add_owner_option(p)
    p.add_argument(
        "--session", metavar="ID", action="append", dest="sessions",
        help="export only this session (repeat for several)",
    )  # fmt: skip
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli import CliError
    from core.data.csvio import export_frame, write_csv
    from core.data.store import resolve_db_url

    store = open_owned(resolve_db_url(args.db), args.owner)
    ids = list(dict.fromkeys(args.sessions)) if args.sessions else None
    if ids:
        missing = [s for s in ids if s not in store.existing_session_ids(ids)]
        if missing:
            raise CliError(f"no session with id {', '.join(missing)} in {store.url}; nothing was written")
    frame = export_frame(store, ids)
    data = write_csv(frame).encode("utf-8")
    listing = store.list_sessions()
    if ids:
        listing = listing[listing["id"].isin(ids)]
    empty = sorted(set(listing["id"]) - set(frame["session_id"]))
    if args.output:
        _write_whole(Path(args.output), data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    n = frame["session_id"].nunique()
    where = f" to {args.output}" if args.output else ""
    print(f"exported {count(n, 'session')} ({len(frame)} rows){where}", file=sys.stderr)
    if empty:
        print(
            f"not in the file: {count(len(empty), 'session')} with no completed condition ({', '.join(empty)})",
            file=sys.stderr,
        )
    return 0


def _write_whole(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename it into place: never a half-written file."""
    from core.cli import CliError

    folder = path.resolve().parent
    if not folder.is_dir():
        raise CliError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise CliError(f"cannot write {path}: {e.strerror}") from e

