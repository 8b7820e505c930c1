"""kneeclick's core: plain Python (no Streamlit) used by the app, the CLI and the tests.

Parts: ``session`` (the protocol), ``analysis`` (statistics), ``audio`` (clicks in a recording),
``data`` (store and CSV), ``report`` (what a person reads); ``cli`` and ``commands`` (the command line).
"""

__version__ = "0.1.0"
