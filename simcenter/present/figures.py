"""Figures from saved results: the plot kinds, what each draws, and its words.

:data:`PLOT_KINDS` is the registry ``simcenter plot --kind`` and ``simcenter report`` both
read: for each kind, which saved results it applies to, which swept parameters it draws,
how it is drawn (the drawing itself is in :mod:`simcenter.present.plots`), and its heading
and caption in words (:func:`describe`).

A sweep often varies more parameters than a figure draws. Every kind treats the ones it
does not draw alike (:mod:`simcenter.present.slices`): each is fixed at one value (the one
asked for with ``at``, i.e. ``simcenter plot --at KEY=VALUE``; else the base scenario's
value where the sweep holds it; else the lowest swept), nothing is averaged over them, and
the figure's title says so on its second line, ``at recovery empowerment = 0 (of 0, 1)``,
as its caption does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from . import plots
from ..errors import SimcenterError
from .saved import SavedResults
from .slices import View, at_slice, fix, is_grid, noncompliance_param, parse_at, policies, staffing_param
from .words import metric_words, parameter_label, parameter_words, value_words

__all__ = ["PlotKind", "View", "PLOT_KINDS", "KINDS", "figure", "view", "describe", "applicable_kinds", "required_agents_table",
           "replications"]


def _is_sweep(r: SavedResults) -> bool:
    return r.kind == "sweep"


def _has_roster(r: SavedResults) -> bool:
    return r.kind == "run" and r.by_day is not None and r.by_day[r.by_day.metric == "headcount"]["mean"].notna().any()


def _can_require(r: SavedResults) -> bool:
    return _is_sweep(r) and bool(staffing_param(r)) and bool(noncompliance_param(r)) and "service_level" in set(r.summary.metric)


# -- which swept parameters each kind draws ---------------------------------------------


def _curve_axes(r: SavedResults, x, y):
    x = x or staffing_param(r)
    y = y or next((p for p in r.parameters if p != x), None)
    return x, y, (x, y) if y else (x,)


def _heatmap_axes(r: SavedResults, x, y):
    x = x or r.parameters[0]
    y = y or next(p for p in r.parameters if p != x)
    return x, y, (x, y)


def _required_axes(r: SavedResults, x, y):
    return noncompliance_param(r), None, (staffing_param(r), noncompliance_param(r))


def _frontier_axes(r: SavedResults, x, y):
    policy = y or policies(r)[0]
    if policy not in policies(r):
        raise SimcenterError(f"--y {policy!r}: the cost frontier's lines are a policy, a swept parameter other than the staffing and "
                             f"the noncompliance rate; these are: {', '.join(policies(r))}")
    return noncompliance_param(r), policy, (staffing_param(r), noncompliance_param(r), policy)


# -- the view: what one figure draws ----------------------------------------------------


def view(r: SavedResults, kind: str, metric: str = "service_level", x: str | None = None, y: str | None = None,
         target: float = 0.8, at=None) -> View:
    """What figure ``kind`` draws from ``r``: its axes, and the swept parameters it does not
    draw fixed (``at``: ``{KEY: VALUE}`` or ``"KEY=VALUE"`` strings, as ``--at``)."""
    if kind not in PLOT_KINDS:
        raise SimcenterError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not PLOT_KINDS[kind].applies(r):
        able = ", ".join(applicable_kinds(r)) or "none"
        raise SimcenterError(f"--kind {kind} does not apply to the {r.kind} results in {str(r.path)!r} (these can draw: {able})")
    return _resolve(r, kind, metric, x, y, target, at)


#: Kinds that search the staffing at every combination of the other swept parameters.
_SEARCHING = ("required-agents", "cost-frontier")


def _resolve(r: SavedResults, kind: str, metric: str, x, y, target: float, at) -> View:
    k = PLOT_KINDS[kind]
    if metric != "service_level" and "--metric" not in k.takes:  # the kind draws its own metrics
        raise SimcenterError(f"--metric does not apply to --kind {kind} (it draws its own metrics; --metric is for "
                             f"{', '.join(n for n, pk in PLOT_KINDS.items() if '--metric' in pk.takes)})")
    for name, value in (("--x", x), ("--y", y)):
        if value is None:
            continue
        if name not in k.takes:
            raise SimcenterError(f"{name} does not apply to --kind {kind}" + (f" (it takes {', '.join(k.takes)})" if k.takes else ""))
        if value not in r.parameters:
            raise SimcenterError(f"{name} {value!r} is not a swept parameter; swept: {', '.join(r.parameters)}")
    if k.axes is None:
        parse_at(r, at, ())
        return View(kind, metric, target)
    x, y, drawn = k.axes(r, x, y)
    if len(set(drawn)) < len(drawn):
        raise SimcenterError(f"--x and --y are both {x!r}; give two different swept parameters")
    fixed = fix(r, drawn, parse_at(r, at, drawn))
    if (fixed or kind in _SEARCHING) and not is_grid(r):
        raise SimcenterError(f"--kind {kind} needs a grid sweep (every combination of the swept values) and these results are not "
                             "one (a Latin hypercube runs each value once); a Latin hypercube over two parameters draws as --kind heatmap")
    return View(kind, metric, target, x, y, drawn, fixed, at_slice(r.summary, fixed))


# -- drawing --------------------------------------------------------------------------------

_TARGETED = ("service_level", "service_level_contract")


def _draw_staffing_curve(r: SavedResults, v: View):
    return plots.staffing_curves(v.summary, v.x, v.y, v.metric, v.target if v.metric in _TARGETED else None, note=v.note)


def _draw_heatmap(r: SavedResults, v: View):
    return plots.heatmap(v.summary, v.x, v.y, v.metric, note=v.note)


def _draw_required_agents(r: SavedResults, v: View):
    busiest = _busiest(r, v)
    return plots.required_agents(_required_table(r, v), x=v.x, note=v.note, agents=busiest["label"],
                                 title=f"Agents needed for {_target_words(r, v.target)}, against {parameter_words(v.x)}")


def _draw_cost_frontier(r: SavedResults, v: View):
    from ..planning.tradeoff import required_staffing

    staffing = staffing_param(r)
    table = required_staffing(v.summary, staffing, v.target)
    return plots.cost_frontier(table, v.x, v.y, staffing, net="cost_net", note=v.note)


# -- words: headings and captions -----------------------------------------------------------


def _target_words(r: SavedResults, target: float) -> str:
    return f"{100 * target:g}% answered within {r.scenario.service_level.target_s:g} s"


def replications(r: SavedResults, rows: pd.DataFrame | None = None) -> tuple[int, int] | None:
    """The fewest and the most replications behind the saved results (per point of a
    sweep, among ``rows`` if given): from the summary's ``replications`` column, else from
    ``sweep.json`` or ``run.json``, else the scenario's ``simulation.replications``."""
    table = r.summary if rows is None else rows
    if "replications" in table.columns:
        n = pd.to_numeric(table["replications"], errors="coerce").dropna()
        n = n[n > 0]
        if len(n):
            return int(n.min()), int(n.max())
    n = r.about.get("replications")  # as run.json or sweep.json recorded it (saved.load_results checks it)
    n = [n] if isinstance(n, int) else n
    if isinstance(n, list) and n and all(isinstance(k, int) and not isinstance(k, bool) and k > 0 for k in n):
        return min(n), max(n)
    n = r.scenario.simulation.replications
    return n, n


