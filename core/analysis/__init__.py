"""The statistics: the ranking model and its fit, the simulator used to judge it.

May import: core.session (never core.data, core.audio or core.report: it works on plain frames).
"""
