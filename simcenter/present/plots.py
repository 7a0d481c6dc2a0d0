"""The plots planners read, with matplotlib (headless). Every function returns a
:class:`matplotlib.figure.Figure`; :func:`save` writes it as PNG or SVG.

Kinds (``simcenter plot RESULTS_DIR --kind KIND -o FILE``):

``staffing-curve`` (sweep)
    service level against agents, one line per noncompliance rate (or any second swept
    parameter), with the 95% interval as a band and the target as a line.
``heatmap`` (sweep)
    any metric over two swept parameters.
``required-agents`` (sweep over staffing and noncompliance)
    the agents needed for the target against noncompliance: Erlang on first contacts,
    Erlang adjusted for failure demand, and simulation.
``cost-frontier`` (sweep over staffing, noncompliance and a recovery policy)
    agents needed and total cost against noncompliance, one line per recovery policy,
    with the break-even points where the cheaper policy changes; with the customer-value
    accounts (``cost_net`` kept), the cost net of customer value too.
``intraday`` (a ``run --out`` directory)
    offered contacts and agents on duty per interval, and the service level per interval.
``trajectories`` (a ``run --out`` directory of a workforce scenario)
    morale and headcount over the weeks, with 95% bands.
``demand`` (a ``run --out`` directory of a scenario with ``value.demand_feedback``)
    first contacts per week, beside what the calendar would have brought without the
    customers lost to churn and word of mouth, and the share of demand lost each week.

Colours are the Okabe-Ito palette, which readers with any common colour-vision deficiency
can tell apart; lines also differ by marker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from ..outputs import FileKind, check_file
from ..output.metrics import METRICS
from ..planning.tradeoff import break_even

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE", "staffing_curves", "heatmap", "required_agents", "cost_frontier", "intraday", "trajectories", "demand", "save",
]

#: Okabe & Ito (2008), colour-blind-safe.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

def _figure(rows: int = 1, cols: int = 1, size=(7.0, 4.2), **kw):
    os.environ.setdefault("MPLBACKEND", "Agg")
    from matplotlib.figure import Figure  # no pyplot: no GUI, no global figure state

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def _label(name: str) -> str:
    """Axis label with unit: ``service_level (fraction)``, ``agents.staffing (agents)``."""
    if name in METRICS:
        unit = METRICS[name][1]
        return f"{name.replace('_', ' ')} ({unit})"
    from ..scenario import parameter_unit

    unit = parameter_unit(name)
    return f"{name} ({unit})" if unit and unit != "-" else name


def _short(key: str) -> str:
    """The last part of a dotted key, for titles: ``contact_types.x.noncompliance`` -> ``noncompliance``."""
    return key.rsplit(".", 1)[-1]


def _series(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = summary[summary.metric == metric]
    if rows.empty:
        raise SimcenterError(f"--metric {metric!r}: the results hold no such metric; they keep {', '.join(sorted(summary.metric.unique()))}")
    return rows


def staffing_curves(summary: pd.DataFrame, agents: str, by: str | None = None, metric: str = "service_level",
                    target: float | None = None) -> "Figure":
    """``metric`` (default service level) against the staffing parameter ``agents``, a
    line per value of ``by`` (e.g. the noncompliance rate), with 95% bands."""
    rows = _series(summary, metric)
    fig, ((ax,),) = _figure()
    groups = rows.groupby(by, sort=True) if by else [(None, rows)]
    for i, (value, g) in enumerate(groups):
        g = g.sort_values(agents)
        colour = PALETTE[i % len(PALETTE)]
        label = f"{by} = {value:g}" if by and isinstance(value, (int, float)) else (f"{by} = {value}" if by else metric)
        ax.plot(g[agents], g["mean"], marker=MARKERS[i % len(MARKERS)], color=colour, label=label)
        ax.fill_between(g[agents], g["ci_low"], g["ci_high"], color=colour, alpha=0.2, linewidth=0)
    if target is not None:
        ax.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
    ax.set_xlabel(_label(agents))
    ax.set_ylabel(_label(metric))
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} against staffing (95% bands)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return fig


def heatmap(summary: pd.DataFrame, x: str, y: str, metric: str) -> "Figure":
    """Mean ``metric`` over the grid of swept parameters ``x`` and ``y`` (averaged over
    any other swept parameter), each cell labelled with its value."""
    rows = _series(summary, metric)
    grid = rows.pivot_table(index=y, columns=x, values="mean", aggfunc="mean").sort_index().sort_index(axis=1)
    fig, ((ax,),) = _figure(size=(7.0, 4.8))
    image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="cividis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in grid.index])
    values = grid.to_numpy(float)
    middle = np.nanmean(values) if np.isfinite(values).any() else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color="white" if v < middle else "black")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    fig.colorbar(image, ax=ax, label=_label(metric))
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} over {_short(x)} and {_short(y)}", fontsize=10)
    return fig


def required_agents(table: pd.DataFrame, x: str = "noncompliance") -> "Figure":
    """Agents needed against ``x`` (a column of ``table``), one line per method among the
    columns ``erlang``, ``adjusted``, ``simulated`` present."""
    fig, ((ax,),) = _figure()
    names = {"erlang": "Erlang (first contacts)", "adjusted": "Erlang adjusted for failure demand", "simulated": "simulation"}
    drawn = 0
    for i, (column, label) in enumerate(names.items()):
        if column in table.columns:
            t = table.sort_values(x)
            ax.plot(t[x], t[column], marker=MARKERS[i], color=PALETTE[i], label=label, drawstyle="default")
            drawn += 1
    if not drawn:
        raise SimcenterError("the table has none of the columns erlang, adjusted, simulated")
    ax.set_xlabel(_label(x) if x in METRICS or "." in x else f"{x} (probability)")
    ax.set_ylabel("agents needed (agents)")
    ax.set_title("Agents needed for the target against noncompliance")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return fig


def cost_frontier(table: pd.DataFrame, x: str, policy: str, agents: str, cost: str = "cost", net: str | None = None) -> "Figure":
    """From :func:`simcenter.planning.tradeoff.required_staffing`'s table: agents needed (left)
    and total cost at that staffing (right) against ``x``, one line per ``policy``, with
    the break-even points where the cheaper policy changes. With ``net`` (``"cost_net"``,
    kept by a sweep with ``value.enabled``), the right panel also draws the cost net of
    customer value (dashed, open markers) and its own break-even points: the trade-off
    when loyalty and word of mouth count (not when it equals the cost: accounts off)."""
    fig, ((left, right),) = _figure(1, 2, size=(10.0, 4.2))
    net = net if net is not None and net in table.columns and not np.allclose(table[net], table[cost], equal_nan=True) else None
    for i, (value, g) in enumerate(table.groupby(policy, sort=True)):
        g = g.sort_values(x)
        name = f"{policy} = {value:g}" if isinstance(value, (int, float)) else f"{policy} = {value}"
        style = dict(marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)], label=name)
        left.plot(g[x], g[agents], **style)
        right.plot(g[x], g[cost], **{**style, "label": f"{name}: cost" if net else name})
        if net:
            right.plot(g[x], g[net], **{**style, "label": f"{name}: net of customer value"}, linestyle="--", markerfacecolor="none")
    marked = False
    for column in (cost, net) if net else (cost,):
        crossings = break_even(table, x, policy, column)
        for at, level in crossings[[x, column]].itertuples(index=False, name=None):
            right.plot([at], [level], marker="o", markersize=11, markerfacecolor="none", markeredgecolor="black", linestyle="none")
            marked = True
    if marked:
        right.plot([], [], marker="o", markerfacecolor="none", markeredgecolor="black", linestyle="none", label="break-even")
    left.set_xlabel(_label(x))
    right.set_xlabel(_label(x))
    left.set_ylabel(f"needed: {_label(agents)}")
    right.set_ylabel(_label(cost))
    left.set_title("Staffing needed for the target")
    right.set_title("Cost at that staffing (solid), net of customer value (dashed)" if net else "Total cost at that staffing")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    right.legend(frameon=False, fontsize="small" if net else None)
    return fig


def _by_start(by_interval: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = by_interval[by_interval.metric == metric]
    return rows.groupby("start", sort=True)[["mean", "ci_low", "ci_high"]].mean()


def intraday(by_interval: pd.DataFrame, interval_minutes: float, target: float | None = None) -> "Figure":
    """From :meth:`Results.by_interval`: offered contacts and agents on duty per interval
    (top) and the service level per interval (bottom), averaged over the days."""
    offered = _by_start(by_interval, "offered")
    staffed = _by_start(by_interval, "agent_hours")["mean"] / (interval_minutes / 60.0)
    sl = _by_start(by_interval, "service_level")
    fig, ((top,), (bottom,)) = _figure(2, 1, size=(9.0, 6.0), sharex=True)
    x = np.arange(len(offered))
    top.bar(x, offered["mean"], color=PALETTE[5], label="offered contacts")
    top.set_ylabel("offered (contacts per interval)")
    twin = top.twinx()
    twin.step(x, staffed.reindex(offered.index).to_numpy(), where="mid", color=PALETTE[3], linewidth=2, label="agents on duty")
    twin.set_ylabel("agents on duty (agents)")
    handles = top.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    top.legend(handles, ["offered contacts", "agents on duty"], frameon=False, loc="upper left")
    top.set_title("Intraday profile (mean over days)")
    bottom.plot(x, sl["mean"], marker="o", color=PALETTE[0], label="service level")
    bottom.fill_between(x, sl["ci_low"], sl["ci_high"], color=PALETTE[0], alpha=0.2, linewidth=0, label="95% interval")
    if target is not None:
        bottom.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
    bottom.set_ylabel(_label("service_level"))
    bottom.set_xlabel("interval start (hh:mm)")
    step = max(1, len(x) // 12)
    bottom.set_xticks(x[::step], list(offered.index[::step]))
    bottom.legend(frameon=False)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    return fig


def trajectories(by_day: pd.DataFrame, metrics=("morale_mean", "headcount")) -> "Figure":
    """From :meth:`Results.by_day` of a workforce scenario: each metric over the weeks,
    with 95% bands over replications."""
    fig, axes = _figure(len(metrics), 1, size=(8.0, 2.8 * len(metrics)), sharex=True)
    for i, (metric, (ax,)) in enumerate(zip(metrics, axes)):
        rows = by_day[by_day.metric == metric].sort_values("day")
        if rows.empty or rows["mean"].isna().all():
            raise SimcenterError(f"no {metric!r} per day in these results (is workforce.enabled on?)")
        weeks = rows["day"].to_numpy(float) / 7.0
        ax.plot(weeks, rows["mean"], color=PALETTE[i], label=f"{metric.replace('_', ' ')} (mean)")
        ax.fill_between(weeks, rows["ci_low"], rows["ci_high"], color=PALETTE[i], alpha=0.25, linewidth=0, label="95% band")
        ax.set_ylabel(_label(metric))
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    axes[-1][0].set_xlabel("weeks after warm-up (weeks)")
    axes[0][0].set_title("Agents over the weeks")
    return fig


def demand(by_day: pd.DataFrame) -> "Figure":
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
    fig, ((top,), (bottom,)) = _figure(2, 1, size=(8.0, 5.6), sharex=True)
    top.plot(x, came + lost, color="0.4", linestyle="--", label="had no customer been lost (came + eroded)")
    top.plot(x, came, color=PALETTE[3], marker="o", markersize=3, label="first contacts that came")
    top.set_ylabel(f"first contacts per {unit}")
    top.set_title("Demand eroded by customers lost to churn and word of mouth (mean over replications)")
    top.legend(frameon=False, loc="lower left")
    bottom.plot(x, 100.0 * lost / np.where(came + lost > 0, came + lost, 1.0), color=PALETTE[3], marker="o", markersize=3)
    bottom.set_ylabel(f"demand lost (% of the {unit})")
    bottom.set_xlabel("full weeks after warm-up" if width == 7 else "days after warm-up")
    bottom.set_ylim(bottom=0)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
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