def _replications_words(r: SavedResults, rows=None) -> str:
    low, high = replications(r, rows)
    if low == high:
        return f"{low} replication{'s' if low != 1 else ''}"
    return f"{low} to {high} replications (as many as each needed for its precision)"


def _days_words(r: SavedResults, v: View | None = None) -> str:
    swept = set(r.parameters) & {"simulation.days", "simulation.warmup_days"}
    if swept:
        return "the simulated days of each point (swept)"
    sim = r.scenario.simulation
    days = f"{sim.days} simulated day{'s' if sim.days != 1 else ''}"
    return days + (f" after {sim.warmup_days} day{'s' if sim.warmup_days != 1 else ''} of warm-up" if sim.warmup_days else "")


def _why(f) -> str:
    if f.why == "asked":
        return "as asked"
    if f.why == "base":
        return "the base scenario's value"
    base = f" ({value_words(f.base)})" if isinstance(f.base, (int, float, str)) else ""
    return f"the lowest swept, the base scenario's value{base} not being among them"


def _fixed_words(v: View) -> str:
    if not v.fixed:
        return ""
    each = "; ".join(f"{f.words()}, {_why(f)}" for f in v.fixed)
    return (f" The sweep's other swept parameters are each fixed at one value, not averaged over: {each}. "
            "simcenter plot --at KEY=VALUE draws another slice.")


