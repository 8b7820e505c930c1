"""The session's two browser-side widgets: a tap counter and a stretch countdown (components v2).

Both run in the browser, so no tap and no second is lost to a rerun: a Streamlit
button loses taps when they come faster than the script reruns (see
../shared/streamlit-notes.md).  The counter keeps its count in JavaScript and
reports the whole count (not +1 events) after every tap, so a report that
arrives late or is superseded still ends at the right number; it also keeps
the count in the browser's localStorage until the test is saved
(:func:`forget_taps`) or for two days at most, so a reload in the middle of
the reps does not lose the taps.  The countdown runs from the
remaining time the server computed from the stored start, and when it reaches
zero it beeps, vibrates, turns the panel green and tells the server.

Only fixed strings go into the HTML/JS here; numbers and labels written by
kneeclick travel as ``data`` and are set with ``textContent``, never as HTML.

AppTest cannot run JavaScript: tests stand in for the counter by setting its
state, ``at.session_state[key] = {"count": 7}``.
"""

from __future__ import annotations

import streamlit as st

_COUNTER_HTML = """
<div class="kc-counter">
  <button type="button" class="kc-tap" aria-label="Tap for every click">
    <span class="kc-count" aria-live="polite">0</span>
    <span class="kc-hint">tap for every click</span>
  </button>
  <div class="kc-row">
    <button type="button" class="kc-undo">Undo last tap</button>
  </div>
</div>
"""

_COUNTER_CSS = """
.kc-counter { display: flex; flex-direction: column; gap: 0.5rem; font-family: var(--st-font, sans-serif); }
.kc-tap, .kc-undo { font-family: inherit; }
.kc-tap {
  width: 100%; height: clamp(150px, 25vh, 300px);
  border: none; border-radius: 1.25rem; cursor: pointer;
  background: var(--st-primary-color, #2f6f5e); color: #fff;
  display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 0.25rem;
  touch-action: manipulation; user-select: none; -webkit-user-select: none; -webkit-tap-highlight-color: transparent;
  transition: transform 40ms ease-out, filter 40ms ease-out;
}
.kc-tap:active, .kc-tap.kc-flash { transform: scale(0.985); filter: brightness(1.15); }
.kc-tap:focus-visible { outline: 3px solid var(--st-text-color, #000); outline-offset: 3px; }
.kc-count { font-size: clamp(3.5rem, 10vh, 7rem); font-weight: 700; line-height: 1; font-variant-numeric: tabular-nums; }
.kc-hint { font-size: 1rem; opacity: 0.9; }
.kc-row { display: flex; justify-content: flex-end; }
.kc-undo {
  min-height: 2.75rem; padding: 0 1rem; border-radius: 0.6rem; font-size: 1rem; cursor: pointer;
  background: var(--st-secondary-background-color, #f1f5f3); color: var(--st-text-color, #1d2523);
  border: 1px solid var(--st-border-color, #ccc); touch-action: manipulation;
}
.kc-undo:disabled { opacity: 0.45; cursor: default; }
"""

#: Shared by the counter and the component that forgets saved tests: the taps kept in localStorage, one entry
#: per test (``kneeclick-<test key>-tap``: the key names the session and the test), as {"count", "at"}.
_TAPS_KEPT_JS = """
const KC_TAPS_PREFIX = "kneeclick-";
const KC_TAPS_SUFFIX = "-tap";
// Taps a test never saved (a skipped condition, a session left unfinished) are dropped after two days.
const KC_TAPS_KEEP_MS = 2 * 24 * 3600 * 1000;

function kcTapsRead(key) {
  try {
    const kept = JSON.parse(window.localStorage.getItem(key) || "null");
    if (Number.isInteger(kept)) return kept;  // written before the entries carried their time
    if (kept && Number.isInteger(kept.count)) return kept.count;
  } catch (e) { /* storage blocked, or not ours */ }
  return null;
}

function kcTapsWrite(key, count) {
  try { window.localStorage.setItem(key, JSON.stringify({ count, at: Date.now() })); } catch (e) { /* ignore */ }
}

function kcTapsForget(keys) {
  keys.forEach((k) => { try { window.localStorage.removeItem(k); } catch (e) { /* ignore */ } });
}

// Drop every kept tap count older than two days (or without a time), but `keep`.
function kcTapsPurge(keep) {
  const before = Date.now() - KC_TAPS_KEEP_MS;
  const stale = [];
  try {
    for (let i = 0; i < window.localStorage.length; i++) {
      const k = window.localStorage.key(i);
      if (!k || k === keep || !k.startsWith(KC_TAPS_PREFIX) || !k.endsWith(KC_TAPS_SUFFIX)) continue;
      let at = null;
      try { at = (JSON.parse(window.localStorage.getItem(k)) || {}).at; } catch (e) { /* not JSON: stale */ }
      if (!(at > before)) stale.push(k);
    }
  } catch (e) { return; }
  kcTapsForget(stale);
}
"""

