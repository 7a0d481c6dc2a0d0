"""Staffing search: the fewest agents per interval that meet a service-level target, three
ways side by side, each simulated to show the service level it achieves.

(a) **Erlang** and (b) **adjusted Erlang**, by formula per interval, the second fed with the
    load the scenario's failure demand implies and the redials it causes
    (:mod:`simcenter.planning.erlangplans`: :func:`erlang_plan`, :func:`adjusted_plan`).

(c) **Simulation** (:func:`iterative_plan`, :mod:`simcenter.planning.simplan`): plan (b),
    kept in every interval where the simulation does not show, with significance
    corrected over the intervals, that it misses the target or that one agent fewer still
    meets it; where it does, the iterative staffing algorithm of Feldman, Mandelbaum,
    Massey and Whitt (2008) re-staffs the interval on its load measured in simulation.
    It sees what (a) and (b) cannot: the lag of the load behind the arrival rate,
    callbacks, failure demand, anger and slower agents. For a flat plan,
    :func:`flat_staffing` bisects on the number of agents; each level is simulated with
    added replications until the 95% interval of its service level lies on one side of
    the target (or a maximum is reached, then the mean decides).

:func:`staff` runs the three, then simulates each plan with common random numbers on
replications the search did not use (numbered after them), so that the service level shown
for the simulated plan is not flattered by the luck of the replications that chose it.
Plans cover the open intervals of the widest day (``calendar.open`` to ``calendar.close``)
and apply to every open day, in place of ``agents.staffing`` and ``agents.staffing_by_weekday``:
one plan for all open days, not one per weekday. Each interval's rate is averaged over the
reported days on which that interval is open (weekday factors included), and so are the
measured loads and service levels; an interval no reported day opens gets no agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from ..model.center import run_replication
from ..model.expectations import FailureDemand, failure_demand, patience_mean_s  # noqa: F401 (simcenter.staffing.failure_demand)
from ..output.analysis import confidence_interval, doubled, metric_interval, replicate_until
from ..output.metrics import metric
from ..outputs import FileKind
from .evidence import above, below, estimate, holm
from .erlangplans import Target, _open_days_by_interval, _reported_open_days, _staff, adjusted_plan, erlang_plan, first_contact_rates  # noqa: F401
from .plansim import PlanRuns, _per_interval, _plan_table, _simulate_plan, _with_plan, evaluate_plan, interval_starts  # noqa: F401
from .simplan import MISSES, SPARE, IterativeResult, effective_load, iterative_plan  # noqa: F401
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

PLANS = ("erlang", "adjusted", "simulated")
#: Per plan, the staffing table's columns (prefix + plan name) and where they come from.
_COLUMNS = {"": "agents", "sl_": "service_level", "sl_low_": "sl_ci_low", "sl_high_": "sl_ci_high", "abandon_": "abandon_rate"}

#: The per-interval table of :func:`staff` (``simcenter staff --out FILE.csv``).
STAFF_TABLE_FILE = FileKind("staffing table", (".csv",), (
    "interval", "calls_per_hour", "offered_load",
    *(f"{prefix}{name}" for name in PLANS for prefix in _COLUMNS),
    "departure"))


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
    progress=None,
) -> FlatResult:
    """The fewest agents, the same in every interval, that meet the target in simulation.

    A galloping search from the adjusted Erlang estimate, then bisection on the number of
    agents; each level is run with ``replications``, doubled
    until the 95% interval of its service level (and, with ``max_abandon``, of its
    abandonment rate) lies on one side of the target, at most ``max_replications``
    (then the mean decides). All levels use the same seed (common random numbers).
    ``progress``, if given, is told of each replication as :class:`PlanRuns` tells it.
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
            if progress is not None:
                progress.grow(progress.total + reps - len(runs))
            for r in range(len(runs), reps):
                sums = _per_interval(s, run_replication(s, seed, r), ("offered", "answered_in_target", "abandoned"))
                runs.append({k: float(v.sum()) for k, v in sums.items()})
                if progress is not None:
                    progress.update(1)

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
    alpha: float = 0.05,
    max_replications: int | None = None,
    progress=None,
) -> tuple[pd.DataFrame, dict]:
    """Run the three methods and simulate each plan (common random numbers), on as many
    replications as the simulated plan's search used, numbered after them.

    Returns a table with one row per open interval (:data:`STAFF_TABLE_FILE`:
    ``interval``, first-contact ``calls_per_hour``, the ``offered_load`` measured with the
    simulated plan in Erlangs, and for each method ``erlang``, ``adjusted``,
    ``simulated``: its agents, the service level it achieves (``sl_erlang``) with its 95%
    interval (``sl_low_erlang``, ``sl_high_erlang``) and the fraction abandoning
    (``abandon_erlang``); ``departure`` says why the simulated plan leaves the adjusted one
    there: ``misses``, ``spare`` or ``none``) and a dict with the summary per method:
    agent hours per open day (averaged over the reported open days, each with its own
    hours), service level and abandonment over the day with their 95% intervals, and for
    the simulated plan how its search went (:func:`trust`). ``alpha`` and
    ``max_iterations`` are :func:`iterative_plan`'s. With ``max_replications``, the
    replications are doubled, up to it, while the search has not settled, its check of the
    intervals it kept is coarser than one agent in the typical interval, or its plan misses
    the target significantly on the replications it did not use (which then join the
    search's). ``progress`` is told of each replication simulated (see :class:`PlanRuns`).
    """
    seed = scenario.simulation.seed if seed is None else seed
    runs = PlanRuns(scenario, seed, progress)
    plans = {"erlang": erlang_plan(scenario, target), "adjusted": adjusted_plan(scenario, target)}
    # at least: the adjusted plan and one fewer, then the formula's plans judged
    runs.foresee((2 + len({tuple(p) for p in plans.values()})) * replications)
    reps, most = replications, max(replications, max_replications or replications)
    while True:
        isa = iterative_plan(scenario, target, reps, seed, max_iterations, alpha, runs)
        missed = _missed(runs.runs(isa.plan, reps, first=reps), isa.plan, target, alpha)
        if (isa.converged and isa.resolved and not missed) or reps >= most:
            break
        reps = min(most, 2 * reps)  # the replications just judged on join the search's
    plans["simulated"] = isa.plan
    runs.expect(len({tuple(p) for p in plans.values()} - {tuple(isa.plan)}) * reps)
    table = pd.DataFrame({"interval": interval_starts(scenario), "calls_per_hour": first_contact_rates(scenario)})
    summary = {}
    for name, plan in plans.items():
        judged = runs.runs(plan, reps, first=reps)  # replications the search did not see
        evaluated = _plan_table(scenario, plan, judged)
        for prefix, column in _COLUMNS.items():
            table[f"{prefix}{name}"] = evaluated[column]
        summary[name] = _day(scenario, plan, judged)
    table["offered_load"] = evaluated["offered_load"]
    table["departure"] = [isa.departures.get(k, "none") for k in range(len(table))]
    table = table[list(STAFF_TABLE_FILE.csv_header)]
    summary["simulated"].update(trust(isa, table["interval"].tolist(), missed))
    return table, summary


