"""Demand from a log: when the center opens, how many first contacts come, and when.

A scenario's arrivals are first contacts (redials and repeats are made by the model), a
Poisson stream whose rate in interval ``j`` of a day of weekday ``w`` is

    rate = calls_per_day x profile_j x day_of_week_w     (per day; divided by the interval's length)

inside that weekday's opening hours, and zero outside them. From the counts of first
contacts per date and interval this module finds:

* **the calendar**: a weekday is open when contacts arrive on most of its dates; its hours
  run from the first to the last interval in which contacts arrive on at least half of
  its open dates; a date of an open weekday with almost no contacts (under a tenth of
  the weekday's median) is a closed date, a holiday;
* **the rates**, by Poisson maximum likelihood (the profile and the weekday factors
  fitted in turn until they agree). Weekday factors are kept only where they are
  significant (a likelihood-ratio test at 1%, corrected for overdispersion): a flat week
  keeps factors of 1, not the noise of a few weeks;
* **the Poisson check**: Pearson's dispersion of the counts per date and interval about
  the fitted rates. Near 1 the stream is Poisson, as the model assumes; well above 1, days
  vary more than Poisson days do, and the simulated variability is too low (a warning).

Intervals are counted with each estimate (sample sizes) and the 95% intervals widen by the
dispersion where it is above 1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..schema import WEEKDAYS
from .families import Z95

__all__ = ["DemandFit", "fit_demand", "EPOCH_WEEKDAY", "date_of", "pvalue"]

#: 1970-01-01, day 0 of the log's clock, was a Thursday.
EPOCH_WEEKDAY = 3


def pvalue(p: float) -> str:
    """A p-value as people read one: ``< 0.001`` below it, three decimals above."""
    return "n/a" if p != p else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def date_of(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass
class DemandFit:
    interval_minutes: int
    first_day: int  # epoch day of the log's first date
    days: int  # dates from the first to the last of the log
    open_span: tuple  # (first, last + 1) interval of the widest day
    hours: dict  # weekday index -> (first, last + 1) interval, or None when closed
    closed_dates: list  # ISO dates of open weekdays with (almost) no contacts
    open_dates: np.ndarray  # bool per date
    calls_per_day: float
    calls_low: float
    calls_high: float
    profile: np.ndarray  # share per interval of the open span (sums to 1)
    profile_low: np.ndarray
    profile_high: np.ndarray
    day_of_week: tuple  # factor per weekday (1.0 where not significant or closed)
    dow_p: float  # p-value of the weekday factors' test (nan: not tested)
    dispersion: float
    dispersion_p: float
    n_first: int
    outside_hours: int  # first contacts outside the fitted hours or on closed dates
    counts: np.ndarray  # first contacts per date and interval of the day
    expected: np.ndarray  # fitted mean per date and interval
    shares: dict  # type name -> (share, low, high, n)
    warnings: list = field(default_factory=list)
    n_used: int = 0  # first contacts the rates rest on (open hours and dates, after the histories' burn-in)
    burn_in_days: int = 0  # first dates left out of the rates

    @property
    def weekdays(self) -> list[str]:
        return [WEEKDAYS[w] for w in range(7) if self.hours.get(w)]

    def weekday_of(self, d: int) -> int:
        return (self.first_day + d + EPOCH_WEEKDAY) % 7


def _hours(weekday: np.ndarray, offered: np.ndarray) -> tuple[dict, np.ndarray]:
    """Open weekdays and their hours, and which dates are open, from all inbound contacts."""
    totals = offered.sum(axis=1)
    hours: dict = {}
    open_dates = np.zeros(offered.shape[0], bool)
    for w in range(7):
        dates = np.flatnonzero(weekday == w)
        if dates.size == 0:
            hours[w] = None
            continue
        busy = totals[dates] > 0
        if busy.sum() * 2 < dates.size:
            hours[w] = None
            continue
        median = float(np.median(totals[dates][busy]))
        is_open = totals[dates] >= 0.1 * median
        dates = dates[is_open]
        open_dates[dates] = True
        seen = (offered[dates] > 0).sum(axis=0) * 2 >= dates.size
        if not seen.any():
            hours[w] = None
            open_dates[dates] = False
            continue
        idx = np.flatnonzero(seen)
        hours[w] = (int(idx[0]), int(idx[-1]) + 1)
    return hours, open_dates


def _rates(counts, weekday, mask, use_dow: bool, iterations: int = 200):
    """Poisson MLE of rate_dj = a_j x f_w over the open cells ``mask``; returns (a, f, mu)."""
    a = np.ones(counts.shape[1])
    f = np.ones(7)
    col_tot = (counts * mask).sum(axis=0)
    for _ in range(iterations):
        exposure = (f[weekday][:, None] * mask).sum(axis=0)
        a_new = np.divide(col_tot, exposure, out=np.zeros_like(a), where=exposure > 0)
        if use_dow:
            for w in range(7):
                rows = weekday == w
                if not rows.any():
                    continue
                denom = (mask[rows] * a_new[None, :]).sum()
                f[w] = (counts[rows] * mask[rows]).sum() / denom if denom > 0 else 1.0
        if np.allclose(a_new, a, rtol=1e-12, atol=1e-12):
            a = a_new
            break
        a = a_new
    mu = a[None, :] * f[weekday][:, None] * mask
    return a, f, mu


def _deviance(c, mu) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(c > 0, c * np.log(c / mu), 0.0) - (c - mu)
    return 2.0 * float(np.nansum(term))


def fit_demand(arrival, is_first, ctype, type_names, inbound, interval_minutes: int, burn_in_s: float = 0.0,
               weight=None) -> DemandFit:
    """Fit the calendar and the first-contact rates from arrival times (local clock
    seconds). Dates that start before ``burn_in_s`` from the first midnight find the hours
    and holidays but are left out of the rates (their first contacts may be repeats of
    contacts before the log). ``weight`` counts each arrival as that many contacts (an
    interval report's rows)."""
    ipd = 1440 // interval_minutes
    day = (arrival // 86_400).astype(np.int64)
    first_day = int(day.min())
    n_days = int(day.max()) - first_day + 1
    d = day - first_day
    j = ((arrival % 86_400) // (interval_minutes * 60)).astype(np.int64)
    wt = np.ones(arrival.size) if weight is None else np.asarray(weight, float)
    offered = np.zeros((n_days, ipd))
    np.add.at(offered, (d[inbound], j[inbound]), wt[inbound])
    counts = np.zeros((n_days, ipd))
    np.add.at(counts, (d[is_first], j[is_first]), wt[is_first])
    weekday = (np.arange(n_days) + first_day + EPOCH_WEEKDAY) % 7
    hours, open_dates = _hours(weekday, offered)
    open_days = [h for h in hours.values() if h]
    if not open_days:
        raise ValueError("no weekday has contacts on most of its dates; the log is too sparse to find opening hours")
    span = (min(h[0] for h in open_days), max(h[1] for h in open_days))
    unseen = [w for w in range(7) if not (weekday == w).any()]
    for w in unseen:  # a weekday the log does not hold: open as the widest day, factor 1 (said below)
        hours[w] = span
    mask = np.zeros_like(counts, bool)
    for dd in range(n_days):
        h = hours.get(int(weekday[dd]))
        if open_dates[dd] and h:
            mask[dd, h[0]:h[1]] = True
    warnings = []
    if unseen:
        warnings.append(f"the data hold no {', '.join(WEEKDAYS[w] for w in unseen)}: the scenario opens "
                        f"{'them' if len(unseen) > 1 else 'it'} like the widest day seen, with a weekday factor of 1; check")
    closed = [date_of(first_day + dd) for dd in range(n_days) if hours.get(int(weekday[dd])) and not open_dates[dd]]
    n_first = int(counts.sum())
    outside = n_first - int((counts * mask).sum())
    if outside:
        warnings.append(f"{outside:,} first contacts ({outside / max(n_first, 1):.1%}) arrived outside the fitted opening hours "
                        "or on closed dates; they are left out of the rates")
    early = int(math.ceil(burn_in_s / 86_400.0)) if burn_in_s > 0 else 0
    if 0 < early < n_days:
        mask[:early] = False  # their first contacts may be repeats of contacts before the log
    inside = int((counts * mask).sum())
    a0, f0, mu0 = _rates(counts, weekday, mask, use_dow=False)
    open_weekdays = [w for w in range(7) if hours.get(w) and open_dates[weekday == w].any()]
    a1, f1, mu1 = _rates(counts, weekday, mask, use_dow=len(open_weekdays) > 1)
    c = counts[mask]
    cells = int(mask.sum())
    n_par = (span[1] - span[0]) + len(open_weekdays) - 1
    df = max(cells - n_par, 1)
    x2 = float(np.sum((c - mu1[mask]) ** 2 / np.maximum(mu1[mask], 1e-12)))
    phi = x2 / df
    disp_p = float(stats.chi2.sf(x2, df))
    if disp_p < 0.001 and phi > 1.1:
        warnings.append(f"first contacts vary more than a Poisson stream's (dispersion {phi:.2f}, p {pvalue(disp_p)}): days "
                        "differ more than the model's days do, so simulated intervals will be too narrow")
    dow_p = math.nan
    use_dow = False
    if len(open_weekdays) > 1:
        lr = (_deviance(c, mu0[mask]) - _deviance(c, mu1[mask])) / max(phi, 1.0)
        dow_p = float(stats.chi2.sf(lr, len(open_weekdays) - 1))
        use_dow = dow_p < 0.01
    a, f, mu = (a1, f1, mu1) if use_dow else (a0, np.ones(7), mu0)
    fw = np.array([f[w] for w in open_weekdays]) if open_weekdays else np.ones(1)
    scale = float(fw.mean())
    factors = tuple(float(f[w] / scale) if (use_dow and w in open_weekdays) else 1.0 for w in range(7))
    a_span = a[span[0]:span[1]]
    total = float(a_span.sum())
    profile = a_span / total if total > 0 else np.full(a_span.size, 1.0 / a_span.size)
    calls = total * scale
    infl = math.sqrt(max(phi, 1.0))
    rel = Z95 * infl / math.sqrt(max(inside, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = Z95 * infl * np.sqrt(profile * (1 - profile) / max(inside, 1))
    shares = {}
    tc = np.asarray(ctype)[is_first]
    in_mask = mask[d[is_first], j[is_first]]
    wf = wt[is_first]
    for i, name in enumerate(type_names):
        k = int(wf[(tc == i) & in_mask].sum())
        p = k / max(inside, 1)
        h = Z95 * math.sqrt(p * (1 - p) / max(inside, 1))
        shares[name] = (p, max(0.0, p - h), min(1.0, p + h), k)
    if len(type_names) > 1:
        # do the types share one intraday profile? (the scenario holds one, their mix)
        table = np.array([np.bincount(j[is_first][in_mask & (tc == i)] - span[0], weights=wf[in_mask & (tc == i)],
                                      minlength=span[1] - span[0]) for i in range(len(type_names))], float)
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] > 1 and (table.sum(axis=1) > 0).all():
            p_types = float(stats.chi2_contingency(table)[1])
            if p_types < 0.001:
                warnings.append(f"the contact types arrive with different intraday profiles (chi-square p {pvalue(p_types)}); "
                                "the scenario has one profile, their mix, so each type's share varies less over the day than seen")
    return DemandFit(interval_minutes, first_day, n_days, span, hours, closed, open_dates, calls, calls * math.exp(-rel),
                     calls * math.exp(rel), profile, np.maximum(profile - half, 0), profile + half, factors, dow_p, phi, disp_p,
                     n_first, outside, counts, mu, shares, warnings, inside, early if 0 < early < n_days else 0)
