"""Text a person or a file supplied (notes, ids, stop reasons, file names, messages that quote them), shown
as plain text: never through Markdown.

Streamlit renders the body of ``st.markdown``, ``st.caption``, the alerts, headers and button labels as
Markdown with its own extensions: links and images (an image is fetched from any host), ``:material/...:``
icons, ``:streamlit:``, emoji shortcodes, ``:red[...]`` colours and KaTeX ``$...$``.  Backslash-escaping does
not stop all of them (the icon directive is rewritten in the source before it is parsed), so such text goes
only into elements that never parse it: ``st.text`` (here), tables and widget values.  kneeclick's own words
may still use Markdown around it: :func:`alert` puts them in the coloured box and the supplied text below.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

_BOXES = {"error": st.error, "warning": st.warning, "info": st.info, "success": st.success}
_ICONS = {
    "error": ":material/error:",
    "warning": ":material/warning:",
    "info": ":material/info:",
    "success": ":material/check_circle:",
}


def plain(text: object) -> None:
    """Show ``text`` exactly as it is: no Markdown, links, images, icons, maths or HTML."""
    st.text(str(text))


def alert(
    kind: Literal["error", "warning", "info", "success"], words: str, detail: object | None = None, *, icon: str | None = None
) -> None:
    """kneeclick's own ``words`` (fixed text, Markdown allowed) in a coloured box, then ``detail`` (text a person
    or a file supplied, or a message quoting it) as plain text right below it."""
    _BOXES[kind](words, icon=icon or _ICONS[kind])
    if detail not in (None, ""):
        plain(detail)
