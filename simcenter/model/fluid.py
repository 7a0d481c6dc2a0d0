"""The queue as a fluid: what the work estimate (:mod:`simcenter.model.budget`) expects of a
scenario before it runs.

Arrivals flow in at the first-contact rate of each interval (times the contacts each first
contact brings), agents on duty drain them at one contact per handling time, and callers
waiting leave at one over their mean patience. Integrated interval by interval over the
first days of the run, this gives how much is offered, abandoned and left waiting at once:
the pile-up the run would meet where the load exceeds the agents. With several queues and
skill groups each queue is also run on its own, with all the time of every group that has
its skill, so that a queue nobody staffs shows its pile-up whatever the other queues have.
Where contact types have their own patience, the caller of :func:`fluid` says which mean
patience the waiting callers leave at (:mod:`simcenter.model.patience`); each queue on its
own leaves at its type's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["fluid", "queues_peak", "rates_week", "staff_week"]


def staff_week(scenario, days: int, group=None, first_day: int = 0) -> np.ndarray:
    """Expected agents on duty per interval of ``days`` days from ``first_day`` (each day's
    own plan; shifts with shrinkage in expectation, none starting on a holiday; the
    workforce model at most its present headcount); of one agent ``group`` only, if given."""
    ipd = scenario.intervals_per_day
    n = days * ipd
    shifts = scenario.shifts if group is None else [s for s in scenario.shifts if s.group == group.name]
    if group is not None and group.staffing is not None or group is None and not shifts:
        staff = np.zeros(n)
        k0, k1 = scenario.open_intervals.start, scenario.open_intervals.stop
        for d in range(days):
            day = first_day + d
            if scenario.is_open_day(day):  # each day's plan (its weekday's), zero outside its hours
                staff[d * ipd + k0: d * ipd + k1] = scenario.staffing_on(day) if group is None else scenario.group_staffing_on(group, day)
    else:
        staff = np.zeros(n + 2 * ipd)
        width = scenario.interval_s
        present = 1.0 - (scenario.agents.shrinkage if not scenario.workforce.enabled else 0.0)
        from ..scenario import WEEKDAYS

        for d in range(days):
            if scenario.is_holiday(first_day + d):
                continue  # no shift starts on a closed date
            weekday = WEEKDAYS[scenario.weekday(first_day + d)]
            for shift in shifts:
                if weekday not in shift.days:
                    continue
                count = round(shift.headcount * scenario.agents.scale) * present
                hours, minutes = shift.start.split(":")
                start = d * 86_400.0 + int(hours) * 3600.0 + int(minutes) * 60.0
                spans = [(start, start + shift.length_h * 3600.0, count)]
                spans += [(start + b.after_h * 3600.0, start + b.after_h * 3600.0 + b.minutes * 60.0, -count) for b in shift.breaks]
                for t0, t1, c in spans:
                    k0, k1 = int(t0 // width), int(math.ceil(t1 / width))
                    staff[k0:min(k1, len(staff))] += c
        staff = np.maximum(staff[:n], 0.0)
    if scenario.workforce.enabled:
        wf = scenario.workforce
        staff = np.minimum(staff, wf.headcount * (1.0 - wf.absence_rate))
    return staff


def rates_week(scenario, days: int, first_day: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """First-contact rate (per hour) and whether open, per interval of ``days`` days from
    ``first_day``, each day with its own hours (:meth:`simcenter.Scenario.open_intervals_on`)."""
    ipd = scenario.intervals_per_day
    rate = np.full(days * ipd, scenario.arrivals.after_hours_calls_per_hour, dtype=float)
    is_open = np.zeros(days * ipd, dtype=bool)
    open_rates = np.asarray(scenario.open_rates_per_hour(), dtype=float)
    k0 = scenario.open_intervals.start
    for d in range(days):
        span = scenario.open_intervals_on(first_day + d)
        if span:
            factor = scenario.arrivals.day_of_week[scenario.weekday(first_day + d)]
            rate[d * ipd + span.start: d * ipd + span.stop] = open_rates[span.start - k0: span.stop - k0] * factor
            is_open[d * ipd + span.start: d * ipd + span.stop] = True
    return rate, is_open


@dataclass(frozen=True)
class _Fluid:
    offered: float  # contacts offered over the modelled days
    abandoned: float
    peak: float  # most waiting at once
    peak_abandon_rate: float  # abandonments per second at the worst interval
    first_overload: int | None  # interval (within the day) of the first overload


def fluid(scenario, days: int, multiplier: float, handle_s: float, start_queue: float = 0.0, staff=None,
          first_day: int = 0, patience_s: float | None = None) -> tuple[_Fluid, float]:
    """The queue as a fluid over ``days`` days (from ``first_day``): arrivals at the
    first-contact rate times ``multiplier``, service at agents (``staff`` per interval, or
    the plan's) / handling time, abandonment at waiting / patience (``patience_s``, ``inf``
    for callers who never hang up; unset: the scenario-wide ``[patience]``'s mean). Returns
    the summary and the queue left at the end."""
    rate, is_open = rates_week(scenario, days, first_day)
    staff = staff_week(scenario, days, first_day=first_day) if staff is None else staff
    dt = scenario.interval_s
    if patience_s is None:
        p = scenario.patience
        theta = math.inf if p.dist == "none" else p.mean_s
    else:
        theta = patience_s
    q, offered, abandoned, peak, peak_rate, first, serving = start_queue, 0.0, 0.0, start_queue, 0.0, None, 0.0
    deferred = 0.0  # callers told to try again after the next opening (calendar.after_hours = "next_day")
    next_day = scenario.calendar.after_hours == "next_day"
    ipd = scenario.intervals_per_day
    for k in range(len(rate)):
        lam = rate[k] * multiplier / 3600.0
        if is_open[k]:
            serving = staff[k]
            arriving, deferred = lam + deferred / dt, 0.0
        else:  # closed: the agents of the last open interval finish the queue (close-out)
            arriving = 0.0
            if next_day:
                deferred += lam * dt
            if q <= 0.0:
                serving = 0.0
        mu = serving / handle_s if handle_s > 0 else math.inf
        offered += arriving * dt
        if arriving > mu and first is None:
            first = k % ipd
        drift = arriving - mu
        if math.isinf(theta):
            q = max(0.0, q + drift * dt)
        else:
            target = drift * theta
            end = target + (q - target) * math.exp(-dt / theta)
            if end < 0.0:  # the queue empties within the interval; abandonment until then
                t0 = theta * math.log((q - target) / -target) if q > 0 else 0.0
                gone = (target * t0 + (q - target) * theta * (1.0 - math.exp(-t0 / theta))) / theta
                end = 0.0
            else:
                gone = (target * dt + (q - target) * theta * (1.0 - math.exp(-dt / theta))) / theta
            abandoned += max(0.0, gone)
            peak_rate = max(peak_rate, max(q, end) / theta)
            q = end
        peak = max(peak, q)
    return _Fluid(offered, abandoned, peak, peak_rate, first), q


def queues_peak(scenario, days: int, multiplier: float, slower: float) -> float:
    """With several queues: the callers left waiting at once if each queue had the whole
    time of every group with its skill (at the group's best speed on it), summed over the
    queues. Optimistic for each queue, it still shows a queue few or no agents serve."""
    total = 0.0
    for q, c in enumerate(scenario.contact_types):
        groups = scenario.skill_holders(c.name)
        staff = sum(staff_week(scenario, days, g) for g, _ in groups)
        handle = (c.handle_time.mean + c.wrapup_s) * min(skill.handle_factor for _, skill in groups) * slower
        p = scenario.patience_of(q)  # the queue's own callers' patience
        theta = math.inf if p.dist == "none" else p.mean_s
        first, end = fluid(scenario, days, multiplier * c.share, handle, staff=staff, patience_s=theta)
        peak = first.peak
        if scenario.total_days > days:
            again, end2 = fluid(scenario, days, multiplier * c.share, handle, start_queue=end, staff=staff, patience_s=theta)
            peak = max(peak, again.peak + max(0.0, end2 - end) * max(0, scenario.total_days / days - 2))
        total += peak
    return total
