"""The phone mode in the app: the access gate, "Open on your phone", and the screen kept awake in a session.

``kneeclick serve --phone`` sets ``KNEECLICK_ACCESS_KEY`` (and ``KNEECLICK_PHONE_URL``); without them (plain
``serve``, AppTest) nothing here shows or stops anything.  The key arrives once in the link (``?key=...``), is
dropped from the address, and is kept by that browser in a cookie; any other visitor sees only "scan the code".
"""

from __future__ import annotations

import os

import streamlit as st

from core.serve import access, qr
from core.serve.launch import PHONE_URL_ENV_VAR

_OK = "kneeclick-access-ok"
_CAPS = "kneeclick-browser-caps"  # the wake-lock component's key: it reports what the browser offers
#: Shown instead of the recorder when the browser offers no microphone to this page.
NO_MIC_TEXT = (
    "This browser gives no microphone to this page, so it cannot record. A phone's browser allows the "
    "microphone only on a secure (https) page: start kneeclick on the computer with "
    "`bash scripts/start.sh --phone` and open the link it prints, or count by tapping."
)

_COOKIE_JS = """
export default function (component) {
  const { data } = component;
  if (!data || !data.name || !data.value) return;
  const want = `${data.name}=${encodeURIComponent(data.value)}`;
  if (document.cookie.split("; ").includes(want)) return;
  document.cookie = `${want}; Max-Age=${60 * 60 * 24 * 400}; Path=/; SameSite=Strict; Secure`;
}
"""
_COOKIE = st.components.v2.component("kneeclick_remember_key", js=_COOKIE_JS)


def gate() -> None:
    """In phone mode, stop here (showing only "scan the code") unless this browser has the access key."""
    expected = os.environ.get(access.KEY_ENV_VAR)
    if not expected:
        return
    if not st.session_state.get(_OK):
        from_link = st.query_params.get(access.KEY_PARAM)
        if access.matches(expected, from_link) or access.matches(expected, st.context.cookies.get(access.COOKIE)):
            st.session_state[_OK] = True
        else:
            st.title("kneeclick")
            st.info(access.LOCKED_TEXT, icon=":material/qr_code_scanner:")
            st.stop()
    if access.KEY_PARAM in st.query_params:  # never left in the address bar, the history or a shared link
        st.query_params.pop(access.KEY_PARAM)
    _COOKIE(key="kneeclick-remember-key", data={"name": access.COOKIE, "value": expected}, height=0)


_MENU_CSS = """
<style>
/* On a phone the menu is one line: no icons, tighter links (the disclaimer below it is one line too). */
@media (max-width: 640px) {
  /* Less space above the menu on every page (the session's counter and Save fit one screen), and the same on
     every page, so the menu never moves under the finger from one page to the next. */
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; padding-bottom: 2rem; }
  .st-key-nav { flex-wrap: nowrap; gap: 0.1rem; }
  .st-key-nav [data-testid="stPageLink"] [data-testid="stIconMaterial"] { display: none; }
  /* ... and the icon's wrapper, whose margin otherwise leaves the label off-centre in its pill */
  .st-key-nav [data-testid="stPageLink"] a > span:has(> [data-testid="stIconMaterial"]) { display: none; }
  .st-key-nav [data-testid="stPageLink"] a { padding-left: 0.45rem; padding-right: 0.45rem; }
  /* A session's summary table (Session and History) fits the screen: tighter cells, a little smaller type,
     words wrap (no cut-off column). */
  [data-testid="stMarkdownContainer"] table { width: 100%; font-size: 0.875rem; }
  [data-testid="stMarkdownContainer"] th, [data-testid="stMarkdownContainer"] td { padding: 0.35rem 0.3rem; }
  /* A grid as wide and narrow versions (ui.views.wide_and_narrow): on a phone, the columns that fit */
  [class*="st-key-wide-"] { display: none; }
}
@media (min-width: 641px) { [class*="st-key-narrow-"] { display: none; } }
/* A heading's link icon (shown on hover, and left on screen after a tap on a phone): kneeclick's headings are
   not places to link to. */
[data-testid="stHeaderActionElements"] { display: none; }
/* The first view after a load: Streamlit draws a 40 px grey placeholder for each widget whose code the tab has
   not loaded yet, then the widget. Sized as the widget it stands for, nothing below moves when it arrives. */
.st-key-nav > [data-testid="stElementContainer"] > [data-testid="stSkeleton"] { height: 2rem; }  /* a page link */
/* ... in a box with a page link's own negative margins (the menu is 20 px high, its 32 px links overhang it) */
.st-key-nav > [data-testid="stElementContainer"]:has(> [data-testid="stSkeleton"]) { margin: -0.375rem 0; }
</style>
"""


def menu_style() -> None:
    """kneeclick's CSS for every page: the menu on one line on a phone, the same top space on every page,
    summary tables and grids within a phone's screen, no link icons beside headings."""
    st.html(_MENU_CSS)


