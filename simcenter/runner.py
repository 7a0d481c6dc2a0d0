"""Running a scenario: replications, seeds, and the results object."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from .center import run_replication
from .errors import SimcenterError
from .results import Results, stack
from .scenario import Scenario

__all__ = ["simulate"]


def simulate(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    trace: str | Path | None = None,
    agent_trace: str | Path | None = None,
) -> Results:
    """Simulate a scenario and return its :class:`~simcenter.results.Results`.

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

    >>> import simcenter
    >>> s = simcenter.Scenario.from_dict({"simulation": {"days": 1, "warmup_days": 0},
    ...     "arrivals": {"calls_per_hour": 60.0}, "agents": {"staffing": 3},
    ...     "contact_types": [{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 120.0}}]})
    >>> r = simcenter.simulate(s, replications=2, seed=7)
    >>> list(r.summary().columns)
    ['metric', 'mean', 'ci_low', 'ci_high', 'unit']
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_file(scenario)
    n = scenario.simulation.replications if replications is None else replications
    root = scenario.simulation.seed if seed is None else seed
    for name, value, low in (("replications", n, 1), ("seed", root, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SimcenterError(f"{name} must be an integer >= {low}, got {value!r}")
    backlog, first = scenario.overload_backlog()
    if backlog >= 1.0:
        import warnings

        from .errors import OverloadWarning

        warnings.warn(
            f"{scenario.name + ': ' if scenario.name else ''}from {first} the offered load exceeds the agents on duty and callers never hang up "
            f"(patience.dist = none): up to about {backlog:,.0f} first contacts wait at once; the results describe "
            "that pile-up, not a steady state",
            OverloadWarning,
            stacklevel=2,
        )
    if agent_trace is not None and not scenario.workforce.enabled:
        raise SimcenterError("agent_trace needs workforce.enabled = true (agents are otherwise not individuals)")
    with ExitStack() as stack_:
        from .trace import TraceWriter
        from .workforce import AGENT_LOG_COLUMNS

        sink = stack_.enter_context(TraceWriter(trace)) if trace is not None else None
        agents = stack_.enter_context(TraceWriter(agent_trace, columns=AGENT_LOG_COLUMNS)) if agent_trace is not None else None
        runs = [run_replication(scenario, root, r, sink, agents) for r in range(n)]
    return stack(scenario, root, runs)
