"""`kneeclick where`: which store would be used, and what it holds."""

from __future__ import annotations

import argparse

from core.commands import LOCAL_OWNER, add_owner_option, open_owned

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR (a test checks); not imported: --help stays fast


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "where",
        help="show which database is used and how many sessions it holds",
        description=f"Print the store's URL (from --db, else ${ENV_VAR}, else the default SQLite file), "
        "its schema version and its number of sessions (the owner's, with --owner). Creates the store if it "
        "does not exist yet.",
    )
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    add_owner_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.data.store import describe_url, resolve_db_url

    url = resolve_db_url(args.db)
    store = open_owned(url, args.owner)
    print(f"store: {describe_url(url)}")
    if args.owner != LOCAL_OWNER:
        print(f"owner: {args.owner}")
    print(f"schema version: {store.schema_version()}")
    print(f"sessions: {len(store.list_sessions())}")
    return 0

