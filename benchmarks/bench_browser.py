"""Step latency in a real browser.  ``python benchmarks/bench_browser.py [--rounds N]``

In one run, in Chromium at 390 x 844 against servers on this machine:

1. the *minimal* round trip: a bare Streamlit page whose button bumps a counter;
2. every kind of step change of a kneeclick session, driven through the page as a person would (safety ->
   setup, setup -> baseline, save a test -> the stretch, start the timer, the timer's end -> the retest, save
   the last retest -> the summary), on a fresh store, with ``KNEECLICK_TIMER_SECONDS=5`` so timers last seconds (long enough to be seen under load);
3. opening Results and History from the Session page's menu with 365 sessions stored: for Results, its
   first paint (the title and the first leg's plain-words answer, Streamlit possibly still busy) and then
   its charts drawn with Streamlit idle.

Each action is timed in the browser, from the tap (``pointerdown``; for the timer's end, the moment the
countdown tells the server) until the next step's main element is visible *and* Streamlit is idle (the app's
``data-test-script-state`` is ``notRunning``), checked on every animation frame: no fixed sleeps.  One line
per action: ``<action>: median N ms = R x minimal``, with a 95% interval for R (a bootstrap of both samples)
where there are 3 timings or more.  The summary counts as shown with its words, its table and its "Start a
new session" button; its chart, drawn only when asked for, has a line of its own.
The minimal round trip is measured before and after the rest and its median over both is the unit.  It runs
with Streamlit's default settings, as in issue 16; kneeclick's server turns off the full garbage collection
after every run (``.streamlit/config.toml``), which a bare page pays too, so the same bare page with kneeclick's
settings is timed as well and printed on a line of its own (information only, not the unit).

Prints figures only; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pages import fill_store  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.helpers import (  # noqa: E402
    CHROMIUM_ARGS,
    PHONE,
    answer_safety,
    change_settings,
    chromium_path,
    free_port,
    sid_of,
    start_server,
    wait_for_app,
)

MINIMAL = """import streamlit as st
st.session_state.setdefault("n", 0)
if st.button("Bump", key="bump"):
    st.session_state.n += 1