def _day(scenario: Scenario, plan, judged: list[dict]) -> dict:
    """A plan over the day: agent hours per open day (averaged over the reported open days,
    each with its own hours), and the service level and abandonment of the day's contacts
    with their 95% intervals over the replications ``judged``."""
    hours = scenario.interval_s / 3600.0
    open_on = [len(on) for on in _open_days_by_interval(scenario)]
    n_days = len(_reported_open_days(scenario))
    day = [{k: r[k].sum() for k in ("offered", "answered_in_target", "abandoned")} for r in judged]
    sl = metric_interval("service_level", np.array([metric("service_level", r) for r in day]))
    ab = metric_interval("abandon_rate", np.array([metric("abandon_rate", r) for r in day]))
    return {"agent_hours_per_day": float(sum(n * k for n, k in zip(plan, open_on)) * hours / n_days),
            "service_level": float(sl[0]), "ci_low": float(sl[1]), "ci_high": float(sl[2]),
            "abandon_rate": float(ab[0]), "abandon_ci_low": float(ab[1]), "abandon_ci_high": float(ab[2])}


def _missed(judged: list[dict], plan, target: Target, alpha: float) -> list[int]:
    """The intervals where ``plan`` misses the target significantly on the replications
    ``judged`` (Holm over the intervals with agents, at ``alpha``)."""
    p = below(estimate(judged, "service_level"), target.level)
    if target.max_abandon is not None:
        p = np.minimum(1.0, 2.0 * np.minimum(p, above(estimate(judged, "abandon_rate"), target.max_abandon)))
    staffed = [k for k, n in enumerate(plan) if n > 0]
    return [k for k, hit in zip(staffed, holm(p[staffed], alpha)) if hit] if staffed else []


