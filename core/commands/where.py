"""`kneeclick where`: which store would be used, and what it holds."""

from __future__ import annotations

import argparse

from core.data.store import ENV_VAR, Store, describe_url, resolve_db_url


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
    url = resolve_db_url(args.db)
    store = Store.open(url)
    print(f"store: {describe_url(url)}")
    print(f"schema version: {store.schema_version()}")
    print(f"sessions: {len(store.list_sessions())}")
    return 0