_COUNTER_JS = _TAPS_KEPT_JS + """
const instances = new WeakMap();
let purged = false;

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const tap = parentElement.querySelector(".kc-tap");
  const undo = parentElement.querySelector(".kc-undo");
  const shown = parentElement.querySelector(".kc-count");
  if (!tap || !undo || !shown) return;
  const storageKey = (data && data.storage_key) || null;

  let inst = instances.get(parentElement);
  if (!inst || inst.storageKey !== storageKey) {
    // First render of this test's counter: a count this page already reported wins, else the taps kept
    // before a reload. (data.count is null until this page reports one: a rerun before the counter first
    // draws, e.g. the wake lock's report on load, must not read as "0 taps" and hide the kept ones.)
    let start = 0;
    let restored = false;
    if (data && Number.isInteger(data.count)) {
      start = data.count;
    } else if (storageKey) {
      const kept = kcTapsRead(storageKey);
      if (kept !== null && kept > 0) { start = kept; restored = true; }
    }
    inst = { count: start, storageKey };
    instances.set(parentElement, inst);
    if (restored) setStateValue("count", start);
    if (!purged) { purged = true; kcTapsPurge(storageKey); }  // once per page load
  }

  const show = () => {
    shown.textContent = String(inst.count);
    undo.disabled = inst.count === 0;
    tap.setAttribute("aria-label", `${inst.count} ${inst.count === 1 ? "click" : "clicks"} counted. Tap for every click`);
  };
  const report = () => {
    show();
    if (storageKey) kcTapsWrite(storageKey, inst.count);  // kept before it is sent: a reload cannot lose it
    setStateValue("count", inst.count);  // the whole count: a late report never loses a tap
  };

  tap.onclick = (event) => {
    event.preventDefault();
    inst.count += 1;
    tap.classList.add("kc-flash");
    window.setTimeout(() => tap.classList.remove("kc-flash"), 60);
    if (navigator.vibrate) { try { navigator.vibrate(12); } catch (e) { /* ignore */ } }
    report();
  };
  undo.onclick = (event) => {
    event.preventDefault();
    if (inst.count > 0) { inst.count -= 1; report(); }
  };
  show();
}
"""

_COUNTDOWN_HTML = """
<div class="kc-timer" role="timer">
  <div class="kc-time" aria-live="off"></div>
  <div class="kc-bar"><div class="kc-fill"></div></div>
  <div class="kc-msg" aria-live="assertive"></div>
</div>
"""

_COUNTDOWN_CSS = """
.kc-timer {
  border-radius: 1.25rem; padding: 1.25rem 1rem; text-align: center;
  background: var(--st-secondary-background-color, #f1f5f3); color: var(--st-text-color, #1d2523);
  font-family: var(--st-font, sans-serif); transition: background 200ms ease, color 200ms ease;
}
.kc-time { font-size: clamp(3.5rem, 11vh, 6rem); font-weight: 700; line-height: 1.05; font-variant-numeric: tabular-nums; }
.kc-bar { height: 0.9rem; border-radius: 0.45rem; background: var(--st-border-color, #d5ddd9); overflow: hidden; margin: 0.75rem 0 0.5rem; }
.kc-fill { height: 100%; width: 0%; background: var(--st-primary-color, #2f6f5e); transition: width 250ms linear; }
.kc-msg { font-size: 1.05rem; min-height: 1.4em; }
.kc-timer.kc-done { background: var(--st-primary-color, #2f6f5e); color: #fff; animation: kc-pulse 0.6s ease-in-out 3; }
.kc-timer.kc-done .kc-bar { background: rgba(255, 255, 255, 0.35); }
.kc-timer.kc-done .kc-fill { background: #fff; }
.kc-timer.kc-done .kc-msg, .kc-timer.kc-half .kc-msg { font-weight: 700; }
@keyframes kc-pulse { 50% { filter: brightness(1.25); } }
"""

