"""Planning: what a planner decides with the model's help.

The exact Erlang formulas (:mod:`simcenter.planning.analytic`), staffing plans three ways
(:mod:`simcenter.planning.staffing`: by formula in :mod:`~simcenter.planning.erlangplans`,
the simulated plan in :mod:`~simcenter.planning.simplan` with its tests in
:mod:`~simcenter.planning.evidence` and a plan's runs in :mod:`~simcenter.planning.plansim`),
several skill groups (:mod:`simcenter.planning.skillstaff`) and the staffing-against-recovery
trade-off (:mod:`simcenter.planning.tradeoff`).
"""
