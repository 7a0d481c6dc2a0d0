"""Running a scenario: replications, seeds, and the results object."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from ..model.budget import Estimate, duration_text, estimate, machine_memory, megabytes
from ..model.center import run_replication
from ..errors import SimcenterError
from ..outputs import Inputs
from ..output.metrics import METRICS
from ..output.results import Results, stack
from ..scenario import Scenario
from ..schema import show_value

__all__ = ["simulate", "check_run"]


def simulate(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    trace: str | Path | None = None,
    agent_trace: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Simulate a scenario and return its :class:`~simcenter.output.results.Results`.

    Parameters
    ----------
    scenario : a :class:`Scenario`, or the path of a scenario file.
    replications : number of independent replications; defaults to
        ``simulation.replications``.
    seed : root seed; defaults to ``simulation.seed``. The same scenario and seed give
        the same numbers on every run.
    trace : if given, per-contact records are written to this file (CSV, or Parquet for
        a ``.parquet`` name) as the run goes.
    agent_trace : with ``workforce.enabled``, each agent's day (morale, presence,
        occupancy...) is written to this file (CSV or Parquet) as the run goes.
    progress : if given, called after each finished replication with the replications
        done and the replications in all, e.g. to draw a progress bar.

    >>> import simcenter
    >>> s = simcenter.Scenario.from_dict({"simulation": {"days": 1, "warmup_days": 0},
    ...     "arrivals": {"calls_per_hour": 60.0}, "agents": {"staffing": 3},
    ...     "contact_types": [{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 120.0}}]})
    >>> r = simcenter.simulate(s, replications=2, seed=7)
    >>> list(r.summary().columns)
    ['metric', 'mean', 'ci_low', 'ci_high', 'unit']
    """
    scenario_path = None
    if not isinstance(scenario, Scenario):
        scenario_path = scenario
        scenario = Scenario.from_file(scenario)
    n = scenario.simulation.replications if replications is None else replications
    root = scenario.simulation.seed if seed is None else seed
    for name, value, low, high in (("replications", n, 1, 100_000), ("seed", root, 0, 2**63 - 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SimcenterError(f"{name} must be an integer in [{low}, {high}], got {show_value(value)}")
    check_run(scenario, n)
    backlog, first = scenario.overload_backlog()
    if backlog >= 1.0:
        import warnings

        from ..errors import OverloadWarning

        never = [i for i in range(len(scenario.contact_types)) if scenario.patience_of(i).dist == "none"]
        callers = "callers" if len(never) == len(scenario.contact_types) else "callers of " + ", ".join(scenario.contact_types[i].name for i in never)
        keys = " and ".join(dict.fromkeys(f"{scenario.patience_key(i)}.dist" for i in never))
        warnings.warn(
            f"{scenario.name + ': ' if scenario.name else ''}from {first} the offered load exceeds the agents on duty and {callers} never hang up "
            f"({keys} = none): up to about {backlog:,.0f} first contacts wait at once; the results describe "
            "that pile-up, not a steady state",
            OverloadWarning,
            stacklevel=2,
        )
    if agent_trace is not None and not scenario.workforce.enabled:
        raise SimcenterError("agent_trace needs workforce.enabled = true (agents are otherwise not individuals)")
    with ExitStack() as stack_:
        from ..output.trace import AGENT_TRACE_FILE, TraceWriter

        inputs = Inputs(scenario_path)
        sink = stack_.enter_context(TraceWriter(trace, inputs=inputs)) if trace is not None else None
        agents = stack_.enter_context(TraceWriter(agent_trace, kind=AGENT_TRACE_FILE, inputs=inputs)) if agent_trace is not None else None
        runs = []
        for r in range(n):
            runs.append(run_replication(scenario, root, r, sink, agents))
            if progress is not None:
                progress(r + 1, n)
    return stack(scenario, root, runs)


def check_run(scenario: Scenario, replications: int, est: Estimate | None = None) -> Estimate:
    """Refuse (``SimcenterError``) a run whose replications would not fit in this machine's
    memory or would take more than a week; return the estimate
    (:func:`simcenter.model.budget.estimate`)."""
    est = est or estimate(scenario)
    budget = 0.5 * machine_memory()
    need = est.run_memory(replications, len(METRICS))
    if need > budget:
        fewer = max(1, int((budget - est.memory_bytes) // max(est.counter_bytes, 1.0)))
        raise SimcenterError(
            f"simulation.replications: {replications:,} replications of {est.reported_intervals:,} reported intervals need "
            f"about {megabytes(need)} of memory, more than half of this machine's {megabytes(machine_memory())}; "
            f"run at most {fewer:,} at once, or report on coarser intervals (simulation.interval_minutes)"
        )
    seconds = est.run_seconds(replications)
    if seconds > 7 * 86_400:
        raise SimcenterError(
            f"simulation.replications: {replications:,} replications would take about {duration_text(seconds)} on this machine "
            "(more than a week); run fewer, or shorten simulation.days"
        )
    return est
