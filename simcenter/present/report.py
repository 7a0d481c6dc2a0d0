"""Saved results to figures and a self-contained HTML report.

A results directory is either a sweep's (``simcenter sweep --out DIR``: ``summary`` and
``sweep.json``) or a run's (``simcenter run --out DIR``: ``by_interval``, ``by_day``,
``summary`` and ``scenario.toml``). :func:`figure` draws one plot kind from it;
:func:`html_report` puts the scenario, the summary table and every plot that applies into
one HTML page with the images inline (base64 PNG), so it opens anywhere without network
access.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from . import plots
from ..errors import SimcenterError
from ..outputs import FileKind
from ..scenario import Scenario
from ..output.metrics import METRICS

__all__ = ["SavedResults", "load_results", "figure", "applicable_kinds", "html_report", "REPORT_FILE", "PLOT_KINDS", "KINDS"]

#: The HTML report, recognised as simcenter's by its generator tag.
REPORT_FILE = FileKind("report", (".html", ".htm"))


@dataclass(frozen=True)
class SavedResults:
    kind: str  # "sweep" or "run"
    path: Path
    scenario: Scenario  # the base scenario (sweep) or the scenario as run
    summary: pd.DataFrame
    parameters: tuple = ()  # swept parameters (sweep)
    by_interval: pd.DataFrame | None = None
    by_day: pd.DataFrame | None = None


#: The largest table file a plot or report reads.
MAX_TABLE_BYTES = 512 * 2**20
_NUMBERS = ("mean", "ci_low", "ci_high")


def _bad(path: Path, what: str) -> SimcenterError:
    return SimcenterError(f"{str(path)!r}: {what}; these results cannot be read (run the command that wrote them again)")


def _read(path: Path, name: str, columns: dict) -> pd.DataFrame:
    """Table ``name`` of a results directory (Parquet, else CSV), checked: a regular file of
    bounded size, the ``columns`` given (name -> "int", "number", "text" or a tuple of
    allowed values), with values of those kinds; a finite number or none (NaN)."""
    import io

    import numpy as np

    from .._io import read_input_bytes

    for suffix in (".parquet", ".csv"):
        file = path / f"{name}{suffix}"
        if os.path.lexists(file):
            break
    else:
        raise SimcenterError(f"{str(path)!r} has no {name}.parquet or {name}.csv")
    try:
        data = io.BytesIO(read_input_bytes(file, MAX_TABLE_BYTES))
        df = pd.read_parquet(data) if suffix == ".parquet" else pd.read_csv(data)
    except Exception as err:  # pyarrow and pandas raise many kinds for a damaged file
        raise _bad(file, f"not a readable table ({type(err).__name__})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _bad(file, f"column {missing[0]!r} is missing")
    for column, kind in columns.items():
        values = df[column]
        if isinstance(kind, tuple):
            ok = values.isin(kind).all()
        elif kind == "text":
            ok = values.map(lambda v: isinstance(v, str)).all()
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            ok = not (numbers.isna() & values.notna()).any() and not np.isinf(numbers.to_numpy(dtype=float)).any()
            if ok and kind == "int":
                ok = bool((numbers.dropna() % 1 == 0).all()) and not numbers.isna().any()
            df[column] = numbers
        if not ok:
            raise _bad(file, f"column {column!r} holds values that are not {kind if not isinstance(kind, tuple) else 'allowed names'}")
    return df


def _sweep_points(path: Path) -> tuple[dict, list]:
    """The base scenario data and the points of a sweep's ``sweep.json``, checked."""
    from .._io import read_input_text

    file = path / "sweep.json"
    try:
        spec = json.loads(read_input_text(file, limit=MAX_TABLE_BYTES))
    except (OSError, ValueError) as err:
        raise _bad(file, f"not readable JSON ({str(err).splitlines()[0][:60]})") from None
    points = spec.get("points") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("base"), dict) or not isinstance(points, list) or not points:
        raise _bad(file, "not a sweep description (base and points)")
    keys = list(points[0]) if isinstance(points[0], dict) else None
    for point in points:
        if not isinstance(point, dict) or list(point) != keys or not all(
                isinstance(v, (int, float, str, bool)) and not (isinstance(v, float) and not math.isfinite(v)) for v in point.values()):
            raise _bad(file, "its points are not a table of swept values")
    return spec["base"], points


