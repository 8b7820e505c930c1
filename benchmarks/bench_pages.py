"""Page speed and tap fidelity, in one run.  ``python benchmarks/bench_pages.py [--reruns N] [--no-browser]``

1. Each page app.py lists (and the Session page at three steps), rerun through AppTest with 365 sessions
   stored, beside a minimal one-line Streamlit page: median rerun time and the ratio (target: <= 1.5x).
2. The browser tap test: a real Chromium taps the counter at 20 taps a second on a fresh server; prints
   taps counted / taps sent (target: all of them).

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.session import flow  # noqa: E402
from core.session.vocabulary import Measurement, MuscleGroup, SafetyScreen, Session, SessionStatus, Side, Trial, TrialStatus  # noqa: E402
from core.data.store import Store, new_session_id  # noqa: E402

MINIMAL = 'import streamlit as st\nst.write("kneeclick")\n'
TARGET = 1.5


def fill_store(url: str, n: int = 365) -> dict[str, str]:
    """``n`` finished sessions (five conditions each), plus one mid-session; returns ids to open."""
    import random

    store = Store.open(url)
    rng = random.Random(365)
    ids = []
    for day in range(n):
        order = flow.plan_order(flow.DEFAULT_CONDITIONS, True, day)
        clicks = [rng.randint(3, 12) for _ in range(6)]
        ids.append(new_session_id())
        store.create_session(
            Session(
                id=ids[-1], side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT,
                session_date=f"{2025 + day // 365}-{1 + (day % 365) // 31:02d}-{1 + day % 28:02d}",
                order_seed=day, planned_order=order, safety=SafetyScreen(), status=SessionStatus.FINISHED,
                trials=[Trial(i, g, 90, TrialStatus.DONE, i - 1, i) for i, g in enumerate(order, 1)],
                measurements={i: Measurement(i, 10, c, pain=0) for i, c in enumerate(clicks)},
            )
        )  # fmt: skip
    mid = store.create_session(flow.new_session(new_session_id(), Side.LEFT, SafetyScreen()))
    store.save_setup(
        mid.id, side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT, reps_per_test=10, stretch_seconds=90,
        order_seed=None, randomized=False, trials=flow.planned_trials(flow.DEFAULT_CONDITIONS, 90),
    )  # fmt: skip
    store.record_test(mid.id, 10, 8, pain=0)
    store.update_flow(mid.id, {"timer": {"position": 1, "started_at": "2000-01-01T00:00:00+00:00", "seconds": 90}})
    store.engine.dispose()
    return {"finished": ids[-1], "mid": mid.id}


def app_pages() -> list[str]:
    """The page files app.py lists, in its order."""
    return re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', (ROOT / "app.py").read_text())


def framed_minimal_app(folder: Path) -> tuple[Path, Path]:
    """app.py with one more page, a one-line page: the same navigation, disclaimer and store handling.

    Written next to app.py (so its page paths resolve) under a temporary name; returns (entry, page).
    """
    page = folder / "minimal_page.py"
    page.write_text(MINIMAL)
    source = (ROOT / "app.py").read_text()
    marker = "page = st.navigation([HOME, *PAGES]"
    if marker not in source:
        raise RuntimeError("app.py changed: update framed_minimal_app()")
    source = source.replace(
        marker, f'PAGES.append(st.Page({str(page)!r}, title="Minimal", url_path="bench-minimal"))\n{marker}'
    )
    entry = ROOT / f".bench_app_{os.getpid()}.py"
    entry.write_text(source)
    return entry, page


def rerun_ms(at) -> float:
    t0 = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return ms


def bench_apptest(reruns: int, ids: dict[str, str]) -> list[tuple[str, float, float, float]]:
    """(label, median ms, median ratio to the framed minimal page, median ratio to the bare one) per case.

    Every case is rerun once per round, round after round, and each ratio is taken within a round: on a
    shared machine the load drifts, and that drift then cancels out.
    """
    from streamlit.testing.v1 import AppTest

    apps: list[tuple[str, AppTest]] = []
    bare = AppTest.from_string(MINIMAL, default_timeout=60)
    bare.run()
    apps.append(("minimal one-line script, bare", bare))
    tmp = tempfile.TemporaryDirectory()
    entry, page = framed_minimal_app(Path(tmp.name))
    try:
        framed = AppTest.from_file(str(entry), default_timeout=60)
        framed.run()
        framed.switch_page(str(page))
        framed.run()
        apps.append(("minimal one-line page in app.py's frame", framed))
        for path in app_pages():
            cases = [(path, {})]
            if path.endswith("session.py"):
                cases += [(f"{path} (mid-session, retest)", {"session": ids["mid"]}),
                          (f"{path} (summary)", {"session": ids["finished"]})]  # fmt: skip
            for label, query in cases:
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
                for k, v in query.items():
                    at.query_params[k] = v
                at.run()
                at.switch_page(path)
                at.run()
                apps.append((label, at))
        for _ in range(3):  # warm up: caches, imports
            for _, at in apps:
                rerun_ms(at)
        times: dict[str, list[float]] = {label: [] for label, _ in apps}
        for _ in range(reruns):
            for label, at in apps:
                times[label].append(rerun_ms(at))
    finally:
        entry.unlink(missing_ok=True)
        tmp.cleanup()
    base_bare, base_framed = times[apps[0][0]], times[apps[1][0]]
    return [
        (
            label,
            statistics.median(ts),
            statistics.median(t / b for t, b in zip(ts, base_framed)),
            statistics.median(t / b for t, b in zip(ts, base_bare)),
        )
        for label, ts in times.items()
    ]


def bench_taps(db_url: str, log: Path, taps: int, per_second: float) -> tuple[int, int, int]:
    """(sent, shown by the counter, stored after Save) for taps at ``per_second`` on a fresh server."""
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers import CHROMIUM_ARGS, PHONE, chromium_path, start_server, wait_for_app

    store = Store.open(db_url)
    s = store.create_session(flow.new_session(new_session_id(), Side.LEFT, SafetyScreen()))
    store.save_setup(
        s.id, side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT, reps_per_test=10, stretch_seconds=90,
        order_seed=None, randomized=False, trials=flow.planned_trials([MuscleGroup.CALVES, MuscleGroup.REST_CONTROL], 90),
    )  # fmt: skip
    server = start_server(db_url, log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=PHONE).new_page()
            page.goto(f"{server.url}/session?session={s.id}")
            wait_for_app(page)
            target = page.locator(".kc-tap")
            target.wait_for()
            box = target.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            gap = 1.0 / per_second
            start = time.perf_counter()
            for i in range(taps):
                page.mouse.click(x, y)
                pause = start + (i + 1) * gap - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            box_input = page.locator(f".st-key-{s.id}-test-b-clicks input")
            try:
                expect(box_input).to_have_value(str(taps), timeout=10_000)
            except AssertionError:
                pass
            wait_for_app(page)
            shown = int(box_input.input_value() or 0)
            page.locator(f".st-key-{s.id}-pain-b").get_by_role("radio", name="0", exact=True).click()
            page.get_by_role("button", name="Save this test").click()
            page.get_by_text("Stretch: calves").first.wait_for(timeout=15_000)
            browser.close()
    finally:
        server.stop()
    stored = store.get_session(s.id).baseline.clicks
    store.engine.dispose()
    return taps, shown, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=30, help="timed rounds of reruns (medians reported)")
    parser.add_argument("--taps", type=int, default=25, help="taps sent in the browser test")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser tap test")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ["KNEECLICK_DB_URL"] = url
        t0 = time.perf_counter()
        ids = fill_store(url)
        print(f"store: 365 finished sessions + 1 in progress, filled in {time.perf_counter() - t0:.1f} s\n")
        rows = bench_apptest(args.reruns, ids)
        print(f"AppTest rerun, median of {args.reruns} rounds; target <= {TARGET}x the minimal page in the same app frame")
        print(f"{'page':<46}{'ms':>8}{'vs framed':>11}{'vs bare':>9}")
        for label, ms, framed, bare in rows:
            flag = "" if label.startswith("minimal") else ("  ok" if framed <= TARGET else "  over")
            print(f"{label:<46}{ms:>8.1f}{framed:>10.2f}x{bare:>8.2f}x{flag}")
        if not args.no_browser:
            sent, shown, stored = bench_taps(
                f"sqlite:///{Path(tmp) / 'taps.sqlite3'}", Path(tmp) / "server.log", args.taps, 20.0
            )
            print(f"\nbrowser tap test at 20 taps/s: sent {sent}, counted {shown}, stored {stored} "
                  f"({shown}/{sent} = {shown / sent:.0%})")  # fmt: skip


if __name__ == "__main__":
    main()
