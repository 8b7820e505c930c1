"""`python -m core.data`: print the store's URL (password hidden), or say plainly why it cannot be used.

scripts/start.sh runs it first, so a mistyped ``KNEECLICK_DB_URL`` stops the start with one line on stderr
(exit status 1) instead of a traceback.  It only parses the URL: it neither connects nor creates anything.
"""

import sys

from core.data.schema import StoreError, check_url, describe_url, resolve_db_url


def main() -> int:
    url = resolve_db_url()
    try:
        check_url(url)
    except StoreError as e:
        print(f"kneeclick: {e}", file=sys.stderr)
        return 1
    print(describe_url(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
