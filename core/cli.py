"""The `kneeclick` command line.  `kneeclick --help` lists the subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from core import __version__
from core.commands import COMMANDS


class CliError(Exception):
    """A user-facing error: printed as one line on stderr, exit code 2 (or ``code``)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kneeclick",
        description="Find which tight muscle group makes your knee click: an N-of-1 stretch-and-retest "
        "experiment. The app: `kneeclick serve` (add --phone for a phone). This command line scripts the same "
        "store.",
    )
    parser.add_argument("--version", action="version", version=f"kneeclick {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"core.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except Exception as e:
        if not isinstance(e, CliError) and not _is_store_error(e):
            raise
        print(f"kneeclick {args.command}: {e}", file=sys.stderr)
        return getattr(e, "code", 2)
    except BrokenPipeError:  # e.g. `kneeclick ... | head`
        return 0


def _is_store_error(e: BaseException) -> bool:
    """A core.data.store.StoreError. The store is not imported here: a command that never opened it (such
    as count-clicks) cannot raise one, and loading SQLAlchemy would cost every command half a second."""
    store = sys.modules.get("core.data.store")
    return store is not None and isinstance(e, store.StoreError)


if __name__ == "__main__":
    # Run as `python -m core.cli`, this file is `__main__`, a second copy of core.cli: delegate to the
    # importable module so a command's `core.cli.CliError` is the class that main() catches.
    from core.cli import main as _main

    sys.exit(_main())
