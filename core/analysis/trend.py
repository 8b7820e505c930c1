"""Is it working: the trend of the click rate over the weeks, from quick checks and full-session baselines.

The points
----------
:func:`trend_points` takes the trials frame (the CSV schema, as ``read_csv`` or ``Store.trials_frame(checks=True)``
give it) and keeps, for one leg, one test per session: a quick check's only test, and a full session's baseline
(the test before its first condition: the smallest position's ``reps_before``/``clicks_before``).  Retests are
left out: they follow a stretch or a rest, so they measure the stretch, not the knee's level that day.

The model
---------
The tests of one day are added up (clicks and reps), so several checks on one day count as one day's
measurement, never as independent evidence.  Over the days ``d`` we fit a Poisson GLM with a log link and the
day's reps as exposure (``log(reps)`` as offset), time in weeks since the first check:

    log E[clicks_d] = log(reps_d) + a + b * weeks_d

``exp(b)`` is the change of the click rate per week; ``change_per_week_pct = 100 * (exp(b) - 1)``.  Clicks vary
from day to day far more than a Poisson count would (the knee, the warm-up, the counting): the covariance is
scaled by the Pearson dispersion of the days (quasi-Poisson), never below 1 and pooled with a prior guess
(:data:`PRIOR_DISPERSION`, worth :data:`PRIOR_DF` degrees of freedom) since a few days estimate it poorly, and
the 95% interval uses a t distribution with those degrees of freedom.  The fit is statsmodels' GLM.  We chose a
quasi-Poisson GLM on daily totals over a Poisson mixed model or a negative binomial for the same reason as the
ranking (``core.analysis.ranking``): with the dozen or two of days one person collects, a random-effect
variance or a negative-binomial shape sits at its boundary too often, while the quasi-Poisson slope stays
consistent whatever the variance; ``benchmarks/bench_trend.py`` checks the interval's coverage on simulated
people with lognormal day-to-day variation and over-dispersed counts.

The verdict
-----------
``too_early`` until the data can say something: fewer than :data:`MIN_DAYS` days with a test, or less than
:data:`MIN_SPAN_DAYS` days from the first to the last (a week or two of a program changes little, and a trend
over a few days is mostly day-to-day noise), or an interval so wide it holds both a fall and a rise of
:data:`WIDE_PCT` % a week (the data cannot yet tell a strong improvement from a strong worsening).  Otherwise
``improving`` when the whole interval is below 0 (fewer clicks), ``worsening`` when it is above, and
``no_clear_change`` when it holds 0.  A leg whose every test counted 0 clicks has no rate to trend:
``too_early`` with few data, else ``no_clear_change`` (the clicking is at zero), with no numbers.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd

from core.session.vocabulary import SESSION_KIND_COLUMN, SessionKind
from core.session.words import count

IMPROVING = "improving"
WORSENING = "worsening"
NO_CLEAR_CHANGE = "no_clear_change"
TOO_EARLY = "too_early"
VERDICTS = (IMPROVING, WORSENING, NO_CLEAR_CHANGE, TOO_EARLY)

#: At least this many days with a test ...
MIN_DAYS = 6
#: ... spread over at least this many days (first to last) before a trend is told.
MIN_SPAN_DAYS = 14
#: Too early while the 95% interval holds both a fall and a rise of this many percent a week.
WIDE_PCT = 25.0
#: The dispersion guessed before any data (clicks vary about this many times as much as a Poisson count from
#: day to day), worth PRIOR_DF days of residual information.  Chosen among 1, 1.5, 2 and 3 on the tuning seeds of
#: benchmarks/bench_trend.py (`--tune`: with 1 the coverage sat at the
#: low edge of 93-97%, with 3 above it at week 2; 1.5 and 2 in between, 1.5 says more); figures in README.
PRIOR_DISPERSION = 1.5
PRIOR_DF = 4
LEVEL = 0.95

#: The columns of :func:`trend_points`' frame.
POINT_COLUMNS = ["at", "clicks", "reps", "kind", "session_id"]


@dataclasses.dataclass(frozen=True)
class Trend:
    """The trend of one leg's click rate.

    ``change_per_week_pct``: the change of clicks per rep per week, in percent (negative: fewer clicks), with its
    95% interval ``ci_low_pct``-``ci_high_pct``; None when there is no rate to trend (fewer than two days, or no
    click at all).  ``checks``: the tests used (quick checks and full-session baselines).  ``verdict``: one of
    ``improving``, ``worsening``, ``no_clear_change``, ``too_early``.  ``sentence``: the same in plain words,
    words first and numbers second.  ``days``/``span_days``: days with a test, and from the first to the last.
    """

    change_per_week_pct: float | None
    ci_low_pct: float | None
    ci_high_pct: float | None
    checks: int
    verdict: str
    sentence: str
    days: int = 0
    span_days: int = 0
    #: The fitted line, for a chart: clicks per rep on ``start`` (the first day), changing by
    #: ``change_per_week_pct`` a week after it.  None without a fit.
    start: pd.Timestamp | None = None
    start_rate: float | None = None

    def fitted(self, at: pd.Series) -> pd.Series | None:
        """The fitted clicks per rep on the dates ``at`` (None without a fit)."""
        if self.start is None or self.start_rate is None or self.change_per_week_pct is None:
            return None
        weeks = (pd.to_datetime(at) - self.start).dt.total_seconds() / (7 * 86400)
        return self.start_rate * (1 + self.change_per_week_pct / 100) ** weeks

    def to_dict(self) -> dict:
        """The figures of ``kneeclick trend --json`` (without ``file`` and ``side``)."""
        return {
            "change_per_week_pct": _round(self.change_per_week_pct),
            "ci_low_pct": _round(self.ci_low_pct),
            "ci_high_pct": _round(self.ci_high_pct),
            "checks": self.checks,
            "verdict": self.verdict,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 1)


# ------------------------------------------------------------------------------------------------- points
def trend_points(trials: pd.DataFrame, side: str) -> pd.DataFrame:
    """One test per session of ``side``: quick checks and the baselines of full sessions, oldest first.

    ``trials`` is a frame in the CSV schema (with or without quick-check rows, whose ``session_kind`` is
    ``quick_check``).  Returns :data:`POINT_COLUMNS`: ``at`` (the session's date as a naive datetime),
    ``clicks``, ``reps``, ``kind`` (``quick_check`` or ``full``) and ``session_id``.  Tests of zero reps are
    left out.
    """
    empty = pd.DataFrame({"at": pd.Series(dtype="datetime64[ns]"), "clicks": pd.Series(dtype="int64"),
                          "reps": pd.Series(dtype="int64"), "kind": pd.Series(dtype=object),
                          "session_id": pd.Series(dtype=object)})  # fmt: skip
    if trials is None or trials.empty:
        return empty
    rows = trials.loc[trials["side"].astype(str) == str(side)]
    if rows.empty:
        return empty
    kind = (
        rows[SESSION_KIND_COLUMN].astype(object).where(rows[SESSION_KIND_COLUMN].notna(), "").astype(str)
        if SESSION_KIND_COLUMN in rows.columns
        else pd.Series("", index=rows.index)
    )
    kind = kind.where(kind.eq(SessionKind.QUICK_CHECK.value), SessionKind.FULL.value)
    position = pd.to_numeric(rows["position"], errors="coerce").fillna(0)
    ordered = rows.assign(_kind=kind, _pos=position).sort_values(["session_id", "_pos"], kind="stable")
    first = ordered.groupby("session_id", sort=False).head(1)
    out = pd.DataFrame(
        {
            "at": _dates(first["session_date"]),
            "clicks": first["clicks_before"].astype("int64").to_numpy(),
            "reps": first["reps_before"].astype("int64").to_numpy(),
            "kind": first["_kind"].to_numpy(),
            "session_id": first["session_id"].astype(str).to_numpy(),
        }
    )
    out = out.loc[out["reps"] > 0]
    return out.sort_values(["at", "session_id"], kind="stable").reset_index(drop=True)[POINT_COLUMNS]


def _dates(values: pd.Series) -> np.ndarray:
    """ISO 8601 dates or date-times (as stored) as naive datetimes; a time zone offset is turned into UTC."""
    parsed = pd.to_datetime(values.astype(str), format="ISO8601", utc=True)
    return parsed.dt.tz_localize(None).to_numpy()


# ------------------------------------------------------------------------------------------------ the fit
def estimate_trend(points: pd.DataFrame) -> Trend:
    """The per-week trend of the click rate in ``points`` (columns ``at``, ``clicks``, ``reps``).

    Examples
    --------
    Ten clicks in ten reps every few days, for four weeks: no change, and an interval around 0.

    >>> import pandas as pd
    >>> at = pd.date_range("2026-01-01", periods=12, freq="3D")
    >>> t = estimate_trend(pd.DataFrame({"at": at, "clicks": [10] * 12, "reps": [10] * 12}))
    >>> t.verdict, t.change_per_week_pct
    ('no_clear_change', 0.0)
    """
    frame = pd.DataFrame(points)
    if frame.empty:
        return _too_early(0, 0, 0, None)
    frame = frame.loc[pd.to_numeric(frame["reps"]) > 0]
    checks = int(len(frame))
    if not checks:
        return _too_early(0, 0, 0, None)
    at = pd.to_datetime(frame["at"])
    day = at.dt.normalize()
    daily = (
        pd.DataFrame({"day": day, "clicks": pd.to_numeric(frame["clicks"]), "reps": pd.to_numeric(frame["reps"])})
        .groupby("day", sort=True)[["clicks", "reps"]]
        .sum()
    )
    days = len(daily)
    span = int((daily.index.max() - daily.index.min()).days) if days else 0
    if daily["clicks"].sum() == 0:
        if days < MIN_DAYS or span < MIN_SPAN_DAYS:
            return _too_early(checks, days, span, None)
        return Trend(None, None, None, checks, NO_CLEAR_CHANGE,
                     f"No clicks in any of your {checks} tests over {_weeks(span)}: there is no clicking left to "
                     "go down.", days, span)  # fmt: skip
    if days < 2 or span == 0:
        return _too_early(checks, days, span, None)
    weeks = (daily.index - daily.index.min()).days.to_numpy(dtype=float) / 7.0
    level, slope, low, high = _fit(daily["clicks"].to_numpy(dtype=float), daily["reps"].to_numpy(dtype=float), weeks)
    pct, lo, hi = (100.0 * math.expm1(x) for x in (slope, low, high))
    line = {"start": daily.index.min(), "start_rate": math.exp(level)}
    if days < MIN_DAYS or span < MIN_SPAN_DAYS or (lo <= -WIDE_PCT and hi >= WIDE_PCT):
        return dataclasses.replace(_too_early(checks, days, span, (pct, lo, hi)), **line)
    if hi < 0:
        verdict = IMPROVING
        sentence = (f"It seems to be working: about {_pct(-pct)} fewer clicks per week "
                    f"(between {_pct(-hi)} and {_pct(-lo)} fewer).")  # fmt: skip
    elif lo > 0:
        verdict = WORSENING
        sentence = (f"The clicking is going up: about {_pct(pct)} more clicks per week "
                    f"(between {_pct(lo)} and {_pct(hi)} more).")  # fmt: skip
    else:
        verdict = NO_CLEAR_CHANGE
        sentence = (f"No clear change so far: somewhere between {_pct(-lo)} fewer and {_pct(hi)} more clicks "
                    "per week.")  # fmt: skip
    sentence += f" From {checks} tests over {_weeks(span)}."
    return Trend(pct, lo, hi, checks, verdict, sentence, days, span, **line)


def _fit(clicks: np.ndarray, reps: np.ndarray, weeks: np.ndarray) -> tuple[float, float, float, float]:
    """The log rate on the first day, the slope per week on the log scale and the slope's 95% interval
    (quasi-Poisson GLM, pooled dispersion, t)."""
    from scipy import stats
    from statsmodels.genmod import families  # the GLM module alone: statsmodels.api loads everything (seconds)
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    X = np.column_stack([np.ones_like(weeks), weeks])
    model = GLM(clicks, X, family=families.Poisson(), offset=np.log(reps))
    with warnings.catch_warnings():  # an exact fit (the same rate every day) is fine: its interval is Poisson's
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels' own scale of 2 days divides by 0 df
        fit = model.fit()
    mu = fit.mu
    df_resid = max(len(clicks) - 2, 0)
    pearson = float(np.sum((clicks - mu) ** 2 / np.maximum(mu, 1e-12)))
    dispersion = max(1.0, (pearson + PRIOR_DISPERSION * PRIOR_DF) / (df_resid + PRIOR_DF))
    slope = float(fit.params[1])
    se = math.sqrt(float(fit.cov_params()[1, 1]) * dispersion)
    t = float(stats.t.ppf(0.5 + LEVEL / 2, df_resid + PRIOR_DF))
    return float(fit.params[0]), slope, slope - t * se, slope + t * se


def _too_early(checks: int, days: int, span: int, figures: tuple[float, float, float] | None) -> Trend:
    few, short = days < MIN_DAYS, span < MIN_SPAN_DAYS
    weeks = f"{MIN_SPAN_DAYS // 7} weeks"
    if few and short:
        so_far = count(days, "day") + (f" over {_weeks(span)}" if span else "")
        why = f"it needs tests on at least {MIN_DAYS} days spread over at least {weeks} (so far: {so_far})."
    elif few:
        why = f"it needs tests on at least {MIN_DAYS} days (so far: {days})."
    elif short:
        why = f"it needs the tests spread over at least {weeks} (so far: {_weeks(span)})."
    else:
        why = "the clicking still varies too much from day to day to tell which way it is going."
    sentence = f"Too early to tell: {why} Keep doing a quick check a few times a week."
    pct, lo, hi = figures if figures is not None else (None, None, None)
    return Trend(pct, lo, hi, checks, TOO_EARLY, sentence, days, span)


def _pct(x: float) -> str:
    return f"{abs(x):.0f}%"


def _weeks(days: int) -> str:
    if days < 14:
        return count(days, "day")
    return count(days // 7, "week") if days % 7 == 0 else f"{days / 7:.1f} weeks"