_COUNTDOWN_JS = """
const timers = new WeakMap();

function fmt(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000 - 1e-6));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function beep(times = 3) {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    if (ctx.state === "suspended") ctx.resume();
    [0, 0.3, 0.6].slice(0, times).forEach((at) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.4, ctx.currentTime + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.25);
    });
    window.setTimeout(() => ctx.close(), 1500);
  } catch (e) { /* no sound: the visual cue still shows */ }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const box = parentElement.querySelector(".kc-timer");
  const time = parentElement.querySelector(".kc-time");
  const fill = parentElement.querySelector(".kc-fill");
  const msg = parentElement.querySelector(".kc-msg");
  if (!box || !time || !fill || !msg || !data) return;

  let t = timers.get(parentElement);
  if (!t || t.token !== data.token) {
    if (t) {
      window.clearInterval(t.interval);
      document.removeEventListener("visibilitychange", t.onVisible);
      if (t.lock) t.lock.release().catch(() => {});
    }
    t = { token: data.token, endAt: performance.now() + data.remaining_ms, total: data.total_ms, fired: false, lock: null,
          half: !data.halfway_text || data.remaining_ms <= data.total_ms / 2 };
    timers.set(parentElement, t);
    box.classList.remove("kc-done");
    if (navigator.wakeLock) {
      navigator.wakeLock.request("screen").then((l) => { t.lock = l; }).catch(() => {});
    }
    const tick = () => {
      const left = t.endAt - performance.now();
      time.textContent = fmt(left);
      const gone = t.total > 0 ? Math.min(1, Math.max(0, 1 - left / t.total)) : 1;
      fill.style.width = `${(gone * 100).toFixed(1)}%`;
      if (left <= 0 && !t.fired) {
        t.fired = true;
        window.clearInterval(t.interval);
        box.classList.add("kc-done");
        msg.textContent = data.done_text || "Time is up";
        beep();
        if (navigator.vibrate) { try { navigator.vibrate([250, 120, 250]); } catch (e) { /* ignore */ } }
        if (t.lock) t.lock.release().catch(() => {});
        // Let the green "time is up" panel be seen before the retest replaces it.
        window.setTimeout(() => setTriggerValue("done", t.token), 1200);
      } else if (!t.fired) {
        if (!t.half && left <= t.total / 2) {  // e.g. the calf stretch: knee straight, then bent
          t.half = true;
          box.classList.add("kc-half");
          if (navigator.vibrate) { try { navigator.vibrate(200); } catch (e) { /* ignore */ } }
          beep(1);
        }
        msg.textContent = (data.halfway_text && left <= t.total / 2) ? data.halfway_text : (data.running_text || "");
      }
    };
    t.interval = window.setInterval(tick, 200);
    // A hidden tab's timers are throttled: catch up the moment the page is seen again.
    t.onVisible = () => { if (document.visibilityState === "visible") tick(); };
    document.addEventListener("visibilitychange", t.onVisible);
    tick();
  }
  return () => {
    const cur = timers.get(parentElement);
    if (cur) {
      window.clearInterval(cur.interval);
      document.removeEventListener("visibilitychange", cur.onVisible);
      if (cur.lock) cur.lock.release().catch(() => {});
    }
    timers.delete(parentElement);
  };
}
"""

# Not in a shadow root (``isolate_styles=False``): Streamlit 1.67 attaches an isolated component's shadow root in
# an effect and only draws its HTML on the render after that, so the counter showed a frame or two (20-30 ms,
# measured in Chromium) after the rest of its test step; drawn in the page, it shows with them. Every class and
# the keyframes here start with ``kc-``, so these styles reach nothing else, and Streamlit's change nothing here
# (compared by screenshot at 390x844: the same look, the text placed within a pixel).
_COUNTER = st.components.v2.component(
    "kneeclick_tap_counter", html=_COUNTER_HTML, css=_COUNTER_CSS, js=_COUNTER_JS, isolate_styles=False
)
_COUNTDOWN = st.components.v2.component(
    "kneeclick_countdown", html=_COUNTDOWN_HTML, css=_COUNTDOWN_CSS, js=_COUNTDOWN_JS, isolate_styles=False
)