_QR_CSS = """
<style>
/* The phone's own screen needs no code to scan. */
@media (max-width: 640px) { .st-key-open-on-phone { display: none; } }
</style>
"""


def open_on_phone() -> None:
    """A small "Open on your phone" button (wide screens, phone mode only) that shows the link's QR code."""
    url = os.environ.get(PHONE_URL_ENV_VAR)
    if not url:
        return
    st.html(_QR_CSS)
    with st.container(key="open-on-phone", width="content"):
        with st.popover("Open on your phone", icon=":material/qr_code_2:"):
            st.image(_png(url), caption="Scan with the phone's camera (same Wi-Fi as this computer)", width=240)
            st.text("The phone warns once that the connection is not private: the certificate is this "
                    "computer's own, made by kneeclick.")  # fmt: skip
            st.text("Choose Advanced, then Proceed (Chrome), or Show Details, then visit this website (Safari).")
            st.text(url)


@st.cache_data(show_spinner=False)
def _png(url: str) -> bytes:
    return qr.png(url)


_WAKE_HTML = '<div class="kc-wake" role="status" hidden><span class="kc-wake-text"></span> <button type="button" class="kc-wake-ok">OK</button></div>'
_WAKE_CSS = """
.kc-wake { font-family: var(--st-font, sans-serif); font-size: 0.95rem; padding: 0.6rem 0.75rem; border-radius: 0.6rem;
  background: #fff6d6; color: #3d3200; display: flex; gap: 0.5rem; align-items: center; justify-content: space-between; }
.kc-wake[hidden] { display: none; }
.kc-wake-ok { min-height: 2.5rem; padding: 0 1rem; border-radius: 0.5rem; border: 1px solid #b8a25a; background: #fff; font-size: 1rem; }
"""
_WAKE_JS = """
let lock = null;
let listening = false;
let sentCaps = null;

function wantLock() {
  if (!navigator.wakeLock || document.visibilityState !== "visible" || lock) return;
  navigator.wakeLock.request("screen").then((l) => {
    lock = l;
    l.addEventListener("release", () => { lock = null; });
  }).catch(() => {});
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const caps = {
    secure: !!window.isSecureContext,
    wake_lock: !!navigator.wakeLock,
    microphone: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
  };
  // Reported once per page load (a report is a rerun: a second one would wipe a message just shown).
  if (sentCaps !== JSON.stringify(caps)) {
    sentCaps = JSON.stringify(caps);
    setStateValue("caps", caps);
  }
  wantLock();
  if (!listening) {
    listening = true;  // the browser drops the lock when the tab is hidden: take it again when seen
    document.addEventListener("visibilitychange", wantLock);
  }
  // Leaving the Session page lets the screen sleep again.
  const cleanup = () => {
    document.removeEventListener("visibilitychange", wantLock);
    listening = false;
    if (lock) { lock.release().catch(() => {}); lock = null; }
  };
  const box = parentElement.querySelector(".kc-wake");
  if (!box || caps.wake_lock) return cleanup;
  if (!data || !data.text) { box.hidden = true; return cleanup; }  // never appears above a tap counter
  const told = "kneeclick-wake-told";
  try { if (window.sessionStorage.getItem(told)) return cleanup; } catch (e) { /* storage blocked */ }
  parentElement.querySelector(".kc-wake-text").textContent = data.text;
  box.hidden = false;
  parentElement.querySelector(".kc-wake-ok").onclick = () => {
    box.hidden = true;
    try { window.sessionStorage.setItem(told, "1"); } catch (e) { /* ignore */ }
  };
  return cleanup;
}
"""
_WAKE = st.components.v2.component("kneeclick_wake_lock", html=_WAKE_HTML, css=_WAKE_CSS, js=_WAKE_JS)
WAKE_TEXT = (
    "This page cannot keep the screen awake, so the phone may sleep during a stretch. On a phone, open "
    "kneeclick through the https link that `bash scripts/start.sh --phone` prints (or use a newer browser)."
)


def keep_screen_awake(say_why: bool = True) -> None:
    """Keep the screen on while the Session page is open; say once, plainly, when the browser cannot.

    ``say_why=False`` on a test screen: nothing may appear above the tap counter while a test is on screen.
    """
    text = WAKE_TEXT.replace("`", "") if say_why else None
    extra = {} if say_why else {"height": 0}  # takes no room at all above a tap counter
    _WAKE(key=_CAPS, data={"text": text}, default={"caps": None}, on_caps_change=_noop, **extra)


def _noop() -> None:
    pass


def browser_caps() -> dict | None:
    """What the browser reported: ``{"secure", "wake_lock", "microphone"}`` booleans, or None (not yet, AppTest)."""
    state = st.session_state.get(_CAPS)
    caps = state.get("caps") if isinstance(state, dict) else getattr(state, "caps", None)
    return caps if isinstance(caps, dict) else None


def can_record() -> bool:
    """False only when the browser said it has no microphone for this page."""
    caps = browser_caps()
    return caps is None or bool(caps.get("microphone"))
