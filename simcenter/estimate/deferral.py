"""Repeats held over the night: the delay to a repeat contact, with the closed hours taken out.

In the model a broken promise is noticed a while after it comes due (the promise's due
time, then an exponential notice delay); a customer who notices while the center is
closed contacts it after the next opening, spread over ``calendar.next_day_spread_minutes``.
The delays seen in a log are therefore longer than due + notice, by the nights and
weekends they fell into, and the morning brings a wave of held-over repeats. Fitting
the notice delay to the raw delays would count the nights twice: once in the estimate,
once more when the fitted scenario defers its own repeats.

:func:`fit_returns` solves for the mean notice delay ``m`` and the spread ``S`` that
make the model's delays match the log's, with the log's own calendar: for each repeat
seen, its answered contact's end ``e`` and its type's due time ``s``, the model's arrival
is ``next_opening(e + s + m x E) (+ S x U if it was closed then)``, with ``E``
exponential and ``U`` uniform draws fixed once (so the answer is deterministic). Two
moments are matched in turn until they agree: the mean delay, and the mean time after
opening at which repeats arrive, counted up to six hours.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from .demand import DemandFit

__all__ = ["fit_returns", "Opening"]

DRAWS = 50
MORNING_S = 6 * 3600.0


class Opening:
    """The center's calendar as the log shows it, extended past the log by weekday."""

    def __init__(self, demand: DemandFit, extra_days: int = 400):
        m = demand.interval_minutes * 60.0
        n = demand.days + extra_days
        self.first = demand.first_day
        self.start = np.full(n, np.nan)
        self.end = np.full(n, np.nan)
        for d in range(n):
            w = demand.weekday_of(d)
            h = demand.hours.get(w)
            if not h or (d < demand.days and not demand.open_dates[d]):
                continue
            self.start[d], self.end[d] = h[0] * m, h[1] * m
        is_open = ~np.isnan(self.start)
        nxt = np.full(n + 1, n, np.int64)  # the first open date after each date
        for d in range(n - 1, -1, -1):
            nxt[d] = d + 1 if d + 1 < n and is_open[d + 1] else nxt[d + 1]
        self.next_day = nxt
        self.n = n

    def next_opening(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(when a contact at ``t`` reaches the center, whether it was held over)."""
        day = np.clip((t // 86_400).astype(np.int64) - self.first, 0, self.n - 1)
        tod = t - (day + self.first) * 86_400.0
        start, end = self.start[day], self.end[day]
        with np.errstate(invalid="ignore"):
            now = (tod >= start) & (tod < end)
            later_today = tod < start
        nd = np.minimum(self.next_day[day], self.n - 1)
        tomorrow = (nd + self.first) * 86_400.0 + np.nan_to_num(self.start[nd])
        today = (day + self.first) * 86_400.0 + np.nan_to_num(start)
        when = np.where(now, t, np.where(later_today, today, tomorrow))
        return when, ~now

    def since_opening(self, t: np.ndarray) -> np.ndarray:
        day = np.clip((t // 86_400).astype(np.int64) - self.first, 0, self.n - 1)
        return t - (day + self.first) * 86_400.0 - self.start[day]


def _morning(since: np.ndarray) -> float:
    """Mean time after its date's opening of a repeat, counted up to six hours: it grows
    with the spread of those held over (up to six hours), and the rest of the day's repeats
    weigh the same on both sides."""
    return float(np.mean(np.minimum(np.nan_to_num(since, nan=MORNING_S), MORNING_S)))


def fit_returns(end: np.ndarray, delay: np.ndarray, due: np.ndarray, demand: DemandFit) -> tuple[float, float] | None:
    """(mean notice delay, s; spread after opening, minutes) of repeats whose answered
    contacts ended at ``end`` and came back ``delay`` later, with their types' due times
    ``due`` (seconds); None where the center never closes or fewer than 30 repeats show."""
    if delay.size < 30 or all(h == (0, 1440 // demand.interval_minutes) for h in demand.hours.values() if h) and demand.open_dates.all():
        return None
    cal = Opening(demand)
    rng = np.random.default_rng(0)
    E = rng.standard_exponential((delay.size, DRAWS))
    U = rng.random((delay.size, DRAWS))
    base = (end + due)[:, None]
    arrival_seen = end + delay
    seen_morning = _morning(cal.since_opening(arrival_seen))
    target_mean = float(delay.mean())

    def model(m: float, spread_s: float):
        when, held = cal.next_opening(base + m * E)
        arrive = when + np.where(held, spread_s * U, 0.0)
        return arrive

    def mean_gap(m: float, spread_s: float) -> float:
        return float((model(m, spread_s) - end[:, None]).mean()) - target_mean

    def morning_gap(spread_s: float, m: float) -> float:
        return _morning(cal.since_opening(model(m, spread_s))) - seen_morning

    m, spread = max(target_mean - float(due.mean()), 60.0), 3600.0
    for _ in range(6):
        try:
            lo, hi = 1.0, 60 * 86_400.0
            if mean_gap(lo, spread) > 0:
                m = lo
            elif mean_gap(hi, spread) < 0:
                return None
            else:
                m = optimize.brentq(mean_gap, lo, hi, args=(spread,), xtol=1.0)
            a, b = 60.0, 720 * 60.0
            fa, fb = morning_gap(a, m), morning_gap(b, m)
            if fa * fb < 0:
                spread = optimize.brentq(morning_gap, a, b, args=(m,), xtol=10.0)
            else:
                spread = a if abs(fa) < abs(fb) else b
        except ValueError:
            return None
    if not (math.isfinite(m) and math.isfinite(spread)):
        return None
    return m, spread / 60.0
