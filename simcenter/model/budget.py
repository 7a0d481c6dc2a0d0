"""What a run will cost, known before it starts: contacts, memory and time, and the limits
that keep every valid scenario finite.

A scenario valid field by field may still never end or exhaust memory (redials a
microsecond apart, promises broken and noticed at once, months of waiting in an overloaded
queue, a one-minute grid over ten years). This module estimates, from the scenario alone,

* **contacts** per replication: the expected first contacts, times the contacts each
  need brings through the feedback loops (redials after abandoning, by each contact
  type's patience; repeat contacts after broken promises), each loop a geometric chain
  whose continuation probability comes from
  a fluid model of the queue or, where the fluid sees no queue, from the chance that every
  agent is busy (Erlang B: with short patience and quick redials, a few busy agents make a
  storm of attempts); and a worst case (**at most**) in which every waiting
  caller abandons and every promise breaks, each chain cut only by the horizon (a turn of
  a loop takes at least its mean delay);
* **the queue's pile-up**: a fluid model of the queue, interval by interval, with
  abandonment at rate ``waiting / mean patience`` (where contact types have their own
  patience: the share-weighted hazard for the abandonment to expect, the most patient
  type's for the pile-up, which a queue of such callers bounds; see
  :mod:`simcenter.model.patience`); and what else is in flight at once
  (callers about to redial, broken promises not yet noticed, callbacks not yet due);
* **memory**: the per-interval counters, what is in flight, and the tables kept per
  replication;
* **time**: contacts times a measured cost per contact on this kind of machine, as a
  class (seconds, minutes, hours, days).

:func:`check` refuses, naming the field to change and the figure, a scenario whose
reporting grid is finer than its horizon needs, whose expected or worst-case contacts are
beyond what a replication can run, or whose pile-up would not fit in memory; it is part of
validation. :func:`simcenter.run.runner.check_run` adds the limits of the replications and
this machine's memory; the engine's :class:`~simcenter.model.guard.WorkGuard` enforces the
worst case as it runs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from .expectations import failure_demand  # the promise chain the adjusted Erlang plan uses
from .formulas import recovery_probabilities
from .guard import WorkGuard  # noqa: F401 (the engine's side of the budget; its old home)
from .fluid import fluid as fluid_queue, queues_peak, rates_week, staff_week
from .patience import abandoners, abandoning, classes as patience_classes, mean_s as mix_mean_s, most_patient
from .router import policy_for
from ..hours import longest_closure

__all__ = ["Estimate", "estimate", "check", "duration_class", "WorkGuard", "machine_memory",
           "MAX_INTERVALS", "MAX_EXPECTED_CONTACTS", "MAX_CONTACT_BOUND", "MAX_WAITING", "MAX_IN_FLIGHT"]

#: Reporting intervals in one run (warm-up included): 30-minute intervals for 5.7 years,
#: 15-minute for 2.8 years, 1-minute for 69 days. Finer grids over longer horizons give
#: per-interval tables nobody can read and counters of gigabytes.
MAX_INTERVALS = 100_000
#: Expected contacts in one replication (about ten minutes of simulation).
MAX_EXPECTED_CONTACTS = 50_000_000
#: Worst-case contacts in one replication: beyond this a feedback loop can run for days.
MAX_CONTACT_BOUND = 1_000_000_000
#: Callers waiting at once (each is a contact, a customer and a patience timer in memory).
MAX_WAITING = 2_000_000
#: Everything in flight at once: waiting callers, pending redials, promises, callbacks.
MAX_IN_FLIGHT = 5_000_000
#: Agents coming on duty in one replication (about 1.6 us each: a plan of 10^5 agents that
#: comes and goes every half hour for a year is billions).
MAX_AGENT_STARTS = 50_000_000
#: Days of employed agents in one replication (agents as people: about 10 us each).
MAX_AGENT_DAYS = 10_000_000
SECONDS_PER_AGENT_START = 1.6e-6
SECONDS_PER_AGENT_DAY = 10e-6
BYTES_PER_AGENT = 64.0
BYTES_PER_EMPLOYED_AGENT = 1024.0

#: Measured costs (benchmarks/, this kind of 2-core machine), rounded up.
SECONDS_PER_CONTACT = 15e-6
BYTES_PER_IN_FLIGHT = 600.0
BYTES_PER_COUNTER_CELL = 32.0  # a list slot and, once written, its float
BYTES_PER_TABLE_ROW = 120.0  # one row of a long per-interval table
PROCESS_BYTES = 250 * 2**20  # Python with numpy, pandas, pyarrow and simpy imported


@dataclass(frozen=True)
class Estimate:
    """The cost of one replication of a scenario (see the module's description)."""

    first_contacts: float  # expected first contacts
    contacts: float  # expected contacts, every attempt (redials, returns, repeats)
    contacts_bound: float  # at most, in the worst case
    intervals: int  # reporting intervals, warm-up included
    reported_intervals: int  # after the warm-up
    waiting_peak: float  # callers waiting at once, at the worst moment (fluid)
    in_flight_peak: float  # everything pending at once
    memory_bytes: float  # peak memory of a process running one replication
    counter_bytes: float  # the counters a replication leaves for the result tables
    seconds: float  # expected time of one replication on this kind of machine
    driver: str  # what multiplies the contacts most, in words
    driver_field: str  # the field to change to tame it
    in_flight_field: str  # the field that keeps most work pending
    agent_starts: float = 0.0  # agents coming on duty over the horizon (each is a process of the engine)
    agent_days: float = 0.0  # days of employed agents (agents as people: each is updated daily)

    def run_seconds(self, replications: int, workers: int = 1) -> float:
        return self.seconds * math.ceil(replications / max(1, workers))

    def run_memory(self, replications: int, metrics: int) -> float:
        """Peak memory of ``simulate`` with this many replications: one replication at a
        time, the counters of all of them, and the long per-interval table of ``metrics``
        metrics built from them (the number of metrics is the output layer's to say)."""
        tables = self.reported_intervals * metrics * BYTES_PER_TABLE_ROW
        return self.memory_bytes + self.counter_bytes * replications + tables

    def describe(self, replications: int, metrics: int, workers: int = 1) -> str:
        """Two lines for ``validate``: contacts, memory and time."""
        seconds = self.run_seconds(replications, workers)
        return (f"estimate per replication: about {_count(self.contacts)} contacts (at most {_count(self.contacts_bound)}), "
                f"{self.intervals:,} intervals, a pile-up of at most {_count(self.waiting_peak)} callers where the load exceeds the agents\n"
                f"estimate for {replications} replication{'s' if replications != 1 else ''}: memory about "
                f"{megabytes(self.run_memory(replications, metrics))}, duration about {duration_text(seconds)} (a run of {duration_class(seconds)})")


def _count(x: float) -> str:
    if not math.isfinite(x):
        return "unbounded"
    if x >= 1e12:
        return f"{x:.2g}"
    if x >= 1e6:
        return f"{x / 1e6:,.1f} million"
    return f"{x:,.0f}"


def megabytes(x: float) -> str:
    return f"{x / 2**30:,.1f} GB" if x >= 2**30 else f"{x / 2**20:,.0f} MB"


def duration_text(seconds: float) -> str:
    """A duration for a message: "1 s", "40 s", "12 min", "3.5 h", "2.0 days"."""
    if seconds < 1:
        return "1 s"
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 86_400:,.1f} days"


