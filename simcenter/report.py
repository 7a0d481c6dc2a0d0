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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import plots
from .errors import SimcenterError
from .outputs import FileKind
from .scenario import Scenario

__all__ = ["SavedResults", "load_results", "figure", "applicable_kinds", "html_report", "REPORT_FILE"]

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


def _read(path: Path, name: str) -> pd.DataFrame:
    if (path / f"{name}.parquet").exists():
        return pd.read_parquet(path / f"{name}.parquet")
    if (path / f"{name}.csv").exists():
        return pd.read_csv(path / f"{name}.csv")
    raise SimcenterError(f"{str(path)!r} has no {name}.parquet or {name}.csv")


def load_results(path: str | Path) -> SavedResults:
    """Read a sweep's or a run's results directory."""
    path = Path(path)
    if not path.is_dir():
        raise SimcenterError(f"{str(path)!r} is not a results directory")
    if (path / "sweep.json").exists():
        spec = json.loads((path / "sweep.json").read_text(encoding="utf-8"))
        scenario = Scenario.from_dict(spec["base"], source=str(path / "sweep.json"))
        summary = _read(path, "summary")
        parameters = tuple(spec["points"][0]) if spec.get("points") else ()
        return SavedResults("sweep", path, scenario, summary, parameters)
    if (path / "scenario.toml").exists():
        scenario = Scenario.from_file(path / "scenario.toml")
        return SavedResults("run", path, scenario, _read(path, "summary"), (), _read(path, "by_interval"), _read(path, "by_day"))
    raise SimcenterError(f"{str(path)!r} holds neither a sweep (sweep.json) nor a run (scenario.toml)")


def _staffing_param(r: SavedResults) -> str | None:
    return next((p for p in r.parameters if p in ("agents.staffing", "agents.scale")), None)


def _noncompliance_param(r: SavedResults) -> str | None:
    return next((p for p in r.parameters if p.endswith("noncompliance")), None)


def applicable_kinds(r: SavedResults) -> list[str]:
    """The plot kinds these results can draw."""
    if r.kind == "run":
        has_roster = r.by_day is not None and r.by_day[r.by_day.metric == "headcount"]["mean"].notna().any()
        return ["intraday"] + (["trajectories"] if has_roster else [])
    kinds = []
    staffing, noncompliance = _staffing_param(r), _noncompliance_param(r)
    if staffing:
        kinds.append("staffing-curve")
    if len(r.parameters) >= 2:
        kinds.append("heatmap")
    if staffing and noncompliance and "service_level" in set(r.summary.metric):
        kinds.append("required-agents")
        policies = [p for p in r.parameters if p not in (staffing, noncompliance)]
        if policies and "cost" in set(r.summary.metric):
            kinds.append("cost-frontier")
    return kinds


def figure(r: SavedResults, kind: str, metric: str = "service_level", x: str | None = None, y: str | None = None,
           target: float = 0.8):
    """Draw plot ``kind`` (see :mod:`simcenter.plots`) from saved results."""
    if kind not in plots.KINDS:
        raise SimcenterError(f"--kind must be one of {', '.join(plots.KINDS)}, got {kind!r}")
    if kind not in applicable_kinds(r):
        able = ", ".join(applicable_kinds(r)) or "none"
        raise SimcenterError(f"--kind {kind} does not apply to the {r.kind} results in {str(r.path)!r} (these can draw: {able})")
    if kind == "intraday":
        return plots.intraday(r.by_interval, r.scenario.simulation.interval_minutes, target)
    if kind == "trajectories":
        return plots.trajectories(r.by_day)
    staffing, noncompliance = _staffing_param(r), _noncompliance_param(r)
    for name, value in (("--x", x), ("--y", y)):
        if value is not None and value not in r.parameters:
            raise SimcenterError(f"{name} {value!r} is not a swept parameter; swept: {', '.join(r.parameters)}")
    if kind == "heatmap":
        x = x or r.parameters[0]
        y = y or next(p for p in r.parameters if p != x)
        return plots.heatmap(r.summary, x, y, metric)
    if kind == "staffing-curve":
        by = y or next((p for p in r.parameters if p != staffing), None)
        return plots.staffing_curves(_only(r.summary, r.parameters, keep=(staffing, by)), staffing, by, metric, target)
    if kind == "required-agents":
        return plots.required_agents(required_agents_table(r, target), x=noncompliance)
    policy = y or next(p for p in r.parameters if p not in (staffing, noncompliance))
    table = _required(r.summary, staffing, target, keep=(staffing, noncompliance, policy), parameters=r.parameters)
    return plots.cost_frontier(table, noncompliance, policy, staffing)


def _only(summary: pd.DataFrame, parameters, keep) -> pd.DataFrame:
    """Rows at the first value of every swept parameter not in ``keep``."""
    for p in parameters:
        if p not in keep:
            summary = summary[summary[p] == sorted(summary[p].unique())[0]]
    return summary


def _required(summary, staffing, target, keep, parameters) -> pd.DataFrame:
    from .tradeoff import required_staffing

    return required_staffing(_only(summary, parameters, keep), staffing, target)


def required_agents_table(r: SavedResults, target: float = 0.8) -> pd.DataFrame:
    """Per swept noncompliance rate: the agents Erlang asks for (busiest interval), the
    adjusted Erlang estimate, and the fewest the simulation found meeting ``target``."""
    from .staffing import Target, adjusted_plan, erlang_plan

    staffing, noncompliance = _staffing_param(r), _noncompliance_param(r)
    table = _required(r.summary, staffing, target, keep=(staffing, noncompliance), parameters=r.parameters)
    goal = Target(target, r.scenario.service_level.target_s)
    rows = []
    plan = r.scenario.staffing_by_interval()
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
    from . import __version__

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
        from .tradeoff import wide

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