def _sweep_basis(r: SavedResults, v: View, each: str = "point") -> str:
    return f"Each {each} is the mean of {_replications_words(r, v.summary)} of {_days_words(r, v)}."


def _caption_staffing_curve(r: SavedResults, v: View) -> str:
    lines = f", one line per {parameter_label(v.y)}" if v.y else ""
    target = (f" The dashed line is the target, {_target_words(r, v.target)}: the first point of a line above it is the least "
              f"{parameter_words(v.x)} that meets it.") if v.metric in _TARGETED else ""
    return (f"The mean {metric_words(v.metric)} against {parameter_label(v.x)}{lines}. {_sweep_basis(r, v)} The shaded bands are "
            f"95% confidence intervals over the replications.{target}{_fixed_words(v)}")


def _caption_heatmap(r: SavedResults, v: View) -> str:
    return (f"The mean {metric_words(v.metric)} at every combination of two swept parameters, {parameter_label(v.x)} across and "
            f"{parameter_label(v.y)} up, each cell labelled with its value; the colour scale (cividis) runs from dark (low) to "
            f"light (high). {_sweep_basis(r, v, 'cell')} The cells show means only; their 95% intervals are in the sweep's "
            f"summary table.{_fixed_words(v)}")


def _caption_required_agents(r: SavedResults, v: View) -> str:
    busiest = _busiest(r, v)
    return (f"For each {parameter_words(v.x)}, the agents needed for {_target_words(r, v.target)}, found three ways: "
            f"the Erlang A formula on first contacts only, blind to the failure demand broken promises bring back; Erlang A on "
            f"the load with that failure demand (adjusted); and the simulation. {busiest['caption']} The simulated line rests on "
            f"{_replications_words(r, v.summary)} per swept point, of {_days_words(r, v)}, and moves in the steps of the "
            f"sweep's grid, at the least staffing whose mean service level meets the target; the formulas' lines are exact. "
            f"No intervals are drawn.{_fixed_words(v)}")


def _caption_cost_frontier(r: SavedResults, v: View) -> str:
    staffing = staffing_param(r)
    net = "cost_net" in set(v.summary.metric)
    return (f"Left: the least {parameter_label(staffing)} whose mean service level meets {_target_words(r, v.target)}, at each "
            f"{parameter_words(v.x)}, one line per {parameter_label(v.y)}. Right: the total cost at that staffing"
            + (" (solid) and the cost net of customer value, loyalty and word of mouth counted (dashed, open markers)" if net else "")
            + ". Circles mark break-even points, where the cheaper policy changes (interpolated between swept points); lines "
            "that start equal do not cross. Each line's points are set a little aside from the others' so that equal values "
            f"stay visible. {_sweep_basis(r, v)} No intervals are drawn.{_fixed_words(v)}")


def _run_days_words(r: SavedResults) -> str:
    sim = r.scenario.simulation
    return (f"{sim.days} simulated day{'s' if sim.days != 1 else ''}"
            + (f" after {sim.warmup_days} day{'s' if sim.warmup_days != 1 else ''} of warm-up" if sim.warmup_days else ""))


def _caption_intraday(r: SavedResults, v: View) -> str:
    m = r.scenario.simulation.interval_minutes
    open_days = r.by_interval["day"].nunique() if r.by_interval is not None else 0
    return (f"Top: the contacts offered in each {m:g}-minute interval (bars, left axis) and the agents on duty in it, "
            f"time-averaged (line, right axis); both axes start from zero. Bottom: the service level of each interval, with a "
            f"band of 95% confidence intervals over the replications, and the target as a dashed line "
            f"({_target_words(r, v.target)}). Each interval is averaged over the {open_days} open "
            f"day{'s' if open_days != 1 else ''} of the {_run_days_words(r)}, of {_replications_words(r)}; the band is the days' "
            "intervals averaged.")


def _caption_trajectories(r: SavedResults, v: View) -> str:
    return (f"Mean morale of the agents (top) and headcount (bottom) on each of the {_run_days_words(r)}, against weeks after "
            f"warm-up: the mean of {_replications_words(r)}, with 95% confidence bands over the replications.")


def _caption_demand(r: SavedResults, v: View) -> str:
    return (f"Top: the first contacts that came in each full week (each day, for runs under two weeks) of the "
            f"{_run_days_words(r)}, beside those there would have been had no customer been lost to churn and word of mouth "
            f"(dashed). Bottom: the share of demand so lost. Means of {_replications_words(r)}; no intervals are drawn.")


