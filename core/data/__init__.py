"""Where data lives: the store (SQLite or PostgreSQL), CSV read/validate/write, the example data, history rows.

May import: core.session (never core.analysis, core.audio or core.report).
"""
