"""simcenter: a discrete-event simulator of contact-center workload.

Customers contact the center, wait in queue, are answered or hang up; agents work the
staffing plan. Broken promises turn into repeat contacts, longer handling and worn-out
agents. The plain queue is checked against the exact Erlang formulas in
:mod:`simcenter.planning.analytic`.

The package is laid out in layers, each using only the ones before it (see
``docs/background/architecture.md``): the scenario (:mod:`simcenter.scenario`), the model
(:mod:`simcenter.model`: the SimPy engine and its parts), the output (:mod:`simcenter.output`:
metrics, output analysis, results tables, traces), running (:mod:`simcenter.run`: replications,
comparisons, sweeps, executors), planning (:mod:`simcenter.planning`: Erlang formulas,
staffing, trade-offs), estimating (:mod:`simcenter.estimate`: a scenario fitted to a center's
contact log or interval report) and presenting (:mod:`simcenter.present`: plots, report, command line).

Quick use from Python::

    import simcenter
    scenario = simcenter.Scenario.from_file("scenarios/baseline.toml")
    results = simcenter.simulate(scenario.replace({"agents.staffing": 16}))
    results.summary()
"""

from . import _moved
from .errors import ScenarioError, SimcenterError
from .output.metrics import METRICS
from .output.results import Results
from .planning import analytic
from .run.experiment import compare
from .run.runner import simulate
from .run.sweep import sweep
from .scenario import Scenario

__version__ = "0.1.0"

_moved.install()


def __getattr__(name: str):
    # simcenter.fit is imported when first asked for: fitting needs scipy.stats, which every
    # other command would otherwise pay for at start-up
    if name == "fit":
        from .estimate.fitting import fit

        globals()["fit"] = fit
        return fit
    raise AttributeError(f"module 'simcenter' has no attribute {name!r}")

__all__ = ["Scenario", "ScenarioError", "SimcenterError", "Results", "METRICS", "simulate", "compare", "sweep", "fit", "analytic", "__version__"]
