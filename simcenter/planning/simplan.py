"""(c) The simulated plan: the adjusted Erlang plan, checked interval by interval in
simulation, and re-staffed by the iterative staffing algorithm where the simulation shows
it wrong.

**Why not simply the simulation's own answer.** An interval's service level measured over a
few replications is noisy (over ten half-hours of 100 calls, its standard error is about
0.04), and the staffing a noisy measurement points to moves with it: on the plain M/M/n+M
queue with a constant rate, where the exact answer is the same in every interval, staffing
each interval for its measured load put one agent fewer than Erlang A in a quarter of the
intervals and ranged over five values at three replications. Common random numbers freeze
that noise (every iteration sees the same light arrivals in the same interval), and judged
on the very replications that chose it, the thin interval seems to meet the target.

**The rule.** The analytic plan, (b) of :mod:`simcenter.planning.erlangplans`, is the
hypothesis; the simulation departs from it only where it shows, with significance, that it
is wrong:

1. Simulate the plan and the plan with one agent fewer in every interval.
2. In each interval still at its analytic level, test two one-sided hypotheses over the
   replications (:mod:`simcenter.planning.evidence`): *the level meets the target* (a miss
   is shown when its service level lies significantly below the target, or with
   ``max_abandon`` its abandonment significantly above the cap) and *one agent fewer
   misses it* (a spare agent is shown when, with one fewer, the service level lies
   significantly above the target and the abandonment significantly below the cap).
   Together they test one hypothesis per interval, *the analytic level is right here*,
   whose p-value is the smaller of the two doubled. The Benjamini-Hochberg procedure over
   the intervals tested keeps the expected share of false departures among the
   departures at ``alpha`` (5%); where the analytic plan is right in every interval, that
   is the chance of any departure at all. (Holm's procedure would hold that chance at 5%
   whatever the other intervals show, and so misses more of the intervals where a
   scenario's dynamics make the formula wrong by a little in many places at once.) One
   fewer in *every* interval is a harder test than one fewer in this interval alone (the
   neighbours pass on more queue), so a spare agent it shows is spare.
3. The intervals shown wrong leave the analytic plan for good and are staffed by the
   iterative staffing algorithm (ISA) of Feldman, Mandelbaum, Massey and Whitt (2008),
   *Staffing of time-varying queues to achieve time-stable performance*, Management
   Science 54(2): measure each interval's offered load in simulation (the time-average
   number of busy agents plus the work of the callers who abandoned), staff it for that
   load with the stationary Erlang A formula, simulate again, and repeat until no
   interval moves by more than one agent. The first step goes at least one agent the way
   the test showed. Then a second stage calibrates: where the measured service level
   rejects the formula at the measured load (the formula's value outside the 95% interval),
   which happens after a steep change of the arrival rate, the interval is re-staffed on
   its measured service level (first for its *effective load*, the load at which the
   formula gives what was measured, then by secant steps) until the plan settles again.
4. The intervals still at their analytic level are tested again in the context of the
   settled plan (their neighbours have moved); any newly shown wrong go to step 3.

Every plan is simulated with the same seed (common random numbers). Where the analytic plan
is right, as on the stationary queue, the plan found is the analytic one except with
probability ``alpha``; where the scenario's dynamics (failure demand, callbacks, the lag of
the load behind a steep peak) make it wrong by more than the replications can blur, the
simulation's answer replaces it.

The tests borrow strength across intervals for the noise only (each interval keeps its own
mean): see :mod:`simcenter.planning.evidence`.

**How far the check sees.** Keeping the analytic level is not proof that it is right: the
test sees a departure only when it exceeds about ``c`` standard errors, ``c`` the t value of
the procedure's strictest step, ``alpha`` over twice the intervals (about 3.3 for 48
intervals). Each interval's *resolution* is that
smallest visible departure divided by what one agent changes there (the measured service
level with the plan minus that with one fewer), in agents. Where it exceeds one agent, the
replications cannot tell the analytic level from its neighbour. Each interval's value is
itself noisy (its standard error and its last agent's gain come from the same few
replications), so the plan is judged by the median over the intervals tested
(:attr:`IterativeResult.typical_resolution`). :func:`simcenter.planning.staffing.staff`
can double the replications while that is coarser than one agent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import analytic
from .erlangplans import Target, _staff, adjusted_plan
from .evidence import above, below, benjamini_hochberg, critical_value, estimate
from .plansim import PlanRuns, offered_load
from ..model.expectations import patience_mean_s
from ..output.analysis import confidence_interval
from ..output.metrics import metric
from ..scenario import Scenario

__all__ = ["IterativeResult", "iterative_plan", "effective_load", "MISSES", "SPARE"]

#: Why an interval left the analytic plan: its analytic level misses the target ...
MISSES = "misses"
#: ... or one agent fewer still meets it.
SPARE = "spare"


@dataclass(frozen=True)
class IterativeResult:
    plan: list  # the settled staffing per open interval
    iterations: list  # the plans simulated, the first being the adjusted (analytic) plan
    converged: bool
    departures: dict = field(default_factory=dict)  # interval index -> MISSES or SPARE
    replications: int = 0  # replications per plan the search used
    resolution: list = field(default_factory=list)  # per open interval, in agents (NaN: not tested)
    alpha: float = 0.05

    @property
    def tested(self) -> int:
        """The intervals kept at their analytic level and tested at the last check."""
        return sum(not math.isnan(r) for r in self.resolution)

    def resolution_values(self) -> list[float]:
        """The finite resolutions of the intervals tested at the last check (agents)."""
        return [r for r in self.resolution if not math.isnan(r) and math.isfinite(r)]

    @property
    def typical_resolution(self) -> float | None:
        """The median resolution over the intervals tested at the last check (agents; each
        interval's own is noisy, its standard error and the gain of its last agent being
        estimated from the same few replications); None where none was tested."""
        tested = [r for r in self.resolution if not math.isnan(r)]
        return float(np.median(tested)) if tested else None

    @property
    def resolved(self) -> bool:
        """Whether the check sees a departure of one agent in the typical interval."""
        x = self.typical_resolution
        return x is None or x <= 1.0

    @property
    def replications_for_one_agent(self) -> int | None:
        """About the replications per plan that would bring the typical resolution to one
        agent: the standard error falls as one over the root of the replications (the t
        value of the strictest step also falls a little where the degrees of freedom are
        few, so this errs high). None when it is there already or cannot be said."""
        x = self.typical_resolution
        if x is None or x <= 1.0 or not math.isfinite(x):
            return None
        return int(math.ceil(self.replications * x * x))


def iterative_plan(
    scenario: Scenario,
    target: Target,
    replications: int = 10,
    seed: int | None = None,
    max_iterations: int = 20,
    alpha: float = 0.05,
    runs: PlanRuns | None = None,
) -> IterativeResult:
    """(c) The simulated plan (see the module's description), on ``replications`` per
    plan; ``alpha`` is the chance of any false departure from the analytic plan; ``runs``
    shares simulated replications with the caller."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    seed = scenario.simulation.seed if seed is None else seed
    runs = PlanRuns(scenario, seed) if runs is None else runs
    return _search(scenario, target, replications, runs, max_iterations, alpha)


def _search(scenario: Scenario, target: Target, reps: int, runs: PlanRuns, max_iterations: int, alpha: float) -> IterativeResult:
    patience = patience_mean_s(scenario)
    plan = list(adjusted_plan(scenario, target))
    plans, departed, history = [plan], {}, {}
    resolution = [math.nan] * len(plan)
    calibrating, test, settled_once = False, True, False
    for _ in range(max_iterations):
        measured = runs.runs(plan, reps)
        newly: dict[int, str] = {}
        if test:
            kept = [k for k, n in enumerate(plan) if k not in departed and n > 0]
            fewer = runs.runs([max(0, n - 1) for n in plan], reps)
            newly, resolution = _check(measured, fewer, kept, target, alpha, len(plan))
            departed.update(newly)
            test = False
            if not newly and (settled_once or not departed):
                return IterativeResult(plan, plans, True, departed, reps, resolution, alpha)
        load, handle = offered_load(scenario, measured)
        new = list(plan)
        for k in departed:
            new[k] = _staff(load[k] / handle[k] * 3600.0, handle[k], patience, target) if load[k] > 0 else 0
        if calibrating:
            sl, rejects = _rejects_formula(measured, plan, load, handle, patience, target)
            for k in departed:
                if rejects[k] or k in history:
                    history.setdefault(k, []).append((plan[k], float(sl[k])))
                    new[k] = _calibrate(history[k], handle[k], patience, target)
        for k, why in newly.items():  # the first step goes the way the test showed
            new[k] = max(new[k], plan[k] + 1) if why == MISSES else max(0, min(new[k], plan[k] - 1))
        settled = not newly and max((abs(new[k] - plan[k]) for k in departed), default=0) <= 1
        plans.append(new)
        plan = new
        if settled:
            if calibrating:
                test = settled_once = True  # check the kept intervals once more, in this context
            calibrating = True
        elif newly:
            settled_once = False
    return IterativeResult(plan, plans, False, departed, reps, resolution, alpha)


def _check(measured: list[dict], fewer: list[dict], kept: list[int], target: Target, alpha: float, m: int):
    """The intervals in ``kept`` the simulation shows wrong (index -> MISSES or SPARE), by
    the Benjamini-Hochberg procedure over the intervals, and the resolution in agents of
    each interval kept (NaN for the others)."""
    sl, sl_fewer = estimate(measured, "service_level"), estimate(fewer, "service_level")
    p_miss, p_spare = below(sl, target.level), above(sl_fewer, target.level)
    hypotheses = 2 * len(kept)
    c = critical_value(sl.df, hypotheses, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = sl.mean - sl_fewer.mean  # what the last agent brings, measured with common random numbers
        agents = np.where(gain > 0, c * sl.se(target.level) / np.where(gain > 0, gain, 1.0), np.inf)
    if target.max_abandon is not None:  # a miss on either; a spare agent only if spare on both
        ab, ab_fewer = estimate(measured, "abandon_rate"), estimate(fewer, "abandon_rate")
        p_miss = np.minimum(1.0, 2.0 * np.minimum(p_miss, above(ab, target.max_abandon)))
        p_spare = np.maximum(p_spare, below(ab_fewer, target.max_abandon))
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = ab_fewer.mean - ab.mean
            agents = np.fmax(agents, np.where(gain > 0, c * ab.se(target.max_abandon) / np.where(gain > 0, gain, 1.0), np.inf))
    resolution = [math.nan] * m
    if not kept:
        return {}, resolution
    # one hypothesis per interval, "the analytic level is right here": its p-value the
    # smaller of the two, doubled (Bonferroni within the interval)
    p = np.minimum(1.0, 2.0 * np.minimum(p_miss, p_spare))
    newly = {}
    for k, departs in zip(kept, benjamini_hochberg(p[kept], alpha)):
        if departs:
            newly[k] = MISSES if p_miss[k] <= p_spare[k] else SPARE
        else:
            resolution[k] = float(agents[k]) if sl.df[k] >= 1 else math.inf
    return newly, resolution


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
