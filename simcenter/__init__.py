"""simcenter: a discrete-event simulator of contact-center workload.

Customers contact the center, wait in queue, are answered or hang up; agents work the
staffing plan. Broken promises (later releases) turn into repeat contacts, longer
handling and worn-out agents. The plain queue is checked against the exact Erlang
formulas in :mod:`simcenter.analytic`.

Quick use from Python::

    import simcenter
    scenario = simcenter.Scenario.from_file("scenarios/baseline.toml")
    results = simcenter.simulate(scenario.replace({"agents.staffing": 16}))
    results.summary()
"""

from . import analytic
from .errors import ScenarioError, SimcenterError
from .results import Results
from .runner import simulate
from .scenario import Scenario
from .stats import METRICS
from .sweep import sweep
from .experiment import compare

__version__ = "0.1.0"

__all__ = ["Scenario", "ScenarioError", "SimcenterError", "Results", "METRICS", "simulate", "compare", "sweep", "analytic", "__version__"]
