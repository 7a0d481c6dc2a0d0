"""Agents as people: the roster, their morale, absence, quitting and hiring.

Agents are not interchangeable servers. Each employed agent has a *morale* in [0, 1] and a
*baseline* (their resilience) that morale drifts back to off shift. Angry customers,
aggression and failed recoveries wear morale down; successful recoveries and concessions
an agent was empowered to make lift it; days worked at high occupancy tire. Low morale
makes an agent slower, less likely to recover a customer, more often absent, and more
likely to quit. Quitters work out the day and leave; vacancies are filled after a hiring
delay by new hires who start slow and learn over weeks, with a resilience that depends on
how selective hiring is. With ``workforce.enabled`` off none of this exists and agents are
the staffing plan's identical servers.

The roster does its daily bookkeeping at midnight: the day's occupancy, departures,
arrivals of new hires, the drift toward baseline, today's quit decisions and absences,
then a snapshot for the statistics (headcount, morale mean and 10th percentile, absence).
Between midnights it only answers two questions for the center, fast: how slow is this
agent now, and how does this contact change their morale.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Callable

import numpy as np

from ..scenario import Scenario
from .counters import Accumulator
from .streams import Purpose, block_draws, generator

__all__ = ["Roster", "AGENT_LOG_COLUMNS"]

_WEEK_S = 7 * 86_400.0

#: Columns of the per-agent daily log (``simulate(..., agent_trace=PATH)``).
AGENT_LOG_COLUMNS = ("replication", "day", "agent", "morale", "baseline", "employed", "present", "quitting", "occupancy", "hired_day")


class Roster:
    """The employed agents of one replication and their daily life."""

    def __init__(self, scenario: Scenario, seed: int, replication: int, stats: Accumulator, log: Callable | None = None):
        self.wf = wf = scenario.workforce
        self.mo = scenario.morale
        self.stats = stats
        self.log = log
        self.replication = replication
        self.intervals_per_day = scenario.intervals_per_day
        self.warmup_days = scenario.simulation.warmup_days
        self.target = wf.headcount if wf.target_headcount is None else wf.target_headcount

        def rng(index: int):
            return generator(seed, replication, Purpose.WORKFORCE, index)

        self._baseline_rng = rng(0)
        self._absence_u = block_draws(rng(1).random)
        self._quit_u = block_draws(rng(2).random)
        self._aggression_u = block_draws(rng(3).random)
        sel = wf.hiring_selectivity
        self._baseline_mean = 0.65 + 0.2 * sel
        self._baseline_sd = 0.05 + 0.2 * (1.0 - sel)
        self._learning_s = wf.learning_weeks * _WEEK_S
        self._drift = math.exp(-1.0 / self.mo.recovery_days)

        # per agent (index = agent id)
        self.morale: list[float] = []
        self.baseline: list[float] = []
        self.hired_at: list[float] = []
        self.employed: list[bool] = []
        self.present: list[bool] = []
        self.quitting: list[bool] = []
        self.busy_today: list[float] = []
        self.duty_today: list[float] = []
        self.duty_since: list[float] = []  # nan while off duty
        self.available: deque[int] = deque()  # present, employed, off duty
        self.pending_hires: deque[int] = deque()  # start days of hires under way

        for _ in range(wf.headcount):
            self._hire(-math.inf)

    # -- people -------------------------------------------------------------------------

    def _draw_baseline(self) -> float:
        return min(1.0, max(0.05, float(self._baseline_rng.normal(self._baseline_mean, self._baseline_sd))))

    def _hire(self, now: float) -> int:
        agent = len(self.morale)
        base = self._draw_baseline()
        self.morale.append(base)
        self.baseline.append(base)
        self.hired_at.append(now)
        self.employed.append(True)
        self.present.append(False)
        self.quitting.append(False)
        self.busy_today.append(0.0)
        self.duty_today.append(0.0)
        self.duty_since.append(math.nan)
        return agent

    @property
    def headcount(self) -> int:
        return sum(self.employed)

    def speed(self, agent: int, now: float) -> float:
        """Talk-time multiplier: slower with low morale and while learning."""
        wf = self.wf
        factor = 1.0 + wf.slowdown_morale_factor * (1.0 - self.morale[agent])
        hired = self.hired_at[agent]
        if hired > -math.inf and wf.new_hire_slowdown > 1.0:
            factor *= 1.0 + (wf.new_hire_slowdown - 1.0) * math.exp(-(now - hired) / self._learning_s)
        return factor

    def _shift(self, agent: int, delta: float) -> None:
        m = self.morale[agent] + delta
        self.morale[agent] = 0.0 if m < 0.0 else (1.0 if m > 1.0 else m)

    def after_contact(self, agent: int, anger: float, recovery: int, interval: int, conceded: bool = False, overridden: bool = False) -> None:
        """Morale after a contact. ``recovery``: 0 none, 1 failed, 2 recovered, 3 recovered
        by a concession; ``conceded``: an after-hours caller served out of contract;
        ``overridden``: management conceded against the agent's refusal."""
        mo = self.mo
        delta = 0.0
        if conceded:
            delta -= mo.conceded_contact
        if overridden:
            delta -= mo.management_override
        if anger > 0.0:
            delta -= mo.per_anger * min(anger, 5.0)
            if mo.aggression_prob_per_anger > 0.0 and self._aggression_u() < mo.aggression_prob_per_anger * anger:
                delta -= mo.aggression
                self.stats.aggressions[interval] += 1
        if recovery == 1:
            delta -= mo.failed_recovery
        elif recovery == 2:
            delta += mo.recovery_success
        elif recovery == 3:
            delta += mo.recovery_success + mo.empowered_decision
        if delta:
            self._shift(agent, delta)

    def busy(self, agent: int, work: float) -> None:
        self.busy_today[agent] += work

    def on_duty(self, agent: int, now: float) -> None:
        self.duty_since[agent] = now

    def off_duty(self, agent: int, now: float) -> None:
        """The agent goes off duty; back to the pool if still employed and present."""
        since = self.duty_since[agent]
        if since == since:  # not nan
            self.duty_today[agent] += now - since
        self.duty_since[agent] = math.nan
        if self.employed[agent] and self.present[agent]:
            self.available.append(agent)

    def take(self) -> int | None:
        """An available agent to come on duty, or None."""
        return self.available.popleft() if self.available else None

    # -- the day ------------------------------------------------------------------------

    def new_day(self, day: int, now: float) -> list[int]:
        """Midnight of ``day``: bookkeeping and decisions. Returns the agents on duty who
        must stop (left the company or absent today)."""
        mo, wf, st = self.mo, self.wf, self.stats
        k = min(day * self.intervals_per_day, st.n - 1)
        stop: list[int] = []
        n = len(self.morale)
        # yesterday's work: occupancy fatigue, reset the day's clocks
        for a in range(n):
            since = self.duty_since[a]
            if since == since:
                self.duty_today[a] += now - since
                self.duty_since[a] = now
            duty = self.duty_today[a]
            if duty > 0.0 and self.employed[a]:
                occ = self.busy_today[a] / duty
                if occ > mo.occupancy_threshold and mo.occupancy_threshold < 1.0:
                    self._shift(a, -mo.occupancy_penalty * (occ - mo.occupancy_threshold) / (1.0 - mo.occupancy_threshold))
            if day > 0:
                self._log(day - 1, a)
            self.busy_today[a] = 0.0
            self.duty_today[a] = 0.0
        # quitters leave
        for a in range(n):
            if self.quitting[a]:
                self.employed[a] = False
                self.quitting[a] = False
                self.present[a] = False
                if self.duty_since[a] == self.duty_since[a]:
                    stop.append(a)
        # new hires start
        while self.pending_hires and self.pending_hires[0] <= day:
            self.pending_hires.popleft()
            self._hire(now)
            st.hires[k] += 1
        # off-shift recovery toward the baseline
        drift = self._drift
        for a in range(len(self.morale)):
            if self.employed[a]:
                b = self.baseline[a]
                self.morale[a] = b + (self.morale[a] - b) * drift
        # quits decided today (they work out the day), and their replacements
        employed = [a for a in range(len(self.morale)) if self.employed[a]]
        for a in employed:
            hazard = wf.quit_rate * math.exp(wf.quit_morale_factor * (1.0 - self.morale[a]))
            if self._quit_u() < hazard:
                self.quitting[a] = True
                st.quits[k] += 1
        staying = sum(1 for a in employed if not self.quitting[a])
        for _ in range(self.target - staying - len(self.pending_hires)):
            self.pending_hires.append(day + 1 + wf.hiring_delay_days)
        # absence
        self.available.clear()
        absent = 0
        for a in employed:
            p_absent = wf.absence_rate * (1.0 + wf.absence_morale_factor * (1.0 - self.morale[a]))
            present = self._absence_u() >= p_absent
            self.present[a] = present
            if not present:
                absent += 1
                if self.duty_since[a] == self.duty_since[a]:
                    stop.append(a)
        start = day % len(employed) if employed else 0
        for a in employed[start:] + employed[:start]:  # rotate who comes on duty first
            if self.present[a] and self.duty_since[a] != self.duty_since[a]:
                self.available.append(a)
        # snapshot
        if employed:
            morale = np.fromiter((self.morale[a] for a in employed), float, len(employed))
            st.morale_sum[k] += float(morale.sum())
            st.morale_p10_sum[k] += float(np.percentile(morale, 10))
        st.roster_days[k] += 1
        st.headcount_sum[k] += len(employed)
        st.absent_days[k] += absent
        return stop

    def _log(self, day: int, a: int) -> None:
        if self.log is not None and self.employed[a]:
            duty = self.duty_today[a]
            self.log((self.replication, day, a, self.morale[a], self.baseline[a], True, self.present[a], self.quitting[a],
                      self.busy_today[a] / duty if duty > 0 else math.nan, self._hired_day(a)))

    def finish(self, day: int, now: float) -> None:
        """End of the run, during ``day``: log the agents' last (partial) day."""
        if self.log is None:
            return
        for a in range(len(self.morale)):
            since = self.duty_since[a]
            if since == since:
                self.duty_today[a] += now - since
                self.duty_since[a] = now
            self._log(day, a)

    def _hired_day(self, agent: int) -> float:
        hired = self.hired_at[agent]
        return math.nan if hired == -math.inf else math.floor(hired / 86_400.0)