def duration_class(seconds: float) -> str:
    """``seconds`` (under a minute), ``minutes`` (under an hour), ``hours`` (under a day) or ``days``."""
    if seconds < 60:
        return "seconds"
    if seconds < 3600:
        return "minutes"
    if seconds < 86_400:
        return "hours"
    return "days"


def machine_memory() -> float:
    """Physical memory of this machine in bytes (``SIMCENTER_MEMORY_BYTES`` overrides it)."""
    override = os.environ.get("SIMCENTER_MEMORY_BYTES")
    if override:
        return float(override)
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8.0 * 2**30


# -- the model behind the estimate --------------------------------------------------------------


def _chain(gain: float, cycle_s: float, horizon_s: float) -> float:
    """Expected turns of a loop that goes on with probability ``gain`` each turn, a turn
    taking ``cycle_s`` on average: geometric, cut by the horizon (a renewal process makes
    at most ``horizon / cycle`` turns on average)."""
    by_time = 1.0 + horizon_s / cycle_s if cycle_s > 0 else math.inf
    by_chance = 1.0 / (1.0 - gain) if gain < 1.0 else math.inf
    return min(by_time, by_chance)


def _delay_s(delay) -> float:
    return delay.mean_h * 3600.0


def _needs_per_first(scenario) -> tuple[float, float, float]:
    """(expected contacts per first contact from broken promises, the worst case, the
    mean handling time over them)."""

    fd = failure_demand(scenario)
    horizon = scenario.total_days * 86_400.0
    worst = 1.0
    if scenario.has_promises:
        promises, rec = scenario.promises, scenario.recovery
        if rec.enabled:  # a repeat contact whose recovery fails ends with a new promise
            fix, concede = recovery_probabilities(rec, anger=scenario.customers.churn_anger + 10.0, morale=0.0)
            unrecovered = 1.0 - (fix + (1.0 - fix) * concede)
        for c in scenario.contact_types:
            if c.promise_kind == "callback":
                broken, notice = 1.0, _delay_s(promises.callback_notice_delay)  # nobody may call back
            else:
                broken = max([c.noncompliance] + [o.noncompliance for o in promises.outages])
                notice = _delay_s(promises.notice_delay)
            again = unrecovered if rec.enabled else c.promise_prob
            gain = again * broken * promises.return_prob
            first_gain = c.promise_prob * broken * promises.return_prob
            worst = max(worst, 1.0 + first_gain * _chain(gain, _delay_s(c.promise_due) + notice, horizon))
    return fd.contacts, worst, fd.handle_s


