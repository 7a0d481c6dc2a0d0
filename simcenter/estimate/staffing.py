"""Staffing seen in a log: how many agents were on duty in each interval.

A contact log does not record agents' log-in times, only the contacts they handled. An
agent's time on duty is taken as the spans from the start of a contact (the answer) to
the end of a later one (talk and wrap-up done), cut wherever the agent handled nothing for
longer than two intervals (``gap_s``): off duty, at a break, or gone home. The agents on
duty in an interval are the sum of the parts of the interval those spans cover. Idle time
at the very start or end of a span is missed, so the count is a slight underestimate where
the load is light; it is close in busy intervals, where agents rarely idle that long. The
plan of a weekday is the mean over its open dates, rounded to whole agents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["staffing_from_agents"]


def staffing_from_agents(agent, start, end, interval_minutes: int, first_day: int, n_days: int,
                         gap_s: float | None = None) -> np.ndarray:
    """Agents on duty per date and interval of the day (fractional), from each answered
    contact's agent (index, -1 for none), start (answer) and end (handling done), in local
    clock seconds."""
    ipd = 1440 // interval_minutes
    width = interval_minutes * 60.0
    gap_s = 2 * width if gap_s is None else gap_s
    keep = agent >= 0
    agent, start, end = agent[keep], start[keep], end[keep]
    order = np.lexsort((start, agent))
    agent, start, end = agent[order], start[order], end[order]
    reach = pd.Series(end).groupby(agent).cummax().to_numpy()  # the latest end so far of the agent's contacts
    new = np.ones(agent.size, bool)
    new[1:] = (agent[1:] != agent[:-1]) | (start[1:] - reach[:-1] > gap_s)
    bounds = np.flatnonzero(new)
    starts = start[bounds] if agent.size else np.array([])
    ends = np.maximum.reduceat(end, bounds) if agent.size else np.array([])
    on = np.zeros((n_days, ipd))
    origin = first_day * 86_400.0
    for s, e in zip(starts, ends):
        lo, hi = s - origin, e - origin
        k0, k1 = int(lo // width), int(min(hi, n_days * 86_400.0 - 1e-6) // width)
        for k in range(k0, k1 + 1):
            covered = min(hi, (k + 1) * width) - max(lo, k * width)
            if covered > 0:
                on[k // ipd, k % ipd] += covered / width
    return on
