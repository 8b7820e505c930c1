"""Recording a test with kneeclick's own recorder in a real browser, on a phone-sized screen.

Chromium gets a synthetic WAV file as its microphone (``--use-file-for-fake-audio-capture``, written with
core.audio.synth): seven clicks at known times between 1.5 and 6.7 s, then quiet room noise to 16 s. The
fake device plays the file from its start when the recorder opens the microphone, and the test stops each
recording when the recorder's clock shows 0:09, so every recording holds exactly the seven clicks however
slow the machine is: the proposed count is asserted to be 7, and the stored count to equal it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.audio.synth import synth_recording, write_wav
from core.data.store import Store
from core.session.vocabulary import CountMethod
from tests.helpers import CHROMIUM_ARGS, PHONE, SCREENSHOTS, chromium_path, planned_session, save_test, settled, shot, slug
from ui.record import PROBLEMS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

CLICK_TIMES = (1.5, 2.3, 3.1, 4.0, 4.8, 5.7, 6.7)
RECORD_SECONDS = 9
#: The speaker at another rate than the microphone, as on many laptops: an AudioContext made without a rate
#: runs at 22.05 kHz (headless Chromium's fake microphone and its default output are both 44.1 kHz).
SPEAKER_AT_22050 = """
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  constructor(options) { super(options && options.sampleRate ? options : { ...(options || {}), sampleRate: 22050 }); }
};
"""
#: The recordings this browser keeps, by key (the recorder's IndexedDB store).
KEPT_KEYS = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("kneeclick-recordings", 1);
  req.onupgradeneeded = () => req.result.createObjectStore("recordings");
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const keys = req.result.transaction("recordings").objectStore("recordings").getAllKeys();
    keys.onsuccess = () => { req.result.close(); resolve(keys.result); };
  };
})"""


@pytest.fixture(scope="module")
def mic_wav(tmp_path_factory) -> Path:
    rec = synth_recording(
        3, sample_rate=48000, duration_s=16.0, click_times_s=CLICK_TIMES, click_dbfs=-15.0, noise_dbfs=-60.0, hum_dbfs=None
    )
    return write_wav(tmp_path_factory.mktemp("mic") / "knee.wav", rec.samples, rec.sample_rate)


@pytest.fixture(scope="module")
def mic_browser(browser, mic_wav):
    """A Chromium of its own (the fake microphone is a launch flag), from the suite's Playwright: one
    process can run only one sync Playwright. No ``--use-fake-ui-for-media-stream``: it would say yes to
    every page; here a context granted ``microphone`` records, and one without it is refused."""
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic_wav}",
    ]
    b = browser.browser_type.launch(executable_path=chromium_path(), headless=True, args=args)
    yield b
    b.close()