def _missed_callbacks(scenario, days: int, multiplier: float, handle: float, needs: float) -> float:
    """The extra contacts of callbacks nobody got to: unless callbacks go first, agents
    call back in the time inbound callers leave them, and a center near capacity breaks
    callback promises for want of time, not only of reaching the customer. Returns the
    factor on the contacts (1 when callbacks have the time they need)."""
    import dataclasses


    cb = scenario.callbacks
    types = [c for c in scenario.contact_types if c.promise_kind == "callback" and c.promise_prob > 0]
    if not types or policy_for(cb).callbacks_ahead:
        return 1.0  # callbacks go first, at least when due or for some agents
    r, m = cb.reach_prob, cb.max_attempts
    per_callback = sum((1.0 - r) ** k * (r * (c.handle_time.mean + c.wrapup_s) + (1.0 - r) * cb.attempt_s) for k in range(m) for c in types[:1])
    callback_work = sum(c.share * c.promise_prob for c in types) * per_callback * needs  # agent-seconds per first contact
    inbound_handle = max(handle - callback_work / max(needs, 1e-9) / max(multiplier / needs, 1.0), 1e-9)
    rate, is_open = rates_week(scenario, days)
    staff = staff_week(scenario, days)
    dt = scenario.interval_s
    first = float((rate[is_open] * dt / 3600.0).sum())
    idle = float(np.maximum(0.0, staff[is_open] * dt - rate[is_open] * multiplier / 3600.0 * dt * inbound_handle).sum())
    demand = first * callback_work
    served = min(1.0, idle / demand) if demand > 0 else 1.0
    if served >= 1.0:
        return 1.0
    broken = 1.0 - served * (1.0 - (1.0 - r) ** m)
    reach = 1.0 - broken ** (1.0 / m)  # the reach that would break as many callbacks
    missed = dataclasses.replace(scenario, callbacks=dataclasses.replace(cb, reach_prob=reach))
    return failure_demand(missed).contacts / needs


