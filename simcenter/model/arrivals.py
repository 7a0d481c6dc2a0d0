"""Arrivals: when customers' first contacts reach the center.

First contacts follow a Poisson process whose rate is constant within each interval of the
calendar (:mod:`simcenter.model.calendar`: opening hours, intraday profile, day-of-week
factors, after-hours calls). The next arrival time is found by inverting the cumulative
rate: one standard exponential draw ``E`` gives the first time ``t`` at which the integral of
the rate from now reaches ``E``, whatever the rate changes in between. Intervals with no
arrivals are skipped; after the last interval of the run there are none.
"""

from __future__ import annotations

from typing import Callable

from simpy.events import Timeout

__all__ = ["Arrivals"]


class Arrivals:
    """The first-contact arrival process of one replication: ``next_exp()`` draws standard
    exponentials, ``on_arrival(event)`` is called at each arrival."""

    __slots__ = ("env", "timeline", "next_exp", "on_arrival")

    def __init__(self, env, timeline, next_exp: Callable[[], float], on_arrival: Callable):
        self.env = env
        self.timeline = timeline
        self.next_exp = next_exp
        self.on_arrival = on_arrival

    def schedule(self, now: float) -> None:
        """Schedule the next first contact after ``now``."""
        tl = self.timeline
        need = self.next_exp()
        width = tl.interval_s
        rates = tl.rate_per_s
        k = int(now // width)
        t = now
        while k < tl.n_intervals:
            rate = rates[k]
            end = (k + 1) * width
            if rate > 0.0:
                dt = need / rate
                if t + dt < end:
                    Timeout(self.env, t + dt - now).callbacks.append(self.on_arrival)
                    return
                need -= rate * (end - t)
            t = end
            k += 1