def load_results(path: str | Path) -> SavedResults:
    """Read and check a sweep's or a run's results directory; anything damaged or missing is
    a one-line :class:`SimcenterError` naming the file."""
    from ..outputs import read_manifest
    from ..scenario import WEEKDAYS

    path = Path(path)
    if not path.is_dir():
        raise SimcenterError(f"{str(path)!r} is not a results directory")
    manifest = read_manifest(path)
    kind = manifest["kind"] if manifest else ("sweep" if (path / "sweep.json").exists() else "run" if (path / "scenario.toml").exists() else None)
    metric = tuple(METRICS)
    if kind == "sweep":
        base, points = _sweep_points(path)
        scenario = Scenario.from_dict(base, source=str(path / "sweep.json"))
        parameters = tuple(points[0])
        summary = _read(path, "summary", {"run_id": "int", "metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        if not summary.run_id.between(0, len(points) - 1).all():
            raise _bad(path / "summary", "it names points the sweep does not have")
        if "queue" in summary.columns:  # several queues: the plots and the report show the center ("all")
            summary = summary[summary["queue"] == "all"].drop(columns="queue").reset_index(drop=True)
        values = pd.DataFrame(points)  # the swept values, as the sweep ran them
        summary = summary.drop(columns=[p for p in parameters if p in summary.columns]).astype({"run_id": int})
        summary = summary.merge(values.assign(run_id=range(len(points))), on="run_id", how="left")
        return SavedResults("sweep", path, scenario, summary, parameters)
    if kind == "run":
        scenario = Scenario.from_file(path / "scenario.toml")
        summary = _read(path, "summary", {"metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        by_interval = _read(path, "by_interval", {"day": "int", "weekday": WEEKDAYS, "interval": "int", "start": "text", "metric": metric,
                                                  **dict.fromkeys(_NUMBERS, "number")})
        by_day = _read(path, "by_day", {"day": "int", "weekday": WEEKDAYS, "metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        for name, table in (("by_interval", by_interval), ("by_day", by_day)):  # every metric, for every interval or day
            rows = table.groupby("metric").size()
            if set(rows.index) != set(summary.metric) or rows.nunique() > 1:
                raise _bad(path / name, "its metrics do not each have a row for every interval (or day)")
        return SavedResults("run", path, scenario, summary, (), by_interval, by_day)
    raise SimcenterError(f"{str(path)!r} holds neither a sweep (sweep.json) nor a run (scenario.toml)")


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


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def html_report(r: SavedResults, target: float = 0.8) -> str:
    """One self-contained HTML page: the scenario, the summary table, and every plot that
    applies, images inline."""
    from .. import __version__

    s = r.scenario
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f'<meta name="generator" content="simcenter {__version__}">',
        f"<title>simcenter report: {html.escape(s.name or '')}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}"
        "th{background:#f3f3f3}pre{background:#f7f7f7;padding:1rem;overflow:auto;font-size:.8rem}"
        "img{max-width:100%;display:block;margin:1rem 0}</style></head><body>",
        f"<h1>simcenter report: {html.escape(s.name or '')}</h1>",
        f"<p>{html.escape(s.description or '')}</p>",
        f"<p>{'Sweep over ' + html.escape(', '.join(r.parameters)) if r.kind == 'sweep' else 'Run'} "
        f"from <code>{html.escape(str(r.path))}</code>; simcenter {__version__}; service-level target {target:g} "
        f"within {s.service_level.target_s:g} s.</p>",
        "<h2>Summary</h2>",
    ]
    if r.kind == "sweep":
        from ..planning.tradeoff import wide

        table = wide(r.summary).drop(columns=["run_id"])
    else:
        table = r.summary
    parts.append(table.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))
    parts.append("<h2>Figures</h2>")
    for kind in applicable_kinds(r):
        fig = figure(r, kind, target=target)
        parts.append(f"<h3>{html.escape(kind)}</h3>")
        parts.append(f'<img alt="{html.escape(kind)}" src="data:image/png;base64,{_png(fig)}">')
    parts.append("<h2>Scenario</h2>")
    parts.append(f"<pre>{html.escape(s.to_toml())}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
