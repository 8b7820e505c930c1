"""What a person reads: the results' charts and sentences, the session summary, the About text.

May import: core.session, core.analysis, core.audio and core.data (nothing imports core.report but ui/ and commands).
"""
