"""The report for a physiotherapist: one PDF built offline from the store.

What it holds, in order: who it is for (legs, dates), the safety answers, the sessions run (a table), per leg
the ranking with its picture and the plain verdicts, the program and the trend (if any), and the limits
(information, not a diagnosis).

How it is made, with no browser and no network:

* the page with ``fpdf2``, in DejaVu Sans, a Unicode TrueType font shipped inside the ``matplotlib`` wheel
  (never a system font, so the report looks the same on every machine);
* the ranking's picture from the same Vega-Lite spec as the Results page (``core.report.charts``), turned into
  a PNG by ``vl-convert-python`` (its own embedded renderer, with the same DejaVu fonts registered);
* one page size that prints on both A4 and Letter without scaling: 210 x 279.4 mm, A4's width and Letter's
  height (each fits inside both papers), in one column of 11 pt text that a phone's PDF viewer shows at full
  width.

Every text a person or a file supplied (notes, stop reasons, session ids) is written as plain text: fpdf2 draws
strings as they are (its Markdown option is never switched on), so nothing in them is interpreted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from core.analysis.ranking import LegResult, analyze, sentence
from core.data.history import STATUS_LABELS
from core.data.store import Store
from core.session.program import Program, daily_routine, today_plan
from core.session.protocol import CLICK_FREQUENCY_LABELS, DISCLAIMER, RED_FLAG_QUESTIONS
from core.session.vocabulary import Movement, SafetyScreen, SessionKind, SessionStatus, Side
from core.session.words import count

#: The page: A4's width (210 mm) by Letter's height (279.4 mm) fits inside both, so it prints unscaled on either.
PAGE_MM = (210.0, 279.4)
MARGIN_MM = 15.0
FONT = "DejaVu"
#: Data-quality notes listed per leg (the rest are counted; the app lists them all).
MAX_FLAGS = 8
#: The limits, said at the end of every report.
LIMITS = (
    "This report is information, not a diagnosis. kneeclick runs a structured self-test on one person (an N-of-1 "
    "experiment): it compares the clicking after each stretch with the clicking after resting for the same time. "
    "It cannot see inside the knee, does not examine it, and cannot rule out a problem that needs care. Click "
    "counts vary from day to day, and a result from a few sessions can change with more. Clicking with pain, "
    "swelling, giving way, locking, a start with an injury, a block to movement, redness or fever needs a "
    "clinician's examination, whatever this report says."
)

TREND_WORDS = {
    "improving": "improving",
    "worsening": "getting worse",
    "no_clear_change": "no clear change",
    "too_early": "too early to tell",
}


@dataclasses.dataclass(frozen=True)
class ReportData:
    """Everything the report shows, gathered from a store (see :func:`gather`)."""

    made_on: dt.date
    sides: list[str]  # the legs it covers, in order
    sessions: pd.DataFrame  # Store.list_sessions() of those legs, oldest first
    safety: dict[str, tuple[str, SafetyScreen]]  # side -> (session date, the latest answers on that leg)
    legs: dict[str, LegResult]  # side -> the ranking (legs with completed conditions only)
    programs: dict[str, list[Program]]  # side -> programs, newest first
    trends: Mapping[str, tuple]  # side -> (core.analysis.trend.Trend, its points): legs with a test only


def gather(store: Store, side: str | None = None, today: dt.date | None = None) -> ReportData:
    """The report's content for one leg (``side``) or every leg with sessions or a program."""
    today = today or store.clock.now().date()
    listing = store.list_sessions()
    if side is not None:
        listing = listing[listing["side"] == Side(side).value]
    listing = listing.iloc[::-1].reset_index(drop=True)  # oldest first: the order a clinician reads a diary
    programs_all = store.programs()
    sides = [s.value for s in Side if s.value in set(listing["side"]) or any(p.side == s for p in programs_all)]
    if side is not None:
        sides = [Side(side).value]
    frame = store.trials_frame()
    frame = frame[frame["side"].isin(sides)]
    stopped = listing.loc[listing["status"] == "stopped", "id"].tolist()
    legs = {leg.side: leg for leg in analyze(frame, stopped_sessions=stopped)} if not frame.empty else {}
    safety = {}
    for s in sides:
        for sid in listing.loc[listing["side"] == s, "id"].iloc[::-1]:  # newest first: its latest answers
            session = store.get_session(sid)  # a full session's: a quick check asks fewer questions
            if session.safety is not None and session.kind is SessionKind.FULL:
                safety[s] = (str(session.session_date), session.safety)
                break
    trends = _trends(store, sides)
    return ReportData(
        made_on=today,
        sides=sides,
        sessions=listing,
        safety=safety,
        legs=legs,
        programs={s: [p for p in programs_all if p.side.value == s] for s in sides},
        trends=trends,
    )