@dataclass(frozen=True)
class PlotKind:
    """A kind of figure: which saved results it applies to (``applies(results)``), which
    swept parameters it draws (``axes(results, x, y) -> (x, y, drawn)``; None for a run's
    figures), which of ``--x``/``--y`` it lets choose (``takes``), how it is drawn
    (``draw(results, view)``), its heading (with ``{metric}``, ``{x}``, ``{y}`` in words)
    and its caption (``caption(results, view)``)."""

    applies: Callable[[SavedResults], bool]
    draw: Callable
    heading: str = ""
    caption: Callable[[SavedResults, View], str] = lambda r, v: ""
    axes: Callable | None = None
    takes: tuple = ()


#: Every plot kind, in the order ``report`` draws them. ``simcenter plot --kind`` and
#: ``simcenter report`` both read this registry: a new kind is one entry and its function.
PLOT_KINDS: dict[str, PlotKind] = {
    "staffing-curve": PlotKind(lambda r: _is_sweep(r) and bool(staffing_param(r)), _draw_staffing_curve,
                               "{metric} against {x}", _caption_staffing_curve, _curve_axes, ("--x", "--y", "--metric")),
    "heatmap": PlotKind(lambda r: _is_sweep(r) and len(r.parameters) >= 2, _draw_heatmap,
                        "{metric} over {x} and {y}", _caption_heatmap, _heatmap_axes, ("--x", "--y", "--metric")),
    "required-agents": PlotKind(_can_require, _draw_required_agents,
                                "Agents needed for the target against {x}", _caption_required_agents, _required_axes),
    "cost-frontier": PlotKind(lambda r: _can_require(r) and bool(policies(r)) and "cost" in set(r.summary.metric), _draw_cost_frontier,
                              "Staffing needed and its cost against {x}, by {y}", _caption_cost_frontier, _frontier_axes, ("--y",)),
    "intraday": PlotKind(lambda r: r.kind == "run",
                         lambda r, v: plots.intraday(r.by_interval, r.scenario.simulation.interval_minutes, v.target),
                         "Contacts, agents and service level through the day", _caption_intraday),
    "trajectories": PlotKind(_has_roster, lambda r, v: plots.trajectories(r.by_day),
                             "Morale and headcount over the weeks", _caption_trajectories),
    "demand": PlotKind(lambda r: r.kind == "run" and r.scenario.value.demand_feedback and r.by_day is not None,
                       lambda r, v: plots.demand(r.by_day), "Demand lost to churn and word of mouth", _caption_demand),
}

#: The names of the plot kinds.
KINDS = tuple(PLOT_KINDS)


def describe(r: SavedResults, kind: str, target: float = 0.8) -> tuple[str, str]:
    """The heading and the caption, in words, of figure ``kind`` drawn from ``r`` (as
    ``simcenter report`` draws it: default metric and axes): what it shows, how to read it,
    which replications and days it rests on, and how swept parameters it does not draw
    were fixed."""
    v = view(r, kind, target=target)
    words = {"metric": metric_words(v.metric), "x": parameter_words(v.x) if v.x else "", "y": parameter_words(v.y) if v.y else ""}
    heading = PLOT_KINDS[kind].heading.format(**words)
    return heading[:1].upper() + heading[1:], PLOT_KINDS[kind].caption(r, v)


def applicable_kinds(r: SavedResults) -> list[str]:
    """The plot kinds these results can draw (with their default axes)."""
    return [name for name, kind in PLOT_KINDS.items() if kind.applies(r) and _drawable(r, name)]


def _drawable(r: SavedResults, kind: str) -> bool:
    try:
        _resolve(r, kind, "service_level", None, None, 0.8, None)
    except SimcenterError:
        return False
    if "--metric" in PLOT_KINDS[kind].takes:  # the default metric must have a value somewhere
        return bool(r.summary.loc[r.summary.metric == "service_level", "mean"].notna().any())
    return True


def figure(r: SavedResults, kind: str, metric: str = "service_level", x: str | None = None, y: str | None = None,
           target: float = 0.8, at: Mapping | Iterable[str] | None = None):
    """Draw plot ``kind`` (one of :data:`PLOT_KINDS`) from saved results; ``at`` fixes swept
    parameters the plot does not draw (``{KEY: VALUE}`` or ``"KEY=VALUE"`` strings)."""
    v = view(r, kind, metric, x, y, target, at)
    return PLOT_KINDS[kind].draw(r, v)


