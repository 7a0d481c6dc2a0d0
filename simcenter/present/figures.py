"""Figures from saved results: the plot kinds and how each is drawn.

:data:`PLOT_KINDS` is the registry ``simcenter plot --kind`` and ``simcenter report`` both
read: for each kind, which saved results it applies to and how it is drawn from them
(the drawing itself is in :mod:`simcenter.present.plots`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from . import plots
from ..errors import SimcenterError
from .saved import SavedResults

__all__ = ["PlotKind", "PLOT_KINDS", "KINDS", "figure", "describe", "applicable_kinds", "required_agents_table"]


def _staffing_param(r: SavedResults) -> str | None:
    return next((p for p in r.parameters if p in ("agents.staffing", "agents.scale")), None)


def _noncompliance_param(r: SavedResults) -> str | None:
    return next((p for p in r.parameters if p.endswith("noncompliance")), None)


def _is_sweep(r: SavedResults) -> bool:
    return r.kind == "sweep"


def _has_roster(r: SavedResults) -> bool:
    return r.kind == "run" and r.by_day is not None and r.by_day[r.by_day.metric == "headcount"]["mean"].notna().any()


def _can_require(r: SavedResults) -> bool:
    return _is_sweep(r) and bool(_staffing_param(r)) and bool(_noncompliance_param(r)) and "service_level" in set(r.summary.metric)


def _policies(r: SavedResults) -> list[str]:
    return [p for p in r.parameters if p not in (_staffing_param(r), _noncompliance_param(r))]


def _draw_staffing_curve(r: SavedResults, metric: str, x, y, target: float):
    staffing = _staffing_param(r)
    by = y or next((p for p in r.parameters if p != staffing), None)
    return plots.staffing_curves(_only(r.summary, r.parameters, keep=(staffing, by)), staffing, by, metric, target)


def _draw_heatmap(r: SavedResults, metric: str, x, y, target: float):
    x = x or r.parameters[0]
    y = y or next(p for p in r.parameters if p != x)
    return plots.heatmap(r.summary, x, y, metric)


def _draw_cost_frontier(r: SavedResults, metric: str, x, y, target: float):
    staffing, noncompliance = _staffing_param(r), _noncompliance_param(r)
    policy = y or _policies(r)[0]
    table = _required(r.summary, staffing, target, keep=(staffing, noncompliance, policy), parameters=r.parameters)
    return plots.cost_frontier(table, noncompliance, policy, staffing, net="cost_net")


@dataclass(frozen=True)
class PlotKind:
    """A kind of figure: which saved results it applies to, and how it is drawn from them
    (``draw(results, metric, x, y, target)``)."""

    applies: Callable[[SavedResults], bool]
    draw: Callable
    heading: str = ""
    #: ``caption(results, target)``: what the figure shows and how to read it, in words.
    caption: Callable[[SavedResults, float], str] = lambda r, target: ""


#: Every plot kind, in the order ``report`` draws them. ``simcenter plot --kind`` and
#: ``simcenter report`` both read this registry: a new kind is one entry and its function.
PLOT_KINDS: dict[str, PlotKind] = {
    "staffing-curve": PlotKind(lambda r: _is_sweep(r) and bool(_staffing_param(r)), _draw_staffing_curve),
    "heatmap": PlotKind(lambda r: _is_sweep(r) and len(r.parameters) >= 2, _draw_heatmap),
    "required-agents": PlotKind(_can_require, lambda r, metric, x, y, target: plots.required_agents(
        required_agents_table(r, target), x=_noncompliance_param(r))),
    "cost-frontier": PlotKind(lambda r: _can_require(r) and bool(_policies(r)) and "cost" in set(r.summary.metric), _draw_cost_frontier),
    "intraday": PlotKind(lambda r: r.kind == "run", lambda r, metric, x, y, target: plots.intraday(
        r.by_interval, r.scenario.simulation.interval_minutes, target)),
    "trajectories": PlotKind(_has_roster, lambda r, metric, x, y, target: plots.trajectories(r.by_day)),
    "demand": PlotKind(lambda r: r.kind == "run" and r.scenario.value.demand_feedback and r.by_day is not None,
                       lambda r, metric, x, y, target: plots.demand(r.by_day)),
}

#: The names of the plot kinds.
KINDS = tuple(PLOT_KINDS)


def describe(r: SavedResults, kind: str, target: float = 0.8) -> tuple[str, str]:
    """The heading and the caption, in words, of figure ``kind`` drawn from ``r``: what it
    shows, how to read it, which replications and intervals it rests on."""
    k = PLOT_KINDS[kind]
    return (k.heading or kind.replace("-", " ").capitalize()), k.caption(r, target)


def applicable_kinds(r: SavedResults) -> list[str]:
    """The plot kinds these results can draw."""
    return [name for name, kind in PLOT_KINDS.items() if kind.applies(r)]


def figure(r: SavedResults, kind: str, metric: str = "service_level", x: str | None = None, y: str | None = None,
           target: float = 0.8):
    """Draw plot ``kind`` (one of :data:`PLOT_KINDS`) from saved results."""
    if kind not in PLOT_KINDS:
        raise SimcenterError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not PLOT_KINDS[kind].applies(r):
        able = ", ".join(applicable_kinds(r)) or "none"
        raise SimcenterError(f"--kind {kind} does not apply to the {r.kind} results in {str(r.path)!r} (these can draw: {able})")
    for name, value in (("--x", x), ("--y", y)):
        if r.kind == "sweep" and value is not None and value not in r.parameters:
            raise SimcenterError(f"{name} {value!r} is not a swept parameter; swept: {', '.join(r.parameters)}")
    return PLOT_KINDS[kind].draw(r, metric, x, y, target)


def _only(summary: pd.DataFrame, parameters, keep) -> pd.DataFrame:
    """Rows at the first value of every swept parameter not in ``keep``."""
    for p in parameters:
        if p not in keep:
            summary = summary[summary[p] == sorted(summary[p].unique())[0]]
    return summary


def _required(summary, staffing, target, keep, parameters) -> pd.DataFrame:
    from ..planning.tradeoff import required_staffing

    return required_staffing(_only(summary, parameters, keep), staffing, target)


def required_agents_table(r: SavedResults, target: float = 0.8) -> pd.DataFrame:
    """Per swept noncompliance rate: the agents Erlang asks for (busiest interval), the
    adjusted Erlang estimate, and the fewest the simulation found meeting ``target``."""
    from ..planning.staffing import Target, adjusted_plan, erlang_plan

    staffing, noncompliance = _staffing_param(r), _noncompliance_param(r)
    table = _required(r.summary, staffing, target, keep=(staffing, noncompliance), parameters=r.parameters)
    goal = Target(target, r.scenario.service_level.target_s)
    rows = []
    sc = r.scenario  # the base plan, and each weekday's (agents.staffing_by_weekday)
    plan = sc.staffing_by_interval() + [n for day in range(min(7, sc.total_days)) for n in sc.staffing_on(day)]
    for row in table.to_dict("records"):
        s = r.scenario.replace({noncompliance: float(row[noncompliance])})
        found = row[staffing]
        if staffing == "agents.scale" and found == found:  # a scale of the base plan: its busiest interval
            found = round(found * max(plan))
        rows.append({"noncompliance": float(row[noncompliance]), "erlang": max(erlang_plan(s, goal)),
                     "adjusted": max(adjusted_plan(s, goal)), "simulated": found})
    return pd.DataFrame(rows).rename(columns={"noncompliance": noncompliance})
