"""`kneeclick serve`: start the app, on this computer only, or (``--phone``) for a phone on the same network."""

from __future__ import annotations

import argparse
import os
import sys

ENV_VAR = "KNEECLICK_DB_URL"  # core.data.schema.ENV_VAR (a test checks); not imported: --help stays fast
DEFAULT_PORT = 8501  # core.serve.launch.DEFAULT_PORT (a test checks)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="start the app (add --phone to open it on a phone on the same network)",
        description="Start the app on http://localhost:PORT, reachable from this computer only. With --phone: "
        "HTTPS on every network interface (a self-signed certificate made once in the user data folder), "
        "open only through a link that carries an access key; the link is printed with its QR code.",
    )
    p.add_argument("--phone", action="store_true", help="serve HTTPS on the home network for a phone; prints a QR code")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR} or the SQLite file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli import CliError

    if not 1 <= args.port <= 65535:
        raise CliError(f"--port must be between 1 and 65535, not {args.port}")
    from core.data.schema import StoreError, check_url
    from core.data.store import describe_url, resolve_db_url
    from core.serve import qr
    from core.serve.launch import plan

    try:
        check_url(resolve_db_url(args.db))
    except StoreError as e:
        raise CliError(str(e)) from None
    p = plan(phone=args.phone, port=args.port, db_url=args.db)
    out = sys.stdout
    print(f"store: {describe_url(resolve_db_url(args.db))}", file=out)
    if not args.phone:
        print(f"kneeclick: open {p.local_url} on this computer (add --phone to use it on a phone)", file=out)
    else:
        print(f"On this computer: {p.local_url}", file=out)
        if not p.phone_urls:
            print("This computer has no network address a phone could reach: connect it to the Wi-Fi.", file=out)
        else:
            print(f"On your phone (same Wi-Fi as this computer): {p.phone_urls[0]}", file=out)
            for other in p.phone_urls[1:]:
                print(f"  or, on another network of this computer: {other}", file=out)
            print("Scan this code with the phone's camera:", file=out)
            print(qr.terminal_text(p.phone_urls[0], color=out.isatty()), file=out)
        print("The phone warns once that the certificate is not trusted: it is this computer's own. "
              "Choose Advanced, then Proceed (Chrome) or Show Details, then visit this website (Safari).", file=out)  # fmt: skip
        print("Only the link above opens the app; anyone else on the network sees \"scan the code\".", file=out)
    out.flush()
    os.execve(p.argv[0], p.argv, p.env)
    return 0  # not reached
