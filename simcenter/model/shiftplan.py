"""The shift plan: from shifts, breaks and shrinkage to the agents on duty over time.

A planner gives staffing either per interval (``agents.staffing``, already in the calendar:
:meth:`simcenter.model.calendar.Timeline.staffing_changes`) or as ``[[shifts]]``: a shift
starts at a clock time on some weekdays, lasts ``length_h`` hours, has breaks, and a
headcount scaled by ``agents.scale``; no shift starts on a holiday (``calendar.closed_dates``).
With ``agents.shrinkage`` (and no workforce roster,
which models absence itself), each shift-day's present agents are drawn binomially from the
scheduled ones. In a concession window after closing (``calendar.after_hours =
"conceded"``), the agents on duty at closing are kept on until the window ends.

:func:`plan_changes` expands all of this, before the run, into the list the agent pool
follows: (time, agents planned on duty), at the start and at every change.
"""

from __future__ import annotations

import bisect

from ..scenario import WEEKDAYS
from .streams import Purpose, generator

__all__ = ["plan_changes"]


def plan_changes(scenario, timeline, seed: int, replication: int, roster: bool = False, group: int | None = None) -> list[tuple[float, int]]:
    """(time, agents planned on duty) at the start and at every change: from the interval
    plan, or from the shifts (starts, ends and breaks), with each shift-day's present agents
    drawn binomially when ``agents.shrinkage`` applies (not with a workforce ``roster``).
    With ``group`` (an index into ``[[agent_groups]]``), the plan of that group: its
    ``staffing``, or the shifts that name it (shrinkage from a stream of its own)."""
    sc = scenario
    shifts = sc.shifts
    if group is not None:
        g = sc.agent_groups[group]
        if g.staffing is not None:
            return timeline.staffing_changes(timeline.expand(sc.group_staffing(g), sc.open_intervals.start))
        shifts = [s for s in shifts if s.group == g.name]
    elif not shifts:
        return timeline.staffing_changes()
    shrink = sc.agents.shrinkage if not roster else 0.0
    rng = generator(seed, replication, Purpose.SHIFTS, 0 if group is None else 1 + group)
    deltas: dict[float, int] = {}

    def add(t: float, n: int) -> None:
        deltas[t] = deltas.get(t, 0) + n

    for day in range(sc.total_days):
        if sc.is_holiday(day):
            continue  # closed dates: nobody is scheduled (a shift from the day before may run on)
        weekday = WEEKDAYS[sc.weekday(day)]
        for shift in shifts:
            if weekday not in shift.days or shift.headcount == 0 or sc.agents.scale == 0.0:
                continue
            scheduled = int(round(shift.headcount * sc.agents.scale))
            n = int(rng.binomial(scheduled, 1.0 - shrink)) if shrink > 0.0 else scheduled
            hours, minutes = shift.start.split(":")
            start = day * 86_400.0 + int(hours) * 3600.0 + int(minutes) * 60.0
            add(start, n)
            add(start + shift.length_h * 3600.0, -n)
            for brk in shift.breaks:
                away = start + brk.after_h * 3600.0
                add(away, -n)
                add(away + brk.minutes * 60.0, n)
    _keep_on_in_concession_windows(timeline, deltas, add)
    level, out = 0, [(0.0, 0)]
    for t in sorted(deltas):
        if t >= timeline.horizon_s:
            break
        level += deltas[t]
        if t <= 0.0:
            out[0] = (0.0, level)
        elif level != out[-1][1]:
            out.append((t, level))
    return out


def _keep_on_in_concession_windows(tl, deltas: dict, add) -> None:
    """The agents on duty at each closing stay on through the concession window after it."""
    if not any(tl.conceded):
        return
    levels = sorted(deltas)
    running, level_at = 0, []
    for t in levels:
        running += deltas[t]
        level_at.append((t, running))
    for k in range(1, tl.n_intervals):
        if tl.conceded[k] and not tl.conceded[k - 1]:
            close = k * tl.interval_s
            i = bisect.bisect_left(levels, close) - 1
            keep = level_at[i][1] if i >= 0 else 0
            end = close
            while end < tl.horizon_s and tl.conceded[int(end // tl.interval_s)]:
                end += tl.interval_s
            if keep:
                add(close, keep)
                add(end, -keep)
