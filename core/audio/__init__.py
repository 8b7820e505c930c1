"""Counting clicks in a recording: the detector, synthetic recordings, the proposed count and its picture.

May import: core.session (never core.data, core.analysis or core.report).
"""
