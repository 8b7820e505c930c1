"""The protocol and its steps: the vocabulary (groups, sides, sessions, tests), its words, the flow, timer, clock.

May import: the standard library only (nothing else of kneeclick).
"""
