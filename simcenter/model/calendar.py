"""The simulated calendar: days, opening hours, intervals, and the rates and staffing in
force in each interval.

The clock runs in seconds from midnight of day 0, the first warm-up day. A day is cut into
reporting intervals of ``simulation.interval_minutes``; interval ``k`` of the run covers
``[k * interval_s, (k + 1) * interval_s)``. An interval is *open* when it falls inside the
opening hours of a day the center opens (that day's own hours, ``calendar.hours``; a
holiday, ``calendar.closed_dates``, is closed all day: :mod:`simcenter.hours`); with ``calendar.after_hours = "conceded"`` the
intervals of the concession window after closing are *conceded*: closed by contract, but
staffed by the closing agents and serving callers. Arrival rates and staffing are constant
within an interval, which is how planners specify them.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from ..scenario import Scenario

__all__ = ["Timeline"]


@dataclass(frozen=True)
class Timeline:
    """Per-interval facts of a whole run (warm-up included)."""

    interval_s: float
    intervals_per_day: int
    days: int
    warmup_intervals: int
    is_open: tuple  # bool per interval
    rate_per_s: tuple  # first-contact arrival rate per interval, contacts/second
    staffing: tuple  # agents on duty per interval
    opening_times: tuple  # start of each open period, seconds
    conceded: tuple  # bool per interval: closed, but callers are served (concession window)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> "Timeline":
        ipd = scenario.intervals_per_day
        first_open = scenario.open_intervals.start
        closed_rate = scenario.arrivals.after_hours_calls_per_hour / 3600.0
        is_open, rate, staffing = [], [], []
        for day in range(scenario.total_days):
            open_idx = scenario.open_intervals_on(day)  # empty on a closed day
            if open_idx:
                rates, staff = scenario.rates_on(day), scenario.staffing_on(day)
            for j in range(ipd):
                if j in open_idx:
                    is_open.append(True)
                    rate.append(rates[j - first_open] / 3600.0)
                    staffing.append(staff[j - first_open])
                else:
                    is_open.append(False)
                    rate.append(closed_rate)
                    staffing.append(0)
        conceded = [False] * len(is_open)
        if scenario.calendar.after_hours == "conceded":
            window = scenario.calendar.concession_window_minutes // scenario.simulation.interval_minutes
            for k in range(1, len(is_open)):
                if is_open[k - 1] and not is_open[k]:
                    for j in range(k, min(k + window, len(is_open))):
                        if is_open[j]:
                            break
                        conceded[j] = True
                        staffing[j] = staffing[k - 1]  # the closing agents stay on
        interval_s = scenario.interval_s
        openings = tuple(
            k * interval_s for k in range(len(is_open)) if is_open[k] and (k == 0 or not is_open[k - 1])
        )
        return cls(
            interval_s=interval_s,
            intervals_per_day=ipd,
            days=scenario.total_days,
            warmup_intervals=scenario.simulation.warmup_days * ipd,
            is_open=tuple(is_open),
            rate_per_s=tuple(rate),
            staffing=tuple(staffing),
            opening_times=openings,
            conceded=tuple(conceded),
        )

    @property
    def n_intervals(self) -> int:
        return len(self.is_open)

    @property
    def horizon_s(self) -> float:
        return self.n_intervals * self.interval_s

    def next_opening(self, t: float) -> float:
        """Start of the first open period after time ``t`` (``inf`` if none in the run)."""
        i = bisect.bisect_right(self.opening_times, t)
        return self.opening_times[i] if i < len(self.opening_times) else math.inf

    def staffing_changes(self, staffing: tuple | None = None) -> list[tuple[float, int]]:
        """(time, agents) at the start of the run and wherever the staffing changes: of the
        center's plan, or of ``staffing`` (one value per interval, e.g. :meth:`expand`)."""
        staffing = self.staffing if staffing is None else staffing
        out = [(0.0, staffing[0])]
        for k in range(1, self.n_intervals):
            if staffing[k] != staffing[k - 1]:
                out.append((k * self.interval_s, staffing[k]))
        return out

    def expand(self, plan: list[int], open_start: int) -> tuple:
        """A plan with one value per open interval of a day (the first being interval
        ``open_start`` of the day) as one value per interval of the run: zero while closed,
        the closing value through a concession window."""
        ipd = self.intervals_per_day
        out = []
        for k, is_open in enumerate(self.is_open):
            if is_open:
                out.append(plan[k % ipd - open_start])
            elif self.conceded[k]:
                out.append(out[-1])
            else:
                out.append(0)
        return tuple(out)
