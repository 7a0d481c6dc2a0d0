"""A staffing plan in simulation: the scenario run with a plan of agents per open interval,
and what each interval's contacts got.

A plan gives the agents of each open interval of the widest day and replaces the
scenario's own staffing on every open day (``agents.staffing``, ``agents.staffing_by_weekday``
and shifts). Each replication of the plan is summed per open interval over the reported
days on which the interval is open, so an interval's service level is the fraction of the
contacts arriving in it, on those days, answered within the target time.

:class:`PlanRuns` keeps the replications of every plan simulated, by plan and replication
number, so that a search which comes back to a plan, or asks for more replications of it,
reuses what it has. Every plan is simulated with the same seed: replication ``r`` of any
plan sees the same customers (common random numbers), so plans differ by their staffing,
not by luck. Replications numbered past those a search used are independent of it: the
plans found are judged on those (:func:`simcenter.planning.staffing.staff`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .erlangplans import _open_days_by_interval, _reported_open_days
from ..model.center import run_replication
from ..output.analysis import confidence_interval
from ..output.metrics import metric
from ..scenario import Scenario

__all__ = ["PlanRuns", "evaluate_plan", "offered_load"]


def _with_plan(scenario: Scenario, plan) -> Scenario:
    """The scenario with ``plan`` (agents per open interval) on every open day."""
    plan = [int(v) for v in plan]
    staffing = plan[0] if len(set(plan)) == 1 else plan
    if scenario.agents.staffing_by_weekday is not None:  # the plan replaces every weekday's
        data = scenario.to_dict()
        del data["agents"]["staffing_by_weekday"]
        scenario = Scenario.from_dict(data)
    return scenario.replace({"shifts": [], "agents.staffing": staffing, "agents.scale": 1.0})


def _per_interval(scenario: Scenario, counters: dict, names: tuple) -> dict:
    """Each counter summed over the reported days on which the interval is open, per open
    interval of the widest day."""
    ipd, open_idx = scenario.intervals_per_day, scenario.open_intervals
    days = _reported_open_days(scenario)
    rows = np.array([d * ipd + j for d in days for j in open_idx]).reshape(len(days), len(open_idx))
    closed = np.array([[j not in scenario.open_intervals_on(d) for j in open_idx] for d in days]).reshape(rows.shape)
    if closed.any():  # days with shorter hours: their closed intervals (close-out) are left out
        return {name: np.where(closed, 0.0, np.asarray(counters[name], dtype=float)[rows]).sum(axis=0) for name in names}
    return {name: np.asarray(counters[name], dtype=float)[rows].sum(axis=0) for name in names}


_NEEDED = ("offered", "answered", "answered_in_target", "abandoned", "handle_s", "busy_s", "staffed_s")


def _simulate_plan(scenario: Scenario, plan, replications: int, seed: int) -> list[dict]:
    return PlanRuns(scenario, seed).runs(plan, replications)


class PlanRuns:
    """The replications of each plan simulated so far (per open interval, see the module),
    simulated when first asked for. ``progress``, if given, has ``update(n)`` (replications
    done) and ``grow(total)`` (more work foreseen), as :class:`simcenter.present.progress.Progress`."""

    def __init__(self, scenario: Scenario, seed: int, progress=None):
        self.scenario, self.seed, self.progress = scenario, seed, progress
        self._runs: dict[tuple, dict[int, dict]] = {}
        self.simulated = 0  # replications run so far (cache misses)
        self.foreseen = 0  # replications the caller expects to run in all

    def runs(self, plan, replications: int, first: int = 0) -> list[dict]:
        """Replications ``first`` to ``first + replications - 1`` of ``plan``."""
        key = tuple(int(v) for v in plan)
        done = self._runs.setdefault(key, {})
        wanted = range(first, first + replications)
        missing = [r for r in wanted if r not in done]
        if missing:
            self.expect(len(missing))
            s = _with_plan(self.scenario, key)
            for r in missing:
                done[r] = _per_interval(s, run_replication(s, self.seed, r), _NEEDED)
                self.simulated += 1
                if self.progress is not None:
                    self.progress.update(1)
        return [done[r] for r in wanted]

    def expect(self, more: int) -> None:
        """Tell the progress bar that ``more`` replications are about to run, beyond those
        foreseen already."""
        if self.simulated + more > self.foreseen:
            self.foreseen = self.simulated + more
            if self.progress is not None:
                self.progress.grow(self.foreseen)

    def foresee(self, total_more: int) -> None:
        """Foresee ``total_more`` replications still to come (a rough total for the bar)."""
        self.foreseen = max(self.foreseen, self.simulated + int(total_more))
        if self.progress is not None:
            self.progress.grow(self.foreseen)


def evaluate_plan(scenario: Scenario, plan, replications: int = 10, seed: int | None = None) -> pd.DataFrame:
    """Simulate ``plan`` (agents per open interval) and return per interval the service
    level and abandonment rate with 95% intervals over replications, and the offered
    load measured (Erlangs)."""
    seed = scenario.simulation.seed if seed is None else seed
    runs = _simulate_plan(scenario, plan, replications, seed)
    return _plan_table(scenario, plan, runs)


def interval_starts(scenario: Scenario) -> list[str]:
    """The start of each open interval of the widest day, as HH:MM."""
    minutes = scenario.simulation.interval_minutes
    return [f"{(j * minutes) // 60:02d}:{(j * minutes) % 60:02d}" for j in scenario.open_intervals]


def _plan_table(scenario: Scenario, plan, runs: list[dict]) -> pd.DataFrame:
    """Per open interval: the plan's agents, the offered load measured (Erlangs), the
    service level with its 95% interval and the abandonment, over ``runs``."""
    sl = np.array([metric("service_level", r) for r in runs])
    ab = np.array([metric("abandon_rate", r) for r in runs])
    sl_mean, sl_low, sl_high = confidence_interval(sl)
    ab_mean, _, _ = confidence_interval(ab)
    load, _ = offered_load(scenario, runs)
    return pd.DataFrame({
        "interval": interval_starts(scenario), "agents": [int(v) for v in plan], "offered_load": load,
        "service_level": sl_mean, "sl_ci_low": np.clip(sl_low, 0, 1), "sl_ci_high": np.clip(sl_high, 0, 1),
        "abandon_rate": ab_mean,
    })


def offered_load(scenario: Scenario, runs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Offered load per open interval (Erlangs): the time-average number of busy agents
    plus the work the abandoning callers would have brought, averaged over replications;
    and the mean handling time of the interval's answered contacts."""
    days = np.array([len(on) for on in _open_days_by_interval(scenario)], dtype=float)
    span = np.maximum(days, 1.0) * scenario.interval_s  # the time the interval is open over the reported days
    busy = np.mean([r["busy_s"] for r in runs], axis=0)
    handle = metric("aht_s", {k: np.sum([r[k] for r in runs], axis=0) for k in ("handle_s", "answered")})
    handle = np.where(np.isnan(handle), scenario.nominal_handle_s, handle)
    abandoned = np.mean([r["abandoned"] for r in runs], axis=0)
    return (busy + abandoned * handle) / span, handle
