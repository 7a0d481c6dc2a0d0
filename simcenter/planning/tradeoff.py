"""Staffing and recovery trade-offs from sweep results.

A trade-off sweep varies the staffing (``agents.staffing`` or ``agents.scale``), the
noncompliance rate, and a recovery policy (``recovery.empowerment``, ``callbacks.priority``,
``callbacks.reserved_agents`` for a dedicated recovery team, ``recovery.training``...).
:func:`required_staffing` reads, for every other combination, the fewest agents whose
service level meets the target and the total cost there; :func:`break_even` finds where
two policies' costs cross as noncompliance grows. With the customer-value accounts on
(``value.enabled``), ``break_even(table, x, policy, "cost_net")`` weighs loyalty too: the
cost net of the value recoveries earn and broken promises, churn and word of mouth lose.

>>> import pandas as pd
>>> summary = pd.DataFrame({
...     "run_id": [0, 0, 1, 1, 2, 2, 3, 3],
...     "agents.staffing": [10, 10, 12, 12, 10, 10, 12, 12],
...     "recovery.empowerment": [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
...     "metric": ["service_level", "cost"] * 4,
...     "mean": [0.7, 900.0, 0.85, 1000.0, 0.82, 950.0, 0.9, 1100.0],
...     "ci_low": [0.0] * 8, "ci_high": [0.0] * 8})
>>> required_staffing(summary, "agents.staffing", 0.8)[["recovery.empowerment", "agents.staffing", "cost"]]
   recovery.empowerment  agents.staffing    cost
0                   0.0             12.0  1000.0
1                   1.0             10.0   950.0
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from ..errors import SimcenterError

__all__ = ["wide", "required_staffing", "break_even"]


def wide(summary: pd.DataFrame) -> pd.DataFrame:
    """A sweep's summary (one row per point and metric) as one row per point, one column
    per metric's mean."""
    table = summary.pivot_table(index=["run_id", *_params(summary)], columns="metric", values="mean", aggfunc="first").reset_index()
    table.columns.name = None
    return table


def required_staffing(summary: pd.DataFrame, staffing: str, target_level: float, metric: str = "service_level") -> pd.DataFrame:
    """For each combination of the other swept parameters, the smallest value of
    ``staffing`` whose mean ``metric`` is at least ``target_level`` (NaN when none
    is), with every metric's mean at that point (``cost`` among them when kept)."""
    table = wide(summary)
    if staffing not in table.columns:
        raise SimcenterError(f"the sweep does not vary {staffing!r}; swept: {', '.join(_params(summary))}")
    if metric not in table.columns:
        raise SimcenterError(f"the sweep did not keep {metric!r}")
    others = [p for p in _params(summary) if p != staffing]
    rows = []
    groups = table.groupby(others, sort=True, dropna=False) if others else [((), table)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        ok = group[group[metric] >= target_level].sort_values(staffing)
        base = dict(zip(others, key))
        if ok.empty:  # no staffing swept meets the target: every figure at it is unknown
            rows.append({**base, **{c: math.nan for c in table.columns if c not in ("run_id", *others)}})
        else:
            best = ok.iloc[0]
            rows.append({**base, **{c: best[c] for c in table.columns if c not in ("run_id", *others)}})
    return pd.DataFrame(rows)


def break_even(table: pd.DataFrame, x: str, policy: str, value: str = "cost") -> pd.DataFrame:
    """Where the ``value`` curves over ``x`` of two policies cross (linear interpolation
    between swept points): one row per pair of policies and crossing, with ``x`` and the
    ``value`` there, and which policy is cheaper beyond it.

    A crossing is where the cheaper policy really changes: curves that start equal, or
    touch and part again on the same side, do not cross. Where they are equal over a stretch
    between two sides, the crossing is where they first meet."""
    curves = {p: g.dropna(subset=[value]).sort_values(x) for p, g in table.groupby(policy, sort=True)}
    rows = []
    for a, b in itertools.combinations(curves, 2):
        merged = curves[a][[x, value]].merge(curves[b][[x, value]], on=x, suffixes=("_a", "_b"))
        xs, diff = merged[x].to_numpy(float), (merged[f"{value}_a"] - merged[f"{value}_b"]).to_numpy(float)
        ya = merged[f"{value}_a"].to_numpy(float)
        sides = [i for i in range(len(xs)) if diff[i] != 0]  # the points where one policy is cheaper
        for i, j in zip(sides, sides[1:]):
            if np.sign(diff[i]) == np.sign(diff[j]):
                continue
            if j > i + 1:  # equal from i + 1 on: they meet there
                at, level = xs[i + 1], ya[i + 1]
            else:
                t = diff[i] / (diff[i] - diff[j])
                at, level = xs[i] + t * (xs[j] - xs[i]), ya[i] + t * (ya[j] - ya[i])
            rows.append({"policy_a": a, "policy_b": b, x: float(at), value: float(level), "cheaper_beyond": b if diff[j] > 0 else a})
    return pd.DataFrame(rows, columns=["policy_a", "policy_b", x, value, "cheaper_beyond"])


_NOT_PARAMETERS = ("run_id", "metric", "mean", "ci_low", "ci_high", "rel_half_width", "replications")


def _params(summary: pd.DataFrame) -> list[str]:
    """The swept parameters: the summary's columns that are not the point, metric or figures."""
    return [c for c in summary.columns if c not in _NOT_PARAMETERS]