_SCROLL_JS = """
let lastToken = null;

export default function (component) {
  const { data } = component;
  const token = data && data.token;
  if (token === lastToken) return;
  const first = lastToken === null;
  lastToken = token;
  if (first) return;  // a reload keeps the browser's own position
  window.scrollTo(0, 0);
  document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]').forEach((el) => {
    el.scrollTop = 0;
  });
}
"""

_SCROLL = st.components.v2.component("kneeclick_scroll_top", js=_SCROLL_JS)


def scroll_to_top_on_change(token: str) -> None:
    """Scroll back to the top whenever ``token`` (the step on screen) changes, as a new page would."""
    _SCROLL(key="kneeclick-scroll-top", data={"token": token}, height=0)


_INTO_VIEW_JS = """
let last = null;

export default function (component) {
  const { data } = component;
  if (!data || !data.token || `${data.key}:${data.token}` === last) return;
  last = `${data.key}:${data.token}`;
  const el = document.querySelector(`.st-key-${CSS.escape(data.key)}`);
  if (el) el.scrollIntoView({ behavior: "smooth", block: "center" });
}
"""
_INTO_VIEW = st.components.v2.component("kneeclick_into_view", js=_INTO_VIEW_JS)


def scroll_into_view(widget_key: str, token: str) -> None:
    """Scroll the element of ``widget_key`` to the middle of the screen (once per ``token``)."""
    _INTO_VIEW(key=f"kneeclick-into-view-{widget_key}", data={"key": widget_key, "token": token}, height=0)


def _noop() -> None:
    pass


def _known_count(key: str) -> int | None:
    """The count the counter ``key`` reported in this browser session; None before its first report."""
    state = st.session_state.get(key) or {}
    known = state.get("count") if isinstance(state, dict) else None
    return known if isinstance(known, int) and not isinstance(known, bool) and known >= 0 else None


def _storage_key(key: str) -> str:
    return f"kneeclick-{key}"


def tap_count(key: str) -> int:
    """The taps the counter ``key`` has reported, read from session state without drawing it (0 before any)."""
    return _known_count(key) or 0


def tap_counter(key: str) -> int:
    """A big tap target with undo; returns the taps counted so far for this ``key`` (one key per test, ending
    in ``-tap``: the browser keeps the count under it until :func:`forget_taps`, or for two days)."""
    known = _known_count(key)
    # No default state: before the counter's first report there is no count to send it (a default 0 would, on
    # a second run before it first draws, override the taps it kept across a reload).
    result = _COUNTER(
        key=key,
        data={"count": known, "storage_key": _storage_key(key)},
        on_count_change=_noop,
    )
    count = getattr(result, "count", None)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return known or 0
    return count


_FORGET_TAPS_JS = _TAPS_KEPT_JS + """
export default function (component) {
  const { data } = component;
  const keys = (data && Array.isArray(data.keys)) ? data.keys.filter((k) => typeof k === "string") : [];
  kcTapsForget(keys);
  kcTapsPurge(null);
}
"""
_FORGET_TAPS = st.components.v2.component("kneeclick_forget_taps", js=_FORGET_TAPS_JS)


def forget_taps(keys: list[str]) -> None:
    """The tests of the tap counters ``keys`` are saved: the browser drops the counts it kept for them (and any
    kept count older than two days). Takes no room: draw it at the bottom of the page."""
    _FORGET_TAPS(key="kneeclick-forget-taps", data={"keys": [_storage_key(k) for k in keys]}, height=0)


def countdown(
    key: str, *, remaining_seconds: float, total_seconds: float, token: str, running_text: str, done_text: str,
    halfway_text: str | None = None, on_done=_noop,
) -> bool:
    """A countdown panel; returns True on the rerun its end triggers (the server then checks the stored time).

    ``halfway_text`` replaces ``running_text`` from half time on, with one beep and a buzz (the calf stretch's
    "now bend the knee").  ``on_done``: a callback run when the end reaches the server, before the page is drawn.
    """
    result = _COUNTDOWN(
        key=key,
        data={
            "remaining_ms": int(remaining_seconds * 1000),
            "total_ms": int(total_seconds * 1000),
            "token": token,
            "running_text": running_text,
            "done_text": done_text,
            "halfway_text": halfway_text,
        },
        on_done_change=on_done,
    )
    return getattr(result, "done", None) == token