# -- the agents needed ------------------------------------------------------------------------


def _spans(scenario, indexes: list[int]) -> str:
    """Intervals of the open day (positions in ``open_intervals``) as clock spans, the
    adjoining ones merged: ``10:00–11:00``."""
    m = scenario.simulation.interval_minutes
    first = scenario.open_intervals.start
    clock = lambda k: f"{(k * m) // 60 % 24:02d}:{(k * m) % 60:02d}"  # noqa: E731
    runs, out = [], []
    for i in sorted(indexes):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    for a, b in runs:
        out.append(f"{clock(first + a)}–{clock(first + b + 1)}")
    return " and ".join(out)


def _busiest_of(values) -> list[int] | None:
    """Positions of the largest value; None when every interval is alike."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0 or np.allclose(values, values[0]):
        return None
    return [int(i) for i in np.flatnonzero(np.isclose(values, values.max()))]


def _plan_by_interval(scenario) -> list[int]:
    """Agents the scenario's plan puts in each open interval, the most over its weekdays."""
    plans = [scenario.staffing_by_interval()] + [scenario.staffing_on(d) for d in range(min(7, scenario.total_days))]
    return [max(column) for column in zip(*plans)]


def _busiest(r: SavedResults, v: View) -> dict:
    """Which interval the agents needed are counted in: the y axis's label and the caption's
    sentence. The formulas staff each interval of an average open day after warm-up (arrival
    rates averaged over the reported days) and the plot shows the busiest; the simulation's
    count is the flat staffing found, or the found scale's plan in its own busiest interval."""
    from ..planning.staffing import first_contact_rates

    s = r.scenario.replace(v.at) if v.at else r.scenario
    by_rate = _busiest_of(first_contact_rates(s))
    staffing = staffing_param(r)
    by_plan = _busiest_of(_plan_by_interval(s)) if staffing == "agents.scale" else None
    formulas = (f"The formulas staff each interval of an average open day after warm-up (arrival rates averaged over the reported "
                f"days) and the figure shows their busiest interval, {_spans(s, by_rate)}."
                if by_rate else "The formulas staff each interval of an average open day; the arrival rate is the same in every "
                "interval, and so are their counts.")
    if staffing == "agents.scale":
        sim = (f"The simulation's count is the plan scaled by the least swept staffing scale whose mean service level over the run "
               f"meets the target, in the plan's busiest interval ({_spans(s, by_plan) if by_plan else 'every interval alike'}).")
    else:
        sim = ("The simulation's count is the least number of agents on duty, the same in every interval, whose mean service "
               "level over the run meets the target.")
    if by_rate and (by_plan is None or by_plan == by_rate):
        label = f"agents needed, busiest interval {_spans(s, by_rate)}"
    elif by_rate:
        label = "agents needed in the busiest interval"
    else:
        label = "agents needed in each interval"
    return {"label": label, "caption": f"{formulas} {sim}"}


def _required_table(r: SavedResults, v: View) -> pd.DataFrame:
    from ..planning.staffing import Target, adjusted_plan, erlang_plan
    from ..planning.tradeoff import required_staffing

    staffing, noncompliance = staffing_param(r), noncompliance_param(r)
    table = required_staffing(v.summary, staffing, v.target)
    goal = Target(v.target, r.scenario.service_level.target_s)
    rows = []
    for row in table.to_dict("records"):
        s = r.scenario.replace({**v.at, noncompliance: float(row[noncompliance])})
        found = row[staffing]
        if found == found:  # the plan at the staffing found: its busiest interval (a flat staffing is every interval's)
            found = max(_plan_by_interval(s.replace({staffing: int(found) if staffing == "agents.staffing" else float(found)})))
        rows.append({noncompliance: float(row[noncompliance]), "erlang": max(erlang_plan(s, goal)),
                     "adjusted": max(adjusted_plan(s, goal)), "simulated": found})
    return pd.DataFrame(rows, columns=[noncompliance, "erlang", "adjusted", "simulated"])


def required_agents_table(r: SavedResults, target: float = 0.8, at=None) -> pd.DataFrame:
    """Per swept noncompliance rate: the agents Erlang asks for (busiest interval), the
    adjusted Erlang estimate, and the fewest the simulation found meeting ``target`` (in
    the busiest interval of the plan found), with the other swept parameters fixed as the
    required-agents figure fixes them (``at``)."""
    return _required_table(r, view(r, "required-agents", target=target, at=at))
