"""The report for a physiotherapist: what a clinician reads in it, and that its pages render."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from core.analysis.ranking import analyze, sentence
from core.analysis.trend import estimate_trend, trend_points
from core.data.store import new_session_id
from core.report.pdf import PAGE_MM, gather, build_pdf, report_pdf
from core.session import flow
from core.session.vocabulary import (
    ClickFrequency, Measurement, SafetyScreen, Session, SessionStatus, Side, Trial, TrialStatus,
)  # fmt: skip
from tests.helpers import ARTIFACTS

FIRST = dt.date(2026, 9, 1)
NOTE = "**not bold** <b>no tag</b> [no link](http://example.invalid) :material/home: $x^2$"


def fill(store, sessions: int = 8) -> None:
    """A left knee: ``sessions`` full sessions over four weeks whose baseline falls by ~20% a week, where the
    calves stretch cuts the clicking, with a note and a stop reason that look like markup."""
    for i in range(sessions):
        order = flow.plan_order(flow.DEFAULT_CONDITIONS, True, i)
        base = round(14 * 0.8 ** (i * 4 / 7))  # a session every 4 days
        clicks = [base] + [max(0, base - (base // 2 if g == "calves" else 0) - (i + k) % 2) for k, g in enumerate(order)]
        store.create_session(
            Session(
                id=new_session_id(), side=Side.LEFT, movement=flow.Movement.BODYWEIGHT_SQUAT,
                session_date=(FIRST + dt.timedelta(days=4 * i)).isoformat(), order_seed=i, planned_order=order,
                safety=SafetyScreen(click_frequency=ClickFrequency.OFTEN), status=SessionStatus.FINISHED,
                notes=NOTE if i == 2 else None, stop_reason="stopped: <i>cramp</i> _here_" if i == 3 else None,
                trials=[Trial(k, g, 90, TrialStatus.DONE, k - 1, k) for k, g in enumerate(order, 1)],
                measurements={k: Measurement(k, 10, c, pain=0) for k, c in enumerate(clicks)},
            )
        )  # fmt: skip


def words(pdf: bytes) -> str:
    """The PDF's text with every run of white space as one space (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_report_holds_the_verdicts_the_program_and_the_trend(store, tmp_path):
    fill(store)
    program = store.start_program("left", "calves", start_date=FIRST + dt.timedelta(days=14), verdict="likely")
    today = FIRST + dt.timedelta(days=30)
    pdf = report_pdf(store, today=today)
    text = words(pdf)

    assert "For: the left knee. 8 sessions, sessions from 01 Sep 2026 to 29 Sep 2026" in text
    # the safety answers
    assert "No: Does the knee hurt when it clicks, or during the test movement?" in text
    assert "How often it clicks: often." in text
    # the ranking: the same summary and per-group sentence as the Results page
    (leg,) = analyze(store.trials_frame())
    assert flat(leg.summary) in text
    for r in leg.ranking:
        assert f"{r.label} ({r.verdict.replace('_', ' ')}): {flat(sentence(r, leg.compared_with))}" in text
    # the program, in the week it is in on the day the report is made
    assert "Calves, 6 weeks from 15 Sep 2026. Week 3 of 6: your calves program." in text
    assert "Every day: wall calf stretch on the left leg" in text
    assert "Started when the evidence for it was: likely." in text
    assert program.id not in text  # ids are the app's business, not the reader's
    # the trend: the same figures kneeclick trend gives for these baselines
    trend = estimate_trend(trend_points(store.trials_frame(), "left"))
    assert trend.verdict == "improving"
    assert flat(trend.sentence) in text
    assert f"From {trend.checks} tests. Change per week: {trend.change_per_week_pct:+.0f}%" in text
    # the limits
    assert "This report is information, not a diagnosis." in text


def test_text_a_person_typed_is_printed_as_it_is(store):
    fill(store)
    text = words(report_pdf(store, today=FIRST + dt.timedelta(days=30)))
    assert flat(f"Note: {NOTE}") in text
    assert "Stopped: stopped: <i>cramp</i> _here_" in text


def test_a_report_for_one_leg_leaves_the_other_out(store):
    fill(store)
    store.start_program("right", "quadriceps")
    left = words(report_pdf(store, "left"))
    right = words(report_pdf(store, "right"))
    assert "Left knee" in left and "Right knee" not in left and "quadriceps program" not in left
    assert "For: the right knee. 0 sessions, no sessions yet." in right
    assert "Quadriceps, 6 weeks from" in right and "Left knee" not in right


def test_the_page_prints_on_a4_and_letter_and_every_page_renders(store, request):
    fill(store, sessions=30)  # several pages of sessions
    store.start_program("left", "calves", start_date=FIRST + dt.timedelta(days=100))
    data = gather(store, today=FIRST + dt.timedelta(days=150))
    pdf = build_pdf(data)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        width_mm, height_mm = (float(x) * 25.4 / 72 for x in (page.mediabox.width, page.mediabox.height))
        assert (round(width_mm, 1), round(height_mm, 1)) == PAGE_MM
        assert width_mm <= 210.01 and height_mm <= 279.41  # inside A4 (210 x 297) and Letter (215.9 x 279.4)
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is not installed: scripts/test.sh must install poppler-utils")
        pytest.skip("pdftoppm not found (apt-get install poppler-utils)")
    out = ARTIFACTS / "report"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("report-*.png"):
        old.unlink()
    (out / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(out / "report.pdf"), str(out / "report")], check=True, timeout=60)
    pngs = sorted(out.glob("report-*.png"))
    assert len(pngs) == len(reader.pages)
    from PIL import Image

    for png in pngs:
        with Image.open(png) as im:
            assert im.size[0] < im.size[1]  # portrait
            assert im.convert("L").getextrema()[0] < 60  # something dark (text) is drawn on every page


def test_an_empty_store_gives_a_short_report_that_says_so(store):
    text = words(report_pdf(store, today=FIRST))
    assert "For: no knee yet. 0 sessions, no sessions yet. Made on 01 Sep 2026." in text
    assert "No safety answers recorded." in text and "This report is information, not a diagnosis." in text


def test_quick_checks_are_listed_as_such_and_count_in_the_trend(store):
    fill(store, sessions=4)  # 01-13 Sep
    for day in (16, 19, 22, 25, 28):
        check = flow.new_quick_check(new_session_id(), Side.LEFT, flow.Movement.BODYWEIGHT_SQUAT, 10, SafetyScreen())
        check.session_date = f"2026-09-{day}"
        s = store.create_session(check)
        store.record_test(s.id, 10, 3, pain=0)
        store.set_status(s.id, SessionStatus.FINISHED)
    text = words(report_pdf(store, today=FIRST + dt.timedelta(days=30)))
    assert "4 sessions and 5 quick checks" in text
    assert text.count("quick check finished") == 5
    trend = estimate_trend(trend_points(store.trials_frame(checks=True), "left"))
    assert trend.checks == 9
    assert "From 9 tests." in text