@pytest.fixture
def phone_context(mic_browser, request):
    """``phone_context(permissions)``: a phone-sized page in a fresh context of the microphone browser."""
    contexts = []

    def make(permissions=("microphone",)):
        ctx = mic_browser.new_context(viewport=PHONE, permissions=list(permissions))
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx, ctx.new_page()

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, ctx in enumerate(contexts):
        for page in ctx.pages:
            try:
                page.screenshot(path=SCREENSHOTS / f"{slug(request.node.name)}-end-{i}.png", full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test's own result
                pass
        ctx.close()


def in_view(locator, height=PHONE["height"]):
    box = locator.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, f"below the fold: {box}"


def choose_record(page, sid, tag):
    option = page.locator(f".st-key-{sid}-test-{tag}-source").get_by_role("radio", name="Record", exact=True)
    option.click()
    settled(page)
    expect(option).to_have_attribute("aria-checked", "true")
    return page.locator(f".st-key-{sid}-test-{tag}-audio")


def test_record_a_test_on_a_phone_raw_audio_a_reload_keeps_it_until_save(server_factory, phone_context):
    server = server_factory()
    store = Store.open(server.db_url)
    sid = planned_session(store)
    ctx, page = phone_context()
    page.add_init_script(SPEAKER_AT_22050)
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    recorder = choose_record(page, sid, "b")
    go = recorder.get_by_role("button", name="Start recording")
    expect(go).to_be_visible()
    in_view(go)
    go_box = go.bounding_box()
    assert go_box["height"] >= 100 and go_box["width"] >= 300, f"a thumb-sized Start: {go_box}"
    shot(page, "recorder-phone-1-before")

    go.click()
    stop = recorder.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    assert stop.bounding_box() == go_box, "Stop is where Start was: nothing moves under the thumb"
    # the track really is raw: the browser's voice processing is off
    mic = page.evaluate("window.kneeclickMic")
    assert (mic["echoCancellation"], mic["noiseSuppression"], mic["autoGainControl"]) == (False, False, False), mic
    # the level meter follows the sound: the loudest click (-15 dBFS) lifts it past the middle
    meter = recorder.get_by_role("meter")
    page.wait_for_function(
        "m => Number(m.getAttribute('aria-valuenow')) > -30", arg=meter.element_handle(), timeout=15_000
    )
    expect(recorder.get_by_text(f"0:0{RECORD_SECONDS}", exact=True)).to_be_visible(timeout=RECORD_SECONDS * 1000 + 15_000)
    shot(page, "recorder-phone-2-recording")
    stop.click()

    proposal = page.get_by_text(re.compile(r"^Proposed: \d+ clicks?\."))
    expect(proposal).to_have_text("Proposed: 7 clicks. Nothing in the recording casts doubt on the count.")
    count_box = page.locator(f".st-key-{sid}-test-b-clicks input")
    expect(count_box).to_have_value("7")
    save = page.get_by_role("button", name="Save this test")
    in_view(proposal)
    in_view(save)
    assert recorder.get_by_role("button", name="Record again").bounding_box() == go_box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    # the WAV that reached Python has the microphone track's own rate, not the speaker's
    assert mic["trackRate"] and mic["trackRate"] != 22050, mic
    about = page.get_by_text("The recording: ", exact=False)
    expect(about).to_contain_text(f"at {mic['trackRate']:,} Hz, straight from the microphone")
    shot(page, "recorder-phone-3-proposed")
    assert page.evaluate(KEPT_KEYS) == [f"{sid}-test-b-audio"], "kept in the browser until saved"

    # a reload before Save: the page opens on Record (kept in the address) with the recording back, not
    # recorded again
    page.reload()
    settled(page)
    expect(page.locator(f".st-key-{sid}-test-b-source").get_by_role("radio", name="Record", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    assert "count=audio" in page.url
    expect(proposal).to_have_text("Proposed: 7 clicks. Nothing in the recording casts doubt on the count.")
    expect(count_box).to_have_value("7")
    expect(recorder.get_by_text("Recorded before the page was reloaded", exact=False)).to_be_visible()
    shot(page, "recorder-phone-4-after-reload")

    save_test(page, sid, "b", 0)
    expect(page.get_by_text("Saved: 7 clicks in 10 reps, pain 0.")).to_be_visible()
    m = store.get_session(sid).measurements[0]
    assert (m.clicks, m.method) == (7, CountMethod.AUDIO), "stored as proposed, from the recording"
    page.wait_for_function(f"async () => (await ({KEPT_KEYS})()).length === 0", timeout=10_000)
    store.engine.dispose()


def test_a_refused_or_missing_microphone_is_said_plainly_and_tapping_still_works(
    server_factory, phone_context, new_page
):
    server = server_factory()
    store = Store.open(server.db_url)
    sid = planned_session(store)
    store.engine.dispose()
    ctx, page = phone_context(permissions=())  # the microphone is not allowed for this page
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    recorder = choose_record(page, sid, "b")
    # Chromium says "denied" before asking (the Permissions API): the recorder may say so at once
    recorder.get_by_role("button", name=re.compile("^(Start recording|Try again)$")).click()
    expect(page.get_by_text(PROBLEMS["denied"])).to_be_visible()
    expect(recorder.get_by_role("button", name="Try again")).to_be_visible()
    shot(page, "recorder-phone-denied")
    page.get_by_role("button", name="Count by tapping instead").click()
    settled(page)
    expect(page.locator(".kc-tap")).to_be_visible()

    # a browser with no microphone at all (the suite's Chromium has no audio device)
    page = new_page(viewport=PHONE, permissions=["microphone"])
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    recorder = choose_record(page, sid, "b")
    recorder.get_by_role("button", name="Start recording").click()
    expect(page.get_by_text(PROBLEMS["no_device"])).to_be_visible()
    shot(page, "recorder-phone-no-device")
