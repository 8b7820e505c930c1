"""`kneeclick where`: which store would be used, and what it holds."""

from __future__ import annotations

import argparse

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR (a test checks); not imported: --help stays fast


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "where",
        help="show which database is used and how many sessions it holds",
        description=f"Print the store's URL (from --db, else ${ENV_VAR}, else the default SQLite file), "
        "its schema version and its number of sessions. Creates the store if it does not exist yet.",
    )
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.data.store import Store, describe_url, resolve_db_url

    url = resolve_db_url(args.db)
    store = Store.open(url)
    print(f"store: {describe_url(url)}")
    print(f"schema version: {store.schema_version()}")
    print(f"sessions: {len(store.list_sessions())}")
    return 0
