"""Helpers for the tests: a streamlit server on a free port, browser waits, screenshots."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-quic",
]


def chromium_path() -> str | None:
    explicit = os.environ.get("KNEECLICK_CHROMIUM")
    if explicit:
        return explicit
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(name).exists():
            return name
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    db_url: str
    proc: subprocess.Popen
    log: Path

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM, or SIGKILL with ``kill=True`` (as a crash would)."""
        if self.proc.poll() is None:
            (self.proc.kill if kill else self.proc.terminate)()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(db_url: str, log: Path, env: dict | None = None, timeout: float = 60, port: int | None = None) -> Server:
    """`streamlit run app.py` on ``port`` (default: a free one); returns once /_stcore/health answers ok."""
    port = port or free_port()
    full_env = {**os.environ, "KNEECLICK_DB_URL": db_url, **(env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]  # fmt: skip
    handle = log.open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return Server(url, db_url, proc, log)
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"streamlit did not become healthy in {timeout}s:\n{log.read_text()}")


#: Each table's right edge and the right edge of the box it sits in: a table wider than its box is cut off (a
#: column a person cannot reach), even when the page itself does not scroll sideways.
TABLE_EDGES = """() => [...document.querySelectorAll('table')].filter((t) => t.offsetParent !== null).map((t) => {
  const box = t.closest('[data-testid="stMarkdownContainer"], [data-testid="stElementContainer"]') || t.parentElement;
  return [t.getBoundingClientRect().right, box.getBoundingClientRect().right];
})"""


def markdown_rows(text: str) -> list[dict[str, str]]:
    """The rows of one Markdown table (kneeclick's summary tables) as {column: cell text}."""
    head, _, *rows = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
                      for line in text.splitlines()]  # fmt: skip
    return [dict(zip(head, row)) for row in rows]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120]


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{slug(name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has rendered the page and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stMainBlockContainer"]');
        }""",
        timeout=timeout,
    )


def exception_count(page) -> int:
    return page.locator('[data-testid="stException"]').count()


# ------------------------------------------------------- the Session page in a browser
def settled(page) -> None:
    """The script run has finished and the page shows no exception."""
    from playwright.sync_api import expect

    wait_for_app(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def answer_safety(page, side: str, frequency: str) -> None:
    """Answer the safety screen through the page: ``side`` ("Left"/"Right"), "No" to every red flag, and how
    often the knee clicks; Continue is left to the caller."""
    from core.session.vocabulary import RED_FLAGS

    page.locator(".st-key-safety-side").get_by_text(side, exact=True).click()
    for name in RED_FLAGS:
        page.locator(f".st-key-safety-{name}").get_by_text("No", exact=True).click()
    page.locator(".st-key-safety-frequency").get_by_text(frequency, exact=True).click()


def change_settings(page, sid: str) -> None:
    """Setup: turn on "Change these settings" and wait for its form (behind today's one-line summary)."""
    from playwright.sync_api import expect

    page.locator(f".st-key-{sid}-setup-edit").get_by_text("Change these settings").click()
    expect(page.locator(f".st-key-{sid}-setup-conditions")).to_be_visible()


def sid_of(page) -> str:
    """The session id in the page's address (``?session=...``)."""
    return page.url.split("session=")[1].split("&")[0]


def tap(page, n: int, interval: float = 0.0) -> None:
    """Tap the counter ``n`` times, ``interval`` seconds apart."""
    target = page.locator(".kc-tap")
    for _ in range(n):
        target.click()
        if interval:
            time.sleep(interval)


def save_test(page, sid: str, tag: str, pain: int) -> None:
    """Choose the pain score and press Save on the test screen ``tag`` ("b", or "r<position>")."""
    page.locator(f".st-key-{sid}-pain-{tag}").get_by_role("radio", name=str(pain), exact=True).click()
    page.get_by_role("button", name="Save this test").click()


def planned_session(store, order=None) -> str:
    """A session past the safety screen and setup (left leg, 10 squats, 90 s, fixed ``order``); returns its id."""
    from core.session import flow
    from core.session.vocabulary import MuscleGroup, SafetyScreen, Side
    from core.data.store import new_session_id

    order = order or (MuscleGroup.CALVES, MuscleGroup.REST_CONTROL)
    s = store.create_session(flow.new_session(new_session_id(), Side.LEFT, SafetyScreen()))
    store.save_setup(
        s.id, side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT, reps_per_test=10, stretch_seconds=90,
        order_seed=None, randomized=False, trials=flow.planned_trials(order, 90),
    )  # fmt: skip
    return s.id