def _blocked_redials(scenario, days: int, multiplier: float, handle: float, horizon: float) -> float:
    """Redials per contact that the fluid queue cannot see: a caller who finds every agent
    busy (Erlang B at the interval's load, for up to ``_EXACT_AGENTS`` agents) and whose
    patience ends before one frees up may redial, and a redial made before any agent frees
    up finds them all busy again. With short patience and quick redials a few agents busy
    at once make a storm of attempts even at a low average load. Where contact types have
    their own patience, each class of callers redials by its own law: the sum weighted by
    the classes' shares."""
    mix = [c for c in patience_classes(scenario) if c.spec.dist != "none" and c.spec.redial_prob > 0.0]
    if not mix:
        return 0.0
    rate, is_open = rates_week(scenario, days)
    lam = rate[is_open] * multiplier / 3600.0
    if lam.sum() <= 0.0:
        return 0.0
    n = np.floor(staff_week(scenario, days)[is_open])
    a = lam * handle
    blocked = np.ones_like(a)  # Erlang B by its recurrence, each interval stopping at its own n
    for k in range(1, int(min(n.max(initial=0.0), _EXACT_AGENTS)) + 1):
        step = a * blocked / (k + a * blocked)
        blocked = np.where(k <= n, step, blocked)
    blocked = np.where(n > _EXACT_AGENTS, np.clip(1.0 - n / np.maximum(a, 1e-300), 0.0, 1.0), blocked)
    frees = n / max(handle, 1e-9)  # agents freeing up per second when all are busy
    total = 0.0
    for c in mix:
        p = c.spec
        leave = 1.0 / (1.0 + frees * p.mean_s)  # patience (mean p.mean_s) ends before an agent frees
        still = 1.0 / ((1.0 + frees * p.mean_s) * (1.0 + frees * p.redial_delay_mean_s))  # nobody freed in one cycle
        again = p.redial_prob * np.maximum(blocked, still) * leave
        per_first = np.where(again < 1.0, blocked * leave * p.redial_prob / np.maximum(1.0 - again, 1e-300), np.inf)
        cycle = p.mean_s + p.redial_delay_mean_s
        total += c.share * float(min((lam * per_first).sum() / lam.sum(), horizon / cycle if cycle > 0 else math.inf))
    return total


#: Agents up to which the storm estimate computes Erlang B exactly (beyond, the fluid's).
_EXACT_AGENTS = 200


def _STAFFING(scenario) -> str:
    """The field that sets the agents on duty: ``agents.staffing``, or the groups'."""
    return "agent_groups" if scenario.agent_groups else "agents.staffing"


