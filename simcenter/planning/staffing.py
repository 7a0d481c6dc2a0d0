"""Staffing search: the fewest agents per interval that meet a service-level target, three
ways side by side.

(a) **Erlang** (:func:`erlang_plan`): each open interval on its own, as if it were a
    stationary queue: first contacts at the interval's rate, the nominal handling time
    (talk + wrap-up, averaged over contact types), and Erlang A with the mean patience
    (Erlang C when callers never abandon). What a planner's spreadsheet does. When contact
    types have their own patience, Erlang A takes one patience for the mix: the one whose
    abandonment rate is the share-weighted mean of the types' rates, ``1 / sum_i share_i /
    mean_i`` (a type whose callers never hang up counts with rate 0; see
    :mod:`simcenter.model.patience`). The line holds more patient callers than arrive, so
    where the types' patiences differ much this overstates abandonment a little.

(b) **Adjusted Erlang** (:func:`adjusted_plan`): the same formula fed with the load the
    scenario's failure demand implies: :func:`simcenter.model.expectations.failure_demand`
    follows a customer's chain of contacts (promises made, broken, noticed, answered by a
    repeat contact, with the anger each carries, by the engine's own formulas in
    :mod:`simcenter.model.formulas`). That gives contacts per first contact, their mean
    handling and mean patience. Then a
    fixed point couples the load and the staffing: abandoned callers redial with
    ``redial_prob``, so the offered rate is ``λ_0 / (1 - redial_prob · P_ab(n))`` with
    ``P_ab(n)`` Erlang A's at the staffing ``n`` it implies (with per-type patience, the mean
    patience over the chain by the contacts' mean abandonment hazard, and the
    ``redial_prob`` of those who abandon: the types' weighted by share times hazard);
    starting from plan (a), the
    staffing is recomputed until it no longer changes (it can only grow, so this ends).
    Repeat contacts are assumed to follow the intraday shape of first contacts.

(c) **Simulation** (:func:`iterative_plan`): the iterative staffing algorithm (ISA) of
    Feldman, Mandelbaum, Massey and Whitt (2008): simulate with a generous plan, measure
    the offered load of each interval (the time-average number of busy agents, plus the
    work of the callers who abandoned), staff each interval for that load with the
    stationary Erlang A formula, simulate again with the new plan, and repeat until no
    interval's staffing moves by more than one agent. Every iteration uses the same
    seed (common random numbers). Because the load is *measured* in the time-varying
    system, it carries the lag of the load behind the arrival rate, callbacks, failure
    demand, anger and slower agents, which (a) and (b) cannot see.
    For a flat plan, :func:`flat_staffing` bisects on the number of agents; each level is
    simulated with added replications until the 95% interval of its service level lies
    on one side of the target (or a maximum is reached, then the mean decides).

:func:`staff` runs the three, then simulates each plan with common random numbers and
reports the service level each achieves per interval. Plans cover the open intervals of the
widest day (``calendar.open`` to ``calendar.close``) and apply to every open day, in place
of ``agents.staffing`` and ``agents.staffing_by_weekday``: one plan for all open days, not
one per weekday. Each interval's rate is averaged over the reported days on which that
interval is open (weekday factors included; a Friday closing at 13:00 leaves the afternoon
intervals to the other days, a holiday counts for none), and so are the measured loads and
service levels; an interval no reported day opens gets no agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import analytic
from ..model.center import run_replication
from ..errors import SimcenterError
from ..output.metrics import metric
from ..outputs import FileKind
from ..model.expectations import FailureDemand, failure_demand, patience_mean_s  # noqa: F401 (simcenter.staffing.failure_demand)
from ..model.patience import classes as patience_classes, redial_prob as mix_redial_prob
from ..output.analysis import confidence_interval, doubled, replicate_until
from ..scenario import Scenario

__all__ = [
    "Target",
    "erlang_plan",
    "failure_demand",
    "adjusted_plan",
    "iterative_plan",
    "flat_staffing",
    "evaluate_plan",
    "staff",
]


@dataclass(frozen=True)
class Target:
    """A service-level target: ``level`` of contacts answered within ``answer_s``
    seconds, and optionally at most ``max_abandon`` of them abandoning."""

    level: float
    answer_s: float
    max_abandon: float | None = None

    def __post_init__(self):
        if not 0.0 < self.level < 1.0:
            raise SimcenterError(f"target level must be in (0, 1), got {self.level!r}")
        if not 0.0 <= self.answer_s <= 86_400.0:
            raise SimcenterError(f"target answer time must be in [0, 86400] s, got {self.answer_s!r}")
        if self.max_abandon is not None and not 0.0 < self.max_abandon < 1.0:
            raise SimcenterError(f"max_abandon must be in (0, 1), got {self.max_abandon!r}")

    def __str__(self) -> str:
        text = f"{self.level:g}/{self.answer_s:g}"
        return text + (f", abandonment <= {self.max_abandon:g}" if self.max_abandon is not None else "")


#: The per-interval table of :func:`staff` (``simcenter staff --out FILE.csv``).
STAFF_TABLE_FILE = FileKind("staffing table", (".csv",), ("interval", "calls_per_hour", "erlang", "sl_erlang", "adjusted", "sl_adjusted",
                                                         "simulated", "sl_simulated", "offered_load"))


# -- inputs every method shares ------------------------------------------------------


def _reported_open_days(scenario: Scenario) -> list[int]:
    first = scenario.simulation.warmup_days
    return [d for d in range(first, scenario.total_days) if scenario.is_open_day(d)]


def _open_days_by_interval(scenario: Scenario) -> list[list[int]]:
    """Per open interval of the widest day: the reported days on which it is open."""
    days = _reported_open_days(scenario)
    spans = {d: scenario.open_intervals_on(d) for d in days}
    return [[d for d in days if j in spans[d]] for j in scenario.open_intervals]


def first_contact_rates(scenario: Scenario) -> np.ndarray:
    """First-contact arrival rate (contacts/hour) per open interval of the widest day,
    averaged over the reported days on which the interval is open (weekday factors
    included); 0 for an interval no reported day opens."""
    days = _reported_open_days(scenario)
    if not days:
        raise SimcenterError("the scenario has no open day after the warm-up to staff")
    factors = [float(np.mean([scenario.arrivals.day_of_week[scenario.weekday(d)] for d in on])) if on else 0.0
               for on in _open_days_by_interval(scenario)]
    return np.asarray(scenario.open_rates_per_hour(), dtype=float) * np.asarray(factors)


def _staff(calls_per_hour: float, aht_s: float, patience_s: float | None, target: Target) -> int:
    if calls_per_hour <= 0.0:
        return 0
    return analytic.staffing(calls_per_hour, aht_s, target.answer_s, target.level, patience_s, target.max_abandon)


# -- (a) Erlang per interval ------------------------------------------------------------


def erlang_plan(scenario: Scenario, target: Target) -> list[int]:
    """(a) Erlang A (or C) per interval on first contacts and nominal handling."""
    handle, patience = scenario.nominal_handle_s, patience_mean_s(scenario)
    return [_staff(rate, handle, patience, target) for rate in first_contact_rates(scenario)]


# -- (b) Erlang adjusted for failure demand -------------------------------------------


def adjusted_plan(scenario: Scenario, target: Target, max_iterations: int = 100) -> list[int]:
    """(b) Erlang A per interval on the load the failure demand implies, with the redial
    fixed point (see the module's description)."""
    fd = failure_demand(scenario)
    redial = mix_redial_prob(patience_classes(scenario)) if fd.patience_s is not None else 0.0
    plan = []
    for first, n in zip(first_contact_rates(scenario), erlang_plan(scenario, target)):
        rate = first * fd.contacts
        n = _staff(rate, fd.handle_s, fd.patience_s, target)
        for _ in range(max_iterations):
            if redial == 0.0 or n == 0:
                break
            p_ab = analytic.metrics(n, rate, fd.handle_s, target.answer_s, fd.patience_s).abandon_rate
            offered = rate / (1.0 - redial * p_ab)
            n_next = _staff(offered, fd.handle_s, fd.patience_s, target)
            if n_next <= n:
                break
            n = n_next
        plan.append(n)
    return plan


# -- simulation ---------------------------------------------------------------------------


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
    s = _with_plan(scenario, plan)
    return [_per_interval(s, run_replication(s, seed, r), _NEEDED) for r in range(replications)]


def evaluate_plan(scenario: Scenario, plan, replications: int = 10, seed: int | None = None) -> pd.DataFrame:
    """Simulate ``plan`` (agents per open interval) and return per interval the service
    level and abandonment rate with 95% intervals over replications, and the offered
    load measured (Erlangs)."""
    seed = scenario.simulation.seed if seed is None else seed
    runs = _simulate_plan(scenario, plan, replications, seed)
    return _plan_table(scenario, plan, runs)


def _plan_table(scenario: Scenario, plan, runs: list[dict]) -> pd.DataFrame:
    sl = np.array([metric("service_level", r) for r in runs])
    ab = np.array([metric("abandon_rate", r) for r in runs])
    sl_mean, sl_low, sl_high = confidence_interval(sl)
    ab_mean, _, _ = confidence_interval(ab)
    load, _ = _offered_load(scenario, runs)
    minutes = scenario.simulation.interval_minutes
    starts = [f"{(j * minutes) // 60:02d}:{(j * minutes) % 60:02d}" for j in scenario.open_intervals]
    return pd.DataFrame({
        "interval": starts, "agents": [int(v) for v in plan], "offered_load": load,
        "service_level": sl_mean, "sl_ci_low": np.clip(sl_low, 0, 1), "sl_ci_high": np.clip(sl_high, 0, 1),
        "abandon_rate": ab_mean,
    })


def _offered_load(scenario: Scenario, runs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
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


@dataclass(frozen=True)
class IterativeResult:
    plan: list  # the settled staffing per open interval
    iterations: list  # the plans simulated, the first being the generous start
    converged: bool


def effective_load(n: int, service_level: float, handle_s: float, patience_s: float | None, target_s: float) -> float:
    """The offered load (Erlangs) at which the stationary Erlang A (or C) queue with ``n``
    agents has the given service level: what an interval "behaves like"."""
    def sl(m: float) -> float:
        if patience_s is None and m >= n:
            return 0.0
        return analytic.metrics(n, m / handle_s * 3600.0, handle_s, target_s, patience_s).service_level

    lo, hi = 0.0, max(1.0, float(n))
    while sl(hi) > service_level:
        lo, hi = hi, 2.0 * hi
        if hi > 1e7:
            return hi
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if sl(mid) > service_level else (lo, mid)
        if hi - lo < 1e-6 * hi:
            break
    return 0.5 * (lo + hi)


def _rejects_formula(runs, plan, load, handle, patience, target: Target) -> tuple[np.ndarray, list[bool]]:
    """Per interval: the measured service level, and whether it rejects the stationary
    formula at the measured load (the formula's value lies outside its 95% interval over
    replications)."""
    sl, low, high = confidence_interval(np.array([metric("service_level", r) for r in runs]))
    rejects = []
    for m, q, lo, hi, n, h in zip(load, sl, low, high, plan, handle):
        if m > 0 and n > 0 and 0.0 < q < 1.0:
            predicted = analytic.metrics(n, m / h * 3600.0, h, target.answer_s, patience).service_level if (patience is not None or m < n) else 0.0
            rejects.append(not lo <= predicted <= hi)
        else:
            rejects.append(False)
    return sl, rejects


def iterative_plan(
    scenario: Scenario,
    target: Target,
    replications: int = 10,
    seed: int | None = None,
    max_iterations: int = 20,
) -> IterativeResult:
    """(c) The iterative staffing algorithm (see the module's description)."""
    seed = scenario.simulation.seed if seed is None else seed
    patience = patience_mean_s(scenario)
    start = [int(math.ceil(1.5 * n + 3)) for n in adjusted_plan(scenario, target)]
    plans, plan, calibrating = [start], start, False
    history: dict[int, list] = {}  # interval -> [(agents, measured service level)] while calibrating
    for _ in range(max_iterations):
        runs = _simulate_plan(scenario, plan, replications, seed)
        load, handle = _offered_load(scenario, runs)
        new = [_staff(m / h * 3600.0, h, patience, target) if m > 0 else 0 for m, h in zip(load, handle)]
        if calibrating:
            sl, rejects = _rejects_formula(runs, plan, load, handle, patience, target)
            for k, (n, q) in enumerate(zip(plan, sl)):
                if rejects[k] or k in history:
                    history.setdefault(k, []).append((n, float(q)))
                    new[k] = _calibrate(history[k], handle[k], patience, target)
        plans.append(new)
        settled = max(abs(a - b) for a, b in zip(new, plan)) <= 1
        plan = new
        if settled:
            if calibrating:
                return IterativeResult(plan, plans, True)
            calibrating = True
    return IterativeResult(plan, plans, False)


def _calibrate(history: list, handle: float, patience: float | None, target: Target) -> int:
    """Next staffing of an interval the stationary formula does not describe: a secant
    step on its measured service level against agents once two levels have been
    simulated, else the staffing for its effective load."""
    n, sl = history[-1]
    earlier = [(m, q) for m, q in history[:-1] if m != n]
    if earlier:
        m, q = earlier[-1]
        slope = (sl - q) / (n - m)
        if slope > 1e-4:
            step = (target.level - sl) / slope
            return max(0, int(math.ceil(n + max(-0.5 * n, min(step, 0.5 * n + 5)))))
    if not 0.0 < sl < 1.0:
        return n
    return _staff(effective_load(n, sl, handle, patience, target.answer_s) / handle * 3600.0, handle, patience, target)


@dataclass(frozen=True)
class FlatResult:
    agents: int
    service_level: float
    ci_low: float
    ci_high: float
    replications: int
    tried: dict  # agents -> (service level, ci_low, ci_high, replications, meets)


def flat_staffing(
    scenario: Scenario,
    target: Target,
    replications: int = 10,
    max_replications: int = 80,
    seed: int | None = None,
) -> FlatResult:
    """The fewest agents, the same in every interval, that meet the target in simulation.

    A galloping search from the adjusted Erlang estimate, then bisection on the number of
    agents; each level is run with ``replications``, doubled
    until the 95% interval of its service level (and, with ``max_abandon``, of its
    abandonment rate) lies on one side of the target, at most ``max_replications``
    (then the mean decides). All levels use the same seed (common random numbers).
    """
    seed = scenario.simulation.seed if seed is None else seed
    tried: dict[int, tuple] = {}

    def meets(n: int) -> bool:
        if n in tried:
            return tried[n][-1]
        s = _with_plan(scenario, [n] * len(scenario.open_intervals))
        runs: list[dict] = []
        verdict: list = []

        def run_to(reps: int) -> None:
            for r in range(len(runs), reps):
                sums = _per_interval(s, run_replication(s, seed, r), ("offered", "answered_in_target", "abandoned"))
                runs.append({k: float(v.sum()) for k, v in sums.items()})

        def decided(reps: int) -> tuple[bool, float]:
            sl = np.array([float(metric("service_level", r)) for r in runs])
            ab = np.array([float(metric("abandon_rate", r)) for r in runs])
            mean, low, high = confidence_interval(sl)
            decided_sl = low >= target.level or high < target.level
            ok = mean >= target.level
            decided_ab = True
            if target.max_abandon is not None:
                a_mean, a_low, a_high = confidence_interval(ab)
                decided_ab = a_high <= target.max_abandon or a_low > target.max_abandon
                ok = ok and a_mean <= target.max_abandon
            verdict[:] = [float(mean), float(low), float(high), bool(ok)]
            return decided_sl and decided_ab, math.nan

        done = replicate_until(run_to, decided, replications, max(replications, max_replications), doubled)
        mean, low, high, ok = verdict
        tried[n] = (mean, low, high, done, ok)
        return ok

    # a galloping search from the adjusted Erlang estimate, then bisection
    guess = max(adjusted_plan(scenario, target) + [1])
    step = 1
    if meets(guess):
        hi, lo = guess, guess - 1
        while lo > 0 and meets(lo):
            hi, lo, step = lo, max(0, lo - 2 * step), 2 * step
    else:
        lo, hi = guess, guess + 1
        while not meets(hi):
            lo, hi, step = hi, hi + 2 * step, 2 * step
            if hi > 100_000:
                raise SimcenterError("no flat staffing up to 100000 agents meets the target")
    while hi - lo > 1:  # invariant: hi meets the target, lo does not (or is 0)
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return _flat_result(hi, tried)


def _flat_result(n: int, tried: dict) -> FlatResult:
    mean, low, high, reps, _ = tried[n]
    return FlatResult(n, mean, low, high, reps, dict(sorted(tried.items())))


# -- all three ---------------------------------------------------------------------------


def staff(
    scenario: Scenario,
    target: Target,
    replications: int = 10,
    seed: int | None = None,
    max_iterations: int = 20,
) -> tuple[pd.DataFrame, dict]:
    """Run the three methods and simulate each plan (common random numbers).

    Returns a table with one row per open interval (``interval``, first-contact
    ``calls_per_hour``, and for each method ``erlang``, ``adjusted``, ``simulated``:
    its agents and the service level it achieves, ``sl_erlang`` ...) and a dict with
    the summary per method: agent hours per open day (averaged over the reported open
    days, each with its own hours), service level over the day, and for the simulation
    method the iterations and whether they settled.
    """
    seed = scenario.simulation.seed if seed is None else seed
    plans = {"erlang": erlang_plan(scenario, target), "adjusted": adjusted_plan(scenario, target)}
    isa = iterative_plan(scenario, target, replications, seed, max_iterations)
    plans["simulated"] = isa.plan
    table = pd.DataFrame({
        "interval": [f"{(j * scenario.simulation.interval_minutes) // 60:02d}:{(j * scenario.simulation.interval_minutes) % 60:02d}" for j in scenario.open_intervals],
        "calls_per_hour": first_contact_rates(scenario),
    })
    summary = {}
    hours = scenario.interval_s / 3600.0
    open_on = [len(on) for on in _open_days_by_interval(scenario)]
    n_days = len(_reported_open_days(scenario))
    for name, plan in plans.items():
        runs = _simulate_plan(scenario, plan, replications, seed)
        evaluated = _plan_table(scenario, plan, runs)
        table[name] = evaluated["agents"]
        table[f"sl_{name}"] = evaluated["service_level"]
        day_sl = np.array([metric("service_level", {k: v.sum() for k, v in r.items()}) for r in runs])
        mean, low, high = confidence_interval(day_sl)
        per_day = sum(plan) * hours if min(open_on) == n_days else sum(n * k for n, k in zip(plan, open_on)) * hours / n_days
        summary[name] = {"agent_hours_per_day": float(per_day), "service_level": float(mean),
                         "ci_low": float(low), "ci_high": float(high)}
    table["offered_load"] = evaluated["offered_load"]
    table = table[list(STAFF_TABLE_FILE.csv_header)]
    summary["simulated"].update({"iterations": len(isa.iterations) - 1, "settled": isa.converged})
    return table, summary
