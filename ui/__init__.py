"""Streamlit helpers the page scripts call: the app frame, components, the session's steps, cached views.

May import: streamlit and all of core/; core/ never imports ui/.
"""
