"""Running a scenario: replications, seeds, and the results object."""

from __future__ import annotations

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
    if trace is None:
        runs = [run_replication(scenario, root, r) for r in range(n)]
    else:
        from .trace import TraceWriter

        with TraceWriter(trace) as sink:
            runs = [run_replication(scenario, root, r, sink) for r in range(n)]
    return stack(scenario, root, runs)