def estimate(scenario) -> Estimate:
    """The cost of one replication of ``scenario`` (see the module's description)."""
    from .counters import COUNTERS, GROUP_COUNTERS, QUEUE_COUNTERS

    sim = scenario.simulation
    ipd = scenario.intervals_per_day
    intervals = scenario.total_days * ipd
    horizon = intervals * scenario.interval_s
    first = scenario.expected_first_contacts()
    needs, needs_worst, handle = _needs_per_first(scenario)
    if scenario.workforce.enabled:
        wf = scenario.workforce
        handle *= (1.0 + wf.slowdown_morale_factor * 0.5) * (1.0 + (wf.new_hire_slowdown - 1.0) * 0.25)

    # redials: the continuation probability is redial_prob x the abandonment the fluid queue shows;
    # with per-type patience the queue's callers leave at the share-weighted hazard, and its pile-up
    # is bounded with the most patient callers' patience (simcenter.model.patience)
    mix = patience_classes(scenario)
    mixed_s, patient_s = mix_mean_s(mix), mix_mean_s([most_patient(mix)])
    days = min(scenario.total_days, 14)
    multiplier, fluid, end = needs, None, 0.0
    for _ in range(4):  # fixed point: abandonment -> redials -> load -> abandonment
        fluid, end = fluid_queue(scenario, days, multiplier, handle, patience_s=mixed_s)
        abandon = fluid.abandoned / fluid.offered if fluid.offered > 0 else 0.0
        new = needs * sum(c.share * _chain(c.spec.redial_prob * a, c.spec.redial_delay_mean_s, horizon) for c, a in abandoning(mix, abandon))
        if abs(new - multiplier) <= 1e-3 * multiplier:
            break
        multiplier = new
    multiplier = max(multiplier, needs * (1.0 + _blocked_redials(scenario, days, multiplier, handle, horizon)))
    multiplier *= _missed_callbacks(scenario, days, multiplier, handle, needs)
    pile = fluid
    if patient_s != mixed_s:  # the most patient callers pile up most: a queue of them all bounds the pile-up
        pile, end = fluid_queue(scenario, days, multiplier, handle, patience_s=patient_s)
    peak = pile.peak
    if scenario.total_days > days:  # a second fortnight from where the first ended: growth per fortnight
        again, end2 = fluid_queue(scenario, days, multiplier, handle, start_queue=end, patience_s=patient_s)
        growth = max(0.0, end2 - end)
        peak = max(peak, again.peak + growth * max(0, scenario.total_days / days - 2))
    peak = max(peak, _after_closure_peak(scenario, days, multiplier, handle, patient_s))
    if scenario.agent_groups:  # several queues: a queue its groups cannot keep up with piles up on its own
        peak = max(peak, queues_peak(scenario, days, multiplier, handle / max(scenario.nominal_handle_s, 1e-9)))
    next_day = 2.0 if scenario.calendar.after_hours == "next_day" else 1.0
    contacts = first * multiplier * (1.0 + (next_day - 1.0) * _closed_share(scenario))
    first_worst = first + 6.0 * math.sqrt(first) + 20.0
    # each customer redials by their own type's law: a first contact's chain is at most the longest class's
    chains = [_chain(c.spec.redial_prob, c.spec.redial_delay_mean_s, horizon) if c.spec.dist != "none" else 1.0 for c in mix]
    redials_worst = max(chains)
    bound = first_worst * needs_worst * redials_worst * next_day

    # what is pending at once beside the queue, by what keeps it pending
    per_s = contacts / horizon if horizon else 0.0
    redialling = [(fluid.peak_abandon_rate * w * c.spec.redial_prob * c.spec.redial_delay_mean_s, c.key) for c, w in abandoners(mix)]
    pending = {_STAFFING(scenario): peak, max(redialling)[1] + ".redial_delay_mean_s": sum(v for v, _ in redialling)}
    if scenario.has_promises:
        for i, c in enumerate(scenario.contact_types):
            share = c.share * c.promise_prob * per_s
            if c.promise_kind == "callback":
                waiting = share * min(horizon, _delay_s(c.promise_due))
            else:
                broken = max([c.noncompliance] + [o.noncompliance for o in scenario.promises.outages])
                waiting = share * broken * min(horizon, _delay_s(c.promise_due) + _delay_s(scenario.promises.notice_delay))
            pending[f"contact_types[{i}].promise_due"] = waiting
    if scenario.calendar.after_hours == "next_day":  # deferred through the longest closure (a day at least)
        start, stop = longest_closure(scenario)
        pending["arrivals.after_hours_calls_per_hour"] = scenario.arrivals.after_hours_calls_per_hour * max(24.0, (stop - start) / 3600.0)
    in_flight_field = max(pending, key=pending.get)
    in_flight = sum(pending.values())
    counters = len(COUNTERS)
    n_types, n_groups = len(scenario.contact_types), len(scenario.agent_groups)
    if n_types > 1 or n_groups:  # per-queue books, per-group books and the flow (group x queue)
        counters += n_types * len(QUEUE_COUNTERS) + n_groups * len(GROUP_COUNTERS) + max(n_groups, 1) * n_types
    memory = PROCESS_BYTES + intervals * counters * BYTES_PER_COUNTER_CELL + in_flight * BYTES_PER_IN_FLIGHT
    reported = sim.days * ipd
    # the agents: each coming on duty is a process of the engine; agents as people are updated daily
    staff = staff_week(scenario, days)
    starts = float(np.maximum(0.0, np.diff(staff, prepend=0.0)).sum()) * scenario.total_days / days
    wf = scenario.workforce
    employed = float(max(wf.headcount, wf.target_headcount or 0)) if wf.enabled else 0.0
    agent_days = employed * scenario.total_days
    memory += float(staff.max(initial=0.0)) * BYTES_PER_AGENT + employed * BYTES_PER_EMPLOYED_AGENT
    cost = SECONDS_PER_CONTACT * (1.5 if scenario.has_promises else 1.0) * (1.6 if scenario.workforce.enabled else 1.0)
    seconds = contacts * cost + intervals * counters * 2e-7 + starts * SECONDS_PER_AGENT_START + agent_days * SECONDS_PER_AGENT_DAY
    driver, field = _driver(scenario, needs_worst, redials_worst, mix[chains.index(redials_worst)])
    return Estimate(first, contacts, bound, intervals, reported, peak, in_flight, memory, reported * counters * 8.0, seconds, driver,
                    field, in_flight_field, starts, agent_days)


