"""Planning: what a planner decides with the model's help.

The exact Erlang formulas (:mod:`simcenter.planning.analytic`), staffing plans three ways
(:mod:`simcenter.planning.staffing`) and the staffing-against-recovery trade-off
(:mod:`simcenter.planning.tradeoff`).
"""