st.write(f"count {st.session_state.n}")
"""

#: Installed before every page: the start of an action is the first pointerdown or websocket send after
#: ``window.__kcArm()``.
ARM_JS = """
window.__kcT0 = null;
window.__kcArm = () => { window.__kcT0 = null; };
window.addEventListener("pointerdown", () => { if (window.__kcT0 === null) window.__kcT0 = performance.now(); }, true);
const realSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (...args) {
  if (window.__kcT0 === null) window.__kcT0 = performance.now();
  return realSend.apply(this, args);
};
"""

#: Done: Streamlit idle, no element still a loading placeholder, and every ``[css, text]`` pair matched by a visible element (shadow roots searched too).
DONE_JS = """
([wanted, painted]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || window.__kcT0 === null) return false;
  if (!painted && app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const all = (root, css, out) => {
    root.querySelectorAll(css).forEach((e) => out.push(e));
    root.querySelectorAll('*').forEach((e) => { if (e.shadowRoot) all(e.shadowRoot, css, out); });
    return out;
  };
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && !e.closest('[data-stale="true"]'); };
  if (!painted && document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')) return false;  // loading
  for (const [css, text] of wanted) {
    if (!all(document, css, []).some((e) => shown(e) && (!text || (e.innerText || e.textContent).includes(text)))) {
      return false;
    }
  }
  return performance.now() - window.__kcT0;
}
"""

SETUP = [["h3", "Set up today's test"], ["button", "Plan the session"]]
TEST = [[".kc-tap", None], ["button", "Save this test"]]
STRETCH = [["button", "timer"]]
TIMING = [[".kc-time", ":"]]
CHART = ['[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg', None]
SUMMARY = [["h1", "Session summary"], ['[data-testid="stMarkdownContainer"] table td', None], ["button", "new session"]]
RESULTS = [CHART]
#: Results' first paint: its title and the first leg's plain-words answer (heading and summary), Streamlit may still be busy.
RESULTS_WORDS = [["h1", "Results"], ["h3", "the likely culprits"], ['[data-testid="stMarkdownContainer"] strong', None]]
HISTORY = [['[data-testid="stDataFrame"] canvas', None]]


def timed(page, action, wanted, timeout: float = 30_000, painted=None) -> float | tuple[float, float]:
    """Milliseconds from the tap ``action()`` makes to ``wanted`` shown with Streamlit idle; with ``painted``
    (elements to see first), the pair: ``painted`` shown (Streamlit may still be busy), then ``wanted``."""
    page.evaluate("window.__kcArm()")
    action()
    try:
        first = None
        if painted:
            first = float(page.wait_for_function(DONE_JS, arg=[painted, True], polling="raf", timeout=timeout).json_value())
        done = float(page.wait_for_function(DONE_JS, arg=[wanted, False], polling="raf", timeout=timeout).json_value())
        return done if first is None else (first, done)
    except Exception:
        page.screenshot(path=str(ROOT / "test-artifacts" / "bench-browser-stuck.png"), full_page=True)
        print(f"stuck waiting for {painted or ''} {wanted} at {page.url}", file=sys.stderr)
        raise


def idle(page) -> None:
    wait_for_app(page)
    page.wait_for_timeout(150)  # let the last component reports settle before the next timed tap


#: kneeclick's own server settings (``.streamlit/config.toml``'s [runner] section), for the bare page's second line.
KNEECLICK_RUNNER = ["--runner.postScriptGC=false", "--runner.magicEnabled=false"]


def bench_minimal(browser, tmp: Path, rounds: int, settings: tuple[str, ...] = ()) -> list[float]:
    script = tmp / "minimal.py"
    script.write_text(MINIMAL)
    port = free_port()
    import subprocess
    import urllib.request

    log = (tmp / "minimal.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", *settings],
        cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                time.sleep(0.2)
        page = browser.new_context(viewport=PHONE).new_page()
        page.add_init_script(ARM_JS)
        page.goto(f"http://127.0.0.1:{port}/")
        wait_for_app(page)
        button = page.get_by_role("button", name="Bump")
        out = []
        for i in range(rounds + 2):
            idle(page)
            ms = timed(page, button.click, [["p", f"count {i + 1}"]])
            if i >= 2:  # the first two warm up
                out.append(ms)
        page.context.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def one_session(page, base: str, times: dict[str, list[float]]) -> None:
    """A whole session through the page: safety, setup (rest control and calves), baseline, two conditions."""
    page.goto(f"{base}/session")
    wait_for_app(page)
    answer_safety(page, "Left", "Often")
    idle(page)
    times["safety -> setup"].append(timed(page, page.get_by_role("button", name="Continue").click, SETUP))
    sid = sid_of(page)
    change_settings(page, sid)  # the form (the heavier way to baseline: measured as before the summary came in)
    removable = page.locator(f".st-key-{sid}-setup-conditions").get_by_role("button", name=re.compile(r"^Remove (?!Rest)"))
    while page.locator(f".st-key-{sid}-setup-conditions [data-tag]").count() > 2:  # one stretch and the rest control
        removable.first.click()
        page.get_by_text("Set up today's test").click()  # leave the field: a second tap inside it is ignored
        page.wait_for_timeout(100)
    page.locator(f".st-key-{sid}-setup-random").get_by_text("Random order").click()
    idle(page)
    times["setup -> baseline"].append(timed(page, page.get_by_role("button", name="Plan the session").click, TEST))
    for tag, then, name in (("b", STRETCH, "save a test -> stretch"), ("r1", STRETCH, "save a test -> stretch"),
                            ("r2", SUMMARY, "save the last retest -> summary")):  # fmt: skip
        if tag != "b":
            idle(page)
            times["start the timer"].append(
                timed(page, page.get_by_role("button", name=STRETCH[0][1]).first.click, TIMING)
            )
            # the countdown's end: timed from the moment it tells the server (1.2 s after it shows "Time is up")
            page.locator(".kc-timer.kc-done").wait_for(state="attached", timeout=30_000)
            page.evaluate("window.__kcArm()")
            ms = page.wait_for_function(DONE_JS, arg=[TEST, False], polling="raf", timeout=30_000).json_value()
            times["timer end -> retest"].append(float(ms))
        idle(page)
        page.locator(".kc-tap").click()
        expect(page.locator(f".st-key-{sid}-test-{tag}-clicks input")).to_have_value("1", timeout=30_000)
        page.locator(f".st-key-{sid}-pain-{tag}").get_by_role("radio", name="0", exact=True).click()
        idle(page)
        times[name].append(timed(page, page.get_by_role("button", name="Save this test").click, then))
    idle(page)
    times["the summary's chart, asked for"].append(timed(page, page.get_by_text("See the chart").click, [CHART]))


def bench_session(browser, tmp: Path, rounds: int) -> dict[str, list[float]]:
    names = ["safety -> setup", "setup -> baseline", "save a test -> stretch", "start the timer",
             "timer end -> retest", "save the last retest -> summary", "the summary's chart, asked for"]  # fmt: skip
    times: dict[str, list[float]] = {n: [] for n in names}
    server = start_server(f"sqlite:///{tmp / 'session.sqlite3'}", tmp / "session.log", env={"KNEECLICK_TIMER_SECONDS": "5"})
    try:
        page = browser.new_context(viewport=PHONE).new_page()
        page.add_init_script(ARM_JS)
        one_session(page, server.url, {n: [] for n in names})  # warm up: imports, caches, components
        for _ in range(rounds):
            one_session(page, server.url, times)
        page.context.close()
    finally:
        server.stop()
    return times


def bench_views(browser, tmp: Path, rounds: int) -> dict[str, list[float]]:
    url = f"sqlite:///{tmp / 'year.sqlite3'}"
    fill_store(url)
    server = start_server(url, tmp / "year.log")
    words = "open Results (365 sessions), its words shown"
    times: dict[str, list[float]] = {words: [], "open Results (365 sessions)": [], "open History (365 sessions)": []}
    first: dict[str, float] = {}
    try:
        page = browser.new_context(viewport=PHONE).new_page()
        page.add_init_script(ARM_JS)
        page.goto(f"{server.url}/session")
        wait_for_app(page)
        for i in range(rounds + 1):
            for label, title, wanted in (("open Results (365 sessions)", "Results", RESULTS),
                                         ("open History (365 sessions)", "History", HISTORY)):  # fmt: skip
                idle(page)
                link = page.locator(f'.st-key-nav a[href="{title.lower()}"]:visible').first
                if title == "Results":  # first paint (the answer's words), then the charts drawn and idle
                    painted, ms = timed(page, link.click, wanted, painted=RESULTS_WORDS)
                    (times[words].append(painted) if i else first.setdefault(words, painted))
                else:
                    ms = timed(page, link.click, wanted)
                (times[label].append(ms) if i else first.setdefault(label, ms))
                idle(page)
                timed(page, page.locator('.st-key-nav a[href="session"]:visible').first.click,
                      [["button", "Continue"]])  # fmt: skip
        page.context.close()
    finally:
        server.stop()
    for label, ms in first.items():
        times[f"{label}, first after start"] = [ms]
    return times


def ratio_interval(times: list[float], unit: list[float]) -> tuple[float, float] | None:
    """A 95% interval for median(``times``) / median(``unit``): how sure an "N x minimal" is (a percentile
    bootstrap of the two samples, each resampled on its own); None with fewer than 3 times."""
    if len(times) < 3 or len(unit) < 3:
        return None
    from scipy.stats import bootstrap

    def ratio(a, b, axis):
        return np.median(a, axis=axis) / np.median(b, axis=axis)

    ci = bootstrap((np.asarray(times, float), np.asarray(unit, float)), ratio, vectorized=True, paired=False,
                   method="percentile", n_resamples=4000, rng=np.random.default_rng(0)).confidence_interval
    return float(ci.low), float(ci.high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed repetitions of every action (medians reported)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as t, sync_playwright() as p:
        tmp = Path(t)
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        minimal = bench_minimal(browser, tmp, args.rounds)
        results = {**bench_session(browser, tmp, args.rounds), **bench_views(browser, tmp, args.rounds)}
        minimal += bench_minimal(browser, tmp, args.rounds)
        same = bench_minimal(browser, tmp, args.rounds, tuple(KNEECLICK_RUNNER))
        browser.close()
    unit = statistics.median(minimal)
    print(f"minimal (a bare page's button bumps a counter): median {unit:.0f} ms = 1.0 x minimal  (n={len(minimal)})")
    m = statistics.median(same)
    print(f"the same bare page with kneeclick's settings (no full GC after a run): median {m:.0f} ms = "
          f"{m / unit:.1f} x minimal  (n={len(same)}; information only, not the unit)")
    for name, ms in results.items():
        m = statistics.median(ms)
        ci = ratio_interval(ms, minimal)
        sure = f"; 95% interval {ci[0]:.1f}-{ci[1]:.1f} x" if ci else ""
        print(f"{name}: median {m:.0f} ms = {m / unit:.1f} x minimal  (n={len(ms)}{sure})")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("targets: every session step <= 2 x minimal; Results and History first paint <= 1000 ms")


if __name__ == "__main__":
    main()
