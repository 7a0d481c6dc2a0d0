"""The plots planners read, with matplotlib (headless). Every function returns a
:class:`matplotlib.figure.Figure`; :func:`save` writes it as PNG or SVG.

Kinds (``simcenter plot RESULTS_DIR --kind KIND -o FILE``; the registry, headings and
captions are :mod:`simcenter.present.figures`):

``staffing-curve`` (sweep)
    a metric (service level by default) against the staffing (or ``--x``), one line per
    value of a second swept parameter (``--y``, e.g. the noncompliance rate), with 95%
    confidence bands over the replications and the target as a dashed line.
``heatmap`` (sweep)
    a metric over two swept parameters (``--x`` across, ``--y`` up), each cell labelled.
``required-agents`` (sweep over staffing and noncompliance)
    the agents needed for the target against noncompliance, in the busiest interval: Erlang
    on first contacts, Erlang adjusted for failure demand, and simulation.
``cost-frontier`` (sweep over staffing, noncompliance and a recovery policy)
    staffing needed and total cost against noncompliance, one line per recovery policy
    (``--y``), with the break-even points where the cheaper policy changes; with the
    customer-value accounts (``cost_net`` kept), the cost net of customer value too.
``intraday`` (a ``run --out`` directory)
    contacts offered and agents on duty per interval (both axes from zero), and the
    service level per interval with its band and the target, averaged over the days.
``trajectories`` (a ``run --out`` directory of a workforce scenario)
    morale and headcount over the weeks after warm-up, with 95% bands.
``demand`` (a ``run --out`` directory of a scenario with ``value.demand_feedback``)
    first contacts per week, beside what the calendar would have brought without the
    customers lost to churn and word of mouth, and the share of demand lost each week.

A sweep's swept parameters that a plot does not draw are fixed at one value each, and the
title says so on its second line (``note``): the same in every kind
(:mod:`simcenter.present.figures`). Axes, legends and titles name parameters and metrics in
words with their unit once (:mod:`simcenter.present.words`). Legends stand outside the
axes, so that they never cover data. Colours are the Okabe-Ito palette, which readers with
any common colour-vision deficiency can tell apart; lines also differ by marker.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from ..outputs import FileKind, check_file
from ..output.metrics import METRICS
from ..planning.tradeoff import break_even
from .words import metric_label, metric_words, parameter_label, parameter_words, value_words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE", "staffing_curves", "heatmap", "required_agents", "cost_frontier", "intraday", "trajectories", "demand", "save",
]

#: Okabe & Ito (2008), colour-blind-safe.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", ":", "-.")


def _figure(rows: int = 1, cols: int = 1, size=(7.0, 4.2), **kw):
    os.environ.setdefault("MPLBACKEND", "Agg")
    from matplotlib.figure import Figure  # no pyplot: no GUI, no global figure state

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def _label(name: str) -> str:
    """A metric or a parameter in words with its unit once: ``service level (fraction)``,
    ``staffing scale (× the plan)``."""
    return metric_label(name) if name in METRICS else parameter_label(name)


def _words(name: str) -> str:
    return metric_words(name) if name in METRICS else parameter_words(name)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(fig, title: str, note: str = "") -> None:
    """The figure's title; ``note`` (how the swept parameters it does not draw were fixed)
    on the lines below, wrapped to the figure's width."""
    width = max(40, int(fig.get_figwidth() * 13))
    lines = [title] + (textwrap.wrap(note, width) if note else [])
    fig.suptitle("\n".join(lines), fontsize=11)