def trust(isa: IterativeResult, intervals: list[str], missed: list[int] = ()) -> dict:
    """How the simulated plan's search went, for a planner to judge the plan by:
    ``iterations`` (plans simulated after the analytic one), ``settled``, ``replications``
    per plan, ``alpha``, the intervals it changed because the adjusted level misses the
    target there (``misses``) or has an agent to spare (``spare``), the number of
    intervals it kept and tested (``kept``), the ``resolution`` of that check (agents,
    the median over those intervals: the smallest departure it would have seen) and its
    ``worst_resolution``, ``replications_for_one_agent``; the intervals where the plan
    misses the target significantly on replications the search did not use (``missed``,
    from :func:`staff`); and ``warnings``, one sentence each, where the replications were
    too few for a trustworthy plan."""
    finite = isa.resolution_values()
    typical = isa.typical_resolution
    doc = {
        "iterations": len(isa.iterations) - 1, "settled": isa.converged, "replications": isa.replications, "alpha": isa.alpha,
        "misses": [intervals[k] for k, why in sorted(isa.departures.items()) if why == MISSES],
        "spare": [intervals[k] for k, why in sorted(isa.departures.items()) if why == SPARE],
        "kept": isa.tested, "resolution": typical if typical is not None and math.isfinite(typical) else None,
        "worst_resolution": max(finite, default=None),
        "replications_for_one_agent": isa.replications_for_one_agent,
        "missed": [intervals[k] for k in missed],
        "warnings": [],
    }
    if not isa.converged:
        doc["warnings"].append(f"the simulated plan did not settle in {doc['iterations']} iterations; the levels of the intervals it "
                               "changed may still be moving: give more replications")
    if not isa.resolved:
        more = isa.replications_for_one_agent
        seen = (f"only to about {typical:.1f} agents (the smallest departure it would see in the typical interval"
                + (f"; {max(finite):.1f} in the worst" if finite and max(finite) > typical else "") + ")") if math.isfinite(typical) else \
            "not at all (one agent fewer changed nothing it could measure in the typical interval)"
        doc["warnings"].append(
            f"with {isa.replications} replications the simulation checks the adjusted Erlang level of the {isa.tested} intervals it "
            f"kept {seen}" + (f": about {more:,} replications (or proportionally more simulated days) would check it to one agent" if more else ""))
    if missed:
        shown = ", ".join(doc["missed"][:6]) + (" ..." if len(missed) > 6 else "")
        doc["warnings"].append(
            f"on replications its search did not use, the simulated plan misses the target significantly in {len(missed)} "
            f"interval{'s' if len(missed) > 1 else ''} ({shown}): the replications it used were too few to see "
            f"{'them' if len(missed) > 1 else 'it'}; give more")
    return doc