def _after_closure_peak(scenario, days: int, multiplier: float, handle: float, patience_s: float) -> float:
    """The fluid's pile-up over ``days`` days from the start of the run's longest closure,
    when that closure lies beyond the first ``days`` days the estimate models (holidays,
    ``calendar.closed_dates``, break the weekly pattern): the callers deferred through it
    (``after_hours = "next_day"``) come back at once. 0 otherwise. Callers leave at one
    over ``patience_s`` (the most patient's, for a bound)."""
    start, stop = longest_closure(scenario)
    if stop <= days * 86_400.0:
        return 0.0
    first_day = max(0, min(int(start // 86_400.0), scenario.total_days - days))
    return fluid_queue(scenario, days, multiplier, handle, first_day=first_day, patience_s=patience_s)[0].peak


def _closed_share(scenario) -> float:
    """Share of first contacts arriving while the center is closed."""
    days = min(scenario.total_days, 7)
    rate, is_open = rates_week(scenario, days)
    total = rate.sum()
    return float(rate[~is_open].sum() / total) if total > 0 else 0.0


def _driver(scenario, needs_worst: float, redials_worst: float, redials) -> tuple[str, str]:
    """What multiplies the contacts most, and the key to change; ``redials``: the patience
    class (:class:`~simcenter.model.patience.PatienceClass`) with the longest redial chain."""
    if redials_worst >= needs_worst and redials_worst > 1.0:
        p, key = redials.spec, redials.key
        return (f"callers who abandon redial ({key}.redial_prob = {p.redial_prob:g}, mean redial delay "
                f"{p.redial_delay_mean_s:g} s, mean patience {p.mean_s:g} s)", f"{key}.redial_prob")
    if needs_worst > 1.0:
        i = max(range(len(scenario.contact_types)), key=lambda j: scenario.contact_types[j].promise_prob)
        c = scenario.contact_types[i]
        return (f"broken promises bring customers back (contact_types[{i}]: promise_prob {c.promise_prob:g}, "
                f"noncompliance {c.noncompliance:g}, due after {c.promise_due.mean_h:g} h)", f"contact_types[{i}].promise_due")
    return "first contacts", "arrivals"


# -- the limits -----------------------------------------------------------------------------------


def check(scenario) -> Estimate:
    """Refuse (``ScenarioError`` naming the field to change) a scenario that cannot run to
    its end within the limits of one replication; return its estimate."""
    sim = scenario.simulation
    intervals = scenario.total_days * scenario.intervals_per_day
    if intervals > MAX_INTERVALS:
        fits = next((m for m in (15, 30, 60, 120, 240, 360, 480, 720, 1440) if scenario.total_days * 1440 // m <= MAX_INTERVALS), 1440)
        raise ScenarioError(
            "simulation.interval_minutes",
            f"{sim.interval_minutes}-minute intervals over {scenario.total_days:,} days are {intervals:,} reporting intervals; "
            f"at most {MAX_INTERVALS:,} fit a run's counters and tables (use interval_minutes >= {fits} for this horizon, "
            "or fewer simulation.days)",
            value=sim.interval_minutes,
        )
    est = estimate(scenario)
    if est.contacts_bound > MAX_CONTACT_BOUND:
        raise ScenarioError(
            est.driver_field,
            f"a feedback loop with no end in sight: {est.driver}; in the worst case one replication makes "
            f"{_count(est.contacts_bound)} contacts (the limit is {MAX_CONTACT_BOUND:.0e}); lower the probability or lengthen the delay",
            value=est.contacts_bound,
        )
    if est.contacts > MAX_EXPECTED_CONTACTS:
        field = "arrivals" if est.driver_field == "arrivals" else est.driver_field
        raise ScenarioError(
            field,
            f"about {est.contacts:.3g} contacts per replication expected over {scenario.total_days} days "
            f"({est.driver}); the limit is {MAX_EXPECTED_CONTACTS:.0e} (shorten simulation.days or lower the rates)",
            value=est.contacts,
        )
    if est.waiting_peak > MAX_WAITING:
        mix = patience_classes(scenario)
        c = most_patient(mix)  # the pile-up is bounded with the most patient callers' patience
        callers = "callers" if len(mix) == 1 else "callers of " + ", ".join(scenario.contact_types[i].name for i in c.types)
        why = (f"with {c.key}.dist = none, {callers} never hang up, and" if c.spec.dist == "none"
               else f"with a mean patience of {c.spec.mean_s:g} s{'' if len(mix) == 1 else f' ({c.key}.mean_s)'}, {callers} wait long enough that")
        raise ScenarioError(
            _STAFFING(scenario),
            f"{why} about {est.waiting_peak:.3g} callers would be waiting at once (the limit is {MAX_WAITING:.0e}); "
            "staff for the load or give the callers a shorter patience",
            value=est.waiting_peak,
        )
    if est.agent_starts > MAX_AGENT_STARTS:
        raise ScenarioError(
            _STAFFING(scenario),
            f"about {est.agent_starts:.3g} agents come on duty over {scenario.total_days:,} days ({_STAFFING(scenario)} staffing x agents.scale, "
            f"every time the plan rises); the limit is {MAX_AGENT_STARTS:.0e} per replication: plan fewer agents or fewer days",
            value=est.agent_starts,
        )
    if est.agent_days > MAX_AGENT_DAYS:
        raise ScenarioError(
            "workforce.headcount",
            f"{scenario.workforce.headcount:,} agents as people over {scenario.total_days:,} days are {est.agent_days:.3g} agent-days "
            f"to follow; the limit is {MAX_AGENT_DAYS:.0e} per replication: fewer agents or fewer days",
            value=est.agent_days,
        )
    if est.in_flight_peak > MAX_IN_FLIGHT:
        raise ScenarioError(
            est.in_flight_field,
            f"about {est.in_flight_peak:.3g} contacts, redials and promises would be pending at once "
            f"(the limit is {MAX_IN_FLIGHT:.0e}); shorten the delays or lower the rates",
            value=est.in_flight_peak,
        )
    return est
