"""The recorder end to end in Chromium: how long from Stop to the proposed count, and from a reload to the
recording back, for a long recording.

Chromium's fake microphone plays a synthetic WAV (core.audio.synth: clicks every 2.5 s) at 48 kHz; the
recorder records it for ``--seconds`` (60 by default: a slow test of 10 reps), Stop hands the WAV to Python
as base64 (components v2 passes JSON only), and the page proposes a count. Prints the WAV's size and rate,
the base64 text's size, the times and the proposed count beside the true one.

    python benchmarks/bench_recorder.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.audio.synth import synth_recording, write_wav  # noqa: E402
from core.data.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="how long to record (default 60)")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from tests.helpers import CHROMIUM_ARGS, PHONE, chromium_path, planned_session, start_server, wait_for_app

    seconds = args.seconds
    clicks = tuple(1.5 + 2.5 * i for i in range(int((seconds - 2.5) / 2.5)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rec = synth_recording(
            3, sample_rate=48000, duration_s=seconds + 10.0, click_times_s=clicks, click_dbfs=-20.0,
            noise_dbfs=-60.0, hum_dbfs=None,
        )  # fmt: skip
        mic = write_wav(folder / "mic.wav", rec.samples, rec.sample_rate)
        db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
        store = Store.open(db_url)
        sid = planned_session(store)
        store.engine.dispose()
        server = start_server(db_url, folder / "server.log")
        try:
            with sync_playwright() as p:
                flags = ["--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={mic}"]
                browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, *flags])
                ctx = browser.new_context(viewport=PHONE, permissions=["microphone"])
                ctx.set_default_timeout(60_000)
                expect.set_options(timeout=60_000)
                page = ctx.new_page()
                page.goto(f"{server.url}/session?session={sid}")
                wait_for_app(page)

                def choose_record():
                    page.locator(f".st-key-{sid}-test-b-source").get_by_role("radio", name="Record", exact=True).click()
                    wait_for_app(page)
                    return page.locator(f".st-key-{sid}-test-b-audio")

                recorder = choose_record()
                recorder.get_by_role("button", name="Start recording").click()
                clock = f"{seconds // 60}:{seconds % 60:02d}"
                expect(recorder.get_by_text(clock, exact=True)).to_be_visible(timeout=(seconds + 30) * 1000)
                started = time.perf_counter()
                recorder.get_by_role("button", name="Stop").click()
                proposal = page.get_by_text(re.compile(r"^(Proposed: \d+ clicks?\.|No count from this recording\.)"))
                expect(proposal).to_be_visible()
                stop_to_proposal = time.perf_counter() - started
                about = page.get_by_text("The recording: ", exact=False).inner_text()
                count = page.locator(f".st-key-{sid}-test-b-clicks input").input_value()

                started = time.perf_counter()
                page.reload()  # opens on Record (kept in the address): the kept recording comes back by itself
                wait_for_app(page)
                expect(proposal).to_be_visible()
                reload_to_proposal = time.perf_counter() - started
                browser.close()
        finally:
            server.stop()

    rate = int(re.search(r"at ([\d,]+) Hz", about).group(1).replace(",", ""))
    wav_bytes = 44 + round(float(re.search(r"recording: ([\d.]+) s", about).group(1)) * rate) * 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"recorder in Chromium, a {seconds} s recording (fake microphone: a 48 kHz file); load average {load:.1f}")
    print(f"  {about}")
    print(f"  WAV {wav_bytes / 1e6:.1f} MB (16-bit mono); handed to Python as base64 text of {4 * ((wav_bytes + 2) // 3) / 1e6:.1f} MB")
    print(f"  Stop to the proposed count on the page: {stop_to_proposal:.1f} s")
    print(f"  reload to the kept recording proposed again (the page opens on Record): {reload_to_proposal:.1f} s")
    print(f"  proposed {count or 'no count'}; true count {len(clicks)}")


if __name__ == "__main__":
    main()
