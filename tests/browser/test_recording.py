"""Recording a test with the microphone in a real browser, on a phone-sized screen.

Chromium gets a synthetic WAV file as its microphone (``--use-file-for-fake-audio-capture``, written with
core.audio.synth): seven clicks at known times between 1.5 and 6.7 s, then quiet room noise to 16 s. The
fake device plays the file from its start when the recording opens the microphone (checked: the clicks
land at their times in the picture), and the test stops each recording when the widget's clock shows
9 s, so every recording holds exactly the seven clicks however slow the machine is: the proposed count is
asserted to be 7, and the stored count to equal it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.session import flow
from core.audio.synth import synth_recording, write_wav
from core.session.vocabulary import CountMethod, MuscleGroup, SafetyScreen, Side
from core.data.store import Store, new_session_id
from tests.helpers import CHROMIUM_ARGS, PHONE, SCREENSHOTS, chromium_path, shot, slug, wait_for_app

pytestmark = pytest.mark.browser

CLICK_TIMES = (1.5, 2.3, 3.1, 4.0, 4.8, 5.7, 6.7)
RECORD_SECONDS = 9


@pytest.fixture(scope="module")
def mic_wav(tmp_path_factory) -> Path:
    rec = synth_recording(
        3, sample_rate=48000, duration_s=16.0, click_times_s=CLICK_TIMES, click_dbfs=-15.0, noise_dbfs=-60.0, hum_dbfs=None
    )
    return write_wav(tmp_path_factory.mktemp("mic") / "knee.wav", rec.samples, rec.sample_rate)


@pytest.fixture(scope="module")
def mic_browser(browser, mic_wav):
    """A Chromium of its own (the fake microphone is a launch flag), from the suite's Playwright: one
    process can run only one sync Playwright."""
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic_wav}",
    ]
    b = browser.browser_type.launch(executable_path=chromium_path(), headless=True, args=args)
    yield b
    b.close()


@pytest.fixture
def phone(mic_browser, request):
    ctx = mic_browser.new_context(viewport=PHONE, permissions=["microphone"])
    ctx.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    page = ctx.new_page()
    yield page
    expect.set_options(timeout=5_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=SCREENSHOTS / f"{slug(request.node.name)}-end.png", full_page=True)
    except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test's own result
        pass
    ctx.close()


def settled(page):
    wait_for_app(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def in_view(locator, height=PHONE["height"]):
    box = locator.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, f"below the fold: {box}"


def record_test(page, sid, tag, name):
    """Choose Record if needed, record RECORD_SECONDS of the fake microphone, stop."""
    switch = page.locator(f".st-key-{sid}-test-{tag}-source")
    record_option = switch.get_by_role("radio", name="Record", exact=True)
    if record_option.get_attribute("aria-checked") != "true":
        record_option.click()
        settled(page)
    expect(record_option).to_have_attribute("aria-checked", "true")
    widget = page.locator(f".st-key-{sid}-test-{tag}-audio")
    expect(widget.get_by_text("Put the phone in the same place for every test", exact=False)).to_have_count(0)
    expect(page.get_by_text("Put the phone in the same place for every test")).to_be_visible()
    shot(page, f"{name}-1-before")
    widget.get_by_role("button", name="Record", exact=True).click()
    clock = widget.get_by_test_id("stAudioInputWaveformTimeCode")
    expect(clock).to_have_text(f"00:0{RECORD_SECONDS}", timeout=RECORD_SECONDS * 1000 + 15_000)
    shot(page, f"{name}-2-recording")
    widget.get_by_role("button", name="Stop recording").click()
    settled(page)


def planned(store) -> str:
    s = store.create_session(flow.new_session(new_session_id(), Side.LEFT, SafetyScreen()))
    store.save_setup(
        s.id, side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT, reps_per_test=10, stretch_seconds=90,
        order_seed=None, randomized=False, trials=flow.planned_trials((MuscleGroup.CALVES, MuscleGroup.REST_CONTROL), 90),
    )  # fmt: skip
    return s.id


def test_record_a_test_with_the_microphone_accept_the_proposed_count_on_a_phone(server_factory, phone):
    server = server_factory(env={"KNEECLICK_TIMER_SECONDS": "2"})
    store = Store.open(server.db_url)
    sid = planned(store)
    page = phone
    page.goto(f"{server.url}/session?session={sid}")
    settled(page)
    expect(page.get_by_text("Step 3 of 8")).to_be_visible()

    record_test(page, sid, "b", "recording-phone-baseline")
    proposal = page.get_by_text(re.compile(r"^Proposed: \d+ clicks?\."))
    expect(proposal).to_be_visible()
    expect(proposal).to_have_text("Proposed: 7 clicks. Nothing in the recording casts doubt on the count.")
    count_box = page.locator(f".st-key-{sid}-test-b-clicks input")
    expect(count_box).to_have_value("7")
    # one-handed: the proposal, the count and Save fit on the phone's screen; the picture is just below
    save = page.get_by_role("button", name="Save this test")
    in_view(proposal)
    in_view(save)
    shot(page, "recording-phone-baseline-3-proposed")
    picture = page.locator('[data-testid="stVegaLiteChart"]')
    picture.scroll_into_view_if_needed()
    expect(picture).to_be_visible()
    expect(picture.locator("canvas, svg").first).to_be_visible()
    shot(page, "recording-phone-baseline-4-picture")

    page.locator(f".st-key-{sid}-pain-b").get_by_role("radio", name="0", exact=True).click()
    save.click()
    expect(page.get_by_text("Saved: 7 clicks in 10 reps, pain 0.")).to_be_visible()
    m = store.get_session(sid).measurements[0]
    assert (m.clicks, m.method) == (7, CountMethod.AUDIO), "stored as proposed, from the recording"

    # the retest: Record is still chosen; a fresh recording is proposed; the person corrects it by one
    settled(page)
    page.get_by_role("button", name="Start the 0:02 timer").click()
    expect(page.get_by_text("Step 5 of 8")).to_be_visible(timeout=20_000)
    settled(page)
    record_test(page, sid, "r1", "recording-phone-retest")
    expect(page.get_by_text("Proposed: 7 clicks.", exact=False)).to_be_visible()
    retest_box = page.locator(f".st-key-{sid}-test-r1-clicks input")
    expect(retest_box).to_have_value("7")
    retest_box.fill("6")
    retest_box.press("Enter")
    settled(page)
    page.locator(f".st-key-{sid}-pain-r1").get_by_role("radio", name="1", exact=True).click()
    page.get_by_role("button", name="Save this test").click()
    expect(page.get_by_text("Saved: 6 clicks in 10 reps, pain 1.")).to_be_visible()
    shot(page, "recording-phone-retest-saved")
    stored = [(m.clicks, m.method) for m in store.get_session(sid).measurements.values()]
    assert stored == [(7, CountMethod.AUDIO), (6, CountMethod.MANUAL)], "an edited proposal is the person's count"
    store.engine.dispose()