def _legend(ax, **kw):
    """The axes' legend to their right, outside them: it cannot cover their data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False, **kw)


def _series(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = summary[summary.metric == metric]
    if rows.empty:
        raise SimcenterError(f"--metric {metric!r}: the results hold no such metric; they keep {', '.join(sorted(summary.metric.unique()))}")
    if rows["mean"].isna().all():
        raise SimcenterError(f"--metric {metric}: it has no value at any point of these results (nothing to divide by in every "
                             "replication: the mechanism it measures did not happen); choose another metric")
    return rows


def _one_per(rows: pd.DataFrame, columns: list[str], what: str) -> None:
    """Refuse rows that several sweep points share (a parameter not drawn still varies):
    drawing them would average or zigzag without saying so."""
    shared = rows.duplicated(subset=columns, keep=False)
    if shared.any():
        raise SimcenterError(f"{what}: {int(shared.sum())} rows share a value of {', '.join(columns)}; fix the other swept parameters "
                             "first (simcenter plot does, see --at)")


def _band_handle(colour="0.6"):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, alpha=0.3, linewidth=0)


def staffing_curves(summary: pd.DataFrame, agents: str, by: str | None = None, metric: str = "service_level",
                    target: float | None = None, note: str = "") -> "Figure":
    """``metric`` (default service level) against the swept parameter ``agents``, a line
    per value of ``by`` (e.g. the noncompliance rate), with 95% bands; ``target`` as a
    dashed line; ``note`` under the title."""
    rows = _series(summary, metric)
    _one_per(rows, [c for c in (agents, by) if c], "staffing curve")
    fig, ((ax,),) = _figure(size=(8.0, 4.4))
    groups = rows.groupby(by, sort=True) if by else [(None, rows)]
    for i, (value, g) in enumerate(groups):
        g = g.sort_values(agents)
        colour = PALETTE[i % len(PALETTE)]
        label = value_words(value) if by else f"{metric_words(metric)}, mean"
        ax.plot(g[agents], g["mean"], marker=MARKERS[i % len(MARKERS)], color=colour, label=label)
        ax.fill_between(g[agents], g["ci_low"], g["ci_high"], color=colour, alpha=0.2, linewidth=0)
    if target is not None:
        ax.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
    handles, labels = ax.get_legend_handles_labels()
    _legend(ax, handles=handles + [_band_handle()], labels=labels + ["95% confidence band"], title=parameter_label(by) if by else None)
    ax.set_xlabel(_label(agents))
    ax.set_ylabel(_label(metric))
    _title(fig, f"{_capital(metric_words(metric))} against {_words(agents)}" + (f", by {_words(by)}" if by else ""), note)
    ax.grid(alpha=0.3)
    return fig


def heatmap(summary: pd.DataFrame, x: str, y: str, metric: str, note: str = "") -> "Figure":
    """Mean ``metric`` over the grid of swept parameters ``x`` (across) and ``y`` (up), each
    cell labelled with its value; one sweep point per cell (fix any other swept parameter
    first); ``note`` under the title."""
    rows = _series(summary, metric)
    _one_per(rows, [x, y], "heatmap")
    grid = rows.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)
    fig, ((ax,),) = _figure(size=(7.5, 4.8))
    image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="cividis")
    ax.set_xticks(range(grid.shape[1]), [value_words(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [value_words(v) for v in grid.index])
    values = grid.to_numpy(float)
    middle = np.nanmean(values) if np.isfinite(values).any() else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color="white" if v < middle else "black")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    fig.colorbar(image, ax=ax, label=_label(metric))
    _title(fig, f"{_capital(metric_words(metric))} over {_words(x)} and {_words(y)}", note)
    return fig


#: The methods of :func:`required_agents`, in words.
METHODS = {"erlang": "Erlang A on first contacts", "adjusted": "Erlang A adjusted for failure demand", "simulated": "simulation"}


def required_agents(table: pd.DataFrame, x: str = "noncompliance", note: str = "", agents: str = "agents needed",
                    title: str | None = None) -> "Figure":
    """Agents needed against ``x`` (a column of ``table``), one line per method among the
    columns ``erlang``, ``adjusted``, ``simulated`` present; ``agents`` labels the y axis
    (say which interval the numbers count), ``note`` goes under the title."""
    fig, ((ax,),) = _figure(size=(8.0, 4.4))
    drawn = 0
    for i, (column, label) in enumerate(METHODS.items()):
        if column in table.columns:
            t = table.sort_values(x)
            ax.plot(t[x], t[column], marker=MARKERS[i], color=PALETTE[i], linestyle=LINESTYLES[i], label=label)
            drawn += 1
    if not drawn:
        raise SimcenterError("the table has none of the columns erlang, adjusted, simulated")
    ax.set_xlabel(_label(x) if x in METRICS or "." in x else x.replace("_", " "))
    ax.set_ylabel(agents)
    _title(fig, title or f"Agents needed against {_words(x) if '.' in x else x.replace('_', ' ')}", note)
    ax.grid(alpha=0.3)
    _legend(ax)
    return fig


def _dodge(xs: np.ndarray, i: int, n: int) -> np.ndarray:
    """``xs`` moved a little aside for the ``i``-th of ``n`` lines, so that equal points of
    different lines stay visible (6% of the smallest step between swept values)."""
    steps = np.diff(np.unique(xs))
    width = 0.06 * (steps.min() if len(steps) else 1.0)
    return xs + (i - (n - 1) / 2.0) * width


def cost_frontier(table: pd.DataFrame, x: str, policy: str, agents: str, cost: str = "cost", net: str | None = None,
                  note: str = "") -> "Figure":
    """From :func:`simcenter.planning.tradeoff.required_staffing`'s table: agents needed (left)
    and total cost at that staffing (right) against ``x``, one line per ``policy`` (each
    set a little aside so that equal values stay visible), with the break-even points where
    the cheaper policy changes. With ``net`` (``"cost_net"``, kept by a sweep with
    ``value.enabled``), the right panel also draws the cost net of customer value (dashed,
    open markers) and its own break-even points: the trade-off when loyalty and word of
    mouth count (not when it equals the cost: accounts off)."""
    fig, ((left, right),) = _figure(1, 2, size=(10.0, 4.8))
    net = net if net is not None and net in table.columns and not np.allclose(table[net], table[cost], equal_nan=True) else None
    groups = list(table.groupby(policy, sort=True))
    for i, (value, g) in enumerate(groups):
        g = g.sort_values(x)
        xs = _dodge(g[x].to_numpy(float), i, len(groups))
        name = value_words(value)
        style = dict(marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)])
        left.plot(xs, g[agents], **style, linestyle=LINESTYLES[i % len(LINESTYLES)], label=name)
        right.plot(xs, g[cost], **style, label=f"{name}: cost" if net else name)
        if net:
            right.plot(xs, g[net], **style, label=f"{name}: net of customer value", linestyle="--", markerfacecolor="none")
    marked = False
    for column in (cost, net) if net else (cost,):
        crossings = break_even(table, x, policy, column)
        for at, level in crossings[[x, column]].itertuples(index=False, name=None):
            right.plot([at], [level], marker="o", markersize=13, markerfacecolor="none", markeredgecolor="black", linestyle="none")
            marked = True
    if marked:
        right.plot([], [], marker="o", markersize=13, markerfacecolor="none", markeredgecolor="black", linestyle="none",
                   label="break-even: the cheaper policy changes")
    for ax in (left, right):
        ax.set_xlabel(_label(x))
        ax.grid(alpha=0.3)
    left.set_ylabel(_label(agents))
    right.set_ylabel(_label(cost))
    left.set_title("Staffing needed for the target", fontsize=10)
    right.set_title("Cost at that staffing (solid), net of customer value (dashed)" if net else "Total cost at that staffing", fontsize=10)
    handles, labels = right.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2 if net else min(4, len(labels)), frameon=False,
               title=parameter_label(policy), fontsize="small")
    _title(fig, f"Staffing needed and its cost against {_words(x)}, by {_words(policy)}", note)
    return fig


def _by_start(by_interval: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = by_interval[by_interval.metric == metric]
    return rows.groupby("start", sort=True)[["mean", "ci_low", "ci_high"]].mean()


def intraday(by_interval: pd.DataFrame, interval_minutes: float, target: float | None = None, note: str = "") -> "Figure":
    """From :meth:`Results.by_interval`: contacts offered and agents on duty per interval
    (top; both axes from zero) and the service level per interval (bottom), averaged over
    the days the table holds (the band: their 95% intervals, averaged)."""
    offered = _by_start(by_interval, "offered")
    staffed = _by_start(by_interval, "agent_hours")["mean"] / (interval_minutes / 60.0)
    sl = _by_start(by_interval, "service_level")
    fig, ((top,), (bottom,)) = _figure(2, 1, size=(10.0, 6.0), sharex=True)
    x = np.arange(len(offered))
    top.bar(x, offered["mean"], color=PALETTE[5], label="contacts offered (left axis)")
    top.set_ylabel(f"contacts offered per {interval_minutes:g}-minute interval")
    twin = top.twinx()
    twin.step(x, staffed.reindex(offered.index).to_numpy(), where="mid", color=PALETTE[3], linewidth=2,
              label="agents on duty (right axis)")
    twin.set_ylabel("agents on duty")
    top.set_ylim(bottom=0)
    twin.set_ylim(bottom=0)
    bottom.plot(x, sl["mean"], marker="o", color=PALETTE[0], label="service level, mean")
    bottom.fill_between(x, sl["ci_low"], sl["ci_high"], color=PALETTE[0], alpha=0.2, linewidth=0, label="95% confidence band")
    if target is not None:
        bottom.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
    bottom.set_ylabel(_label("service_level"))
    bottom.set_xlabel("interval start (hh:mm)")
    step = max(1, len(x) // 12)
    bottom.set_xticks(x[::step], list(offered.index[::step]))
    handles = [h for ax in (top, twin, bottom) for h in ax.get_legend_handles_labels()[0]]
    labels = [lab for ax in (top, twin, bottom) for lab in ax.get_legend_handles_labels()[1]]
    fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    _title(fig, "Contacts, agents and service level through the day (mean over the days)", note)
    return fig


def trajectories(by_day: pd.DataFrame, metrics=("morale_mean", "headcount"), note: str = "") -> "Figure":
    """From :meth:`Results.by_day` of a workforce scenario: each metric over the weeks,
    with 95% bands over replications."""
    fig, axes = _figure(len(metrics), 1, size=(9.0, 2.8 * len(metrics) + 0.4), sharex=True)
    for i, (metric, (ax,)) in enumerate(zip(metrics, axes)):
        rows = by_day[by_day.metric == metric].sort_values("day")
        if rows.empty or rows["mean"].isna().all():
            raise SimcenterError(f"no {metric!r} per day in these results (is workforce.enabled on?)")
        weeks = rows["day"].to_numpy(float) / 7.0
        ax.plot(weeks, rows["mean"], color=PALETTE[i], label="mean over replications")
        ax.fill_between(weeks, rows["ci_low"], rows["ci_high"], color=PALETTE[i], alpha=0.25, linewidth=0, label="95% confidence band")
        ax.set_ylabel(_label(metric))
        ax.grid(alpha=0.3)
        _legend(ax)
    axes[-1][0].set_xlabel("weeks after warm-up")
    _title(fig, " and ".join(_capital(metric_words(m)) if k == 0 else metric_words(m) for k, m in enumerate(metrics)) + " over the weeks",
           note)
    return fig


def demand(by_day: pd.DataFrame, note: str = "") -> "Figure":
    """From :meth:`Results.by_day` of a run with ``value.demand_feedback``: first contacts
    per full week (per day for runs under two weeks), mean over replications, beside those
    there would have been had no customer been lost to churn and word of mouth (top), and
    the share of demand lost (bottom)."""
    first = by_day[by_day.metric == "first_contacts"].set_index("day")["mean"].sort_index()
    eroded = by_day[by_day.metric == "first_contacts_eroded"].set_index("day")["mean"].reindex(first.index)
    if first.empty or eroded.isna().all():
        raise SimcenterError("no first_contacts and first_contacts_eroded per day in these results")
    width = 7 if len(first) >= 14 else 1
    n = len(first) // width
    came = first.to_numpy(float)[: width * n].reshape(n, width).sum(axis=1)
    lost = eroded.to_numpy(float)[: width * n].reshape(n, width).sum(axis=1)
    unit = "week" if width == 7 else "day"
    x = np.arange(1, n + 1) if width == 7 else np.arange(n)
    fig, ((top,), (bottom,)) = _figure(2, 1, size=(9.0, 5.8), sharex=True)
    top.plot(x, came + lost, color="0.4", linestyle="--", label="had no customer been lost (came + eroded)")
    top.plot(x, came, color=PALETTE[3], marker="o", markersize=3, label="first contacts that came")
    top.set_ylabel(f"first contacts per {unit}")
    fig.legend(*top.get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False)
    bottom.plot(x, 100.0 * lost / np.where(came + lost > 0, came + lost, 1.0), color=PALETTE[3], marker="o", markersize=3)
    bottom.set_ylabel(f"demand lost (% of the {unit})")
    bottom.set_xlabel("full weeks after warm-up" if width == 7 else "days after warm-up")
    from matplotlib.ticker import MaxNLocator

    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylim(bottom=0)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    _title(fig, "Demand eroded by customers lost to churn and word of mouth (mean over replications)", note)
    return fig


def __getattr__(name: str):
    if name == "KINDS":  # the plot kinds' names, once listed here; the registry is simcenter.present.report's
        from .figures import KINDS

        return KINDS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Plot files: PNG or SVG, recognised as simcenter's by their creator metadata.
PLOT_FILE = FileKind("plot", (".png", ".svg"))


def save(fig, path: str | Path, inputs=None) -> Path:
    """Write ``fig`` as PNG or SVG (by the file's suffix), atomically, where
    :func:`simcenter.outputs.check_file` allows (never over a file simcenter did not write)."""
    from .. import __version__
    from .._io import atomic_write_bytes

    path = check_file(path, PLOT_FILE, "-o", inputs)
    fmt = path.suffix.lower().lstrip(".")
    import io

    buf = io.BytesIO()
    creator = f"simcenter {__version__}"
    fig.savefig(buf, format=fmt, dpi=120, metadata={"Software": creator} if fmt == "png" else {"Creator": creator, "Date": None})
    atomic_write_bytes(path, buf.getvalue())
    return path
