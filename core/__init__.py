"""kneeclick's core: plain Python (no Streamlit) used by the app, the CLI and the tests."""

__version__ = "0.1.0"
