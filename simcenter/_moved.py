"""Where modules lived before the package was laid out in layers.

Until version 0.1 every module sat directly in ``simcenter/``; users' scripts, notebooks
and the docs import some of them by those names (``simcenter.staffing``,
``simcenter.experiment``, ``simcenter.stats``...). Each old name is an alias of the module
that now holds its code: ``import simcenter.staffing`` gives the very module
``simcenter.planning.staffing`` (the same object, so patching one patches the other), and
the module is imported only when the old name is first used.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: Old module name -> the module that holds its code now.
MOVED = {
    "simcenter.analytic": "simcenter.planning.analytic",
    "simcenter.budget": "simcenter.model.budget",
    "simcenter.calendar": "simcenter.model.calendar",
    "simcenter.center": "simcenter.model.center",
    "simcenter.cli": "simcenter.present.cli",
    "simcenter.contact": "simcenter.model.contact",
    "simcenter.customer": "simcenter.model.customer",
    "simcenter.distributions": "simcenter.model.distributions",
    "simcenter.executors": "simcenter.run.executors",
    "simcenter.experiment": "simcenter.run.experiment",
    "simcenter.plots": "simcenter.present.plots",
    "simcenter.promises": "simcenter.model.promises",
    "simcenter.report": "simcenter.present.report",
    "simcenter.results": "simcenter.output.results",
    "simcenter.runner": "simcenter.run.runner",
    "simcenter.staffing": "simcenter.planning.staffing",
    "simcenter.stats": "simcenter.output.metrics",
    "simcenter.streams": "simcenter.model.streams",
    "simcenter.sweep": "simcenter.run.sweep",
    "simcenter.sweepfile": "simcenter.run.sweepfile",
    "simcenter.trace": "simcenter.output.trace",
    "simcenter.tradeoff": "simcenter.planning.tradeoff",
    "simcenter.workforce": "simcenter.model.workforce",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old name and loads it as the module that holds its code now."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        self._own = module.__spec__  # the import system is about to set the alias's spec on it
        return module

    def exec_module(self, module):
        module.__spec__ = self._own  # give the module its own spec back

    def get_code(self, fullname):
        """For ``python -m OLD_NAME``: run the module under its new name."""
        return compile(f"import runpy\nrunpy.run_module({MOVED[fullname]!r}, run_name='__main__', alter_sys=True)\n",
                       f"<{fullname}: {MOVED[fullname]}>", "exec")


def install() -> None:
    """Make the old names importable. Names already imported become aliases at once, and
    attributes of the package (``simcenter.experiment`` after ``import simcenter``, as
    before), unless the package has an attribute of that name already: ``simcenter.sweep``
    is the sweep function, and the import system must never set the sweep module over it."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
    package = sys.modules["simcenter"]
    for old, new in MOVED.items():
        if new in sys.modules and old not in sys.modules:
            sys.modules[old] = sys.modules[new]
            short = old.rpartition(".")[2]
            if not hasattr(package, short):
                setattr(package, short, sys.modules[new])
