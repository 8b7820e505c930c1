"""Subcommands of the `kneeclick` command line, one module each.

Each module has ``register(subparsers)`` that adds its parser and sets
``func`` (called with the parsed args, returns the exit code).
"""

#: Module names under core.commands, in the order `kneeclick --help` lists them.
COMMANDS = ["where", "analyze", "count_clicks", "export", "import_", "plan", "report", "trend", "serve"]
