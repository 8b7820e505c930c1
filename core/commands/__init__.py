"""Subcommands of the `kneeclick` command line, one module each.

Each module has ``register(subparsers)`` that adds its parser and sets
``func`` (called with the parsed args, returns the exit code).
"""

#: Module names under core.commands, in the order `kneeclick --help` lists them.
COMMANDS = ["where", "analyze", "count_clicks", "export", "import_", "plan", "report", "trend", "serve"]

# ------------------------------------------------ errors said by the command itself
def saying_errors(name: str, body):
    """``body(args)`` as a command's ``run``: a CliError is printed as ``kneeclick NAME: message`` on stderr and
    its code returned.  Said here rather than left to core.cli.main: under ``python -m core.cli`` that module
    runs as __main__, whose CliError is a different class from the one the commands raise."""
    import sys

    from core.cli import CliError

    def run(args) -> int:
        try:
            return body(args)
        except CliError as e:
            print(f"kneeclick {name}: {e}", file=sys.stderr)
            return e.code

    return run


# ------------------------------------------------ --owner, shared by import, export and where
LOCAL_OWNER = "local"  # core.data.schema.LOCAL_OWNER, spelled out so --help stays fast (a test checks)


def add_owner_option(parser) -> None:
    """``--owner ID``: whose sessions a command reads or writes (an admin's tool for a hosted database)."""
    parser.add_argument(
        "--owner", metavar="ID", default=LOCAL_OWNER,
        help="whose sessions: an owner id (the sign-in provider's issuer|sub) in a hosted database; an admin's "
        "tool. Not needed in local mode (default: the local owner)",
    )  # fmt: skip


def open_owned(url: str, owner: str):
    """The store at ``url`` seen as ``owner`` (every read and write theirs alone); CliError for a bad id."""
    from core.cli import CliError
    from core.data.store import Store

    store = Store.open(url)
    try:
        return store.for_owner(owner)
    except ValueError as e:
        store.engine.dispose()
        raise CliError(f"--owner: {e}") from None