def _trends(store: Store, sides: list[str]) -> dict[str, tuple]:
    """Each leg's trend and its points, from its quick checks and full-session baselines (core.analysis.trend);
    legs with no test at all are left out."""
    from core.analysis.trend import estimate_trend, trend_points

    frame = store.trials_frame(checks=True, baselines=True)
    out = {}
    for s in sides:
        points = trend_points(frame, s)
        if not points.empty:
            out[s] = (estimate_trend(points), points)
    return out


def report_pdf(store: Store, side: str | None = None, today: dt.date | None = None) -> bytes:
    """The whole report as PDF bytes."""
    return build_pdf(gather(store, side, today))


# ---------------------------------------------------------------------------------------------- the page
def font_file(style: str = "") -> Path:
    """DejaVu Sans (``""``) or its bold (``"B"``), from the matplotlib wheel's data folder (not imported)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the report needs the matplotlib package for its DejaVu font (pip install matplotlib)")
    name = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}[style]
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name


def build_pdf(data: ReportData) -> bytes:
    """The PDF of ``data``."""
    from fpdf import FPDF

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(90)
            self.cell(0, 5, f"kneeclick report, {data.made_on.isoformat()} · {DISCLAIMER} · page {self.page_no()} of {{nb}}",
                      align="C")  # fmt: skip
            self.set_text_color(0)

    pdf = _Pdf(unit="mm", format=PAGE_MM)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", str(font_file("")))
    pdf.add_font(FONT, "B", str(font_file("B")))
    pdf.set_title("kneeclick: report for a physiotherapist")
    pdf.set_creator("kneeclick")
    pdf.add_page()
    w = _Writer(pdf)

    w.title("Knee clicking: a self-test report")
    legs = f"the {' and '.join(f'{s} knee' for s in data.sides)}" if data.sides else "no knee yet"
    dates = data.sessions["session_date"].astype(str)
    span = f"sessions from {_day(dates.min())} to {_day(dates.max())}" if len(dates) else "no sessions yet"
    checks = int(_quick(data.sessions).sum())
    counted = count(len(data.sessions) - checks, "session") + (f" and {count(checks, 'quick check')}" if checks else "")
    w.para(f"For: {legs}. {counted}, {span}. Made on {data.made_on:%d %b %Y}.")
    w.para(
        "What this is: a person with a clicking knee tested, session by session, which muscle group's stretch "
        "lowers the clicking, by counting clicks in a fixed test movement before and after each stretch and after "
        "the same time of rest. Below: the safety answers, every session, the result per leg, the program followed "
        "since, and whether the clicking is going down."
    )

    w.heading("Safety answers")
    if not data.safety:
        w.para("No safety answers recorded.")
    for side, (date, screen) in data.safety.items():
        w.subheading(f"{side.capitalize()} knee, as answered on {_day(date)}")
        for name, question in RED_FLAG_QUESTIONS.items():
            w.para(f"{'Yes' if getattr(screen, name) else 'No'}: {question}", indent=4)
        if screen.click_frequency:
            w.para(f"How often it clicks: {CLICK_FREQUENCY_LABELS[screen.click_frequency].lower()}.", indent=4)
    blocked = int((data.sessions["status"] == "blocked").sum()) if len(data.sessions) else 0
    if blocked:
        w.para(f"{count(blocked, 'session')} {'was' if blocked == 1 else 'were'} not started because a safety answer was yes.")

    w.heading("Sessions run")
    if data.sessions.empty:
        w.para("None yet.")
    else:
        w.sessions_table(data.sessions)

    for side in data.sides:
        w.heading(f"{side.capitalize()} knee")
        leg = data.legs.get(side)
        if leg is None:
            w.para("No completed stretch or rest condition on this leg yet, so there is no ranking.")
        else:
            w.subheading("Which stretch lowered the clicking")
            w.para(leg.summary, bold=True)
            if any(r.rate_ratio is not None for r in leg.ranking):
                w.image(_ranking_png(leg))
            for r in leg.ranking:
                w.para(f"{r.label} ({r.verdict.replace('_', ' ')}): {sentence(r, leg.compared_with)}", indent=4)
            if leg.flags:
                w.para(f"{count(len(leg.flags), 'note')} about data quality" + (
                    f", the first {MAX_FLAGS}:" if len(leg.flags) > MAX_FLAGS else ":"))
                for f in leg.flags[:MAX_FLAGS]:
                    w.para(f.message, indent=4)  # names its session
        w.subheading("Program")
        progs = data.programs.get(side, [])
        if not progs:
            w.para("No program started on this leg.")
        for p in progs:
            state = today_plan(p, data.made_on).headline if p.active else (
                f"Ended on {p.ended_at:%d %b %Y}." if p.ended_at else "Ended.")
            evidence = f" Started when the evidence for it was: {p.verdict.replace('_', ' ')}." if p.verdict else ""
            w.para(f"{p.label}, {count(p.weeks, 'week')} from {p.start_date:%d %b %Y}. {state}.{evidence}".replace("..", "."))
            for line in daily_routine(p):
                w.para(line, indent=4)
        w.subheading("Is the clicking going down")
        trend, points = data.trends.get(side, (None, None))
        if trend is None:
            w.para("No trend yet: it needs quick checks (or session baselines) on several days.")
        else:
            w.para(f"{TREND_WORDS.get(trend.verdict, trend.verdict).capitalize()}. {trend.sentence}", bold=True)
            if len(points) >= 2:
                w.image(_trend_png(trend, points), max_height=70)
            numbers = f"From {count(trend.checks, 'test')}."
            if trend.change_per_week_pct is not None:
                numbers += f" Change per week: {trend.change_per_week_pct:+.0f}%"
                if trend.ci_low_pct is not None and trend.ci_high_pct is not None:
                    numbers += f" (95% interval {trend.ci_low_pct:+.0f}% to {trend.ci_high_pct:+.0f}%)"
                numbers += "."
            w.para(numbers)

    w.heading("Limits")
    w.para(LIMITS)
    w.para(DISCLAIMER)
    return bytes(pdf.output())


class _Writer:
    """The report's few kinds of block, on one fpdf2 page flow."""

    def __init__(self, pdf) -> None:
        self.pdf = pdf

    def _text(self, text: str, size: float, bold: bool = False, indent: float = 0, gap: float = 1.5) -> None:
        from fpdf.enums import XPos, YPos

        pdf = self.pdf
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(pdf.epw - indent, size * 0.5, str(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # plain
        pdf.ln(gap)

    def title(self, text: str) -> None:
        self._text(text, 18, bold=True, gap=3)

    def heading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 50:  # never a heading alone at the foot of a page
            self.pdf.add_page()
        self.pdf.ln(3)
        self._text(text, 14, bold=True, gap=2)

    def subheading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 40:
            self.pdf.add_page()
        self._text(text, 11.5, bold=True, gap=1)

    def para(self, text: str, bold: bool = False, indent: float = 0) -> None:
        self._text(text, 10.5, bold=bold, indent=indent)

    def image(self, png: bytes, max_height: float | None = None) -> None:
        import io

        from PIL import Image

        pdf = self.pdf
        with Image.open(io.BytesIO(png)) as im:
            width_px, height_px = im.size
        width = pdf.epw
        height = width * height_px / width_px
        if max_height is not None and height > max_height:
            width, height = width * max_height / height, max_height
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
        pdf.ln(2)

    #: The sessions table: (heading, width in mm) of each one-line column; a stop reason or note goes on the
    #: lines below its session's row, across the table (drawn cell by cell: fpdf2's table() re-measures every
    #: cell's text character by character, 2 s for 200 sessions).
    COLUMNS = (("Date", 24), ("Leg", 12), ("Test movement", 38), ("Conditions", 24), ("How it ended", 82))

    def sessions_table(self, sessions: pd.DataFrame) -> None:
        from fpdf.enums import XPos, YPos

        pdf = self.pdf
        line = 5.0

        def heading_row() -> None:
            pdf.set_font(FONT, "B", 8.5)
            pdf.set_fill_color(235, 235, 235)
            for name, width in self.COLUMNS:
                pdf.cell(width, line, name, fill=True)
            pdf.ln(line)

        heading_row()
        for r in sessions.to_dict("records"):
            reason, note = _text(r.get("stop_reason")), _text(r.get("notes"))
            if pdf.get_y() + line * (1 + bool(reason) + bool(note)) > pdf.h - pdf.b_margin:
                pdf.add_page()
                heading_row()
            pdf.set_font(FONT, "", 8.5)
            status = STATUS_LABELS.get(str(r["status"]), str(r["status"]))
            done = "quick check" if _quick_row(r) else f"{r['conditions_done']} of {r['conditions_planned']}"
            cells = (_day(r["session_date"]), str(r["side"]), _movement(r["movement"]), done, status)
            for (_, width), text in zip(self.COLUMNS, cells):
                pdf.cell(width, line, text)
            pdf.ln(line)
            for label, text in (("Stopped", reason), ("Note", note)):
                if text:  # plain text, as the person or the file wrote it
                    pdf.set_x(pdf.l_margin + self.COLUMNS[0][1])
                    pdf.multi_cell(pdf.epw - self.COLUMNS[0][1], 4.2, f"{label}: {text}", align="L",
                                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
            pdf.set_draw_color(210)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.set_draw_color(0)
        pdf.ln(3)


def _quick_row(r: Mapping) -> bool:
    """A listing row that is a quick check: finished with no condition (a full session needs one to finish)."""
    return r["status"] == SessionStatus.FINISHED.value and int(r["conditions_planned"]) == 0


def _quick(sessions: pd.DataFrame) -> pd.Series:
    if sessions.empty:
        return pd.Series(dtype=bool)
    return (sessions["status"] == SessionStatus.FINISHED.value) & (sessions["conditions_planned"] == 0)


def _text(value: object) -> str:
    """A stored text as it is; "" for a missing one (None or NaN)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _day(value: object) -> str:
    """A stored session date (ISO date or date-time text) as e.g. 02 Nov 2026; other text as it is."""
    text = str(value)
    try:
        return f"{dt.date.fromisoformat(text[:10]):%d %b %Y}"
    except ValueError:
        return text


def _movement(value: object) -> str:
    try:
        return Movement(str(value)).label
    except ValueError:
        return str(value)


_VL_FONTS_REGISTERED = False


def _png(spec: dict) -> bytes:
    """A Vega-Lite spec as a PNG, drawn offline in DejaVu Sans, 520 px wide (a "container" width has no
    container here)."""
    global _VL_FONTS_REGISTERED
    import vl_convert as vlc

    if not _VL_FONTS_REGISTERED:
        vlc.register_font_directory(str(font_file().parent))
        _VL_FONTS_REGISTERED = True
    spec = {**spec, "config": {**spec.get("config", {}), "font": "DejaVu Sans"}}
    if not isinstance(spec.get("width"), (int, float)):
        spec["width"] = 520
    return vlc.vegalite_to_png(spec, scale=2)


def _ranking_png(leg: LegResult) -> bytes:
    """The Results page's ranking chart."""
    from core.report import charts

    return _png(charts.ranking_chart(leg).to_dict())


def _trend_png(trend, points: pd.DataFrame) -> bytes:
    """The Results page's "Is it working?" chart: each test's clicks per rep over time, and the fitted trend."""
    from core.report.trend_chart import trend_chart

    return _png(trend_chart(points, trend).to_dict())
